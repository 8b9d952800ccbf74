"""Dedupe stage (priority 950): the Scrapy adapter of crawler/store/attaching.py.

Runs after the store stage (900) and works through the crawl's `StoreSession`: the store
commits in batches, and only the session's connection sees the notices of the open batch. The
store's outcome for the item is handed over explicitly (`session.outcome_of`).
"""

import time

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.store.attaching import (
    DEFAULT_BULK_AFTER,
    DEFAULT_BULK_RATE,
    DEFAULT_BULK_SECONDS,
    DEFAULT_BULK_SHARE,
    IncidentAttacher,
)
from crawler.store.notices import StoreWriteError
from crawler.store.session import StoreSession


def notice_id_of(item) -> str | None:
    """The `notices.id` of an item: its `id` if the clean stage set one, else source:source_id."""
    adapter = ItemAdapter(item)
    if adapter.get("id"):
        return adapter["id"]
    if adapter.get("source") and adapter.get("source_id"):
        return f"{adapter['source']}:{adapter['source_id']}"
    return None


class DedupePipeline:
    """Attach every stored notice to an incident as the crawl goes (or once, in bulk)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.session: StoreSession | None = None
        self.attacher: IncidentAttacher | None = None
        # CPU time of this stage (thread time: a busy machine does not inflate it).
        self.cpu_seconds = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.session = StoreSession.acquire(self.crawler)
        settings = self.crawler.settings
        self.attacher = IncidentAttacher(
            self.session.store,
            bulk_after=settings.getint("BREACH_DEDUPE_BULK_AFTER", DEFAULT_BULK_AFTER),
            bulk_seconds=settings.getfloat("BREACH_DEDUPE_BULK_SECONDS", DEFAULT_BULK_SECONDS),
            bulk_share=settings.getfloat("BREACH_DEDUPE_BULK_SHARE", DEFAULT_BULK_SHARE),
            bulk_rate=settings.getfloat("BREACH_DEDUPE_BULK_RATE", DEFAULT_BULK_RATE),
        )

    def process_item(self, item):
        started = time.thread_time()
        try:
            return self._process(item)
        finally:
            self.cpu_seconds += time.thread_time() - started

    def _process(self, item):
        stats = self.crawler.stats
        notice_id = notice_id_of(item)
        if notice_id is None:
            stats.inc_value("breach/incidents/no_notice_id")
            return item
        try:
            done = self.attacher.attach(notice_id, self.session.outcome_of(notice_id))
        except StoreWriteError as error:  # its batch, this notice included, was rolled back
            raise DropItem(f"not stored: {error}") from None
        if done == "attached":
            stats.inc_value("breach/incidents/attached")
        elif done == "not_stored":
            stats.inc_value("breach/incidents/notice_not_stored")
        elif done == "now_deferred":
            self.crawler.spider.logger.info(
                "%d notices attached in %.1f s (%.1f s loading the index); the rest are "
                "matched together at the end", self.attacher.attached,
                self.attacher.matching_seconds + self.attacher.loading_seconds,
                self.attacher.loading_seconds,
            )  # fmt: skip
        return item

    def close_spider(self):
        if self.attacher is None:  # the store never opened (its error is the one reported)
            return
        started = time.thread_time()
        try:
            if self.crawler.stats.get_value("breach/source_offline"):
                return  # an offline source changes nothing stored
            result = self.attacher.finish()
            if "rebuilt" in result:
                self.crawler.stats.set_value("breach/incidents/rebuilt", True)
                self.crawler.spider.logger.info("Incidents rebuilt: %s", result["rebuilt"])
            elif "bulk" in result:
                self.crawler.stats.set_value("breach/incidents/bulk", result["bulk"].notices)
                self.crawler.spider.logger.info("Notices attached at the close: %s", result["bulk"])
            elif result.get("orphans"):
                self.crawler.stats.inc_value("breach/incidents/attached_orphans", result["orphans"])
        finally:
            self.session.release()
            self.cpu_seconds += time.thread_time() - started
            self.crawler.stats.set_value("breach/incidents/cpu_seconds", round(self.cpu_seconds, 2))
