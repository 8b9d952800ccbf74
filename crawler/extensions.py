"""RunLog: one `crawl_runs` row per crawl, opened when the spider opens, closed when it closes.

The run's `source_status` is what a person needs to know about the source tonight:
- `offline`: the source said it is offline (Maine since June 2026);
- `layout_changed`: pages no longer look like the portal we parse;
- `error`: requests failed after retries, the spider raised, or the crawl stopped early;
- `ok`: none of those.
- `killed` (written by the next run or `scrapy health`, crawler/store/runs.py): the process
  ended without closing its row.
A store failure (a commit refused: disk full, I/O error) makes the run `error` whatever else
happened, and the counts are those of committed notices only.

`BackfillProgress` (enabled by `scrapy backfill`) logs progress lines during a backfill.
"""

import json
import time
from datetime import timedelta

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.store.db import dumps, now_iso
from crawler.store.runs import close_killed_runs, close_run, open_run
from crawler.store.session import StoreSession

STATUS_EXIT_CODES = {"ok": 0, "error": 1, "layout_changed": 1, "offline": 2}


def run_status(stats: dict, finish_reason: str) -> tuple[str, str]:
    """(source_status, reason) from a finished crawl's stats."""
    if stats.get("breach/store/failed"):
        return "error", stats["breach/store/failed"]
    if stats.get("breach/source_offline"):
        return "offline", "the source reports that it is offline"
    if stats.get("breach/layout_changed"):
        return "layout_changed", f"{stats['breach/layout_changed']} page(s) had an unknown layout"
    errors = stats.get("log_count/ERROR", 0)
    if finish_reason != "finished":
        return "error", f"crawl stopped early: {finish_reason}"
    if errors:
        return "error", f"{errors} error(s) logged"
    return "ok", ""


class RunLogExtension:
    def __init__(self, crawler):
        self.crawler = crawler
        self.session: StoreSession | None = None
        self.run_id = None
        self._lock = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        self.session = StoreSession.acquire(self.crawler)
        db, path = self.session.db, self.session.path
        killed = close_killed_runs(db, path, closed_by=f"the next run, of {spider.name}")
        if killed:
            spider.logger.warning("Closed as killed (process gone): run(s) %s", killed)
        self.run_id, self._lock = open_run(
            db,
            path,
            {
                "spider": spider.name,
                "mode": getattr(spider, "mode", None),
                "base_url": getattr(spider, "base_url", None),
                "started_at": now_iso(),
            },
        )
        self.session.run_id = self.run_id
        self.crawler.stats.set_value("breach/run_id", self.run_id)

    def spider_closed(self, spider, reason):
        if self.session is None:
            return
        self.session.store.flush()  # normally done by the store stage; a failure counts here
        stats = self.crawler.stats.get_stats()
        status, why = run_status(stats, reason)
        self.crawler.stats.set_value("breach/source_status", status)
        self.crawler.breach_status = status  # read by the commands for their exit code
        row = {
            "finished_at": now_iso(),
            "finish_reason": reason,
            "source_status": status,
            "status_reason": why,
            "requests": stats.get("downloader/request_count", 0),
            "responses": stats.get("downloader/response_count", 0),
            # Committed only (crawler/store/notices.py counts at commit).
            "notices_new": stats.get("breach/notices/new", 0),
            "notices_updated": stats.get("breach/notices/updated", 0),
            "notices_unchanged": stats.get("breach/notices/unchanged", 0),
            "notices_rejected": stats.get("breach/notices/rejected", 0),
            "notices_removed": stats.get("breach/notices/removed", 0),
            "errors": stats.get("log_count/ERROR", 0),
            "details": dumps(getattr(spider, "run_details", None) or None),
            "stats": json.dumps(stats, default=str, sort_keys=True),
        }
        try:
            close_run(self.session.db, self.run_id, row, self._lock)
        except Exception as error:  # the row stays `running`; the next run closes it `killed`
            self.crawler.breach_status = "error"
            spider.logger.error("Run %s of %s could not be recorded: %s", self.run_id,
                                spider.name, error)  # fmt: skip
            return
        finally:
            self.session.release()
            self.session = None
        log = spider.logger.info if status == "ok" else spider.logger.error
        log("Run %s of %s: %s %s", self.run_id, spider.name, status, why)


DEFAULT_PROGRESS_SECONDS = 60.0


class BackfillProgress:
    """Logs pages fetched, notices stored and an estimate, every BACKFILL_PROGRESS_SECONDS."""

    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.pages = 0
        self.expected: int | None = None
        self.started = time.monotonic()
        self._estimate = None
        self._task = None

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("BACKFILL_PROGRESS_SECONDS", DEFAULT_PROGRESS_SECONDS)
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        # A source's spider says how many notices it holds when a page tells (BreachSpider).
        self._estimate = getattr(spider, "expected_notices", None)
        self.started = time.monotonic()
        self._task = task.LoopingCall(self.log, spider)
        self._task.start(self.interval, now=False)

    def response_received(self, response, request, spider):
        self.pages += 1
        if self._estimate is not None:
            expected = self._estimate(response)
            if expected:  # the latest list page's word wins: the last page is exact
                self.expected = expected

    def spider_closed(self, spider, reason):
        if self._task is not None and self._task.running:
            self._task.stop()
        self.log(spider, final=True)

    def line(self, elapsed: float, final: bool = False) -> str:
        stats = self.crawler.stats
        stored = sum(
            stats.get_value(f"breach/notices/{k}", 0) for k in ("new", "updated", "unchanged")
        )
        new = stats.get_value("breach/notices/new", 0)
        rejected = sum(v for k, v in stats.get_stats().items() if k.startswith("breach/rejected/"))
        text = f"{self.pages} pages, {stored} notices stored ({new} new), {rejected} rejected"
        if self.expected:
            share = min(stored / self.expected, 1.0)
            text += f"; about {share:.0%} of ~{self.expected} notices"
            if 0 < stored < self.expected and not final:
                left = elapsed / stored * (self.expected - stored)
                text += f", about {timedelta(seconds=round(left))} left"
        return text

    def log(self, spider, final: bool = False) -> None:
        elapsed = time.monotonic() - self.started
        when = "done" if final else f"after {timedelta(seconds=round(elapsed))}"
        spider.logger.info(
            "Backfill progress (%s, this session): %s", when, self.line(elapsed, final)
        )
