"""Local copies of two aggregators that retell state notices: the Rankiteo blog and CSIDB.

Neither site was ever captured as HTML, so both are reconstructions from the real page texts
in localportal/data/aggregators/ and the page structure described below. They exist so the demo and end-to-end tests show one incident told by several sources.

- Rankiteo (prefix "/rankiteo"), a Ghost blog: `/sitemap.xml` (a sitemap index whose `<loc>`s
  are live absolute URLs, as Ghost writes them) -> `/sitemap-posts.xml` (`<loc>` + `<lastmod>`)
  -> `/<id>-<slug>/` post pages carrying the two data blocks (key/value lines and a `pprint`
  dict) either in `<pre><code>` or in plain `<p>` lines.
- CSIDB (prefix "/csidb"), a Django app whose own paths start with `/csidb/`:
  `/csidb/incidents/<uuid>/` and `/csidb/organisations/<uuid>/`; the member-only search and
  login pages exist and are linked from the navigation, so a crawl that strays is visible in
  `PortalServer.requests`.

Builders take "retold" notices as plain dicts (see `build_rankiteo_site`, `build_csidb_site`).
"""

import ast
import html
import pprint
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from localportal.server import Page

REAL = Path(__file__).resolve().parent / "data" / "aggregators"
RANKITEO_LIVE = "https://blog.rankiteo.com"
E = html.escape
_UUID_NAMESPACE = uuid.UUID("2f6c1f0e-59a4-4c55-9d0e-6a3c1b1f7a10")


def _day(text: str) -> date:
    """A day written as MM/DD/YYYY (CA style) or YYYY-MM-DD."""
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a day: {text!r} (use MM/DD/YYYY or YYYY-MM-DD)")


def _long(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def _xml(body: str) -> Page:
    return Page(body.encode(), content_type="application/xml; charset=utf-8")


def _html(body: str) -> Page:
    return Page(body.encode())


# ================================ Rankiteo ====================================================


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


def _breach_days(notice: dict) -> list[date]:
    dates = notice.get("breach_dates") or [notice.get("breach_date")]
    return [_day(d) for d in dates if d]


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


# ================================ CSIDB =======================================================


@dataclass
class CsidbIncident:
    uuid: str
    name: str
    org_uuid: str
    month: str  # "Jul 2023"
    summary: str
    description: list[str]
    location: str = "United States of America"


@dataclass
class CsidbOrganisation:
    uuid: str
    name: str
    incident_uuids: list[str] = field(default_factory=list)
    website: str | None = None


class CsidbSite:
    """CSIDB's public incident and organisation pages, under `prefix`."""

    def __init__(
        self,
        incidents: list[CsidbIncident],
        organisations: list[CsidbOrganisation],
        prefix: str = "/csidb",
    ):
        self.incidents = {i.uuid: i for i in incidents}
        self.organisations = {o.uuid: o for o in organisations}
        self.prefix = prefix
        # Incidents shown to members only: anonymous requests are redirected to the login form.
        self.gated: set[str] = set()

    def handle(self, path: str, query: dict) -> Page | None:
        if path == "/robots.txt":
            return Page(b"User-agent: *\nDisallow: /accounts/\n", content_type="text/plain")
        if path.startswith("/accounts/"):
            return _html(_csidb_frame("Login", '<h1>Log in</h1><form method="post"></form>'))
        if path.startswith(("/csidb/sr/", "/csidb/advsearch/")):
            return _redirect(f"/accounts/login/?next={path}")
        if match := re.fullmatch(r"/csidb/(?:incidents|organisations)/[0-9a-f-]{36}", path):
            return _redirect(path + "/", status=301)  # Django's APPEND_SLASH
        if match := re.fullmatch(r"/csidb/incidents/([0-9a-f-]{36})/", path):
            if match[1] in self.gated:
                return _redirect(f"/accounts/login/?next={path}")
            incident = self.incidents.get(match[1])
            return _html(render_csidb_incident(incident, self)) if incident else None
        if match := re.fullmatch(r"/csidb/organisations/([0-9a-f-]{36})/", path):
            organisation = self.organisations.get(match[1])
            return _html(render_csidb_organisation(organisation, self)) if organisation else None
        return None


def _redirect(location: str, status: int = 302) -> Page:
    """A redirect as Django sends it: a root-relative live path in Location."""
    return Page(b"", status=status, headers={"Location": location})


def _csidb_frame(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{E(title)} - The Cyber Security Incident Database (CSIDB)</title></head>
<body><nav class="navbar"><a class="navbar-brand" href="/">CSIDB</a>
<a class="nav-link" href="/csidb/sr/i/">INCIDENTS</a> <a class="nav-link" href="/csidb/sr/o/">ORGANISATIONS</a>
<a class="nav-link" href="/csidb/advsearch/i/">Advanced search</a> <a class="nav-link" href="/accounts/login/">Login</a></nav>
<main class="container">
{body}
</main></body></html>
"""


def render_csidb_incident(incident: CsidbIncident, site: CsidbSite) -> str:
    paragraphs = [f"<p>{E(p)}</p>" for p in incident.description]
    paragraphs.insert(1, '<img src="/media/incident.png" alt="Cyber Incident Image">')
    body = f"""<h1>Cyber Incident Victim: <a class="link-info" href="/csidb/organisations/{incident.org_uuid}/">{E(incident.name)}</a></h1>
<dl class="row"><dt class="col-sm-2">Date:</dt><dd class="col-sm-10">{E(incident.month)}</dd>
<dt class="col-sm-2">Location:</dt><dd class="col-sm-10"><span class="flag-icon flag-icon-us"></span> {E(incident.location)}</dd></dl>
<h5>Summary</h5>
<p>{E(incident.summary)}</p>
<table class="table"><tr><th>CIA Posture</th><th>Motives</th><th>Tactics, Techniques &amp; Procedures</th></tr>
<tr><td>Available to members</td><td>1 motive</td><td>1 technique</td></tr></table>
<table class="table"><tr><th>Threat Actors</th><th>Type</th><th>Location</th></tr>
<tr><td>0 actors</td><td>Available to members</td><td>Available to members</td></tr></table>
<h5>Description</h5>
{chr(10).join(paragraphs)}
<h5>Sources</h5>
<p>Sources available to members</p>"""
    return _csidb_frame(incident.name, body)


def render_csidb_organisation(organisation: CsidbOrganisation, site: CsidbSite) -> str:
    rows = "".join(
        f'<tr><td><a class="link-primary" href="/csidb/incidents/{u}/">{E(site.incidents[u].name)}</a></td>'
        f"<td>{E(site.incidents[u].month)}</td></tr>"
        for u in organisation.incident_uuids
        if u in site.incidents
    )
    website = (
        f'<p>Website: <a href="{E(organisation.website)}">{E(organisation.website)}</a></p>'
        if organisation.website
        else ""
    )
    body = f"""<h1>{E(organisation.name)}</h1>
{website}
<table class="table"><thead><tr><th>Incident</th><th>Date</th></tr></thead><tbody>{rows}</tbody></table>
<p><a href="/csidb/sr/i/?page=2">More (members only)</a></p>"""
    return _csidb_frame(organisation.name, body)


DANBURY_INCIDENT = "caae3513-841b-4455-83fc-045fe2c50e16"  # the real page's id
DANBURY_ORGANISATION = "5b0e4c1e-2f6a-4d0b-9a57-3c1f8e6d2a90"  # invented


def real_danbury_incident() -> CsidbIncident:
    """The real Danbury page's text (a Maine notice retold: 9,607 total, 7 Maine)."""
    text = (REAL / "csidb-danbury-public-schools.txt").read_text()
    lines = [line for line in text.splitlines() if line]
    description = lines[lines.index("Description") + 1 : lines.index("Sources")]
    return CsidbIncident(
        uuid=DANBURY_INCIDENT,
        name="Danbury Public Schools",
        org_uuid=DANBURY_ORGANISATION,
        month=lines[lines.index("Date:") + 1],
        summary=lines[lines.index("Summary") + 1],
        description=[p for p in description if p != "Cyber Incident Image"],
        location=lines[lines.index("Location:") + 1],
    )


_STATE_NAMES = {"ME": "Maine", "CA": "California", "MA": "Massachusetts", "NH": "New Hampshire",
                "VT": "Vermont", "NY": "New York", "TX": "Texas"}  # fmt: skip


def _csidb_prose(notice: dict, variant: int) -> tuple[str, list[str]]:
    """Summary and Description retelling a notice, in one of two phrasings."""
    entity = notice["entity"]
    breach = _breach_days(notice)
    state = notice.get("state", "ME")
    state_name = _STATE_NAMES.get(state, state)
    total, residents = notice.get("total"), notice.get("residents")
    discovered = _day(notice["discovered_date"]) if notice.get("discovered_date") else None
    notified = _day(notice["notification_date"]) if notice.get("notification_date") else None
    sentences = []
    if breach:
        sentences.append(
            f"On or around {_long(breach[0])}, {entity} experienced an external system breach."
            if variant == 0
            else f"{entity} suffered a cyber incident that occurred on {_long(breach[0])}."
        )
    else:
        sentences.append(f"{entity} experienced an external system breach.")
    if discovered:
        sentences.append(
            f"The breach was identified on {_long(discovered)}."
            if variant == 0
            else f"On {_long(discovered)}, the organization discovered the unauthorized access."
        )
    if total is not None:
        sentences.append(f"The total number of persons affected was {int(total):,}.")
    if residents is not None:
        sentences.append(
            f"Of these, {int(residents):,} were {state_name} residents."
            if variant == 0
            else f"Among them, {int(residents):,} individuals were residents of the state of {state_name}."
        )
    if notified:
        sentences.append(
            f"Written notification letters were mailed to consumers on {_long(notified)}."
        )
    sentences.append(
        f"The breach notification was submitted to the Office of the {state_name} Attorney General."
    )
    summary = f"{entity} experienced a cyber incident involving unauthorized access to personal information."
    return summary, [" ".join(sentences[:3]), " ".join(sentences[3:])]


def retold_csidb_incident(
    notice: dict, variant: int = 0
) -> tuple[CsidbIncident, CsidbOrganisation]:
    """An incident page (and its organisation) retelling a state notice.

    Args:
        notice: `entity`; `breach_date` (or `breach_dates`), optional `discovered_date`,
            `notification_date` (MM/DD/YYYY or YYYY-MM-DD); optional `total`, `residents`
            and `state` (two letters, default "ME").
        variant: picks one of two phrasings of the prose.
    """
    breach = _breach_days(notice)
    key = f"{notice['entity']}|{breach[0] if breach else ''}"
    incident_uuid = str(uuid.uuid5(_UUID_NAMESPACE, "incident|" + key))
    org_uuid = str(uuid.uuid5(_UUID_NAMESPACE, "organisation|" + notice["entity"]))
    summary, description = _csidb_prose(notice, variant % 2)
    month = f"{breach[0]:%b %Y}" if breach else notice.get("month", "Jan 2024")
    incident = CsidbIncident(incident_uuid, notice["entity"], org_uuid, month, summary, description)
    return incident, CsidbOrganisation(org_uuid, notice["entity"], [incident_uuid])


def build_csidb_site(
    retold: list[dict] | None = None, prefix: str = "/csidb", defaults: bool = True
) -> CsidbSite:
    """The CSIDB copy: retold notices, plus (with `defaults`) the real Danbury incident and
    its organisation page."""
    incidents, organisations = [], {}
    for i, notice in enumerate(retold or []):
        incident, organisation = retold_csidb_incident(notice, i)
        incidents.append(incident)
        known = organisations.setdefault(organisation.uuid, organisation)
        if known is not organisation:
            known.incident_uuids.append(incident.uuid)
    if defaults:
        incidents.append(real_danbury_incident())
        organisations[DANBURY_ORGANISATION] = CsidbOrganisation(
            DANBURY_ORGANISATION, "Danbury Public Schools", [DANBURY_INCIDENT],
            website="https://www.danbury.k12.ct.us",
        )  # fmt: skip
    return CsidbSite(incidents, list(organisations.values()), prefix=prefix)


def csidb_seed_paths(site: CsidbSite) -> list[str]:
    """Organisation page paths of a site: seeds for `-a urls=` in demos and tests."""
    return [f"/csidb/organisations/{u}/" for u in site.organisations]
