"""Maine AG: Data Breach Notifications viewer.
https://www.maine.gov/agviewer/content/ag/985235c7-cb95-4be2-8792-a1252b4f8318/list.html

- Format: one HTML table with every notice inline (DataTables pages it in the browser only):
  "Date Reported" (YYYY-MM-DD) and the entity linked to `<uuid>.html`. `-a viewer=old` reads
  the 2020-2025 viewer instead (`apps.web.maine.gov/online/aeviewer/ME/40/list.shtml`,
  `<uuid>.shtml`; 404 since 2026, kept for copies and in case it returns).
- ID: the UUID of the detail page (old and new viewer UUIDs differ for the same notice).
- Reported date: the list's "Date Reported", the day the filing reached the AG (filings were
  published automatically).
- Detail page: about 25 labelled fields in four `<h2>` sections, read by label within their
  section (crawler/pages/me_ag.py). The filer's contact ("Submitted By") is never stored.
- Offline: since 12 Jun 2026 the list 302-redirects to a notice ("The public-facing database
  will remain offline") and detail pages answer 403. That is recorded as the run's source
  status `offline` (exit code 2), and the run changes nothing stored.
- Not checked live: the viewer was offline when this was written (2026-11); built from the
  documented structure and real archive rows.

Modes: nightly fetches the detail pages of notices not stored yet (and of stored ones whose
detail page failed or that had vanished); backfill fetches every detail page. Both mark
stored notices missing from a complete, healthy list as removed at source.
"""

from functools import partial
from types import SimpleNamespace
from urllib.parse import urljoin

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.utils.response import get_base_url

from crawler.pages import UnknownPageError
from crawler.pages import me_ag as maine
from crawler.spiders.base import BreachSpider, SpiderArgumentError
from crawler.spiders.details import RequestFeed
from crawler.textparse.decoding import misdecoded

VIEWERS = ("new", "old")
# Shown in logs and run details: enough examples to act on.
EXAMPLES = 20
# More vanished notices than this (and than this share of the stored ones) in one night is a
# broken list, not retractions: nothing is marked and the run is an error.
MAX_REMOVED_AT_ONCE = 10
MAX_REMOVED_SHARE = 0.05


def _cut_short(response) -> str | None:
    """Why the one list page is not whole, if it is not: Scrapy flags a body that ended
    without its announced length `partial`; a whole page closes its table."""
    if "partial" in response.flags:
        return "the list page arrived cut short (partial response)"
    if "</table>" not in response.text.lower():
        return "the list page ends inside its table (cut short)"
    return None


class MeAgSpider(BreachSpider):
    name = "me_ag"
    run_order = 20
    jurisdiction = "ME"
    source_kind = "state"
    modes = ("nightly", "backfill")
    live_base_url = "https://www.maine.gov"
    live_aliases = ("maine.gov", "apps.web.maine.gov")

    @classmethod
    def check_arguments(cls, viewer: str | None = None, **kwargs) -> None:
        super().check_arguments(**kwargs)
        if viewer is not None and viewer not in VIEWERS:
            raise SpiderArgumentError(f"viewer must be one of {VIEWERS}, not {viewer!r}")

    def __init__(self, *args, viewer: str = "new", **kwargs):
        self.check_arguments(viewer=viewer)
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.offline = False
        self.unknown_labels: dict[str, int] = {}
        self.feed: RequestFeed | None = None
        self._list_base = None  # what the list page's relative links are joined to

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.feed = RequestFeed(crawler, spider, spider._detail_request)
        return spider

    async def start(self):
        if self.viewer == "new":
            url = self.url(maine.VIEWER_LIST_PATH)
        else:
            url = self.rebase(maine.OLD_VIEWER_LIST_URL)
        # 403 reaches the callback: on this portal it means "offline", not a transient error.
        # Never filtered as seen: a backfill resumed from its job state (JOBDIR) holds only the
        # batch of detail requests that was queued at the stop (the rest wait in the feed, in
        # memory), so it reads the list again (from the HTTP cache) to find what is not stored.
        yield scrapy.Request(
            url, callback=self.parse, meta={"handle_httpstatus_list": [403]}, dont_filter=True
        )

    def parse(self, response):
        """The list: every notice in one table; detail requests for the ones to (re)read.

        @url https://www.maine.gov/agviewer/content/ag/985235c7-cb95-4be2-8792-a1252b4f8318/list.html
        @returns requests 1
        """
        self._check_online(response, "list")
        try:
            page = maine.parse_list(response.text)
        except UnknownPageError as error:
            self.layout_changed(response, str(error))
            return
        if not page.rows:
            # Maine never had an empty list; treat it as breakage, and mark nothing removed.
            self.layout_changed(response, "the list table has no notice rows")
            return
        self.listed(len(page.rows))
        stored = self.stored_notices()
        to_fetch = [row for row in page.rows if self._wants_detail(row.source_id, stored)]
        self.run_details["list"] = {
            "rows": len(page.rows),
            "detail_requests": len(to_fetch),
            "unreadable_rows": len(page.problems),
        }
        cut = _cut_short(response)
        if cut:
            # Rows after the cut are missing, not removed: nothing is marked, the run is an
            # error, and the notices that were read are stored.
            self.list_incomplete(response, cut)
        elif page.problems:
            self.logger.error("%d list rows unreadable, e.g. %s", len(page.problems),
                              page.problems[:3])  # fmt: skip
            self.run_details["list"]["unreadable_examples"] = page.problems[:EXAMPLES]
        else:
            listed = {row.source_id for row in page.rows}
            self._note_removed(listed, stored)
            # Stored notices still listed: the store moves their last_seen_at at the end.
            self.seen_source_ids = listed & set(stored)
        # Fed a batch at a time (crawler/spiders/details.py): the page, its tree and the rows
        # not wanted are let go when this returns, and no more than a batch of requests waits
        # in the scheduler (a backfill of 50,000 notices queued them all at once). `resolve`
        # joins a relative link with `response.urljoin`: the page's base URL stands in for it.
        self._list_base = SimpleNamespace(urljoin=partial(urljoin, get_base_url(response)))
        del page, stored
        yield from self.feed.first(to_fetch)

    def _detail_request(self, row: maine.ListRow) -> scrapy.Request:
        return scrapy.Request(
            self.resolve(self._list_base, row.href),
            callback=self.parse_detail,
            errback=self.detail_failed,
            cb_kwargs={"row": row},
            meta={"handle_httpstatus_list": [403]},
        )

    def _wants_detail(self, source_id: str, stored: dict) -> bool:
        known = stored.get(source_id)
        if self.mode == "backfill" or known is None:
            return True
        return known["status"] != "active" or "detail_missing" in known["flags"]

    def _viewer_dir(self) -> str:
        """The live folder of this viewer's detail pages: notices read from it, and only
        those, can vanish from its list (the two viewers' UUIDs differ)."""
        if self.viewer == "old":
            return maine.OLD_VIEWER_LIST_URL.rsplit("/", 1)[0] + "/"
        return self.live_base_url + maine.VIEWER_LIST_PATH.rsplit("/", 1)[0] + "/"

    def _note_removed(self, listed: set[str], stored: dict) -> None:
        """Stored notices missing from a complete, healthy list (the store marks them)."""
        folder = self._viewer_dir()
        active = {
            sid for sid, info in stored.items()
            if info["status"] == "active" and (info.get("url") or "").startswith(folder)
        }  # fmt: skip
        gone = active - listed
        if len(gone) > max(MAX_REMOVED_AT_ONCE, MAX_REMOVED_SHARE * len(active)):
            # Hoax retractions are a handful; a list missing this many is broken, not pruned.
            self.logger.error(
                "%d of %d stored notices are missing from the list: not marking them removed",
                len(gone), len(active),
            )  # fmt: skip
            self.run_details["list"]["removal_withheld"] = len(gone)
            return
        self.removed_source_ids = gone
        if gone:
            self.logger.warning("%d stored notices are no longer listed, e.g. %s",
                                len(gone), sorted(gone)[:3])  # fmt: skip
            self.run_details["list"]["vanished_examples"] = sorted(gone)[:EXAMPLES]

    def parse_detail(self, response, row: maine.ListRow):
        """One notice's page, read by label within each section."""
        self._check_online(response, "detail page")
        item = self.notice(
            source_id=row.source_id,
            url=self._live_url(response.url),
            entity_name=row.entity_name,
            reported_date=row.reported_date,
            residents_state="ME",
            raw={"Date Reported": row.reported_date, "Organization Name (list)": row.entity_name},
        )
        try:
            detail = maine.parse_detail(
                response.text, urljoin=lambda href: self._live_url(self.resolve(response, href))
            )
        except UnknownPageError as error:
            self.layout_changed(response, str(error))
            item["flags"] = ["detail_missing"]
            yield item
            return
        for name, value in detail.fields.items():
            # The same notice's name from the better-decoded of its two pages.
            if name == "entity_name" and misdecoded(value) and not misdecoded(row.entity_name):
                continue
            item[name] = value
        item["raw"].update(detail.raw)
        self._note_unknown(detail, response)
        yield item

    def _note_unknown(self, detail: maine.DetailPage, response) -> None:
        """New labels or sections are kept in raw; say so once per run, with a count."""
        for label in detail.unknown_labels + [f"section: {s}" for s in detail.unknown_sections]:
            if label not in self.unknown_labels:
                self.logger.warning("Unknown label %r on %s (kept in raw)", label, response.url)
            self.unknown_labels[label] = self.unknown_labels.get(label, 0) + 1
        if self.unknown_labels:
            self.run_details["unknown_labels"] = self.unknown_labels

    def detail_failed(self, failure):
        """A detail page that did not load: nothing is stored, the next nightly retries it."""
        row = failure.request.cb_kwargs["row"]
        self.logger.error("Detail page failed for %s: %s", row.source_id, failure.value)
        self.count("detail_failed")

    def expected_notices(self, response) -> int | None:
        """Maine lists every notice in one table; the count is the rows read from it."""
        return self.run_details.get("list", {}).get("rows") or None

    def _check_online(self, response, what: str) -> None:
        """Stop the run, changing nothing, if the portal says it is offline."""
        if self.offline:
            raise CloseSpider("source_offline")
        if response.status == 403:
            why = f"{what} answered 403"
        elif maine.is_offline_notice(response.text):
            redirected = response.meta.get("redirect_urls")
            why = f"{what} {'redirected to' if redirected else 'is'} the offline notice"
        else:
            return
        self.offline = True
        if self.feed is not None:
            self.feed.clear()
        self.removed_source_ids = None  # an offline list says nothing about what was removed
        self.source_offline(response, why)
        raise CloseSpider("source_offline")

    def _live_url(self, url: str) -> str:
        """The live URL of a crawled one; the old viewer lived on its own host."""
        live = self.canonical(url)
        if self.viewer == "old" and "/online/aeviewer/" in live:
            return live.replace(self.live_base_url, "https://apps.web.maine.gov", 1)
        return live
