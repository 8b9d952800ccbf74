"""Rankiteo blog incident posts (blog.rankiteo.com): page text -> the fields of its notices.

A post carries its facts twice, as machine-written text blocks inside the article:
block A, `"key": "value"` lines (id, linkid, type, date `M/YYYY`, severity, impact), and
block B, a Python dict printed by `pprint` (affected entities, attack vector, data types,
date detected / publicly disclosed, references). Where the blocks sit (`<pre>`, `<code>` or
plain `<p>` text) is not known from a live capture, so everything here works on the text of
the article, read with block-level line breaks, never on particular elements.

Block B is read as a literal, never evaluated (crawler/textparse/literal.py). The page text
comes from crawler/textparse/htmllines.py. `parse_post` raises `UnknownPageError` for a page
without the blocks of an incident post, and `DataBlockError` for a block B that is not
plain data.
"""

import json
import re
from dataclasses import dataclass, field

import lxml.html

from crawler.pages import UnknownPageError
from crawler.textparse.htmllines import content_root, page_lines
from crawler.textparse.literal import DataBlockError, balanced_literal, parse_data_block

__all__ = ["DataBlockError", "UnknownPageError", "parse_post", "post_notices"]

# pprint writes an identifier key in single quotes, so block B opens with "{'"; block A, when
# it is printed with its braces, opens with '{"' and is not mistaken for it.
_DATA_BLOCK_START = re.compile(r"\{\s*'")

# --- Block A and the labelled lines ------------------------------------------------------------

_KEY_VALUE = re.compile(
    r'"(?P<key>[A-Za-z_]\w*)"\s*:\s*(?:"(?P<text>(?:[^"\\\n]|\\.)*)"|(?P<number>-?\d+(?:\.\d+)?))'
)
_SOURCE_LINE = re.compile(r"^Sources?\s*:\s*(?P<value>.+)$", re.IGNORECASE)
_TPRM_LINE = re.compile(r"^TPRM report\s*:\s*(?P<value>.+)$", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s\"'<>)\]]+")


def parse_key_values(text: str) -> dict[str, str]:
    """Block A: every `"key": "value"` pair, first occurrence of a key wins, values as text."""
    found: dict[str, str] = {}
    for match in _KEY_VALUE.finditer(text):
        if match["key"] in found:
            continue
        if match["number"] is not None:
            found[match["key"]] = match["number"]
            continue
        try:
            found[match["key"]] = json.loads(f'"{match["text"]}"')
        except json.JSONDecodeError:
            found[match["key"]] = match["text"]
    return found


# --- Citations of state notices ----------------------------------------------------------------

_CA_NOTICE = re.compile(r"oag\.ca\.gov/ecrime/databreach/reports/(?P<id>sb24-\d+)", re.IGNORECASE)
# A Maine viewer detail page is <uuid>.html (old viewer: .shtml) inside the list's folder
# (itself a uuid); me_ag stores the detail page's uuid, lower case, as its source id.
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ME_NOTICE = re.compile(
    rf"maine\.gov/agviewer/content/ag/{_UUID}/(?P<id>{_UUID})\.s?html", re.IGNORECASE
)


def state_notice_cites(urls: list[str]) -> list[str]:
    """Notice ids (`ca_ag:sb24-195323`, `me_ag:<uuid>`) of the state notices among `urls`."""
    cites: list[str] = []
    for url in urls:
        if match := _CA_NOTICE.search(url):
            cites.append(f"ca_ag:{match['id'].lower()}")
        elif match := _ME_NOTICE.search(url):
            cites.append(f"me_ag:{match['id'].lower()}")
    return list(dict.fromkeys(cites))


# --- A whole post ------------------------------------------------------------------------------

# Post types that are not an incident at a named victim (Rankiteo tags: vulnerability, news).
NON_INCIDENT_TYPES = frozenset(("vulnerability", "news", "advisory", "report", "analysis"))


@dataclass
class RankiteoPost:
    post_id: str
    key_values: dict[str, str]  # block A, as displayed
    data: dict  # block B, parsed
    data_text: str  # block B, as displayed
    source_lines: list[str] = field(default_factory=list)  # text after "Source:"
    links: list[str] = field(default_factory=list)  # every URL in the article
    tprm_report: str | None = None

    @property
    def post_type(self) -> str:
        return self.key_values.get("type") or str(self.data.get("type") or "")

    @property
    def is_incident(self) -> bool:
        return self.post_type.strip().casefold() not in NON_INCIDENT_TYPES

    @property
    def affected_entities(self) -> list[dict]:
        entities = self.data.get("affected_entities") or []
        if isinstance(entities, dict):  # a single victim written without the list
            entities = [entities]
        return [e for e in entities if isinstance(e, dict) and _text(e.get("name"))]

    @property
    def cites(self) -> list[str]:
        references = self.data.get("references") or []
        reference_urls = [
            str(v) for ref in references if isinstance(ref, dict) for v in ref.values()
        ]
        # Only what the post gives as its source: a citation is a certain link for
        # deduplication, and a state notice merely mentioned in the article is not one.
        source_urls = [url for line in self.source_lines for url in _URL.findall(line)]
        return state_notice_cites([*source_urls, *reference_urls])


def post_id_from_url(url: str) -> str | None:
    """The id that starts a post slug: `/mdu002091825-mount-diablo-...-2020/` -> `mdu002091825`."""
    match = re.search(r"/(?P<id>[a-z]+\d+)-[^/]+/?$", url)
    return match["id"] if match else None


def parse_post(html: str, url: str = "") -> RankiteoPost:
    """Both data blocks and the Source line of a post page.

    Raises:
        UnknownPageError: no block A id/type or no block B: not an incident post layout.
        DataBlockError: block B is there but cannot be read as a literal dict.
    """
    lines = page_lines(html)
    text = "\n".join(lines)
    start = _DATA_BLOCK_START.search(text)
    if start is None:
        raise UnknownPageError("no data dict ({'affected_entities': ...}) in the article")
    data_text = balanced_literal(text, start.start())
    data = parse_data_block(data_text)
    # Block A is searched outside block B: block B's strings may quote "key": "value" text.
    key_values = parse_key_values(text[: start.start()] + text[start.start() + len(data_text) :])
    post_id = key_values.get("id") or post_id_from_url(url)
    if not post_id or not (key_values.get("type") or data.get("type")):
        raise UnknownPageError('no "id"/"type" key-value block in the article')
    hrefs = [h.strip() for h in content_root(lxml.html.fromstring(html)).xpath(".//a/@href")]
    return RankiteoPost(
        post_id=post_id,
        key_values=key_values,
        data=data,
        data_text=data_text,
        source_lines=[m["value"] for line in lines if (m := _SOURCE_LINE.match(line))],
        links=list(dict.fromkeys([*hrefs, *_URL.findall(text)])),
        tprm_report=next((m["value"] for line in lines if (m := _TPRM_LINE.match(line))), None),
    )


# --- Post -> notices ---------------------------------------------------------------------------


def _text(value) -> str | None:
    """A published value as display text (numbers as written, lists joined)."""
    if value is None:
        return None
    if isinstance(value, list):
        return "; ".join(t for v in value if (t := _text(v)))
    text = str(value).strip()
    return text or None


def _text_list(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [t for v in values if (t := _text(v))]


def entity_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "entity"


def entity_source_ids(post_id: str, entities: list[dict]) -> list[str]:
    """One stable source id per victim.

    A single-victim post keeps the post id (the source's own id). In a multi-victim post each
    victim gets `<post id>.<slug of its name>`: a name, not a position, so the ids survive the
    list being reordered; a repeated slug gets `-2`, `-3`.
    """
    if len(entities) == 1:
        return [post_id]
    ids, seen = [], {}
    for entity in entities:
        slug = entity_slug(_text(entity.get("name")) or "")
        seen[slug] = seen.get(slug, 0) + 1
        ids.append(f"{post_id}.{slug}" + (f"-{seen[slug]}" if seen[slug] > 1 else ""))
    return ids


def _data_types(data: dict) -> list[str]:
    breach = data.get("data_breach") if isinstance(data.get("data_breach"), dict) else {}
    for value in (
        breach.get("type_of_data_compromised"),
        breach.get("personally_identifiable_information"),
    ):
        if types := _text_list(value):
            return types
    return []


def post_notices(post: RankiteoPost, url: str) -> list[dict]:
    """The fields of one notice per affected entity of an incident post (the spider makes
    the items).

    Args:
        post: the parsed post.
        url: the canonical (live) post URL.
    """
    entities = post.affected_entities
    multi_victim = len(entities) > 1
    data = post.data
    raw_common = {
        "key_values": post.key_values,
        "data_block": post.data_text,
        "Source": post.source_lines,
        "TPRM report": post.tprm_report,
    }
    notices = []
    for entity, source_id in zip(entities, entity_source_ids(post.post_id, entities), strict=True):
        notice: dict = dict(
            source_id=source_id,
            url=url,
            entity_name=_text(entity.get("name")),
            raw={**raw_common, "affected_entity": entity},
            flags=[],
        )
        if date := _text(post.key_values.get("date")):
            notice["breach_dates"] = [date]
        if detected := _text(data.get("date_detected")):
            notice["discovered_date"] = detected
        if disclosed := _text(data.get("date_publicly_disclosed")):
            # For posts retelling a CA notice this is the AG's "Reported Date" (sb24-195323:
            # 2020-10-20), the nearest thing the post has to a reported date.
            notice["reported_date"] = disclosed
        # Only the per-victim count: number_of_records_exposed has been seen holding the
        # Maine-resident count (County of Cumberland: 1 vs 1,948), so it stays in raw only.
        if (affected := _text(entity.get("customers_affected"))) is not None:
            notice["total_affected"] = affected
        if types := _data_types(data):
            notice["data_types"] = types
        if org_type := _text(entity.get("type")):
            notice["organization_type"] = org_type
        cites = post.cites
        if cites and multi_victim:
            # One state notice is about one filer; which victim it belongs to is unknown, and
            # a wrong "certain" link would merge different incidents. Kept in raw for review.
            notice["raw"]["cites_unassigned"] = cites
            notice["flags"].append("cites_ambiguous_multi_victim")
        elif cites:
            notice["cites"] = cites
        if multi_victim:
            notice["flags"].append("multi_victim_post")
        notices.append(notice)
    return notices
