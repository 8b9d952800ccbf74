"""Maine AG archive workbooks (`me_ag_archive`): every notice row of the two XLSX files.

The 33-column form export (sheet "App Engine", Dec 2018 - Sep 2020) and the hand-kept log
(Aug 2010 - Dec 2018); see the `me_ag_archive` spider's docstring. A workbook's kind is
recognised from its header row and columns by header meaning. A file with no known header
row raises `UnknownPageError`.
"""

import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from crawler.pages import UnknownPageError, reader
from crawler.textparse.text import clean_text, normalize_label
from crawler.textparse.yesno import parse_yes_no

ARCHIVES_PATH = "/ag/news-and-library/archives"
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
        from openpyxl.utils.datetime import to_excel

        serial = to_excel(value)
        return str(int(serial)) if float(serial).is_integer() else f"{serial:.6f}".rstrip("0")
    return _cell_text(value)


def _count_cell(value) -> str:
    """A count cell. Excel shows a number in a date-formatted cell as a date: in 1900 the
    serial is the count that was meant (1900-01-09 is 9); later dates are shown as typed."""
    if isinstance(value, datetime):
        if value.year == 1900:
            from openpyxl.utils.datetime import to_excel

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


@reader
def parse_workbook(body: bytes) -> tuple[str, Iterator[WorkbookNotice]]:
    """Recognise an archive workbook by its headers and read every notice row.

    Returns:
        `(kind, notices)`: kind is "form" (the 2018-2020 form export) or "log" (the
        2010-2018 hand-kept log); notices is an iterator over its rows.

    Raises:
        UnknownPageError: no sheet has a header row this module knows.
    """
    # Imported here: openpyxl takes about 0.06 s to import, and every crawl loads this module
    # (Scrapy imports every spider); only the archive spider reads a workbook.
    from openpyxl import load_workbook

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
    raise UnknownPageError("no sheet has the form-export or the log headers")


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
