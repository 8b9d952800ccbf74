"""Reading the California AG breach portal (oag.ca.gov, spider `ca_ag`), by meaning.

Pure functions over text, so every quirk is testable on saved pages
(localportal/data/ca/, tests/fixtures/ca_ag/): a Drupal 7 views table found by its header
labels, a Bootstrap pager (`li.next`), detail pages with labelled fields, and a CSV export
with no IDs. A page that is not one of these raises `UnknownPageError`.
"""

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from crawler.pages import UnknownPageError, reader
from crawler.pages.tree import css, first, own_text, parse_html, text_of, xpath
from crawler.textparse.dates import parse_date
from crawler.textparse.text import clean_text, normalize_label

# Header label (normalised, "(if known)" dropped) -> our column name.
LIST_COLUMNS = {
    "organization name": "entity_name",
    "date(s) of breach": "breach_dates",
    "reported date": "reported_date",
}
NOTICE_ID = re.compile(r"/reports/(sb24-\d+)")
EMPTY_MARKER = "div.view-empty"
PAGE_SIZE = 50
# The Bootstrap theme's pager (`li.next`), Drupal core's (`li.pager-next`), and the link's
# own meaning (rel/title), so a theme change does not silently end the crawl at page 1.
NEXT_LINK = (
    "ul.pagination li.next a::attr(href), ul.pager li.pager-next a::attr(href), "
    "ul.pager li.next a::attr(href), a[rel=next]::attr(href), "
    "a[title='Go to next page']::attr(href)"
)
PAGER = "ul.pagination, ul.pager, nav.pager, .item-list .pager"
# The site footer closes every page; a page without it was cut short.
FOOTER = "footer, .region-footer, #footer"
# How the portal writes a date in its list and export: MM/DD/YYYY, four-digit years, or n/a.
LIST_DATE = re.compile(r"^(?:\d{1,2}/\d{1,2}/\d{4}|n/a)$", re.IGNORECASE)
# Detail-page labels (normalised) -> what they hold.
DETAIL_LABELS = {
    "sample of notice": "notice_urls",
    "organization name": "entity_name",
    "date(s) of breach": "breach_dates",
}
# Site-wide PDFs that are not notices (annual breach reports).
NOT_A_NOTICE = re.compile(r"data[-_ %20]*breach[-_ %20]*report|/agweb/pdfs/", re.IGNORECASE)
LONG_DATE = re.compile(
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s+)?"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s+\d{1,2},\s+\d{4}"
)


# Cached: a site's header and field labels are a handful of fixed texts.
@lru_cache(maxsize=1024)
def header_key(label: str) -> str:
    text = normalize_label(label)
    return re.sub(r"\s*\(if known\)$", "", text)


@dataclass
class ListPage:
    """What a list page holds. `empty` is the portal's own "no results" page; `doubt` says
    why rows that could be read still do not look like the page we know (the spider records
    a layout change, keeps the rows and does not take the page as the end of the list)."""

    rows: list[dict] = field(default_factory=list)
    next_href: str | None = None
    empty: bool = False
    doubt: str = ""
    pager: bool = False  # the page has a pager (a list of more than one page does)
    footer: bool = False  # the page's footer is there: the page was not cut short
    active_page: int | None = None  # the 1-based page number the pager marks as current


def _find_table(root):
    for table in css("table")(root):
        labels = [header_key(" ".join(css("::text")(th))) for th in css("thead th")(table)]
        if "organization name" in labels:
            return table, labels
    return None, []


@reader
def parse_list_page(html: str) -> ListPage:
    """Rows of a list page, read by header label.

    Raises:
        UnknownPageError: no results table (and no "no results" marker), changed headers, or
            a table without rows.
    """
    root = parse_html(html)
    table, labels = _find_table(root)
    if table is None:
        if css(EMPTY_MARKER)(root):
            return ListPage(empty=True)
        raise UnknownPageError("no results table and no 'view-empty' marker")
    missing = [label for label in LIST_COLUMNS if label not in labels]
    unknown = [label for label in labels if label not in LIST_COLUMNS]
    if missing:
        raise UnknownPageError(f"table headers changed: missing {missing}, found {labels}")
    index = {LIST_COLUMNS[label]: i for i, label in enumerate(labels) if label in LIST_COLUMNS}
    rows = [_parse_row(css("td")(tr), index) for tr in css("tbody tr")(table)]
    rows = [row for row in rows if row is not None]
    next_href = first(css(NEXT_LINK)(root))
    page = ListPage(rows, next_href, pager=bool(css(PAGER)(root)), footer=bool(css(FOOTER)(root)),
                    active_page=_active_page(root))  # fmt: skip
    if unknown:
        page.doubt = f"unknown table headers {unknown}"
    elif not rows:
        raise UnknownPageError("results table without rows")
    elif len(rows) >= PAGE_SIZE and next_href is None and not page.pager:
        # A full page with no pager at all: the pager moved, not the end of the list.
        page.doubt = f"{len(rows)} rows but no pager"
    return page


def _parse_row(cells, index: dict[str, int]) -> dict | None:
    if len(cells) <= max(index.values()):
        return None
    name_cell = cells[index["entity_name"]]
    href = first(css("a::attr(href)")(name_cell))
    match = NOTICE_ID.search(href or "")
    date_cell = cells[index["breach_dates"]]
    spans = css("span.date-display-single")(date_cell)
    breach_dates = [clean_text(first(css("::text")(s))) for s in spans] or [
        clean_text(" ".join(css("::text")(date_cell)))
    ]
    name = clean_text(" ".join(css("::text")(name_cell)))
    reported = clean_text(" ".join(css("::text")(cells[index["reported_date"]])))
    machine = [v for s in spans for v in css("::attr(content)")(s)]
    return {
        "source_id": match.group(1) if match else None,
        "href": href,
        "entity_name": name,
        "breach_dates": [d for d in breach_dates if d],
        "reported_date": reported,
        "raw": {
            "Organization Name": name,
            "Date(s) of Breach": ", ".join(d for d in breach_dates if d) or None,
            "Date(s) of Breach (machine)": machine or None,
            "Reported Date": reported,
        },
    }


# The pager's "last »" link, whose `page` (0-based) is the last list page.
LAST_PAGE = re.compile(r'class="pager-last"><a[^>]*href="[^"]*[?&]page=(\d+)')


def last_page_index(html: str) -> int | None:
    """The 0-based index of the last list page from the pager's "last »" link, if shown."""
    match = LAST_PAGE.search(html)
    return int(match[1]) if match else None


def list_page_key(url: str) -> tuple:
    """Which list page a URL asks for: `/list` and `/list?page=0` are the same page."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    page = (query.pop("page", None) or ["0"])[0]
    return parts.path, tuple(sorted((k, tuple(v)) for k, v in query.items())), page


@lru_cache(maxsize=8192)
def _day(text: str) -> str | None:
    """A date text as ISO (cached: a backfill sees the same few thousand dates again and
    again, on list rows, detail pages and in the clean stage)."""
    parsed = parse_date(text).value
    return parsed.iso if parsed else None


def dates_differ(list_dates: list[str], detail_dates: list[str]) -> bool:
    """Whether a detail page gives other breach dates than its list row (as days)."""

    def isos(texts):
        return {day for day in map(_day, texts) if day}

    return bool(detail_dates) and isos(list_dates) != isos(detail_dates)


def active_page_number(html: str) -> int | None:
    """The 1-based page number the pager marks as current, if there is a pager."""
    return _active_page(parse_html(html))


def _active_page(root) -> int | None:
    text = first(css("ul.pagination li.active span::text")(root))
    return int(text) if text and text.strip().isdigit() else None


@reader
def parse_detail_page(html: str) -> dict:
    """Fields of a detail page found by their labels.

    A label is an element whose own text is the label text; its value is the rest of the
    label's parent: a Drupal `div.field` (tried first, as it is cheap), or any other element
    such as a `<p>` holding `<strong>Label:</strong>`.

    Raises:
        UnknownPageError: no known label on the page.
    """
    root = parse_html(html)
    found: dict = {}
    _read_labels(css("div.field > div.field-label")(root), found)
    if not set(DETAIL_LABELS.values()) <= set(found):  # a label outside Drupal's field markup
        _read_labels(xpath("//body//*[normalize-space(text())]")(root), found)
    if not found:
        raise UnknownPageError("detail page without any known label")
    return found


def _read_labels(nodes, found: dict) -> None:
    for node in nodes:
        key = DETAIL_LABELS.get(header_key(normalize_label(own_text(node))))
        if key is None or key in found:
            continue
        container = node.getparent()
        if key == "notice_urls":  # its links are the value, not its text
            hrefs = css("a::attr(href)")(container)
            found[key] = [h.strip() for h in hrefs if not NOT_A_NOTICE.search(h)]
            found["notice_names"] = [clean_text(t) for t in css("a::text")(container)]
            continue
        label_text = clean_text(text_of(node)) or ""
        text = clean_text(text_of(container)) or ""
        value = clean_text(text.replace(label_text, "", 1))
        if key == "breach_dates":
            found[key] = LONG_DATE.findall(value or "") or ([value] if value else [])
        else:
            found[key] = value


# CSV export header (normalised) -> our column name. The real header has two spaces
# before "(if known)"; normalising whitespace makes one or two spaces the same.
CSV_COLUMNS = LIST_COLUMNS


@reader
def parse_export_csv(text: str) -> list[dict]:
    """Rows of the CSV export as dicts with our column names and a `raw` copy.

    Raises UnknownPageError when a column we need is not in the header.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None) or []
    keys = [header_key(h) for h in header]
    missing = [label for label in CSV_COLUMNS if label not in keys]
    if missing:
        raise UnknownPageError(f"CSV header changed: missing {missing}, found {header}")
    index = {CSV_COLUMNS[k]: i for i, k in enumerate(keys) if k in CSV_COLUMNS}
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        dates = cells[index["breach_dates"]]
        rows.append(
            {
                "entity_name": clean_text(cells[index["entity_name"]]),
                "breach_dates": [d for d in (clean_text(p) for p in dates.split(",")) if d],
                "reported_date": clean_text(cells[index["reported_date"]]),
                "raw": dict(zip(header, cells, strict=False)),
            }
        )
    return rows


def is_list_date(text: str | None) -> bool:
    """Whether a list or export date is written as the portal writes dates (a cut "04/02/20"
    is not: read as 2020 it would be a wrong date, not a missing one)."""
    return bool(text) and bool(LIST_DATE.match(text.strip()))


# --- The list against the CSV export (backfill) -------------------------------------------------
def row_key(row: dict) -> tuple:
    """How a list row and an export row are matched (the export has no ids): the name as
    published, case-folded, and the reported date."""
    name = (row.get("entity_name") or "").casefold()
    reported = parse_date(row.get("reported_date")).value
    return name, reported.iso if reported else row.get("reported_date")


def completeness(list_keys: Counter, export_keys: Counter, examples: int) -> dict:
    """Notices in the list but not the export and the other way round, with examples
    (`export_keys`: `row_key` of every export row, counted)."""
    only_export = export_keys - list_keys
    only_list = list_keys - export_keys
    return {
        "checked": True,
        "list_rows": sum(list_keys.values()),
        "export_rows": sum(export_keys.values()),
        "only_in_export": sum(only_export.values()),
        "only_in_list": sum(only_list.values()),
        "examples_only_in_export": [list(k) for k in sorted(only_export)[:examples]],
        "examples_only_in_list": [list(k) for k in sorted(only_list)[:examples]],
    }
