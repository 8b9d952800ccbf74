"""Rankiteo blog incident posts (blog.rankiteo.com): page text -> BreachNotice items.

A post carries its facts twice, as machine-written text blocks inside the article:
block A, `"key": "value"` lines (id, linkid, type, date `M/YYYY`, severity, impact), and
block B, a Python dict printed by `pprint` (affected entities, attack vector, data types,
date detected / publicly disclosed, references). Where the blocks sit (`<pre>`, `<code>` or
plain `<p>` text) is not known from a live capture, so everything here works on the text of
the article, read with block-level line breaks, never on particular elements.

Block B is read with `ast.literal_eval` (never `eval`): it accepts only literals, so a
block holding a call such as `__import__('os').system(...)` is rejected, not run.
"""

import ast
import json
import re
from dataclasses import dataclass, field

import lxml.html

from crawler.items import BreachNotice

# --- Page text -------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_SKIPPED_TAGS = frozenset(("script", "style", "noscript", "template", "head", "svg", "iframe"))
_WHITESPACE = re.compile(r"\s+")


# Where a page's own content is, most specific first: a blog theme's <main> may also hold
# "related posts" cards, which belong to other posts.
CONTENT_XPATHS = ("//article", "//main")


def content_root(root, xpaths: tuple[str, ...] = CONTENT_XPATHS):
    """The element holding the page's own content: the first of `xpaths` found, or the page."""
    for xpath in xpaths:
        if found := root.xpath(xpath):
            return found[0]
    return root


def page_lines(html: str, xpaths: tuple[str, ...] = CONTENT_XPATHS) -> list[str]:
    """The visible text of a page, one line per block element, whitespace collapsed.

    Reads the page's content element (`content_root`), so site navigation and footers stay
    out. Inside `<pre>` the original line breaks are kept.

    Args:
        html: the page source.
        xpaths: where the page's own content may be, most specific first.

    Returns:
        Non-empty, stripped lines in document order.
    """
    chunks: list[str] = []
    _walk(content_root(lxml.html.fromstring(html), xpaths), chunks, in_pre=False)
    lines = (line.strip() for line in "".join(chunks).split("\n"))
    return [line for line in lines if line]


def _walk(element, chunks: list[str], in_pre: bool) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""  # comments have a callable tag
    if tag and tag not in _SKIPPED_TAGS:
        block = tag in _BLOCK_TAGS
        pre = in_pre or tag in ("pre", "textarea")
        if block or tag == "br":
            chunks.append("\n")
        if element.text:
            chunks.append(element.text if pre else _WHITESPACE.sub(" ", element.text))
        for child in element:
            _walk(child, chunks, pre)
        if block:
            chunks.append("\n")
    if element.tail:
        chunks.append(element.tail if in_pre else _WHITESPACE.sub(" ", element.tail))


# --- Block B: the pprint dict ------------------------------------------------------------------


class DataBlockError(ValueError):
    """Block B is present but is not a plain literal dict (malformed, truncated or unsafe)."""


# pprint writes an identifier key in single quotes, so block B opens with "{'"; block A, when
# it is printed with its braces, opens with '{"' and is not mistaken for it.
_DATA_BLOCK_START = re.compile(r"\{\s*'")
# Far above any real post (the Mount Diablo block is 2.3 kB); bounds the work literal_eval does.
MAX_DATA_BLOCK_CHARS = 200_000
MAX_NESTING = 40


def balanced_literal(text: str, start: int) -> str:
    """The bracketed literal that opens at `text[start]`, up to its matching closing bracket.

    Quotes are tracked, so braces inside strings ("{x}") do not count.

    Raises:
        DataBlockError: unbalanced brackets, an unterminated string, or an oversized block.
    """
    closing = {"{": "}", "[": "]", "(": ")"}
    stack: list[str] = []
    quote: str | None = None
    i = start
    end = min(len(text), start + MAX_DATA_BLOCK_CHARS)
    while i < end:
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = None
            elif char == "\n":
                raise DataBlockError(f"unterminated string near offset {i - start}")
        elif char in "'\"":
            quote = char
        elif char in closing:
            stack.append(closing[char])
            if len(stack) > MAX_NESTING:
                raise DataBlockError(f"nested deeper than {MAX_NESTING} levels")
        elif char in ")]}":
            if not stack or stack.pop() != char:
                raise DataBlockError(f"unbalanced {char!r} at offset {i - start}")
            if not stack:
                return text[start : i + 1]
        i += 1
    if end < len(text):
        raise DataBlockError(f"longer than {MAX_DATA_BLOCK_CHARS} characters")
    if quote:
        raise DataBlockError("unterminated string at the end of the page")
    raise DataBlockError("the block ends before its closing brace")


def parse_data_block(literal: str) -> dict:
    """A pprint-printed dict read as data: only literals are accepted, nothing is evaluated.

    Raises:
        DataBlockError: with the reason (syntax error, a non-literal such as a call, not a dict).
    """
    # Pages may indent with no-break spaces; outside strings Python's parser rejects them.
    literal = literal.replace("\u00a0", " ")
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as error:
        raise DataBlockError(f"not a literal dict ({type(error).__name__}: {error})") from None
    if not isinstance(value, dict):
        raise DataBlockError(f"a {type(value).__name__}, not a dict")
    return _json_safe(value)


def _json_safe(value):
    """Literals that JSON cannot hold (tuples, sets, bytes, complex) as JSON-friendly values."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_json_safe(v) for v in value), key=repr)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, complex):
        return str(value)
    return value


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


class PostLayoutError(ValueError):
    """The page does not carry the data blocks of an incident post."""


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
        PostLayoutError: no block A id/type or no block B: not an incident post layout.
        DataBlockError: block B is there but cannot be read as a literal dict.
    """
    lines = page_lines(html)
    text = "\n".join(lines)
    start = _DATA_BLOCK_START.search(text)
    if start is None:
        raise PostLayoutError("no data dict ({'affected_entities': ...}) in the article")
    data_text = balanced_literal(text, start.start())
    data = parse_data_block(data_text)
    # Block A is searched outside block B: block B's strings may quote "key": "value" text.
    key_values = parse_key_values(text[: start.start()] + text[start.start() + len(data_text) :])
    post_id = key_values.get("id") or post_id_from_url(url)
    if not post_id or not (key_values.get("type") or data.get("type")):
        raise PostLayoutError('no "id"/"type" key-value block in the article')
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


def post_notices(post: RankiteoPost, url: str, source: str) -> list[BreachNotice]:
    """One notice per affected entity of an incident post.

    Args:
        post: the parsed post.
        url: the canonical (live) post URL.
        source: the spider name.
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
        notice = BreachNotice(
            source=source,
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
