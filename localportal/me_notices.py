"""The notices of the local Maine copy: real rows of the 2018-2020 form-export workbook,
read directly with openpyxl, as the viewer's list and detail pages show them (labels,
live typos included). localportal/me.py serves them.
"""

import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

REAL = Path(__file__).resolve().parent / "data" / "me"
FORM_WORKBOOK = REAL / "archive-2018-12-06--2020-09-14.xlsx"
LOG_WORKBOOK = REAL / "archive-2010-08-01--2018-12-05.xlsx"
# Namespace for UUIDs derived from archive row ids (any fixed UUID would do).
_UUID_NAMESPACE = uuid.UUID("6f0c1d1e-5a52-4b8e-9d43-2f6d3c3a0e11")


@dataclass
class MENotice:
    """One notice as the viewer shows it; each section is a list of (label, value)."""

    uuid: str
    reported_date: str  # YYYY-MM-DD, as in the list
    entity_name: str  # as in the list
    entity: list[tuple[str, str]] = field(default_factory=list)
    submitter: list[tuple[str, str]] = field(default_factory=list)
    breach: list[tuple[str, str | list[str]]] = field(default_factory=list)
    notification: list[tuple[str, str]] = field(default_factory=list)
    notice_loc: int | None = None  # /cgi-bin/agviewerad/ret?loc=N
    notice_file: str = "notice.pdf"


def _iso(text: str) -> str:
    """ "9/11/2020" (the workbook's date part) -> "2020-09-11", as the viewer list shows it."""
    try:
        return datetime.strptime(text, "%m/%d/%Y").date().isoformat()
    except ValueError:
        return text


# Viewer labels (live typos included) and the workbook header each one shows.
ENTITY_LABELS = (
    ("Street Address", "street address"),
    ("City", "city"),
    ("State, or Country if outside the US", "state"),
    ("Zip Code", "zip"),
)
BREACH_LABELS = (
    ("Total number of persons affected (including residents)", "total number of persons"),
    ("Total number of Maine residents affected", "total number of maine"),
    ("If the number of Maine residents exceeds 1,000, have the consumer reporting agencies "
     "been notified?", "if the number of maine"),
    ("Date(s) Breach Occured", "date(s) breach"),
    ("Date Breach Discovered", "date breach discovered"),
)  # fmt: skip
NOTIFICATION_LABELS = (
    ("Type of Notification", "type of notification"),
    ("Date(s) of consumer notification", "date(s) of consumer"),
    ("Copy of notice to affected Maine residents", None),
    ("List dates of any previous (within 12 months) breach notifications", "list dates of any"),
    ("Were identify theft protection services offered?", "were identify theft"),
    ("If yes, for what duration?", "if yes, for what duration"),
    ("If yes, by what provider?", "if yes, by what provider"),
    ("If yes, provide a brief description of the service.", "if yes, provide a brief"),
)
# The archive's submitter columns were redacted; placeholders that must never be stored.
PLACEHOLDER_SUBMITTER = [
    ("Name", "Pat Example"),
    ("Title", "Counsel"),
    ("Telephone Number", "555-0100"),
    ("Email Address", "filer@example.com"),
    ("Relationship to entity whose information was compromised", "Counsel"),
]


@dataclass
class FormRow:
    """One row of the form-export workbook: header -> cell text, and a stable key."""

    cells: dict[str, str]
    key: str  # completed timestamp and entity name, with a counter for identical rows


# Ticked checkbox columns of the workbook ("true"/"false") shown as one viewer value.
ORGANIZATION_COLUMNS = ("Educational", "Financial Services", "Governmental Entity in Maine",
                        "Other Governmental Entity", "Health Care", "Other Commercial",
                        "Not-for-Profit", "POS Vendor")  # fmt: skip
DATA_TYPE_COLUMNS = ("Social Security Number", "Driver's license", "Financial account number")
NOTIFICATION_COLUMNS = ("Written", "Electronic", "Telephone", "Substitute notice")


def _short(header: str) -> str:
    """A header without its parenthesised explanation ("Financial Services (if ...)")."""
    return re.sub(r"\s*\(.*$", "", header).strip()


def _ticked(cells: dict[str, str], starts: tuple[str, ...]) -> list[str]:
    return [
        _short(header)
        for header, value in cells.items()
        if header.startswith(starts) and value.strip().casefold() in ("true", "yes", "x")
    ]


def read_form_workbook(path: Path = FORM_WORKBOOK) -> list[FormRow]:
    """The rows of the real form-export workbook, read directly with openpyxl (not with the
    crawler's reader, which the crawls of this copy test)."""
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [" ".join(str(c or "").split()) for c in next(rows)]
        if "Completed Date" not in header or "Entity Name" not in header:
            raise ValueError(f"{path} is not the form-export workbook (header: {header[:3]})")
        found: list[FormRow] = []
        seen: Counter = Counter()
        for values in rows:
            pairs = zip(header, values, strict=False)
            cells = {h: " ".join(str(v or "").split()) for h, v in pairs if h}
            if not any(cells.values()):
                continue
            key = f"{cells['Completed Date']}|{cells['Entity Name']}"
            seen[key] += 1
            found.append(FormRow(cells, key if seen[key] == 1 else f"{key}|#{seen[key]}"))
        return found
    finally:
        workbook.close()


def notice_from_row(row: FormRow, notice_loc: int) -> MENotice:
    """A viewer notice showing one form-export row; its UUID derives from the row's key."""
    raw = dict(row.cells)
    if notification_types := _ticked(raw, NOTIFICATION_COLUMNS):
        raw["Type of Notification"] = "; ".join(notification_types)

    def cell(header_start: str | None) -> str:
        if header_start is None:
            return ""
        return next((v for k, v in raw.items() if k.casefold().startswith(header_start)), "")

    name = raw["Entity Name"]
    return MENotice(
        uuid=str(uuid.uuid5(_UUID_NAMESPACE, row.key)),
        reported_date=_iso(raw["Completed Date"].split(" ")[0]),
        entity_name=name,
        entity=[
            ("Type of Organization", "; ".join(_ticked(raw, ORGANIZATION_COLUMNS))),
            ("Entity Name", name),
            *((label, cell(header)) for label, header in ENTITY_LABELS),
        ],
        submitter=list(PLACEHOLDER_SUBMITTER),
        breach=[
            *((label, cell(header)) for label, header in BREACH_LABELS),
            ("Description of the Breach", ["External system breach (hacking)"]),
            (
                "Information Acquired - Name or other personal identifier in combination with",
                _ticked(raw, DATA_TYPE_COLUMNS) or "",
            ),
        ],
        notification=[(label, cell(header)) for label, header in NOTIFICATION_LABELS],
        notice_loc=notice_loc,
        notice_file=re.sub(r"[^A-Za-z0-9]+", " ", name).strip() + " notice.pdf",
    )


def notices_from_form_workbook(path: Path = FORM_WORKBOOK, count: int = 100) -> list[MENotice]:
    """The newest `count` rows of the real form-export workbook, as viewer notices."""
    rows = read_form_workbook(path)
    return [notice_from_row(row, 4000 + i) for i, row in zip(range(count), rows, strict=False)]
