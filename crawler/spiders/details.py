"""Detail pages that wait: the list first, then detail pages newest first, within a budget.

At a portal's polite rate (oag.ca.gov: one request every 10 s) a backfill that reads each
list page's detail pages before the next list page leaves the database nearly empty for
hours. Read list-first instead: every notice is stored from its list row as soon as its page
arrives, flagged `detail_pending`; once the list is read (the crawl is idle), its detail pages
are requested newest first, a few at a time, until none is left or the run has used its time
budget (`BREACH_RUN_BUDGET_SECONDS` since the spider opened, 0 = no limit; under `scrapy
nightly` also no more than the source's share of the night). Notices still
waiting stay flagged; the next run (a nightly, after its own list pages) picks them up from
the database, newest first, with what is left of its budget.

`BREACH_LIST_FIRST`: "auto" (default) reads list-first when the crawl waits between requests
(DOWNLOAD_DELAY or AutoThrottle: a live portal); a copy served at full speed reads each
page's details as it goes, one write per notice. "1"/"0" force either way.

Progress: a log line when the detail phase starts, every BACKFILL_PROGRESS_SECONDS, and at
the end: detail pages fetched, still waiting, and how long those take at the polite rate;
`breach/<spider>/details_waiting` in the stats and `details` in the run's details.
"""

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider

PENDING = "detail_pending"
DEFAULT_BUDGET_SECONDS = 3600.0


@dataclass(slots=True)
class Waiting:
    """A notice whose detail page is still to be read: what its detail item starts from."""

    source_id: str
    url: str  # the URL to request (on the crawled copy)
    fields: dict  # item fields from the list row (no raw: the store keeps the stored raw)


def list_first_wanted(settings) -> bool:
    value = str(settings.get("BREACH_LIST_FIRST", "auto")).strip().lower()
    if value == "auto":
        return settings.getfloat("DOWNLOAD_DELAY") > 0 or settings.getbool("AUTOTHROTTLE_ENABLED")
    return value in ("1", "true", "yes", "on")


def duration(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))


class DetailQueue:
    """Feeds a spider's waiting detail pages to the engine after its list is read.

    `make_request(waiting, priority)` builds the detail request; `read_waiting()` returns the
    notices flagged in the database, newest first (read once, when the detail phase starts).
    """

    def __init__(self, crawler, spider, make_request: Callable[[Waiting, int], Request],
                 read_waiting: Callable[[], list[Waiting]]):  # fmt: skip
        settings = crawler.settings
        self.crawler, self.spider = crawler, spider
        self.make_request, self.read_waiting = make_request, read_waiting
        self.list_first = list_first_wanted(settings)
        self.budget = settings.getfloat("BREACH_RUN_BUDGET_SECONDS", DEFAULT_BUDGET_SECONDS)
        # A few requests beyond what the portal gets at once: the scheduler never runs dry
        # between batches, and at most these few overrun the budget.
        self.batch = 4 * max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 1))
        self.rate = settings.getfloat("DOWNLOAD_DELAY") or (spider.live_crawl_delay or 0.0)
        # Under `scrapy nightly` a source has a time share (CLOSESPIDER_TIMEOUT): waiting
        # details get what is left of it, ending a batch early, so the run still ends `ok`.
        share = settings.getfloat("CLOSESPIDER_TIMEOUT")
        if share:
            # A share shorter than the margin leaves no time for details: a budget already
            # spent, never 0 (which means "no limit" and would run into the timeout).
            left = max(share - 2 * self.batch * max(self.rate, 1.0), 1e-3)
            self.budget = min(self.budget, left) if self.budget else left
        self.progress_every = settings.getfloat("BACKFILL_PROGRESS_SECONDS", 60.0)
        self.entries: list[Waiting] = []
        self.known: set[str] = set()  # queued or requested this run
        self.position = 0
        self.started = False
        self.budget_spent = False
        self.opened = time.monotonic()
        self._last_progress = 0.0
        crawler.signals.connect(self._on_scheduler_empty, signal=signals.scheduler_empty)
        crawler.signals.connect(self._on_idle, signal=signals.spider_idle)
        crawler.signals.connect(self._on_closed, signal=signals.spider_closed)

    # --- Filling -------------------------------------------------------------------------
    def add(self, waiting: Waiting) -> None:
        """A notice listed this run whose detail page waits (list order: newest first)."""
        if waiting.source_id not in self.known:
            self.known.add(waiting.source_id)
            self.entries.append(waiting)

    def requested(self, source_id: str) -> None:
        """A detail page requested directly (not list-first): not to be queued again."""
        self.known.add(source_id)

    @property
    def remaining(self) -> int:
        return len(self.entries) - self.position

    # --- Feeding -------------------------------------------------------------------------
    def start(self) -> None:
        self.started = True
        self.entries += [w for w in self.read_waiting() if w.source_id not in self.known]
        self.known.update(w.source_id for w in self.entries)
        self.report("List read; detail pages next, newest first")

    def _feed(self) -> bool:
        """Schedule the next few waiting detail pages; False when none was scheduled."""
        if not self.started or self.remaining <= 0 or self.budget_spent:
            return False
        if self.budget and time.monotonic() - self.opened >= self.budget:
            self.budget_spent = True
            self.report(f"Run budget of {duration(self.budget)} spent; later runs continue")
            return False
        batch = self.entries[self.position : self.position + self.batch]
        self.position += len(batch)
        for rank, waiting in enumerate(batch):
            # Newest first within the batch, whatever the scheduler's queue order.
            self.crawler.engine.crawl(self.make_request(waiting, len(batch) - rank))
        if time.monotonic() - self._last_progress >= self.progress_every:
            self.report("Detail pages")
        return True

    def _on_scheduler_empty(self) -> None:
        self._feed()

    def _on_idle(self, spider) -> None:
        if spider is not self.spider:
            return
        if not self.started:
            self.start()
        if self._feed():
            raise DontCloseSpider

    # --- Progress ------------------------------------------------------------------------
    def report(self, what: str) -> None:
        self._last_progress = time.monotonic()
        waiting = self.remaining
        text = f"{what}: {self.position} requested this run, {waiting} waiting"
        if waiting and self.rate:
            text += f" (about {duration(waiting * self.rate)} at one page every {self.rate:g} s)"
        self.spider.logger.info(text)
        self.crawler.stats.set_value(f"breach/{self.spider.name}/details_waiting", waiting)
        self.spider.run_details["details"] = {
            "list_first": self.list_first,
            "requested": self.position,
            "waiting": waiting,
            "waiting_time_seconds": round(waiting * self.rate) if self.rate else None,
            "budget_seconds": self.budget or None,
            "budget_spent": self.budget_spent,
        }

    def _on_closed(self, spider, reason) -> None:
        if spider is self.spider and (self.started or self.entries):
            self.report("Run ends")


class RequestFeed:
    """Requests handed to the engine a batch at a time, as the scheduler runs dry.

    Maine lists every notice on one page: a request yielded per row put 50,000 requests (with
    their headers, meta and callback arguments) in the scheduler at once, beside the page and
    its rows. Fed instead, at most about `batch` requests wait in the scheduler at any time,
    and each is built from its entry (`make_request(entry)`) only when its turn comes. The
    order is the entries' order. The spider stays open while entries wait (spider_idle).
    """

    def __init__(self, crawler, spider, make_request: Callable[[object], Request],
                 batch: int | None = None):  # fmt: skip
        self.crawler, self.spider, self.make_request = crawler, spider, make_request
        concurrency = max(1, crawler.settings.getint("CONCURRENT_REQUESTS", 16))
        # A few requests beyond what the downloader takes at once: it never waits for a batch.
        self.batch = batch or 4 * concurrency
        self.entries: deque = deque()
        crawler.signals.connect(self._on_scheduler_empty, signal=signals.scheduler_empty)
        crawler.signals.connect(self._on_idle, signal=signals.spider_idle)

    def first(self, entries: Iterable) -> list[Request]:
        """Queue `entries`; the first batch's requests, for the caller to yield itself."""
        self.entries.extend(entries)
        return [self.make_request(e) for e in self._take()]

    def clear(self) -> None:
        """Nothing more to request (the source went offline, the run is stopping)."""
        self.entries.clear()

    def _take(self) -> list:
        count = min(self.batch, len(self.entries))
        if count:
            self.crawler.stats.inc_value(f"breach/{self.spider.name}/detail_batches")
        return [self.entries.popleft() for _ in range(count)]

    def _feed(self) -> bool:
        if not self.entries or self.crawler.engine.needs_backout():
            return False
        for entry in self._take():
            self.crawler.engine.crawl(self.make_request(entry))
        return True

    def _on_scheduler_empty(self) -> None:
        self._feed()

    def _on_idle(self, spider) -> None:
        # Entries still waiting keep the spider open even when none could be fed just now.
        if spider is self.spider and (self._feed() or self.entries):
            raise DontCloseSpider
