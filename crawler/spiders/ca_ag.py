"""California AG: Data Security Breach Reports. https://oag.ca.gov/privacy/databreach/list

- Format: server-rendered Drupal 7 view, one HTML table (Organization Name, Date(s) of
  Breach, Reported Date), 50 rows a page, newest first, pager `li.next` (`?page=N`, 0-based).
- ID: the detail link's `sb24-NNNNNN` (a Drupal node id: sparse, 5-6 digits, never padded).
- Reported date: the Drupal node's `created` date, i.e. when the AG published the notice.
- Detail page `/ecrime/databreach/reports/sb24-N`: the sample notice file(s) and the breach
  dates in long form. No counts: California never publishes them.
- CSV export `/privacy/databreach/list-export`: every notice, no IDs or URLs; used in backfill
  to check the list is complete.
- Live manners: robots.txt `Crawl-delay: 10` (observed 2026-08-07); the server negotiates only
  TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256 and needs legacy renegotiation, which Scrapy's TLS
  context already allows (it sets OP_LEGACY_SERVER_CONNECT).

Modes: nightly reads list pages until one holds only notices already stored (an unchanged
portal costs one list request, or a 304 to its conditional request; after an unhealthy crawl
it reads every page) and fetches detail pages only for new notices and those still waiting;
backfill reads every list page and the CSV export.

On the live portal the list is read first: every notice is stored from its list row, flagged
`detail_pending`, then detail pages follow newest first within the run's time budget
(crawler/spiders/details.py); a copy served at full speed reads details as it goes. The list's
integrity checks (cut pages, a pager that does not advance, completeness against the CSV export)
are in crawler/spiders/ca_ag_list.py.
"""

from collections import Counter

import scrapy

from crawler.items import BreachNotice
from crawler.pages import UnknownPageError
from crawler.pages import ca_ag as ca
from crawler.spiders.base import BreachSpider, add_flag
from crawler.spiders.ca_ag_list import LIST_PATH, CaListChecks
from crawler.spiders.conditional import Validators
from crawler.spiders.details import PENDING, DetailQueue, Waiting
from crawler.store.db import loads
from crawler.textparse.decoding import misdecoded

EXPORT_PATH = "/privacy/databreach/list-export"


# At full speed, the next list page goes out once half of this page's detail pages have, so
# it is back before the download slots run dry (after the whole page, every list page left
# the slots idle for its round trip: ~2 s of a 10,000-notice crawl). The second half waits
# with the next page's first half, so at most about two pages of detail requests, each
# holding its item, are queued: memory does not grow with the archive.
def detail_priority(page: int, number: int, rows: int) -> int:
    return -2 * page if number < rows // 2 else -2 * page - 2


def next_list_priority(page: int) -> int:
    return -2 * page - 1


class CaAgSpider(CaListChecks, BreachSpider):
    name = "ca_ag"
    run_order = 10
    jurisdiction = "CA"
    source_kind = "state"
    modes = ("nightly", "backfill")
    live_base_url = "https://oag.ca.gov"
    live_aliases = ("www.oag.ca.gov",)
    live_crawl_delay = 10  # robots.txt Crawl-delay for all agents
    custom_settings = {  # noqa: RUF012 (Scrapy reads this class attribute)
        # The only suite oag.ca.gov offers (juriscraper issue #819); DEFAULT keeps the rest.
        "DOWNLOADER_CLIENT_TLS_CIPHERS": "ECDHE-RSA-AES128-GCM-SHA256:DEFAULT",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.list_keys: Counter = Counter()  # (name, reported) of every list row seen
        self.list_complete = False
        self.list_pages_read: set[tuple] = set()  # (path, other query, page index)
        # The CSV export's rows as completeness keys, counted (not the rows: 50k dicts).
        self.export_keys: Counter | None = None
        self.stop_at_stored_page = self.mode == "nightly"  # decided again in start()
        self.details: DetailQueue | None = None
        self.validators = Validators(self)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.details = DetailQueue(crawler, spider, spider._detail_request, spider._waiting_in_db)
        return spider

    async def start(self):
        # Under JOBDIR (scrapy backfill) `state` persists across a stop and resume.
        if getattr(self, "state", None) is not None:
            self.state["sessions"] = self.state.get("sessions", 0) + 1
        self.stop_at_stored_page = self.mode == "nightly" and self.previous_run_ok()
        if self.mode == "nightly" and not self.stop_at_stored_page:
            self.logger.info("The previous crawl was not healthy: reading every list page")
        first = scrapy.Request(self.url(LIST_PATH), callback=self.parse, cb_kwargs={"page": 0})
        # An unchanged first page (304) means nothing new: only when the last run read it.
        yield self.validators.conditional(first) if self.stop_at_stored_page else first
        if self.mode == "backfill":
            yield scrapy.Request(
                self.url(EXPORT_PATH), callback=self.parse_export, errback=self.export_failed
            )

    def parse(self, response, page: int = 0):
        """A list page: one notice per row; detail requests for new ones; the next page.

        @url https://oag.ca.gov/privacy/databreach/list
        @returns items 1
        @scrapes source_id entity_name reported_date
        """
        if page == 0:
            self.validators.remember(response)
            if response.status == 304:
                self.logger.info("First list page not modified since the last run: nothing new")
                self.count("not_modified")
                return
        self.list_pages_read.add(ca.list_page_key(response.url))
        try:
            result = ca.parse_list_page(response.text)
        except UnknownPageError as error:
            self.layout_changed(response, str(error))
            return
        if result.doubt:
            self.layout_changed(response, result.doubt)
        if result.empty:
            self.logger.info("No notices on %s (view-empty)", response.url)
        cut = self._cut_short(response, result, page)
        rows = result.rows
        if cut and rows and ("partial" in response.flags or not result.footer):
            # The last row may itself be cut (a name or date half sent): it waits for the
            # next nightly, which re-reads the whole list after this incomplete run.
            self.run_details.setdefault("rows_withheld", []).append(rows[-1]["source_id"])
            rows = rows[:-1]

        self.listed(len(rows))
        stored = self.stored_notices()
        page_ids = [row["source_id"] for row in rows if row["source_id"]]
        for number, row in enumerate(rows):
            self.list_keys[ca.row_key(row)] += 1
            item = self._item(row, response)
            known = stored.get(row["source_id"])
            if not (row["source_id"] and self._wants_detail(known)):
                yield self._list_only(item, known)
            elif self.details.list_first:
                # Stored now from the list row; its detail page comes after the whole list.
                waiting = Waiting(
                    row["source_id"],
                    self.resolve(response, row["href"]),
                    {
                        k: list(v) if isinstance(v, list) else v
                        for k, v in item.items()
                        if k not in ("raw", "source", "source_kind", "source_id")
                    },
                )
                add_flag(item, PENDING)
                yield item
                self.details.add(waiting)
            else:
                self.details.requested(row["source_id"])
                yield scrapy.Request(
                    self.resolve(response, row["href"]),
                    callback=self.parse_detail,
                    errback=self.detail_failed,
                    cb_kwargs={"item": item},
                    priority=detail_priority(page, number, len(rows)),
                )

        next_url = self.resolve(response, result.next_href) if result.next_href else None
        if self._pager_broken(response, page, next_url, result.active_page):
            return
        all_stored = bool(page_ids) and all(sid in stored for sid in page_ids)
        if next_url and not (self.stop_at_stored_page and all_stored and not cut):
            yield scrapy.Request(next_url, callback=self.parse, cb_kwargs={"page": page + 1},
                                 priority=next_list_priority(page))  # fmt: skip
        elif not result.doubt and not cut:
            if all_stored and next_url:
                self.logger.info("Page %d holds only stored notices: nightly stops here", page + 1)
            self.list_complete = not next_url
            self._check_completeness()

    @staticmethod
    def _wants_detail(known: dict | None) -> bool:
        return known is None or bool({"detail_missing", PENDING} & set(known["flags"]))

    # --- Waiting detail pages (crawler/spiders/details.py) ------------------------------------
    def _detail_request(self, waiting: Waiting, priority: int) -> scrapy.Request:
        item = self.notice(source_id=waiting.source_id, **waiting.fields)
        return scrapy.Request(
            waiting.url,
            callback=self.parse_detail,
            errback=self.detail_failed,
            cb_kwargs={"item": item},
            priority=priority,
        )

    def _waiting_in_db(self) -> list[Waiting]:
        """Notices of this source still waiting for their detail page, newest first."""
        rows = self._read(
            "select source_id, url, entity_name, reported_date, breach_dates, flags from notices"
            " where source = ? and status = 'active' and flags like ?"
            " order by reported_date desc, source_id desc",
            (self.name, f'%"{PENDING}"%'),
        )
        waiting = []
        for source_id, url, name, reported, dates, flags in rows:
            fields = {"url": url, "entity_name": name, "reported_date": reported}
            fields["flags"] = [f for f in loads(flags, []) if f not in (PENDING, "detail_missing")]
            if not loads(dates, []):  # the detail page's dates fill in; stored ones stay
                fields["breach_dates"] = []
            waiting.append(Waiting(source_id, self.rebase(url), fields))
        return waiting

    def _item(self, row: dict, response) -> BreachNotice:
        item = self.notice(
            source_id=row["source_id"],
            url=self.canonical(row["href"]) if row["href"] else self.canonical(response.url),
            entity_name=row["entity_name"],
            breach_dates=row["breach_dates"],
            reported_date=row["reported_date"],
            raw=row["raw"],
        )
        # The list writes MM/DD/YYYY; anything else (a date cut to "04/02/20") is not read as
        # a date at all: the text stays in raw, and the field is flagged, never guessed.
        if not ca.is_list_date(row["reported_date"]):
            del item["reported_date"]
            add_flag(item, "unparsed:reported_date")
        dates = [d for d in row["breach_dates"] if ca.is_list_date(d)]
        if dates != row["breach_dates"]:
            item["breach_dates"] = dates
            add_flag(item, "unparsed:breach_dates")
        return item

    @staticmethod
    def _list_only(item: BreachNotice, known: dict | None) -> BreachNotice:
        """A stored notice seen again on the list: what the list shows, nothing it does not.

        "n/a" on the list says nothing about dates the detail page gave, so it is not sent
        (the store keeps what it has); the detail page's own flags are carried over.
        """
        if item["breach_dates"] in ([], ["n/a"]):
            del item["breach_dates"]
        if known and misdecoded(item.get("entity_name")):
            # A list page in the wrong encoding: the stored name (from a detail page or an
            # earlier list) is kept rather than replaced by a mangled one.
            del item["entity_name"]
        detail_flags = [f for f in (known or {}).get("flags", []) if f == "detail_dates_differ"]
        for flag in detail_flags:
            add_flag(item, flag)
        return item

    def parse_detail(self, response, item: BreachNotice):
        """A notice's own page: the sample notice link(s) and the long-form breach dates."""
        try:
            detail = ca.parse_detail_page(response.text)
        except UnknownPageError as error:
            self.layout_changed(response, str(error))
            add_flag(item, "detail_missing")
            yield item
            return
        item["url"] = self.canonical(response.url)
        item["notice_urls"] = [
            self.canonical(self.resolve(response, h)) for h in detail.get("notice_urls", [])
        ]
        item["raw"] = {
            **item.get("raw", {}),
            "Sample of Notice": detail.get("notice_names"),
            "Organization Name (detail)": detail.get("entity_name"),
            "Date(s) of Breach (detail)": detail.get("breach_dates"),
        }
        list_dates = item.get("breach_dates")
        if list_dates is None:  # a notice from an earlier run: its stored dates stay
            pass
        elif not list_dates or list_dates == ["n/a"]:
            item["breach_dates"] = detail.get("breach_dates") or list_dates
        elif ca.dates_differ(list_dates, detail.get("breach_dates") or []):
            add_flag(item, "detail_dates_differ")
        # The same notice's name from the better-decoded of its two pages.
        detail_name = detail.get("entity_name")
        if misdecoded(item.get("entity_name")) and detail_name and not misdecoded(detail_name):
            item["entity_name"] = detail_name
        yield item

    def detail_failed(self, failure):
        """Store what the list said; the next nightly fetches the detail page again."""
        item = failure.request.cb_kwargs["item"]
        self.logger.error("Detail page failed for %s: %s", item["source_id"], failure.value)
        add_flag(item, "detail_missing")
        return item
