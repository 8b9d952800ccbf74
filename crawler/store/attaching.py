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
speed on a local copy gets there within a second or so. `bulk_after`
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
# What a rebuild costs per stored notice (bench/RESULTS.md, dedupe rebuild: 1.0-1.6 s per 10k).
REBUILD_SECONDS_PER_NOTICE = 1.5e-4
# At the close, every incident is rebuilt instead of attaching the crawl's notices in one pass
# when they are at least this share of the stored notices. PLACEHOLDER
REBUILD_SHARE = 0.5


class IncidentAttacher:
    def __init__(self, store: NoticeStore, bulk_after: int, bulk_seconds: float,
                 bulk_share: float = DEFAULT_BULK_SHARE):  # fmt: skip
        self.store = store
        self.db = store.db
        self.bulk_after = bulk_after
        stored = self.db.execute("select count(*) from notices").fetchone()[0]
        # Per-notice matching may cost what a rebuild at the end would, and no more.
        self.bulk_seconds = max(bulk_seconds, stored * REBUILD_SECONDS_PER_NOTICE)
        self.bulk_share = bulk_share
        self.opened = time.monotonic()
        self.attached = 0
        self.matching_seconds = 0.0
        self.deferred = False
        self.pending: set[str] = set()  # stored while deferred: attached at the close

    def _switch_to_bulk(self) -> bool:
        if self.bulk_after and self.attached >= self.bulk_after:
            return True
        elapsed = time.monotonic() - self.opened
        return (
            self.matching_seconds >= self.bulk_seconds
            and self.matching_seconds > self.bulk_share * elapsed
        )

    def attach(self, notice_id: str, outcome: str | None) -> str:
        """Attach one notice the store just saved with `outcome`. Returns what happened:
        "attached", "unchanged" (seen again, already in an incident), "deferred" (left to the
        rebuild at the end), "now_deferred" (this notice switched to bulk), or "not_stored"."""
        if outcome is None:
            return "not_stored"  # rejected, or its save failed: nothing to attach
        if outcome == "unchanged" and self._has_incident(notice_id):
            return "unchanged"
        if self.deferred:
            self.pending.add(notice_id)
            return "deferred"
        if self._switch_to_bulk():
            self.deferred = True
            self.pending.add(notice_id)
            return "now_deferred"
        started = time.monotonic()
        try:
            with self.store.writing():
                attach_notice(self.db, notice_id)
        except KeyError:
            return "not_stored"
        finally:
            self.matching_seconds += time.monotonic() - started
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
