"""A local copy of the California AG breach portal, in its real markup, from real rows.

List pages reuse the real captured page (localportal/data/ca/list-search-tmobile.html) as
the frame: only the results table is generated, and a Drupal/Bootstrap pager is added as
the live site has one (`ul.pagination`, `li.next`, `?page=N` from 0). The no-result page is the real capture as served. Detail pages
follow the documented field order and Drupal 7 field markup; no real detail page was ever
captured, so they are a reconstruction. The `sb24-` IDs are synthetic (the CSV export has
none): sparse, decreasing with age, as the real Drupal node ids are.
"""

import csv
import hashlib
import html
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from localportal.server import Page

REAL = Path(__file__).resolve().parent / "data" / "ca"
LIST_FRAME = REAL / "list-search-tmobile.html"
EMPTY_PAGE = REAL / "list-no-results.html"
EXPORT_CSV = REAL / "list-export-2025-06-18.csv"
LIVE = "https://oag.ca.gov"
# The smallest valid PDF: sample notices are files, and a crawler may fetch them.
TINY_PDF = b"%PDF-1.1\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass
class CANotice:
    source_id: str  # "sb24-NNNNNN"
    name: str
    breach_dates: list[str]  # "MM/DD/YYYY" each; empty list shows as "n/a"
    reported: str  # "MM/DD/YYYY"
    files: list[str] = field(default_factory=list)  # sample notice file names


def _day(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%m/%d/%Y")
    except ValueError:  # a malformed date a test serves on purpose, shown as typed
        return None


def _long_date(text: str) -> str:
    day = _day(text)
    return f"{day:%A, %B} {day.day}, {day.year}" if day else text


def load_real_rows(path: Path = EXPORT_CSV) -> list[dict]:
    """The real CSV export's rows, newest first, as published (names untouched)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [
            {"name": name, "dates": [d for d in dates.split(", ") if d], "reported": reported}
            for name, dates, reported in reader
        ]


def synthetic_ids(count: int, newest: int = 629314) -> list[str]:
    """Sparse, decreasing node ids like Drupal's, the same for the same count."""
    ids, node = [], newest
    for i in range(count):
        ids.append(f"sb24-{node}")
        node -= 1 + int(hashlib.sha256(str(i).encode()).hexdigest(), 16) % 37
    return ids


def build_notices(rows: list[dict]) -> list[CANotice]:
    notices = []
    for source_id, row in zip(synthetic_ids(len(rows)), rows, strict=True):
        slug = re.sub(r"[^A-Za-z0-9]+", " ", row["name"]).strip() or "Notice"
        notices.append(
            CANotice(source_id, row["name"], row["dates"], row["reported"],
                     files=[f"{slug} Notice Letter.pdf"])
        )  # fmt: skip
    return notices


def _breach_cell(notice: CANotice) -> str:
    if not notice.breach_dates:
        return "\n            n/a          "
    spans = []
    for text in notice.breach_dates:
        day = _day(text)
        # Pacific offset: -07:00 in summer, -08:00 otherwise (close enough for markup).
        offset = "-07:00" if day and 4 <= day.month <= 10 else "-08:00"
        content = f"{day:%Y-%m-%d}T00:00:00{offset}" if day else ""
        spans.append(
            f'<span  property="dc:date" datatype="xsd:dateTime" '
            f'content="{content}" class="date-display-single">{text}</span>'
        )
    return "\n            " + ", ".join(spans) + "          "


def _row(notice: CANotice, index: int, last: int) -> str:
    classes = ["odd" if index % 2 == 0 else "even"]
    if index == 0:
        classes.append("views-row-first")
    if index == last:
        classes.append("views-row-last")
    return f"""          <tr class="{" ".join(classes)}">
                  <td class="views-field views-field-field-sb24-org-name" >
            <a href="{LIVE}/ecrime/databreach/reports/{notice.source_id}">{html.escape(notice.name)}</a>          </td>
                  <td class="views-field views-field-field-sb24-breach-date" >{_breach_cell(notice)}</td>
                  <td class="views-field views-field-created active" >
            {notice.reported}          </td>
              </tr>
"""


TABLE_HEAD = """<table class="views-table cols-3 table table-hover table-striped" >
        <thead>
      <tr>
                  <th class="views-field views-field-field-sb24-org-name" >
            <a href="/privacy/databreach/list?order=field_sb24_org_name&amp;sort=asc" title="sort by Organization Name" class="active">Organization Name</a>          </th>
                  <th class="views-field views-field-field-sb24-breach-date" >
            Date(s) of Breach          </th>
                  <th class="views-field views-field-created active" >
            <a href="/privacy/databreach/list?order=created&amp;sort=asc" title="sort by Reported Date" class="active">Reported Date<span class="icon-after icon glyphicon glyphicon-chevron-down" data-toggle="tooltip" data-placement="bottom" title="sort ascending" aria-hidden="true"></span>
</a>          </th>
              </tr>
    </thead>
    <tbody>
"""


def _pager(page: int, last_page: int) -> str:
    if last_page == 0:
        return ""

    def link(n: int, text: str, title: str, css: str = "") -> str:
        href = "/privacy/databreach/list" + (f"?page={n}" if n else "")
        cls = f' class="{css}"' if css else ""
        return f'<li{cls}><a title="{title}" href="{href}">{text}</a></li>'

    items = []
    if page > 0:
        items += [link(0, "« first", "Go to first page", "pager-first"),
                  link(page - 1, "‹ previous", "Go to previous page", "prev")]  # fmt: skip
    low, high = max(0, page - 4), min(last_page, page + 4)
    if low > 0:
        items.append('<li class="pager-ellipsis disabled"><span>…</span></li>')
    for n in range(low, high + 1):
        if n == page:
            items.append(f'<li class="active"><span>{n + 1}</span></li>')
        else:
            items.append(link(n, str(n + 1), f"Go to page {n + 1}"))
    if high < last_page:
        items.append('<li class="pager-ellipsis disabled"><span>…</span></li>')
    if page < last_page:
        items += [link(page + 1, "next ›", "Go to next page", "next"),
                  link(last_page, "last »", "Go to last page", "pager-last")]  # fmt: skip
    return '<div class="text-center"><ul class="pagination">' + "".join(items) + "</ul></div>"


class CASite:
    """Serves the CA portal paths under `prefix` from `notices` (newest first)."""

    def __init__(self, notices: list[CANotice], prefix: str = "/ca", page_size: int = 50):
        self.notices = notices
        self.prefix = prefix
        self.page_size = page_size
        frame = LIST_FRAME.read_text(encoding="utf-8")
        start = frame.index('<div class="view-content">')
        end = frame.index("</table>", start) + len("</table>")
        self._frame_head, self._frame_tail = frame[:start], frame[end:]
        self._empty = EMPTY_PAGE.read_bytes()
        # Tests set this to serve a page in some other markup (a redesign).
        self.list_override: bytes | None = None

    @property
    def last_page(self) -> int:
        return max(0, (len(self.notices) - 1) // self.page_size)

    def handle(self, path: str, query: dict) -> Page | None:
        if path == "/robots.txt":
            return Page(b"User-agent: *\nCrawl-delay: 10\n", "text/plain")
        if path == "/privacy/databreach/list":
            return self.list_page(int((query.get("page") or ["0"])[0] or 0))
        if path == "/privacy/databreach/list-export":
            return Page(self.export_csv(), "text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="data-breach-list.csv"'})  # fmt: skip
        match = re.fullmatch(r"/ecrime/databreach/reports/(sb24-\d+)", path)
        if match:
            notice = next((n for n in self.notices if n.source_id == match[1]), None)
            return Page(self.detail_page(notice).encode()) if notice else None
        if path.startswith("/system/files/"):
            return Page(TINY_PDF, "application/pdf")
        return None

    def list_page(self, page: int) -> Page:
        if self.list_override is not None:
            return Page(self.list_override)
        rows = self.notices[page * self.page_size : (page + 1) * self.page_size]
        if not rows:
            return Page(self._empty)
        body = "".join(_row(n, i, len(rows) - 1) for i, n in enumerate(rows))
        table = (
            '<div class="view-content">\n      <div class="table-responsive">\n'
            + TABLE_HEAD + body + "      </tbody>\n</table>"
        )  # fmt: skip
        return Page((self._frame_head + table + self._frame_tail_with_pager(page)).encode())

    def _frame_tail_with_pager(self, page: int) -> str:
        # The pager follows the view-content div (two closing divs after the table).
        tail = self._frame_tail
        cut = tail.index("</div>", tail.index("</div>") + 1) + len("</div>")
        return tail[:cut] + "\n" + _pager(page, self.last_page) + tail[cut:]

    def detail_page(self, notice: CANotice) -> str:
        files = "".join(
            f'<div class="field-item {"even" if i % 2 == 0 else "odd"}"><span class="file">'
            f'<img class="file-icon" alt="PDF icon" title="application/pdf" src="/modules/file/icons/application-pdf.png" /> '
            f'<a href="{LIVE}/system/files/{quote(name)}" type="application/pdf; length=52340">{html.escape(name)}</a></span></div>'
            for i, name in enumerate(notice.files)
        )
        dates = "".join(
            f'<div class="field-item {"even" if i % 2 == 0 else "odd"}"><span class="date-display-single">'
            f"{_long_date(d)}</span></div>"
            for i, d in enumerate(notice.breach_dates)
        )
        dates_field = (
            '<div class="field field-name-field-sb24-breach-date field-type-datetime field-label-inline clearfix">'
            '<div class="field-label">Date(s) of Breach (if known):&nbsp;</div>'
            f'<div class="field-items">{dates}</div></div>'
            if dates else ""
        )  # fmt: skip
        return f"""<!DOCTYPE html>
<html lang="en" dir="ltr"><head><meta charset="utf-8" /><meta name="generator" content="Drupal 7 (http://drupal.org)" />
<title>{html.escape(notice.name)} | State of California - Department of Justice - Office of the Attorney General</title></head>
<body class="html not-front node-type-sb24-breach-notice"><div class="main-container container"><section class="col-sm-9">
<h1 class="page-header">Submitted Breach Notification Sample</h1>
<div id="block-system-main" class="block block-system"><div class="node node-sb24-breach-notice clearfix">
<div class="field field-name-field-sb24-sample-notice field-type-file field-label-inline clearfix"><div class="field-label">Sample of Notice:&nbsp;</div><div class="field-items">{files}</div></div>
<div class="field field-name-field-sb24-org-name field-type-text field-label-inline clearfix"><div class="field-label">Organization Name:&nbsp;</div><div class="field-items"><div class="field-item even">{html.escape(notice.name)}</div></div></div>
{dates_field}
</div></div></section></div></body></html>"""

    def export_csv(self) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(["Organization Name", "Date(s) of Breach  (if known)", "Reported Date"])
        for n in self.notices:
            writer.writerow([n.name, ", ".join(n.breach_dates), n.reported])
        return out.getvalue().encode("utf-8")


def demo_site(count: int = 300, prefix: str = "/ca") -> CASite:
    """The newest `count` real notices of the bundled CSV export, as a portal."""
    return CASite(build_notices(load_real_rows()[:count]), prefix=prefix)
