"""Maine AG viewer pages (`me_ag`): pure functions reading the list and the detail pages.

The spider only fetches; everything here takes a page and returns plain values, so it is
tested without a crawl. Layout facts (from public scrapers of the viewer, which has been
offline since June 2026; see the `me_ag` spider's docstring):

- list: one table, every row inline, "Date Reported" (YYYY-MM-DD) and the entity linked to
  `<uuid>.html` (new viewer) or `<uuid>.shtml` (old viewer);
- detail: `<h2>` section headings, each followed by a `<ul>` of
  `Label: <strong>value</strong>` items; labels repeat across sections ("Name"), so a label
  is read within its section. The "Submitted By" section (the filer's contact) is never kept.

A page that is not one of these raises `UnknownPageError`, never an empty result that looks like
"no notices".
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from crawler.pages import UnknownPageError, reader
from crawler.pages.labelled import item_parts, label_of
from crawler.pages.tree import css, first, parse_html, text_of, xpath
from crawler.textparse.text import clean_text, normalize_label

VIEWER_LIST_PATH = "/agviewer/content/ag/985235c7-cb95-4be2-8792-a1252b4f8318/list.html"
OLD_VIEWER_LIST_URL = "https://apps.web.maine.gov/online/aeviewer/ME/40/list.shtml"
OFFLINE_NOTICE_PATH = "/ag/consumer-protection/data-security-breaches"

# The AG's notice since 12 Jun 2026; matching either phrase means the database is offline.
OFFLINE_TEXT = re.compile(
    r"public-facing database will remain offline|abuse of our data breach reporting system",
    re.IGNORECASE,
)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


# Case-insensitive search over a whole page is slow in `re` (no literal prefix to skip ahead
# by), and every detail page is checked. So the search runs only on pages whose lower-cased text
# holds a piece of either phrase; the pieces avoid "i", "k" and "s", whose case-insensitive
# variants ("ı", "İ", "K", "ſ") do not lower-case to them, so a page the regex would match is
# never skipped.
_OFFLINE_PIECES = ("n offl", "a breach rep")


def is_offline_notice(text: str) -> bool:
    """True for the AG's "database will remain offline" notice page."""
    lowered = (text or "").lower()
    if not any(piece in lowered for piece in _OFFLINE_PIECES):
        return False
    return bool(OFFLINE_TEXT.search(text))


# --- Viewer list -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListRow:
    source_id: str  # the UUID of the detail page
    reported_date: str  # as shown (YYYY-MM-DD)
    entity_name: str
    href: str  # as found in the page (relative)


@dataclass
class ListPage:
    rows: list[ListRow]
    problems: list[str] = field(default_factory=list)  # rows that could not be read


def _header_index(headers: list[str], *wanted: str) -> int | None:
    for index, header in enumerate(headers):
        if any(word in header for word in wanted):
            return index
    return None


@reader
def parse_list(html: str) -> ListPage:
    """The rows of a viewer list page (old or new viewer).

    Raises:
        UnknownPageError: no table has a "Date Reported" and an entity/organization column.
    """
    page = parse_html(html)
    for table in css("table")(page):
        header_cells = xpath("./thead/tr[1]/th|./tr[1]/th|./thead/tr[1]/td|./tbody/tr[1]/th")(table)
        headers = [normalize_label(text_of(c)) for c in header_cells]
        # "Date Reported" by meaning; any date column only when none says so (a "Date(s) of
        # Breach" column must never be read as the reported date).
        date_col = _header_index(headers, "reported", "received", "submitted")
        if date_col is None:
            date_col = _header_index(headers, "date")
        name_col = _header_index(headers, "entity", "organization", "organisation", "name")
        if date_col is None or name_col is None or date_col == name_col:
            continue
        return _read_rows(table, date_col, name_col)
    seen = [normalize_label(" ".join(xpath(".//th//text()")(t))) for t in css("table")(page)]
    raise UnknownPageError(f"no table with date and entity columns (table headers: {seen})")


def _read_rows(table, date_col: int, name_col: int) -> ListPage:
    result = ListPage(rows=[])
    for number, row in enumerate(xpath(".//tr[td]")(table), start=1):
        cells = xpath("./td")(row)
        if len(cells) <= max(date_col, name_col):
            result.problems.append(f"row {number}: {len(cells)} cells")
            continue
        entity_cell = cells[name_col]
        href = first(xpath(".//a/@href")(entity_cell)) or ""
        uuid = UUID.search(href)
        if not uuid:
            result.problems.append(f"row {number}: no detail link with a UUID ({href!r})")
            continue
        result.rows.append(
            ListRow(
                source_id=uuid.group().lower(),
                reported_date=clean_text(text_of(cells[date_col])) or "",
                entity_name=clean_text(text_of(entity_cell)) or "",
                href=href.strip(),
            )
        )
    return result


# --- Viewer detail -----------------------------------------------------------------------------
@dataclass
class DetailPage:
    fields: dict  # BreachNotice field -> text / list / dict
    raw: dict  # label as displayed -> value as displayed (submitter section left out)
    known_labels: int  # labels matched to a field or known to be raw-only
    unknown_labels: list[str] = field(default_factory=list)
    unknown_sections: list[str] = field(default_factory=list)


# Sections by heading words; a label is looked up only among its section's rules.
_SECTIONS = (
    ("submitter", re.compile(r"submitted|submitter|contact")),
    ("notification", re.compile(r"notification|protection")),
    ("entity", re.compile(r"entity")),
    ("breach", re.compile(r"breach")),
)
ADDRESS_PARTS = ("street", "city", "state", "zip")
# (section, normalised-label pattern, target). Targets: an item field, "address:<part>",
# "service:<key>", or "raw" (known label with no field of its own: kept in raw only).
_LABEL_RULES: tuple[tuple[str, re.Pattern, str], ...] = tuple(
    (section, re.compile(pattern), target)
    for section, pattern, target in (
        ("entity", r"^type of organi[sz]ation", "organization_type"),
        ("entity", r"^(entity|organi[sz]ation) name", "entity_name"),
        ("entity", r"^street address", "address:street"),
        ("entity", r"^city", "address:city"),
        ("entity", r"^state", "address:state"),
        ("entity", r"^zip", "address:zip"),
        ("breach", r"^total number of persons affected", "total_affected"),
        ("breach", r"^total number of maine residents", "residents_affected"),
        ("breach", r"consumer reporting agencies", "raw"),
        ("breach", r"^date\(?s?\)? (of )?breach occ?urr?ed", "breach_dates"),
        ("breach", r"^date\(?s?\)? breach (was )?discovered", "discovered_date"),
        ("breach", r"^description of (the )?breach", "raw"),
        ("breach", r"^if other", "raw"),
        ("breach", r"^information acquired", "data_types"),
        ("notification", r"^type of notification", "raw"),
        ("notification", r"^date\(?s?\)? of consumer notification", "notification_dates"),
        ("notification", r"^copy of (the )?notice", "notice_urls"),
        ("notification", r"^list dates of any previous", "raw"),
        ("notification", r"^were identi\w* theft protection", "service:offered"),
        ("notification", r"^if yes,? for what duration", "service:duration"),
        ("notification", r"^if yes,? by what provider", "service:provider"),
        ("notification", r"^if yes,? provide a brief description", "service:description"),
    )
)
LIST_FIELDS = ("breach_dates", "notification_dates", "data_types", "notice_urls")
# The filer's own contact details, whatever section they turn up in: never stored.
_CONTACT_LABEL = re.compile(
    r"^(name|title|firm name|telephone|phone|fax|e-?mail|email address|relationship)\b"
)


@lru_cache(maxsize=256)
def _section_of(heading: str) -> str | None:
    for key, pattern in _SECTIONS:
        if pattern.search(heading):
            return key
    return None


# Cached: a viewer's labels are its form's fixed wording (a bounded cache all the same).
@lru_cache(maxsize=1024)
def _route(section: str | None, key: str) -> tuple[str | None, str | None]:
    """(kind, name) of a label's target: ("address"/"service", part), ("field", item field),
    ("raw", None) for a known label kept in raw only, or (None, None) for an unknown one."""
    target = next((t for s, p, t in _LABEL_RULES if s == section and p.search(key)), None)
    if target is None or target == "raw":
        return target, None
    kind, _, part = target.partition(":")
    return (kind, part) if part else ("field", target)


def _items_with_headings(container):
    """Each top-level `<li>` with the text of the `<h2>` before its list, and its section.

    The heading is looked up once per list, not per item: `preceding::` scans the document.
    """
    for ul in xpath(".//ul[not(ancestor::li)]")(container):
        heading = clean_text(" ".join(xpath("preceding::h2[1]//text()")(ul))) or ""
        section = _section_of(heading.casefold())
        for li in ul:
            if li.tag == "li":
                yield li, heading, section


# The content block of the new and of the old viewer.
_CONTENT_IDS = ("content", "maincontent3")


def _content_of(page):
    """The first element in document order with a content id (what `#content, #maincontent3`
    selects first), else `<body>`, else the page. Walked in Python: it is near the top, while
    the CSS query's XPath tests the id of every element, twice (a fifth of the page's time)."""
    found = next((el for el in page.iter(etree.Element) if el.get("id") in _CONTENT_IDS), None)
    if found is not None:
        return found
    body = xpath("//body")(page)
    return body[0] if body else page


@reader
def parse_detail(html: str, urljoin: Callable[[str], str]) -> DetailPage:
    """Fields of a viewer detail page, read by label within each `<h2>` section.

    Args:
        html: the page.
        urljoin: turns a link found in the page into the absolute URL to store.

    Raises:
        UnknownPageError: not one known label on the page.
    """
    page = parse_html(html)
    container = _content_of(page)
    result = DetailPage(fields={}, raw={}, known_labels=0)
    address: dict[str, str] = {}
    service: dict[str, str] = {}
    for li, heading, section in _items_with_headings(container):
        if section == "submitter":  # the filer's contact: never read
            continue
        own, value, hrefs = item_parts(li)
        label, rest, key = label_of(own)
        if not key or _CONTACT_LABEL.match(key):
            continue
        if value is None:
            value = rest
        if section is None and heading and heading not in result.unknown_sections:
            result.unknown_sections.append(heading)
        raw_key = label if label not in result.raw else f"{heading}: {label}"
        result.raw[raw_key] = value
        kind, name = _route(section, key)
        if kind is None:
            result.unknown_labels.append(label)
            continue
        result.known_labels += 1
        if kind == "raw":
            continue
        text = value if isinstance(value, str) else "; ".join(value)
        if kind == "address":
            address[name] = text
        elif kind == "service":
            service[name] = text
        elif name == "notice_urls":
            result.fields["notice_urls"] = [urljoin(h) for h in hrefs]
        elif name in LIST_FIELDS:
            result.fields[name] = list(value) if isinstance(value, list) else [value]
        else:
            result.fields[name] = text
    if address:
        parts = (address.get(part) for part in ADDRESS_PARTS)
        result.fields["entity_address"] = ", ".join(p for p in parts if p)
    if any(service.values()):
        result.fields["id_theft_service"] = {k: v for k, v in service.items() if v}
    if result.known_labels == 0:
        raise UnknownPageError("detail page without any known label")
    return result
