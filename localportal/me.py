"""A local copy of the Maine AG breach notices: viewer list and detail pages, the archives page
with the two real archive workbooks, and the "database offline" state of June 2026.

No viewer page was ever captured (the live database went offline on 12 Jun 2026), so the list
and detail markup is a reconstruction of the structure documented from public scrapers of the viewer:
`table.breachTable` with every row inline, relative `<uuid>.html` links, and detail pages made
of `<h2>` sections followed by `<ul class="plain">` lists of `Label: <strong>value</strong>`
(with the live label typos "Occured" and "identify theft"). The notices themselves are real:
`demo_site` renders the newest rows of the real 2018-2020 form-export workbook, with UUIDs
derived from each row's stable archive id, so the same row always gets the same UUID
(localportal/me_notices.py reads the rows; this module serves them).

`offline = True` switches the site to the observed offline behaviour: the list (old and new
viewer) answers 302 to the notice page, which carries the AG's "will remain offline" text,
and detail pages answer 403.
"""

import html
import re
from urllib.parse import quote, unquote

from localportal.me_notices import FORM_WORKBOOK as FORM_WORKBOOK  # re-exported
from localportal.me_notices import LOG_WORKBOOK, MENotice
from localportal.me_notices import notices_from_form_workbook as notices_from_form_workbook
from localportal.server import Page

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
_UUID_PAGE = re.compile(r"/([0-9a-f-]{36})\.(s?html)")


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
