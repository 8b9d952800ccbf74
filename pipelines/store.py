"""Store stage: upsert notices into SQLite, keeping every earlier version. Never deletes.

- A new notice is inserted with `first_seen_at` = `last_seen_at` = now.
- A notice seen again moves `last_seen_at`; `first_seen_at` never changes.
- Only the columns the source published this time are written, so a list page that shows
  fewer fields than the detail page does not erase the detail fields. `raw` is merged key by
  key for the same reason.
- When the published content changes, the previous content goes to `notice_versions`
  (with when it was first seen and when it was replaced) before the row is updated.
- Notices the spider reports as gone from a complete list are marked `removed_at_source`.
- Rejected records (see validate.py) are written to `rejected_notices` with their reason.

Transactions. `NoticeStore` used alone writes each notice in its own transaction. In a crawl,
`StorePipeline` groups notices into batches, one transaction per batch
(`BREACH_STORE_BATCH_SIZE` notices, default 500, or `BREACH_STORE_BATCH_SECONDS`, default 1 s,
whichever comes first; 1 turns batching off), because a commit costs an fsync and per-notice
commits were the largest single cost of a crawl (bench/RESULTS.md). The guarantees:
- a notice is complete or absent, never half-written: each one is written inside its own
  savepoint, so a notice whose write fails is rolled back alone and the batch goes on;
- a crash loses at most the batch in flight (at most 1 s of notices: a timer commits an open
  batch every `BREACH_STORE_BATCH_SECONDS`, also when no further item arrives). Those notices are not
  stored, so the next run still sees them as new and fetches them again;
- the batch is committed in `close_spider` before anything else happens there (offline check,
  last-seen touch, `removed_at_source` marking) and so before the run log closes its row;
  rejected records join the batch like notices;
- nothing outside this connection waits on an uncommitted batch: the spiders read what is
  stored once, before this run's first write, and a later item pipeline that opens its own
  connection would not see the batch (and would wait on its write lock), so when such a
  pipeline is enabled batching switches itself off. A later pipeline that works through the
  store's connection (`crawler.breach_store.db`) says so with `uses_store_connection = True`.
"""

import hashlib
import json
import time
from contextlib import contextmanager

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from twisted.internet import task

from crawler.matching.incidents import attach_notices
from crawler.store.db import JSON_COLUMNS, connect, dumps, loads, now_iso

# Columns that are published content: a change in one of them makes a new version.
CONTENT_COLUMNS = (
    "url", "entity_name", "breach_dates", "breach_start", "breach_end", "breach_precision",
    "reported_date", "discovered_date", "notification_dates", "total_affected",
    "total_affected_raw", "residents_affected", "residents_affected_raw", "residents_state",
    "notice_url", "notice_urls", "entity_address", "organization_type", "data_types",
    "id_theft_service", "cites", "raw",
)  # fmt: skip
DEFAULT_BATCH_SIZE = 500
DEFAULT_BATCH_SECONDS = 1.0
# Columns derived from the content, refreshed with it but not compared.
DERIVED_COLUMNS = ("source", "source_kind", "source_id", "flags")


def content_hash(content: dict) -> str:
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


def decode_row(row: dict) -> dict:
    return {k: (loads(v) if k in JSON_COLUMNS else v) for k, v in row.items()}


class NoticeStore:
    """The write path for notices, usable without Scrapy (rebuilds, tests, tools)."""

    def __init__(
        self,
        db,
        run_id: int | None = None,
        batch_size: int = 1,
        batch_seconds: float = DEFAULT_BATCH_SECONDS,
    ):
        self.db = db
        self.run_id = run_id
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        self.pending = 0  # notices (and rejections) written but not committed yet
        self.last_outcome: str | None = None  # of the latest save, read by the dedupe stage
        self._batch_opened = 0.0

    @contextmanager
    def _write(self):
        """One notice's writes: its own transaction, or a savepoint in the open batch."""
        if self.batch_size == 1:
            with self.db.atomic():  # BEGIN ... COMMIT (ROLLBACK on error)
                yield
            return
        if not self.db.conn.in_transaction:
            self.db.conn.execute("BEGIN")
            self._batch_opened = time.monotonic()
        with self.db.atomic():  # a savepoint: a failed notice is rolled back alone
            yield
        self.pending += 1
        if (
            self.pending >= self.batch_size
            or time.monotonic() - self._batch_opened >= self.batch_seconds
        ):
            self.flush()

    def flush_if_due(self) -> None:
        """Commit the batch if it has been open `batch_seconds`: called on a timer, so a
        batch never holds SQLite's write lock while a polite crawl waits on the network."""
        if self.db.conn.in_transaction and (
            time.monotonic() - self._batch_opened >= self.batch_seconds
        ):
            self.flush()

    def flush(self) -> None:
        """Commit the batch in flight (no-op when nothing is pending)."""
        if self.db.conn.in_transaction:
            self.db.conn.commit()
        self.pending = 0

    def save(self, record: dict, seen_at: str | None = None) -> str:
        """Insert or update one cleaned record; returns "new", "updated" or "unchanged"."""
        seen_at = seen_at or now_iso()
        with self._write():
            rows = list(self.db.query("select * from notices where id = ?", [record["id"]]))
            if not rows:
                self._insert(record, seen_at)
                self.last_outcome = "new"
            else:
                self.last_outcome = self._update(decode_row(rows[0]), record, seen_at)
        return self.last_outcome

    def _insert(self, record: dict, seen_at: str) -> None:
        content = {k: record.get(k) for k in CONTENT_COLUMNS}
        row = {
            **{k: record.get(k) for k in DERIVED_COLUMNS},
            **content,
            "id": record["id"],
            "content_hash": content_hash(content),
            "content_since": seen_at,
            "status": "active",
            "first_seen_at": seen_at,
            "last_seen_at": seen_at,
        }
        self.db["notices"].insert(self._encode(row))

    def _update(self, stored: dict, record: dict, seen_at: str) -> str:
        old_content = {k: stored.get(k) for k in CONTENT_COLUMNS}
        new_content = {**old_content, **{k: record[k] for k in CONTENT_COLUMNS if k in record}}
        new_content["raw"] = {**(stored.get("raw") or {}), **(record.get("raw") or {})}
        new_hash = content_hash(new_content)
        changes: dict = {"last_seen_at": seen_at}
        if stored["status"] != "active":  # back at the source after it had vanished
            changes.update(status="active", removed_at=None)
        if "flags" in record:
            changes["flags"] = record["flags"]
        outcome = "unchanged"
        if new_hash != stored["content_hash"]:
            self.db["notice_versions"].insert(
                {
                    "notice_id": stored["id"],
                    "content_hash": stored["content_hash"],
                    "content": dumps(old_content),
                    "seen_from": stored["content_since"],
                    "replaced_at": seen_at,
                    "run_id": self.run_id,
                }
            )
            changes.update(new_content, content_hash=new_hash, content_since=seen_at)
            outcome = "updated"
        self.db["notices"].update(stored["id"], self._encode(changes))
        return outcome

    def mark_removed(self, source: str, source_ids: set[str], seen_at: str | None = None) -> int:
        """Mark active notices of `source` that vanished from it; returns how many changed."""
        seen_at = seen_at or now_iso()
        changed = 0
        self.flush()
        with self.db.atomic():
            for source_id in sorted(source_ids):
                cursor = self.db.execute(
                    "update notices set status = 'removed_at_source', removed_at = ? "
                    "where source = ? and source_id = ? and status = 'active'",
                    [seen_at[:10], source, source_id],
                )
                changed += cursor.rowcount
        return changed

    def touch(self, source: str, source_ids: set[str], seen_at: str | None = None) -> None:
        """Move `last_seen_at` of notices seen at the source but not re-read this run."""
        seen_at = seen_at or now_iso()
        with self.db.conn:
            self.db.conn.executemany(
                "update notices set last_seen_at = ? where source = ? and source_id = ?",
                [(seen_at, source, sid) for sid in sorted(source_ids)],
            )

    def reject(self, record: dict, reason: str, seen_at: str | None = None) -> None:
        with self._write():
            self.db["rejected_notices"].insert(
                {
                    "run_id": self.run_id,
                    "source": record.get("source"),
                    "source_id": record.get("source_id"),
                    "url": record.get("url"),
                    "reason": reason,
                    "item": dumps(record),
                    "seen_at": seen_at or now_iso(),
                }
            )

    @staticmethod
    def _encode(row: dict) -> dict:
        return {k: (dumps(v) if k in JSON_COLUMNS else v) for k, v in row.items()}


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.store: NoticeStore | None = None
        self._flusher: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def open_spider(self):
        db = connect(self.crawler.settings.get("BREACH_DB_PATH"))
        settings = self.crawler.settings
        batch_size = settings.getint("BREACH_STORE_BATCH_SIZE", DEFAULT_BATCH_SIZE)
        blocking = self._later_pipelines_with_own_connection()
        if batch_size > 1 and blocking:
            self.crawler.spider.logger.info(
                "Store batching off: %s use(s) the database on its own connection",
                ", ".join(blocking),
            )
            batch_size = 1
        self.store = NoticeStore(
            db,
            batch_size=batch_size,
            batch_seconds=settings.getfloat("BREACH_STORE_BATCH_SECONDS", DEFAULT_BATCH_SECONDS),
        )
        self.crawler.breach_store = self.store  # for later stages that share the connection
        if batch_size > 1:
            # Items arrive seconds apart on a live portal (Crawl-delay 10): commit on time too,
            # not only when the next item comes.
            self._flusher = task.LoopingCall(self.store.flush_if_due)
            self._flusher.start(self.store.batch_seconds, now=False)

    def _later_pipelines_with_own_connection(self) -> list[str]:
        """Item pipelines after this one that do not declare `uses_store_connection`."""
        pipelines = build_component_list(self.crawler.settings.getwithbase("ITEM_PIPELINES"))
        names = [p if isinstance(p, str) else f"{p.__module__}.{p.__qualname__}" for p in pipelines]
        mine = f"{type(self).__module__}.{type(self).__qualname__}"
        if mine not in names:
            return []
        return [
            name
            for name, p in list(zip(names, pipelines, strict=True))[names.index(mine) + 1 :]
            if not getattr(load_object(p), "uses_store_connection", False)
        ]

    def _run_id(self) -> int | None:
        return self.crawler.stats.get_value("breach/run_id")

    def process_item(self, record: dict) -> dict:
        self.store.run_id = self._run_id()
        outcome = self.store.save(record)
        self.crawler.stats.inc_value(f"breach/notices/{outcome}")
        return record

    def item_dropped(self, item, response, exception, spider=None):
        reason = getattr(exception, "reason", None)
        if self.store is None or reason is None:
            return
        self.store.run_id = self._run_id()
        self.store.reject(ItemAdapter(item).asdict(), reason)

    def close_spider(self):
        spider = self.crawler.spider
        if self._flusher is not None and self._flusher.running:
            self._flusher.stop()
        self.store.flush()
        if self.crawler.stats.get_value("breach/source_offline"):
            self.store.db.conn.close()  # an offline source changes nothing stored
            return
        seen = getattr(spider, "seen_source_ids", None)
        if seen:
            self.store.touch(spider.name, seen)
        removed = getattr(spider, "removed_source_ids", None)
        if removed:
            count = self.store.mark_removed(spider.name, removed)
            # Their incidents' status and active counts follow the notices.
            attach_notices(self.store.db, [f"{spider.name}:{sid}" for sid in sorted(removed)])
            self.crawler.stats.inc_value("breach/notices/removed", count)
            spider.logger.info("Marked %d notices removed_at_source", count)
        self.store.db.conn.close()
