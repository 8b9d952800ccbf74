"""Maine AG breach notices: pure functions reading the viewer pages and the archive workbooks.

The spiders (`me_ag`, `me_ag_archive`) only fetch; everything here takes a page or a file and
returns plain values, so it is tested without a crawl. Layout facts come from
reference PORTALS.md section 2 (public scrapers and the two real archive workbooks):

- viewer list: one table, every row inline, "Date Reported" (YYYY-MM-DD) and the entity
  linked to `<uuid>.html` (new viewer) or `<uuid>.shtml` (old viewer);
- viewer detail: `<h2>` section headings, each followed by a `<ul>` of
  `Label: <strong>value</strong>` items; labels repeat across sections ("Name"), so a label
  is read within its section. The "Submitted By" section (the filer's contact) is never kept;
- archive workbooks: the 33-column form export (sheet "App Engine", Dec 2018 - Sep 2020) and
  the hand-kept log (Aug 2010 - Dec 2018). Columns are found by header meaning.

Anything unexpected raises `LayoutChangedError` (or is reported in the result), never an empty
result that looks like "no notices".
"""

import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from openpyxl import load_workbook
from openpyxl.utils.datetime import to_excel
from parsel import Selector

from crawler.textparse.text import clean_text, normalize_label
from crawler.textparse.yesno import parse_yes_no

VIEWER_LIST_PATH = "/agviewer/content/ag/985235c7-cb95-4be2-8792-a1252b4f8318/list.html"
OLD_VIEWER_LIST_URL = "https://apps.web.maine.gov/online/aeviewer/ME/40/list.shtml"
ARCHIVES_PATH = "/ag/news-and-library/archives"
OFFLINE_NOTICE_PATH = "/ag/consumer-protection/data-security-breaches"

# The AG's notice since 12 Jun 2026; matching either phrase means the database is offline.
OFFLINE_TEXT = re.compile(
    r"public-facing database will remain offline|abuse of our data breach reporting system",
    re.IGNORECASE,
)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


class LayoutChangedError(Exception):
    """The page or workbook no longer has the shape this module knows."""


def is_offline_notice(text: str) -> bool:
    """True for the AG's "database will remain offline" notice page."""
    return bool(OFFLINE_TEXT.search(text or ""))


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


def parse_list(html: str) -> ListPage:
    """The rows of a viewer list page (old or new viewer).

    Raises:
        LayoutChangedError: no table has a "Date Reported" and an entity/organization column.
    """
    page = Selector(text=html)
    for table in page.css("table"):
        header_cells = table.xpath("./thead/tr[1]/th|./tr[1]/th|./thead/tr[1]/td|./tbody/tr[1]/th")
        headers = [normalize_label(" ".join(c.xpath(".//text()").getall())) for c in header_cells]
        # "Date Reported" by meaning; any date column only when none says so (a "Date(s) of
        # Breach" column must never be read as the reported date).
        date_col = _header_index(headers, "reported", "received", "submitted")
        if date_col is None:
            date_col = _header_index(headers, "date")
        name_col = _header_index(headers, "entity", "organization", "organisation", "name")
        if date_col is None or name_col is None or date_col == name_col:
            continue
        return _read_rows(table, date_col, name_col)
    seen = [normalize_label(" ".join(t.xpath(".//th//text()").getall())) for t in page.css("table")]
    raise LayoutChangedError(f"no table with date and entity columns (table headers: {seen})")


def _read_rows(table: Selector, date_col: int, name_col: int) -> ListPage:
    result = ListPage(rows=[])
    for number, row in enumerate(table.xpath(".//tr[td]"), start=1):
        cells = row.xpath("./td")
        if len(cells) <= max(date_col, name_col):
            result.problems.append(f"row {number}: {len(cells)} cells")
            continue
        entity_cell = cells[name_col]
        href = entity_cell.xpath(".//a/@href").get() or ""
        uuid = UUID.search(href)
        if not uuid:
            result.problems.append(f"row {number}: no detail link with a UUID ({href!r})")
            continue
        result.rows.append(
            ListRow(
                source_id=uuid.group().lower(),
                reported_date=clean_text(" ".join(cells[date_col].xpath(".//text()").getall()))
                or "",
                entity_name=clean_text(" ".join(entity_cell.xpath(".//text()").getall())) or "",
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


def _section_of(heading: str) -> str | None:
    for key, pattern in _SECTIONS:
        if pattern.search(heading):
            return key
    return None


def _item_parts(li: Selector) -> tuple[str, str | list[str], list[str]]:
    """Label, value as displayed, and link hrefs of one `<li>Label: <strong>v</strong></li>`."""
    own_text = " ".join(li.xpath("./text()").getall())
    label, _, rest = own_text.partition(":")
    nested = [clean_text(" ".join(x.xpath(".//text()").getall())) for x in li.xpath("./ul/li")]
    strong = [clean_text(" ".join(x.xpath(".//text()").getall())) for x in li.xpath("./strong")]
    if nested:
        value: str | list[str] = [v for v in nested if v]
    elif strong:
        value = " ".join(v for v in strong if v)
    else:
        value = clean_text(rest) or ""
    hrefs = [h.strip() for h in li.xpath("./strong//a/@href|./a/@href").getall() if h.strip()]
    return clean_text(label) or "", value, hrefs


def _items_with_headings(container: Selector):
    """Each top-level `<li>` with the text of the `<h2>` before its list.

    The heading is looked up once per list, not per item: `preceding::` scans the document.
    """
    for ul in container.xpath(".//ul[not(ancestor::li)]"):
        heading = clean_text(" ".join(ul.xpath("preceding::h2[1]//text()").getall())) or ""
        for li in ul.xpath("./li"):
            yield li, heading


def parse_detail(html: str, urljoin: Callable[[str], str]) -> DetailPage:
    """Fields of a viewer detail page, read by label within each `<h2>` section.

    Args:
        html: the page.
        urljoin: turns a link found in the page into the absolute URL to store.

    Returns:
        A `DetailPage`; `known_labels == 0` means the page is not a detail page we know.
    """
    page = Selector(text=html)
    container = page.css("#content, #maincontent3") or page.xpath("//body") or page
    result = DetailPage(fields={}, raw={}, known_labels=0)
    address: dict[str, str] = {}
    service: dict[str, str] = {}
    for li, heading in _items_with_headings(container[0]):
        section = _section_of(heading.casefold())
        label, value, hrefs = _item_parts(li)
        key = normalize_label(label)
        if section == "submitter" or not key or _CONTACT_LABEL.match(key):
            continue
        if section is None and heading and heading not in result.unknown_sections:
            result.unknown_sections.append(heading)
        raw_key = label if label not in result.raw else f"{heading}: {label}"
        result.raw[raw_key] = value
        target = next(
            (t for s, pattern, t in _LABEL_RULES if s == section and pattern.search(key)), None
        )
        if target is None:
            result.unknown_labels.append(label)
            continue
        result.known_labels += 1
        text = value if isinstance(value, str) else "; ".join(value)
        if target.startswith("address:"):
            address[target.partition(":")[2]] = text
        elif target.startswith("service:"):
            service[target.partition(":")[2]] = text
        elif target == "notice_urls":
            result.fields["notice_urls"] = [urljoin(h) for h in hrefs]
        elif target in LIST_FIELDS:
            result.fields[target] = list(value) if isinstance(value, list) else [value]
        elif target != "raw":
            result.fields[target] = text
    if address:
        parts = (address.get(part) for part in ADDRESS_PARTS)
        result.fields["entity_address"] = ", ".join(p for p in parts if p)
    if any(service.values()):
        result.fields["id_theft_service"] = {k: v for k, v in service.items() if v}
    return result


# --- Archive workbooks -------------------------------------------------------------------------
FORM_EXPORT, LEGACY_LOG = "form", "log"
# How far down a sheet the header row may be (the log has a title row first).
_HEADER_SEARCH_ROWS = 10


@dataclass
class WorkbookNotice:
    source_id: str
    fields: dict  # BreachNotice fields (text), raw and flags included


def _header_key(value) -> str:
    return normalize_label(str(value)) if value is not None else ""


def _find_columns(header: list[str], wanted: dict[str, re.Pattern]) -> dict[str, int]:
    found = {}
    for name, pattern in wanted.items():
        for index, text in enumerate(header):
            if pattern.search(text):
                found[name] = index
                break
    return found


_FORM_COLUMNS = {
    name: re.compile(pattern)
    for name, pattern in {
        "completed": r"^completed( date)?$",
        "entity_name": r"^entity name$",
        "street": r"^street address",
        "city": r"^city$",
        "state": r"^state",
        "zip": r"^zip",
        "total": r"^total number of persons affected",
        "residents": r"^total number of maine residents",
        "breach": r"^date\(?s?\)? breach occ?urr?ed",
        "discovered": r"^date breach discovered",
        "notified": r"^date\(?s?\)? of consumer notification",
        "offered": r"^were identi\w* theft protection",
        "duration": r"^if yes,? for what duration",
        "provider": r"^if yes,? by what provider",
        "description": r"^if yes,? provide a brief description",
    }.items()
}
_ORGANIZATION_TYPES = re.compile(
    r"^(educational|financial services|governmental entity in maine|other governmental entity"
    r"|health care|other commercial|not-for-profit|pos vendor)\b"
)
_DATA_TYPES = re.compile(r"^(social security number|driver'?s license|financial account number)")
_NOTIFICATION_TYPES = re.compile(r"^(written|electronic|telephone|substitute notice)$")
_LOG_COLUMNS = {
    name: re.compile(pattern)
    for name, pattern in {
        "entity": r"company|data was breached|entity|organi[sz]ation",
        "breach": r"date of breach",
        "notified": r"date of notification",
        "info": r"type of information",
        "residents": r"number of maine residents",
    }.items()
}


def _cell_text(value) -> str:
    """A cell as the text a person sees; dates as ISO so the date parser reads them."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(str(value)) or ""


def _raw_cell(value) -> str:
    """A cell for `raw`: Excel date cells as their serial number, the value Excel stores."""
    if isinstance(value, datetime):
        serial = to_excel(value)
        return str(int(serial)) if float(serial).is_integer() else f"{serial:.6f}".rstrip("0")
    return _cell_text(value)


def _count_cell(value) -> str:
    """A count cell. Excel shows a number in a date-formatted cell as a date: in 1900 the
    serial is the count that was meant (1900-01-09 is 9); later dates are shown as typed."""
    if isinstance(value, datetime):
        if value.year == 1900:
            return str(int(to_excel(value)))
        return f"{value.month}/{value.day}/{value.year}"
    return _cell_text(value)


def _short_label(header: str) -> str:
    """Column header without its parenthesised explanation ("Financial Services (if ...)")."""
    return clean_text(re.sub(r"\s*\(.*$", "", header)) or header


def stable_row_id(kind: str, key_parts: list[str], seen: Counter) -> str:
    """Same id for the same row on every crawl: a hash of which archive and the row's own
    content, with a counter for rows whose content is identical."""
    key = "\x1f".join([kind, *(normalize_label(p) for p in key_parts)])
    seen[key] += 1
    if seen[key] > 1:
        key += f"\x1f#{seen[key]}"
    return f"{kind}-{hashlib.sha1(key.encode()).hexdigest()[:16]}"


def parse_workbook(body: bytes) -> tuple[str, Iterator[WorkbookNotice]]:
    """Recognise an archive workbook by its headers and read every notice row.

    Returns:
        `(kind, notices)`: kind is "form" (the 2018-2020 form export) or "log" (the
        2010-2018 hand-kept log); notices is an iterator over its rows.

    Raises:
        LayoutChangedError: no sheet has a header row this module knows.
    """
    workbook = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    for sheet in workbook.worksheets:
        rows = sheet.iter_rows(values_only=True)
        for _ in range(_HEADER_SEARCH_ROWS):
            cells = next(rows, None)
            if cells is None:
                break
            header = [_header_key(c) for c in cells]
            form = _find_columns(header, _FORM_COLUMNS)
            if {"completed", "entity_name"} <= form.keys():
                return FORM_EXPORT, _form_rows(cells, header, form, rows)
            log = _find_columns(header, _LOG_COLUMNS)
            if {"entity", "notified"} <= log.keys():
                return LEGACY_LOG, _log_rows(cells, log, rows)
    raise LayoutChangedError("no sheet has the form-export or the log headers")


def _form_rows(header_cells, header, columns, rows) -> Iterator[WorkbookNotice]:
    """Rows of the form export. `reported_date` is the date part of "Completed Date"."""
    labels = [_cell_text(c) for c in header_cells]
    org_columns = [i for i, h in enumerate(header) if _ORGANIZATION_TYPES.match(h)]
    data_columns = [i for i, h in enumerate(header) if _DATA_TYPES.match(h)]
    notification_columns = [i for i, h in enumerate(header) if _NOTIFICATION_TYPES.match(h)]
    seen: Counter = Counter()
    for cells in rows:
        text = [_cell_text(c) for c in cells]
        if not any(text):
            continue

        def col(name: str, text=text) -> str:
            index = columns.get(name)
            return text[index] if index is not None and index < len(text) else ""

        def ticked(indexes: list[int], text=text) -> list[str]:
            return [
                _short_label(labels[i])
                for i in indexes
                if i < len(text) and parse_yes_no(text[i]).value
            ]

        raw = {
            labels[i]: _raw_cell(v) for i, v in enumerate(cells) if i < len(labels) and labels[i]
        }
        completed = col("completed")
        fields: dict = {
            "entity_name": col("entity_name"),
            "reported_date": completed.split(" ")[0],
            "residents_state": "ME",
            "raw": raw,
        }
        address = ", ".join(p for p in (col(n) for n in ("street", "city", "state", "zip")) if p)
        # A blank cell is a published empty value, so every column's field is set.
        fields.update(
            entity_address=address,
            organization_type="; ".join(ticked(org_columns)),
            total_affected=col("total"),
            residents_affected=col("residents"),
            breach_dates=_as_list(col("breach")),
            discovered_date=col("discovered"),
            notification_dates=_as_list(col("notified")),
            data_types=ticked(data_columns),
        )
        notification_types = ticked(notification_columns)
        if notification_types:
            raw["Type of Notification"] = "; ".join(notification_types)
        service = {k: col(k) for k in ("offered", "duration", "provider", "description")}
        fields["id_theft_service"] = {k: v for k, v in service.items() if v}
        source_id = stable_row_id(FORM_EXPORT, [completed, col("entity_name")], seen)
        yield WorkbookNotice(source_id, fields)


_ADDRESS_START = re.compile(
    r",\s*(?=\d|p\.?\s*o\.?\s*box\b|one\s+\w+\s+(?:street|drive|way|plaza))", re.IGNORECASE
)
_DISCOVERED = re.compile(
    r"(?:breach(?:ed)?\s+)?discovered\s+(?:on\s+)?(?:or\s+(?:about|around)\s+)?(?P<when>[^);]+)",
    re.IGNORECASE,
)
_AMENDS = re.compile(
    r"\((?:[^)]*\b)?(?:update|supplement)\b[^)]*\)|\b(?:update|supplement)\s+(?:to|from|dated)\b"
    r"|[-\s](?:update)\s*$|(?-i:\bUPDATE\b)|\bsee\b.*\bnotice\b",
    re.IGNORECASE,
)


def split_name_address(cell: str) -> tuple[str, str | None]:
    """Split a log entity cell into name and address.

    "Whole Foods Market Group, Inc., 550 Bowie Street, Austin, TX 78703" -> name, address.

    The log appends the address after the name; it starts at the first comma followed by a
    street number or a PO box. Names with only a city ("Plant Therapy, Twin Falls, Idaho")
    stay whole: nothing marks where the name ends.
    """
    match = _ADDRESS_START.search(cell)
    if not match:
        return cell, None
    return cell[: match.start()].strip(), cell[match.end() :].strip() or None


def _log_rows(header_cells, columns, rows) -> Iterator[WorkbookNotice]:
    """Rows of the hand-kept log. `reported_date` is "Date of Notification" (the date the
    notice reached the AG); "(discovered X)" in the breach cell becomes `discovered_date`."""
    labels = [_cell_text(c) for c in header_cells]
    seen: Counter = Counter()
    for cells in rows:
        text = [_cell_text(c) for c in cells]
        if not any(text):
            continue

        def cell(name: str, cells=cells):
            index = columns.get(name)
            return cells[index] if index is not None and index < len(cells) else None

        entity_cell = _cell_text(cell("entity"))
        breach, notified = _cell_text(cell("breach")), _cell_text(cell("notified"))
        name, address = split_name_address(entity_cell)
        raw = {
            labels[i]: _raw_cell(v)
            for i, v in enumerate(cells)
            if i < len(labels) and labels[i] and v is not None
        }
        fields: dict = {"entity_name": name, "residents_state": "ME", "raw": raw}
        _put(fields, "entity_address", address)
        fields.update(
            reported_date=notified,
            breach_dates=_as_list(breach),
            residents_affected=_count_cell(cell("residents")),
            data_types=_as_list(_cell_text(cell("info"))),
        )
        discovered = _DISCOVERED.search(breach)
        if discovered:
            fields["discovered_date"] = clean_text(discovered["when"])
        if _AMENDS.search(entity_cell) or _AMENDS.search(breach):
            fields["flags"] = ["amends_earlier_notice"]
        source_id = stable_row_id(LEGACY_LOG, [entity_cell, breach, notified], seen)
        yield WorkbookNotice(source_id, fields)


def _put(fields: dict, name: str, value) -> None:
    """Set a derived field only when there is something to set."""
    if value:
        fields[name] = value


def _as_list(text: str) -> list[str]:
    return [text] if text else []
