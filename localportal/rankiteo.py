"""A local copy of the Rankiteo blog (prefix "/rankiteo"); see localportal/aggregators.py."""

import ast
import pprint
import re
from dataclasses import dataclass

from localportal.aggcommon import (
    RANKITEO_LIVE,
    REAL,
    E,
    _breach_days,
    _day,
    _html,
    _long,
    _slug,
    _xml,
)
from localportal.server import Page


@dataclass
class RankiteoPost:
    post_id: str  # "mdu002091825"
    slug: str  # "mdu002091825-mount-diablo-...-september-2020"
    title: str
    post_type: str  # block A "type": Breach, Ransomware, Vulnerability, ...
    month: str  # block A "date": "9/2020"
    linkid: str
    data: dict  # block B
    narrative: list[str]
    source_url: str | None = None
    lastmod: str = "2025-09-18T09:12:00.000Z"
    blocks_in: str = "pre"  # "pre" (blocks in <pre><code>) or "p" (a <p> per line)
    severity: str = "85"
    impact: str = "4"
    explanation: str = "Attack with significant impact with customers data leaks"
    # Shown instead of `pprint(data)` when set: lets a test serve a malformed or hostile block.
    data_text: str | None = None

    @property
    def path(self) -> str:
        return f"/{self.slug}/"

    def key_values(self) -> dict[str, str]:
        return {
            "id": self.post_id, "linkid": self.linkid, "type": self.post_type,
            "date": self.month, "severity": self.severity, "impact": self.impact,
            "explanation": self.explanation,
        }  # fmt: skip


class RankiteoSite:
    """The Rankiteo blog's sitemaps and posts, under `prefix`."""

    def __init__(self, posts: list[RankiteoPost], prefix: str = "/rankiteo"):
        self.posts = posts
        self.prefix = prefix

    def handle(self, path: str, query: dict) -> Page | None:
        if path == "/robots.txt":
            return Page(
                f"User-agent: *\nSitemap: {RANKITEO_LIVE}/sitemap.xml\n".encode(),
                content_type="text/plain",
            )
        if path == "/sitemap.xml":
            return _xml(self.sitemap_index())
        if path == "/sitemap-posts.xml":
            return _xml(self.urlset([(p.path, p.lastmod) for p in self.posts]))
        if path == "/sitemap-pages.xml":
            return _xml(self.urlset([("/about/", "2025-03-01T00:00:00.000Z")]))
        if path == "/sitemap-tags.xml":
            tags = sorted({_slug(p.post_type) for p in self.posts})
            return _xml(self.urlset([(f"/tag/{t}/", self.newest()) for t in tags]))
        for post in self.posts:
            if path in (post.path, post.path.rstrip("/")):
                return _html(render_rankiteo_post(post))
        return None

    def newest(self) -> str:
        return max((p.lastmod for p in self.posts), default="2025-01-01T00:00:00.000Z")

    def sitemap_index(self) -> str:
        maps = "".join(
            f"<sitemap><loc>{RANKITEO_LIVE}/{name}</loc><lastmod>{self.newest()}</lastmod></sitemap>"
            for name in ("sitemap-pages.xml", "sitemap-posts.xml", "sitemap-tags.xml")
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<?xml-stylesheet type="text/xsl" href="//blog.rankiteo.com/sitemap.xsl"?>'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
        )

    @staticmethod
    def urlset(entries: list[tuple[str, str]]) -> str:
        urls = "".join(
            f"<url><loc>{RANKITEO_LIVE}{path}</loc><lastmod>{lastmod}</lastmod></url>"
            for path, lastmod in entries
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<?xml-stylesheet type="text/xsl" href="//blog.rankiteo.com/sitemap.xsl"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
            f"{urls}</urlset>"
        )


def render_rankiteo_post(post: RankiteoPost) -> str:
    """A Ghost post page: narrative, Source / TPRM lines, then the two data blocks."""
    items = list(post.key_values().items())
    a_lines = [
        f'"{k}": "{v}"' + ("," if i < len(items) - 1 else "") for i, (k, v) in enumerate(items)
    ]
    b_text = post.data_text if post.data_text is not None else pprint.pformat(post.data)
    if post.blocks_in == "p":
        blocks = "\n".join(f"<p>{E(line)}</p>" for line in [*a_lines, *b_text.splitlines()])
    else:
        a_text = "{\n" + "\n".join("    " + line for line in a_lines) + "\n}"
        blocks = f"<pre><code>{E(a_text)}</code></pre>\n<pre><code>{E(b_text)}</code></pre>"
    source = (
        f'<p>Source: <a href="{E(post.source_url)}">{E(post.source_url)}</a></p>'
        if post.source_url
        else ""
    )
    tprm = f"https://www.rankiteo.com/company/{post.linkid}"
    narrative = "\n".join(f"<p>{E(p)}</p>" for p in post.narrative)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{E(post.title)}</title>
<link rel="canonical" href="{RANKITEO_LIVE}{post.path}">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "Article", "headline": "{E(post.title)}", "dateModified": "{post.lastmod}"}}</script>
</head><body class="post-template">
<header class="gh-head"><a href="{RANKITEO_LIVE}/">Rankiteo Blog</a> <a href="{RANKITEO_LIVE}/tag/breach/">Breach</a> <a href="#/portal/signin">Sign in</a></header>
<main class="gh-main"><article class="gh-article post">
<h1 class="gh-article-title">{E(post.title)}</h1>
<section class="gh-content">
<h2>{E(post.title)}</h2>
{narrative}
{source}
<p>TPRM report: <a href="{tprm}">{tprm}</a></p>
{blocks}
</section></article></main>
<footer class="gh-foot">Rankiteo Blog</footer>
</body></html>
"""


def real_mount_diablo_post() -> RankiteoPost:
    """The real Mount Diablo post (CA sb24-195323), its data block read from the real text."""
    text = (REAL / "rankiteo-mount-diablo-usd.txt").read_text()
    start = text.index("{'affected_entities'")
    data = ast.literal_eval(text[start : text.index("\nGreat! Next", start)])
    narrative = text.splitlines()[4]
    return RankiteoPost(
        post_id="mdu002091825",
        slug="mdu002091825-mount-diablo-unified-school-district-breach-september-2020",
        title="Mount Diablo Unified School District",
        post_type="Breach",
        month="9/2020",
        linkid="mdusd",
        data=data,
        narrative=[narrative],
        source_url="https://oag.ca.gov/ecrime/databreach/reports/sb24-195323",
        lastmod="2025-09-18T09:12:00.000Z",
    )


def vulnerability_post() -> RankiteoPost:
    """A non-incident post (invented facts): the crawler must skip it."""
    return RankiteoPost(
        post_id="iva1736380800",
        slug="iva1736380800-ivanti-vulnerability-january-2025",
        title="Ivanti",
        post_type="Vulnerability",
        month="1/2025",
        linkid="ivanti",
        data={
            "affected_entities": [{"name": "Ivanti", "type": "Software Vendor"}],
            "attack_vector": "Stack-based buffer overflow in Connect Secure",
            "date_publicly_disclosed": "2025-01-08",
            "title": "Ivanti Connect Secure vulnerability CVE-2025-0282",
            "type": "Vulnerability",
            "vulnerability_exploited": "CVE-2025-0282",
        },
        narrative=["Ivanti disclosed a critical vulnerability in Connect Secure."],
        lastmod="2025-01-09T08:00:00.000Z",
        severity="60",
        impact="2",
        explanation="Attack limited on finance or reputation",
    )


def multi_victim_post() -> RankiteoPost:
    """A post naming two victims (invented facts), block lines in <p>s."""
    return RankiteoPost(
        post_id="amesup1768827650",
        slug="amesup1768827650-americorps-us-supreme-court-breach-january-2026",
        title="AmeriCorps, U.S. Supreme Court",
        post_type="Breach",
        month="1/2026",
        linkid="americorps",
        data={
            "affected_entities": [
                {
                    "name": "AmeriCorps",
                    "type": "Government Agency",
                    "customers_affected": "Approximately 1,200 members",
                },
                {"name": "U.S. Supreme Court", "type": "Government Agency"},
            ],
            "attack_vector": "Compromised credentials of a shared vendor's portal",
            "data_breach": {"type_of_data_compromised": ["Names", "Email addresses"]},
            "date_detected": "2026-01-12",
            "date_publicly_disclosed": "2026-01-19",
            "type": "Data Breach",
        },
        narrative=["AmeriCorps and the U.S. Supreme Court were affected by a vendor breach."],
        lastmod="2026-01-19T14:00:00.000Z",
        blocks_in="p",
    )


def _notice_url(notice: dict) -> str | None:
    for key in ("notice_url", "ca_notice_url", "me_notice_url", "url"):
        if notice.get(key):
            return notice[key]
    return None


def retold_rankiteo_post(notice: dict, index: int = 0) -> RankiteoPost:
    """A post retelling a state notice.

    Args:
        notice: `entity`; `breach_date` (or `breach_dates`) and `reported_date` as
            MM/DD/YYYY or YYYY-MM-DD; `notice_url` (the CA or Maine notice, shown as
            `Source:`); optional `discovered_date`, `total`, `data_types`, `lastmod`.
        index: makes the post id unique among several retold posts.
    """
    entity = notice["entity"]
    breach = _breach_days(notice)
    reported = _day(notice["reported_date"])
    first = breach[0] if breach else reported
    letters = re.sub(r"[^a-z]", "", entity.casefold())[:3] or "org"
    post_id = f"{letters}{index:03d}{reported:%m%d%y}"
    entity_data = {"name": entity, "type": "Organization", "location": "United States"}
    if notice.get("total") is not None:
        entity_data["customers_affected"] = notice["total"]
    data_types = notice.get("data_types") or ["Names", "Social Security numbers"]
    source = _notice_url(notice)
    data = {
        "affected_entities": [entity_data],
        "data_breach": {"type_of_data_compromised": data_types},
        "date_publicly_disclosed": reported.isoformat(),
        "type": "Data Breach",
    }
    if notice.get("discovered_date"):
        data["date_detected"] = _day(notice["discovered_date"]).isoformat()
    in_maine = bool(source) and "maine.gov" in source
    regulator = f"{'Maine' if in_maine else 'California'} Office of the Attorney General"
    return RankiteoPost(
        post_id=post_id,
        slug=f"{post_id}-{_slug(entity)}-breach-{first:%B}-{first.year}".lower(),
        title=entity,
        post_type="Breach",
        month=f"{first.month}/{first.year}",
        linkid=_slug(entity)[:20],
        data={
            **data,
            "description": f"The {regulator} reported that {entity} experienced a data "
            f"breach on {_long(first)}.",
            "references": [{"source": regulator}],
        },
        narrative=[
            f"{entity} suffered a data breach on {_long(first)}. The breach was reported to the "
            f"{regulator} on {_long(reported)}."
        ],
        source_url=source,
        lastmod=notice.get("lastmod") or f"{reported.isoformat()}T12:00:00.000Z",
        blocks_in="p" if index % 2 else "pre",
    )


def build_rankiteo_site(
    retold: list[dict] | None = None, prefix: str = "/rankiteo", defaults: bool = True
) -> RankiteoSite:
    """The Rankiteo copy: retold notices, plus (with `defaults`) the real Mount Diablo post,
    a Vulnerability post and a multi-victim post."""
    posts = [retold_rankiteo_post(n, i) for i, n in enumerate(retold or [])]
    if defaults:
        posts += [real_mount_diablo_post(), vulnerability_post(), multi_victim_post()]
    return RankiteoSite(posts, prefix=prefix)
