"""A local copy of the Maine AG breach notices: viewer list and detail pages, the archives page
with the two real archive workbooks, and the "database offline" state of June 2026.

No viewer page was ever captured (the live database went offline on 12 Jun 2026), so the list
and detail markup is a reconstruction of the structure documented from public scrapers of the viewer:
`table.breachTable` with every row inline, relative `<uuid>.html` links, and detail pages made
of `<h2>` sections followed by `<ul class="plain">` lists of `Label: <strong>value</strong>`
(with the live label typos "Occured" and "identify theft"). The notices themselves are real:
`demo_site` renders the newest rows of the real 2018-2020 form-export workbook, with UUIDs
derived from each row's stable archive id, so the same row always gets the same UUID.

`offline = True` switches the site to the observed offline behaviour: the list (old and new
viewer) answers 302 to the notice page, which carries the AG's "will remain offline" text,
and detail pages answer 403.
"""

import html
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote

from openpyxl import load_workbook

from localportal.server import Page

REAL = Path(__file__).resolve().parent / "data" / "me"
FORM_WORKBOOK = REAL / "archive-2018-12-06--2020-09-14.xlsx"
LOG_WORKBOOK = REAL / "archive-2010-08-01--2018-12-05.xlsx"
# The live paths (the crawler's own constants are not used: this copy is built independently
# of the code it tests).
VIEWER_LIST_PATH = "/agviewer/content/ag/985235c7-cb95-4be2-8792-a1252b4f8318/list.html"
ARCHIVES_PATH = "/ag/news-and-library/archives"
OFFLINE_NOTICE_PATH = "/ag/consumer-protection/data-security-breaches"
VIEWER_DIR = VIEWER_LIST_PATH.rsplit("/", 1)[0]
OLD_VIEWER_DIR = "/online/aeviewer/ME/40"
DOCS_DIR = "/ag/sites/maine.gov.ag/files/docs"
# Live file names ("8-1-2021" is the AG's typo for 2010) -> real copies.
ARCHIVE_FILES = {
    "Data breach spreadsheet 12-6-2018 through 9-14-2020 REDACTED.xlsx": (
        FORM_WORKBOOK,
        "Maine Data Breach Notices (12/6/2018 -- 09/14/2020) (Archived MS Excel)",
    ),
    "Data breach spreadsheet 8-1-2021 through 12-5-2018 REDACTED.xlsx": (
        LOG_WORKBOOK,
        "Maine Data Breach Notices (8/1/2010 -- 12/5/2018) (Archived MS Excel)",
    ),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TINY_PDF = b"%PDF-1.1\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
OFFLINE_TEXT = (
    "We were recently made aware of an apparent abuse of our data breach reporting system. "
    "We are working to address the issue. The public-facing database will remain offline "
    "until then. Members of the public may contact AG.ConsumerProtectionDivision@maine.gov."
)
# Namespace for UUIDs derived from archive row ids (any fixed UUID would do).
_UUID_NAMESPACE = uuid.UUID("6f0c1d1e-5a52-4b8e-9d43-2f6d3c3a0e11")
_UUID_PAGE = re.compile(r"/([0-9a-f-]{36})\.(s?html)")


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


def _value_html(value: str | list[str]) -> str:
    if isinstance(value, list):
        return "<ul>" + "".join(f"<li>{html.escape(v)}</li>" for v in value) + "</ul>"
    return f"<strong>{html.escape(value)}</strong>"


def _label_html(label: str) -> str:
    # A question keeps its "?" and gets no colon, as on the form.
    return html.escape(label) + ("" if label.endswith(("?", ".")) else ":")


class MaineSite:
    """Serves the Maine paths under `prefix` from `notices` (newest first).

    Attributes tests change between crawls: `notices`, `offline`.
    """

    def __init__(self, notices: list[MENotice], prefix: str = "/me", offline: bool = False):
        self.notices = notices
        self.prefix = prefix
        self.offline = offline

    def _find(self, notice_id: str) -> MENotice | None:
        return next((n for n in self.notices if n.uuid == notice_id), None)

    def handle(self, path: str, query: dict) -> Page | None:
        path = unquote(path)
        if path in (VIEWER_LIST_PATH, f"{OLD_VIEWER_DIR}/list.shtml"):
            if self.offline:
                return Page(b"", status=302,
                            headers={"Location": self.prefix + OFFLINE_NOTICE_PATH})  # fmt: skip
            return Page(self.list_page(old=path.startswith(OLD_VIEWER_DIR)).encode())
        match = _UUID_PAGE.fullmatch(path[path.rfind("/") :])
        if match and path.startswith((VIEWER_DIR + "/", OLD_VIEWER_DIR + "/")):
            if self.offline:
                return Page(b"<html><body><h1>403 Forbidden</h1></body></html>", status=403)
            notice = self._find(match[1])
            old = match[2] == "shtml"
            return Page(self.detail_page(notice, old=old).encode()) if notice else None
        if path == OFFLINE_NOTICE_PATH:
            return Page(self.notice_page().encode())
        if path == ARCHIVES_PATH:
            return Page(self.archives_page().encode())
        if path.startswith(DOCS_DIR + "/") and path[len(DOCS_DIR) + 1 :] in ARCHIVE_FILES:
            file, _ = ARCHIVE_FILES[path[len(DOCS_DIR) + 1 :]]
            return Page(file.read_bytes(), XLSX)
        if path == "/cgi-bin/agviewerad/ret" and query.get("loc"):
            known = {str(n.notice_loc) for n in self.notices}
            return Page(TINY_PDF, "application/pdf") if query["loc"][0] in known else None
        return None

    def list_page(self, old: bool = False) -> str:
        suffix = "shtml" if old else "html"
        rows = "".join(
            f'<tr><td>{html.escape(n.reported_date)}</td><td><a href="{n.uuid}.{suffix}">'
            f"{html.escape(n.entity_name)}</a></td></tr>\n"
            for n in self.notices
        )
        container, table_class = (
            ("maincontent3", "dataTable") if old else ("content", "breachTable stripe hover")
        )
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Data Breach Notifications | Office of the Maine Attorney General</title></head>
<body><div id="{container}"><h1>Data Breach Notifications</h1>
<table class="{table_class}">
<thead><tr><th>Date Reported</th><th>Organization Name</th></tr></thead>
<tbody>
{rows}</tbody>
</table></div></body></html>"""

    def detail_page(self, notice: MENotice, old: bool = False) -> str:
        sections = []
        for heading, items in (
            ("Entity Information", notice.entity),
            ("Submitted By", notice.submitter),
            ("Breach Information", notice.breach),
            ("Notification and Protection Services", notice.notification),
        ):
            lines = []
            for label, value in items:
                if label.startswith("Copy of notice") and notice.notice_loc is not None:
                    link = (f'<a href="/cgi-bin/agviewerad/ret?loc={notice.notice_loc}">'
                            f"{html.escape(notice.notice_file)}</a>")  # fmt: skip
                    lines.append(f"<li>{_label_html(label)} <strong>{link}</strong></li>")
                else:
                    lines.append(f"<li>{_label_html(label)} {_value_html(value)}</li>")
            sections.append(f'<h2>{heading}</h2>\n<ul class="plain">\n{"".join(lines)}\n</ul>')
        container = "maincontent3" if old else "content"
        body = "\n".join(sections)
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(notice.entity_name)} | Data Breach Notification</title></head>
<body><div id="{container}"><h1>{html.escape(notice.entity_name)}</h1>
{body}
</div></body></html>"""

    def notice_page(self) -> str:
        text = (
            OFFLINE_TEXT
            if self.offline
            else (f'Search our <a href="{VIEWER_LIST_PATH}">data breach notifications</a>.')
        )
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Data Security Breaches | Office of the Maine Attorney General</title></head>
<body><div id="content"><h1>Data Security Breaches</h1><p>{text}</p></div></body></html>"""

    def archives_page(self) -> str:
        links = "".join(
            f'<li><a href="{DOCS_DIR}/{quote(name)}">{html.escape(text)}</a></li>\n'
            for name, (_, text) in ARCHIVE_FILES.items()
        )
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Archives | Office of the Maine Attorney General</title></head>
<body><div id="content"><h1>Archives</h1>
<h2>Data Breach Notices Archives</h2>
<ul>
{links}</ul>
<h2>Press Releases Archives</h2>
<ul><li><a href="/ag/news-and-library/press-releases/2019">2019 press releases</a></li></ul>
</div></body></html>"""


def demo_site(count: int = 100, prefix: str = "/me") -> MaineSite:
    """The newest `count` real notices of the form-export workbook, as the viewer."""
    return MaineSite(notices_from_form_workbook(count=count), prefix=prefix)
