"""Attaching stored notices to incidents during a crawl (the dedupe stage's work, without Scrapy).

A nightly crawl stores a handful of notices: each is attached as it is stored. A backfill
stores thousands, and attaching one by one re-clusters a big filer's whole block for each of
its notices (quadratic: at 50,000 notices it was 94% of the crawl). So attaching stops, and
all incidents are rebuilt once when the crawl closes, when per-notice matching has cost more
than that rebuild would (`bulk_seconds`, at least, plus an estimate from the notices stored
when the crawl opened) while also taking more than `bulk_share` of the crawl's time. A polite
live crawl (seconds between pages) never gets there: its notices are matched as they arrive,
so incidents are usable during a long backfill. A crawl at full speed on a local copy gets
there within about `bulk_seconds`. `bulk_after` (`BREACH_DEDUPE_BULK_AFTER`, 0 = none) caps
the per-notice phase by count. A rebuild gives exactly the incidents the incremental path
would (tests/test_incidents.py). A crawl that dies before that leaves notices without an
incident; the next crawl attaches them when it closes.

Writes go through the store's batch (`NoticeStore.writing`), so they hold the write lock from
the start like every other write of the crawl, and commit with the notices they belong to.
"""

import gc
import time

from crawler.matching.incidents import (
    attach_notice,
    attach_notices,
    forget_index,
    rebuild_incidents,
)
from crawler.store.db import immediate
from crawler.store.notices import NoticeStore

DEFAULT_BULK_AFTER = 0
DEFAULT_BULK_SECONDS = 1.0
DEFAULT_BULK_SHARE = 0.1
# What a rebuild costs per stored notice (bench/RESULTS.md, dedupe rebuild: 1.0-1.6 s per 10k).
REBUILD_SECONDS_PER_NOTICE = 1.5e-4


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
            return "deferred"
        if self._switch_to_bulk():
            self.deferred = True
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
        """At the end of the crawl: the bulk rebuild, or the notices a dead crawl left without
        an incident. Returns {"rebuilt": stats} or {"orphans": count}."""
        if not self.store.flush():
            return {}  # the batch failed (recorded by the store): do not build on it
        if self.deferred:
            # The per-notice phase's index covers every stored notice (60k in a big
            # database); the rebuild makes its own, so this one goes first, not at the peak.
            forget_index(self.db)
            gc.collect()
            with immediate(self.db):
                return {"rebuilt": rebuild_incidents(self.db)}
        orphans = [
            r[0] for r in self.db.execute("select id from notices where incident_id is null")
        ]
        if orphans:
            with immediate(self.db):
                attach_notices(self.db, orphans)
        return {"orphans": len(orphans)}
