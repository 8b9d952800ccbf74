"""Dedupe stage (priority 950): attach each stored notice to its incident.

Runs after the store stage (900) has written the notice row, and reads that row back by its
id, "<source>:<source_id>", through the store's own connection: the store commits in
batches, and a second connection would not see the notices of the open batch. The matching
itself lives in `crawler.matching`.

A nightly crawl stores a handful of notices: each is attached as it is stored. A backfill
stores thousands, and attaching one by one re-clusters a big filer's whole block for each of
its notices (quadratic: at 50,000 notices it was 94% of the crawl). So after
`BREACH_DEDUPE_BULK_AFTER` notices (default 1,000), or once the crawl has spent
`BREACH_DEDUPE_BULK_SECONDS` matching (default 5 s; a notice costs more as the database
grows), the stage stops attaching and rebuilds all incidents once when the crawl closes; a rebuild gives exactly the incidents the incremental
path would (tests/test_incidents.py). A crawl that dies before that leaves notices without
an incident; the next crawl attaches them when it closes.
"""

import time

from itemadapter import ItemAdapter

from crawler.matching.incidents import attach_notice, attach_notices, rebuild_incidents

DEFAULT_BULK_AFTER = 1000
DEFAULT_BULK_SECONDS = 5.0


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

    uses_store_connection = True  # read by pipelines.store: batching stays on

    def __init__(self, crawler):
        self.crawler = crawler
        self.db = None
        self.store = None
        settings = crawler.settings
        self.bulk_after = settings.getint("BREACH_DEDUPE_BULK_AFTER", DEFAULT_BULK_AFTER)
        self.bulk_seconds = settings.getfloat("BREACH_DEDUPE_BULK_SECONDS", DEFAULT_BULK_SECONDS)
        self.attached = 0
        self.matching_seconds = 0.0
        self.deferred = False

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.store = getattr(self.crawler, "breach_store", None)
        if self.store is None:
            raise RuntimeError("DedupePipeline needs pipelines.store.StorePipeline before it")
        self.db = self.store.db

    def process_item(self, item):
        stats = self.crawler.stats
        notice_id = notice_id_of(item)
        if notice_id is None:
            stats.inc_value("breach/incidents/no_notice_id")
            return item
        if self.store.last_outcome == "unchanged" and self._has_incident(notice_id):
            return item  # seen again, nothing to match anew
        if self.deferred:
            return item
        if self.attached >= self.bulk_after or self.matching_seconds >= self.bulk_seconds:
            self.deferred = True
            self.crawler.spider.logger.info(
                "%d notices attached in %.1f s; the rest are matched in one rebuild at the end",
                self.attached, self.matching_seconds,
            )  # fmt: skip
            return item
        started = time.monotonic()
        try:
            attach_notice(self.db, notice_id)
        except KeyError:
            # The store stage did not write it (e.g. it was rejected): nothing to attach.
            stats.inc_value("breach/incidents/notice_not_stored")
            return item
        finally:
            self.matching_seconds += time.monotonic() - started
        self.attached += 1
        stats.inc_value("breach/incidents/attached")
        return item

    def _has_incident(self, notice_id: str) -> bool:
        row = self.db.execute("select incident_id from notices where id = ?", [notice_id])
        found = row.fetchone()
        return bool(found and found[0])

    def close_spider(self):
        if self.deferred:
            result = rebuild_incidents(self.db)
            self.crawler.stats.set_value("breach/incidents/rebuilt", True)
            self.crawler.spider.logger.info("Incidents rebuilt: %s", result)
        else:
            # Notices left without an incident by a crawl that died before its end.
            orphans = [
                r[0] for r in self.db.execute("select id from notices where incident_id is null")
            ]
            if orphans:
                attach_notices(self.db, orphans)
                self.crawler.stats.inc_value("breach/incidents/attached_orphans", len(orphans))
        self.db = None  # the store stage owns (and closes) the connection
