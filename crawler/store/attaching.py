"""Attaching stored notices to incidents during a crawl (the dedupe stage's work, without Scrapy).

A nightly crawl stores a handful of notices: each is attached as it is stored. A backfill
stores thousands, and attaching one by one re-clusters a big filer's whole block for each of
its notices (quadratic: at 50,000 notices it was 94% of the crawl). So attaching stops, and
the notices stored since are attached together when the crawl closes, in one pass over the
blocks around them (`matching.bulk`), or by a rebuild of every incident when they are most of
the database (`REBUILD_SHARE`). Attaching stops when per-notice matching has cost more than
that pass would (`bulk_seconds`, at least, plus an estimate from the notices stored when the
crawl opened) while also taking more than `bulk_share` of the crawl's time, or as soon as the
notices come faster than per-notice matching keeps up with (`bulk_rate`, see
`_switch_to_bulk`). A polite live crawl (seconds between pages) never gets there: its notices
are matched as they arrive, so incidents are usable during a long backfill. A crawl at full
speed on a local copy gets there within a few tenths of a second. `bulk_after`
(`BREACH_DEDUPE_BULK_AFTER`, 0 = none) caps the per-notice phase by count. Every path gives
exactly the incidents a rebuild gives (tests/test_incidents.py, tests/test_incidents_bulk.py).
A crawl that dies before the close leaves notices without an incident; the next crawl
attaches them when it closes.

Writes go through the store's batch (`NoticeStore.writing`), so they hold the write lock from
the start like every other write of the crawl, and commit with the notices they belong to.
"""

import gc
import time

from crawler.matching.bulk import attach_notices_bulk
from crawler.matching.incidents import attach_notice, forget_index, rebuild_incidents
from crawler.store.db import immediate
from crawler.store.notices import NoticeStore

DEFAULT_BULK_AFTER = 0
DEFAULT_BULK_SECONDS = 1.0
DEFAULT_BULK_SHARE = 0.1
DEFAULT_BULK_RATE = 50.0
# The arrival rate is judged over at least this long since the first notice, so that one
# list page's rows stored at once (50 on CA) are not taken for a crawl at full speed ...
RATE_WINDOW_SECONDS = 1.0
# ... or as soon as more notices than two such pages have arrived: a live portal gives a list
# page every few seconds at most, while a crawl at full speed passes this count in a few tenths
# of a second, matching each notice meanwhile for nothing (its close pass matches them again).
RATE_MIN_NOTICES = 100
# At the close, every incident is rebuilt instead of attaching the crawl's notices in one pass
# when they are at least this share of the stored notices. Measured on 10k synthesised notices
# (bench/bench_dedupe.py), a random share of them attached in one pass vs a rebuild of all:
# 0.9 s vs 2.8 s at 10%, 2.8 s vs 2.5 s at 30%, 2.9 s vs 3.1 s at 50%, 3.1 s vs 2.4 s at 70%
# (a random share's blocks cover far more: 30% of the notices reach 61% of them). Even between
# 30% and 50% for a random draw; a crawl of one source reaches fewer blocks (Maine's 2,907 into
# CA's 10,000 re-cluster 3,813), hence half.
REBUILD_SHARE = 0.5


class IncidentAttacher:
    def __init__(self, store: NoticeStore, bulk_after: int, bulk_seconds: float,
                 bulk_share: float = DEFAULT_BULK_SHARE,
                 bulk_rate: float = DEFAULT_BULK_RATE):  # fmt: skip
        self.store = store
        self.db = store.db
        self.bulk_after = bulk_after
        self.bulk_seconds = bulk_seconds
        self.bulk_share = bulk_share
        self.bulk_rate = bulk_rate
        self.opened = time.monotonic()
        self.first_arrival: float | None = None
        self.arrived = 0  # notices stored new or changed (or waiting for an incident)
        self.attached = 0
        # Per-notice matching, without the first attach: that one loads the index of every
        # stored notice (seconds in a big database), which the close pass reuses.
        self.matching_seconds = 0.0
        self.loading_seconds = 0.0
        self.deferred = False
        self.pending: set[str] = set()  # stored while deferred: attached at the close

    def _switch_to_bulk(self) -> bool:
        """Per-notice matching keeps incidents current during a long polite crawl; it stops
        when it costs more than `bulk_seconds` and `bulk_share` of the crawl, or when the
        notices arrive at `bulk_rate` a second or more (a crawl at full speed, on a local
        copy: then it is overhead, since the close pass matches them all at once anyway).
        A live portal gives one page every few seconds: a list page of 50 rows every 2-10 s
        is 5-25 notices a second; a local copy gives 250-300 a second."""
        if self.bulk_after and self.attached >= self.bulk_after:
            return True
        now = time.monotonic()
        # Not counting the first attach's index load: the crawl's pages wait while it runs.
        since_first = now - self.first_arrival - self.loading_seconds
        if (
            self.bulk_rate > 0
            and (since_first >= RATE_WINDOW_SECONDS or self.arrived > RATE_MIN_NOTICES)
            and self.arrived >= self.bulk_rate * since_first
        ):
            return True
        return (
            self.matching_seconds >= self.bulk_seconds
            and self.matching_seconds > self.bulk_share * (now - self.opened)
        )

    def attach(self, notice_id: str, outcome: str | None) -> str:
        """Attach one notice the store just saved with `outcome`. Returns what happened:
        "attached", "unchanged" (seen again, already in an incident), "deferred" (left to the
        rebuild at the end), "now_deferred" (this notice switched to bulk), or "not_stored"."""
        if outcome is None:
            return "not_stored"  # rejected, or its save failed: nothing to attach
        if outcome == "unchanged" and self._has_incident(notice_id):
            return "unchanged"
        self.arrived += 1
        if self.first_arrival is None:
            self.first_arrival = time.monotonic()
        if self.deferred:
            self.pending.add(notice_id)
            return "deferred"
        if self._switch_to_bulk():
            self.deferred = True
            self.pending.add(notice_id)
            return "now_deferred"
        started = time.monotonic()
        loading = self.attached == 0
        try:
            with self.store.writing():
                attach_notice(self.db, notice_id)
        except KeyError:
            return "not_stored"
        finally:
            spent = time.monotonic() - started
            if loading:
                self.loading_seconds += spent
            else:
                self.matching_seconds += spent
        self.attached += 1
        return "attached"

    def _has_incident(self, notice_id: str) -> bool:
        row = self.db.execute("select incident_id from notices where id = ?", [notice_id])
        found = row.fetchone()
        return bool(found and found[0])

    def finish(self) -> dict:
        """At the end of the crawl: attach the deferred notices and those a dead crawl left
        without an incident. Returns {"rebuilt": stats}, {"bulk": stats} or {"orphans": 0}."""
        if not self.store.flush():
            return {}  # the batch failed (recorded by the store): do not build on it
        waiting = self.pending | {
            r[0] for r in self.db.execute("select id from notices where incident_id is null")
        }
        if not waiting:
            return {"orphans": 0}
        stored = self.db.execute("select count(*) from notices").fetchone()[0]
        if len(waiting) >= REBUILD_SHARE * stored:
            # The per-notice phase's index covers every stored notice (60k in a big
            # database); the rebuild makes its own, so this one goes first, not at the peak.
            forget_index(self.db)
            gc.collect()
            with immediate(self.db):
                return {"rebuilt": rebuild_incidents(self.db)}
        with immediate(self.db):
            result = attach_notices_bulk(self.db, waiting)
        return {"bulk": result} if self.deferred else {"orphans": len(waiting)}
