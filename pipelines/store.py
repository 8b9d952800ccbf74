"""Store stage (priority 900): the Scrapy adapter of the notice write path.

What is written and the transaction guarantees: crawler/store/notices.py. The connection and
the batch belong to the crawl's `StoreSession` (crawler/store/session.py), shared explicitly
with the run log and the dedupe stage. Here:
- each cleaned item is saved; its outcome is counted in the stats (`breach/notices/<outcome>`)
  only when its batch commits, so the run log never counts a notice that was not stored;
- a dropped item with a rejection reason (pipelines/validate.py) is written to
  `rejected_notices`;
- a timer commits an open batch every `BREACH_STORE_BATCH_SECONDS`, also when no further item
  arrives (a polite crawl waits seconds between pages);
- at close: the batch is committed, then (unless the source is offline, or a write failed)
  notices seen but not re-read are touched and notices gone from a complete list are marked
  `removed_at_source`, their incidents following.
A failed write (disk full, I/O error) is an error in the log and `breach/store/failed` in
the stats: the run ends `error` with that reason (crawler/extensions.py).
"""

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem
from twisted.internet import task

from crawler.store.notices import StoreWriteError
from crawler.store.session import StoreSession


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.session: StoreSession | None = None
        self._flusher: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def open_spider(self):
        self.session = StoreSession.acquire(self.crawler)
        store = self.session.store
        store.on_commit = self._committed
        store.on_failure = self._failed
        if store.batch_size > 1:
            self._flusher = task.LoopingCall(store.flush_if_due)
            self._flusher.start(store.batch_seconds, now=False)

    def _committed(self, outcomes) -> None:
        for outcome, count in outcomes.items():
            self.crawler.stats.inc_value(f"breach/notices/{outcome}", count)

    def _failed(self, reason: str, lost) -> None:
        stats = self.crawler.stats
        if not stats.get_value("breach/store/failed"):
            stats.set_value("breach/store/failed", reason)
        stats.inc_value("breach/store/lost", sum(lost.values()))
        self.crawler.spider.logger.error("Store: %s", reason)

    def process_item(self, record: dict) -> dict:
        try:
            self.session.save(record)
        except StoreWriteError as error:  # logged once per lost batch by _failed
            raise DropItem(f"not stored: {error}") from None
        return record

    def item_dropped(self, item, response, exception, spider=None):
        reason = getattr(exception, "reason", None)
        if self.session is None or reason is None:
            return
        self.session.reject(ItemAdapter(item).asdict(), reason)

    def close_spider(self):
        spider = self.crawler.spider
        if self._flusher is not None and self._flusher.running:
            self._flusher.stop()
        if self.session is None:  # the database never opened (its error is the one reported)
            return
        store = self.session.store
        try:
            if not store.flush() or store.failures:
                spider.logger.error("Store: writes failed; last-seen and removals not recorded")
                return
            if self.crawler.stats.get_value("breach/source_offline"):
                return  # an offline source changes nothing stored
            seen = getattr(spider, "seen_source_ids", None)
            if seen:
                store.touch(spider.name, seen)
            removed = getattr(spider, "removed_source_ids", None)
            if removed:
                count = store.mark_removed(spider.name, removed)
                self.crawler.stats.inc_value("breach/notices/removed", count)
                spider.logger.info("Marked %d notices removed_at_source", count)
        finally:
            self.session.release()
