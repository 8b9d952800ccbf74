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

Each notice is written in its own transaction, so a crash loses at most the notice in flight,
and a notice is complete or absent, never half-written.
"""

import hashlib
import json
from datetime import UTC, datetime

from itemadapter import ItemAdapter
from scrapy import signals

from pipelines.db import JSON_COLUMNS, connect, dumps, loads

# Columns that are published content: a change in one of them makes a new version.
CONTENT_COLUMNS = (
    "url", "entity_name", "breach_dates", "breach_start", "breach_end", "breach_precision",
    "reported_date", "discovered_date", "notification_dates", "total_affected",
    "total_affected_raw", "residents_affected", "residents_affected_raw", "residents_state",
    "notice_url", "notice_urls", "entity_address", "organization_type", "data_types",
    "id_theft_service", "cites", "raw",
)  # fmt: skip
# Columns derived from the content, refreshed with it but not compared.
DERIVED_COLUMNS = ("source", "source_kind", "source_id", "flags")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def content_hash(content: dict) -> str:
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


def decode_row(row: dict) -> dict:
    return {k: (loads(v) if k in JSON_COLUMNS else v) for k, v in row.items()}


class NoticeStore:
    """The write path for notices, usable without Scrapy (rebuilds, tests, tools)."""

    def __init__(self, db, run_id: int | None = None):
        self.db = db
        self.run_id = run_id

    def save(self, record: dict, seen_at: str | None = None) -> str:
        """Insert or update one cleaned record; returns "new", "updated" or "unchanged"."""
        seen_at = seen_at or now_iso()
        with self.db.conn:
            rows = list(self.db.query("select * from notices where id = ?", [record["id"]]))
            if not rows:
                self._insert(record, seen_at)
                return "new"
            return self._update(decode_row(rows[0]), record, seen_at)

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
        with self.db.conn:
            for source_id in sorted(source_ids):
                cursor = self.db.execute(
                    "update notices set status = 'removed_at_source', removed_at = ? "
                    "where source = ? and source_id = ? and status = 'active'",
                    [seen_at[:10], source, source_id],
                )
                changed += cursor.rowcount
        return changed

    def reject(self, record: dict, reason: str, seen_at: str | None = None) -> None:
        with self.db.conn:
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

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def open_spider(self):
        db = connect(self.crawler.settings.get("BREACH_DB_PATH"))
        self.store = NoticeStore(db)

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
        removed = getattr(spider, "removed_source_ids", None)
        if removed:
            count = self.store.mark_removed(spider.name, removed)
            self.crawler.stats.inc_value("breach/notices/removed", count)
            spider.logger.info("Marked %d notices removed_at_source", count)
        self.store.db.conn.close()
