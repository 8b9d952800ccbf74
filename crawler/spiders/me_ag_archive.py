"""Maine AG: Data Breach Notices Archives (Aug 2010 - 14 Sep 2020), a one-off backfill.
https://www.maine.gov/ag/news-and-library/archives

- Format: two XLSX workbooks linked from the archives page (still published after the viewer
  went offline in June 2026):
  - "Maine Data Breach Notices (12/6/2018 -- 09/14/2020)": the online form's export, sheet
    "App Engine", 985 notices, 33 columns (submitter columns redacted);
  - "Maine Data Breach Notices (8/1/2010 -- 12/5/2018)": the hand-kept log, about 2,070
    notices: a title row, then Company (address appended), Date of Breach, Date of
    Notification, Type of Information, Number of Maine Residents Affected.
  Links are found by their `.xlsx` href or their "Data Breach Notices" text; each workbook's
  kind is recognised from its header row, and columns by header meaning
  (crawler/pages/me_ag_archive.py).
- ID: `form-<hash>` / `log-<hash>`: which archive plus the row's own content (completed
  timestamp and entity; or entity, breach and notification cells), so a re-crawl gives the
  same ids whatever the row order; identical rows get a counter.
- Reported date: the form export's "Completed Date" (date part); the log's "Date of
  Notification" (the day the notice reached the AG).
- Excel date cells are yielded as ISO dates; `raw` keeps the cell's serial number.
- Counts: the form export has total and Maine counts; the log only Maine counts.

Modes: backfill only (the archive is closed: re-reading it nightly would change nothing).
The workbooks are asked for conditionally (crawler/spiders/conditional.py): a re-run against
unchanged workbooks costs a 304 each, and nothing is read or written.
"""

import re

import scrapy

from crawler.pages import UnknownPageError
from crawler.pages import me_ag_archive as archive
from crawler.spiders.base import BreachSpider
from crawler.spiders.conditional import Validators

_ARCHIVE_LINK_TEXT = re.compile(r"data breach notices", re.IGNORECASE)
# The archives page has listed exactly these two workbooks since 2020.
EXPECTED_WORKBOOKS = 2


class MeAgArchiveSpider(BreachSpider):
    name = "me_ag_archive"
    run_order = 30
    jurisdiction = "ME"
    source_kind = "state"
    modes = ("backfill",)
    live_base_url = "https://www.maine.gov"
    live_aliases = ("maine.gov",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators = Validators(self)

    async def start(self):
        yield scrapy.Request(self.url(archive.ARCHIVES_PATH), callback=self.parse)

    def parse(self, response):
        """The archives page: follow every breach-notice workbook link.

        @url https://www.maine.gov/ag/news-and-library/archives
        @returns requests 2 2
        """
        links = {}
        for link in response.css("a[href]"):
            href = link.attrib["href"].strip()
            text = " ".join(link.css("::text").getall())
            is_xlsx = href.lower().split("?")[0].endswith(".xlsx")
            if is_xlsx and (_ARCHIVE_LINK_TEXT.search(text) or "breach" in href.lower()):
                links[self.resolve(response, href)] = " ".join(text.split())
        self.run_details["workbooks"] = {
            self.canonical(url): {"link_text": text} for url, text in links.items()
        }
        if len(links) != EXPECTED_WORKBOOKS:
            self.layout_changed(
                response,
                f"expected {EXPECTED_WORKBOOKS} breach-notice workbooks, found {len(links)}",
            )
        for url in links:
            request = scrapy.Request(url, callback=self.parse_workbook)
            yield self.validators.conditional(request)

    def parse_workbook(self, response):
        """Every notice row of one archive workbook."""
        self.validators.remember(response)
        if response.status == 304:
            self.logger.info("Workbook not modified since the last run: %s", response.url)
            url = self.canonical(response.url)
            self.run_details.setdefault("workbooks", {}).setdefault(url, {})["not_modified"] = True
            return
        try:
            kind, notices = archive.parse_workbook(response.body)
        except UnknownPageError as error:
            # Also not a workbook at all (an error page served as .xlsx, a truncated download).
            self.layout_changed(response, f"not a readable workbook: {error}")
            return
        url = self.canonical(response.url)
        count = 0
        try:
            for notice in notices:
                count += 1
                yield self.notice(source_id=notice.source_id, url=url, **notice.fields)
        except UnknownPageError as error:  # a damaged sheet: the rows before it are kept
            self.layout_changed(response, f"workbook unreadable after {count} rows: {error}")
            return
        workbooks = self.run_details.setdefault("workbooks", {})
        workbooks.setdefault(url, {}).update(kind=kind, rows=count)
        self.crawler.stats.set_value(f"breach/{self.name}/rows/{kind}", count)
        self.logger.info("%s workbook: %d notices from %s", kind, count, url)
