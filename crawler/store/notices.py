"""The notice write path: upsert notices into SQLite, keeping every earlier version. Never deletes.

- A new notice is inserted with `first_seen_at` = `last_seen_at` = now.
- A notice seen again moves `last_seen_at`; `first_seen_at` never changes.
- Only the columns the source published this time are written, so a list page that shows
  fewer fields than the detail page does not erase the detail fields. `raw` is merged key by
  key for the same reason.
- When the published content changes, the previous content goes to `notice_versions`
  (with when it was first seen and when it was replaced) before the row is updated.
- Notices gone from a complete list are marked `removed_at_source`, and their incidents follow
  (`crawler.matching.incidents.attach_notices`).
- Rejected records are written to `rejected_notices` with their reason.

Transactions. Writes go into a batch: one transaction of up to `batch_size` notices (or
`batch_seconds`, whichever comes first; 1 = a transaction per notice), because a commit costs an
fsync (bench/RESULTS.md). The guarantees:
- the batch takes SQLite's write lock when it opens (`BEGIN IMMEDIATE`), so another process
  writing makes it wait (the busy timeout), never fail;
- a notice is complete or absent: a new one is one INSERT (atomic by itself), an update is
  written in its own savepoint, so a notice whose data is refused (a constraint) is rolled
  back alone and the batch goes on;
- when the database itself fails (disk full, I/O error, locked past the timeout), the whole
  batch is rolled back at once: nothing stays open to break the next notices, and the loss is
  recorded (`failures`, `lost`) and reported through `on_failure`;
- outcomes are counted only when committed (`committed`, `on_commit`): a run log built on them
  never counts a notice that is not stored;
- a crash loses at most the batch in flight; those notices are not stored, so the next run
  sees them as new and fetches them again.
"""

import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager

from crawler.matching.incidents import attach_notices
from crawler.store import search
from crawler.store import statements as st
from crawler.store.db import dumps, immediate, now_iso

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
DEFAULT_BATCH_SECONDS = 1.0


class StoreWriteError(Exception):
    """The database refused a write for every notice (not one notice's data): batch lost."""


def _database_failure(error: Exception) -> bool:
    """Errors of the database rather than of one notice's data."""
    return isinstance(error, sqlite3.DatabaseError) and not isinstance(
        error, sqlite3.IntegrityError | sqlite3.DataError | sqlite3.ProgrammingError
    )


def _completes_list_row(stored: dict, old: dict, new: dict) -> bool:
    """A notice stored from its list row, waiting for its detail page, now completed by it:
    the detail page only adds (no value the list gave changes), so the list-only row is not
    kept as a version of its own: it was the same notice, read in two steps."""
    if "detail_pending" not in (stored.get("flags") or []):
        return False
    for column, value in old.items():
        if column == "raw":
            if any(new["raw"].get(k) != v for k, v in (value or {}).items()):
                return False
        elif value not in (None, [], "") and new.get(column) != value:
            return False
    return True


class NoticeStore:
    """The write path for notices, usable without Scrapy (rebuilds, tests, tools)."""

    def __init__(
        self,
        db,
        run_id: int | None = None,
        batch_size: int = 1,
        batch_seconds: float = DEFAULT_BATCH_SECONDS,
        on_commit: Callable[[Counter], None] | None = None,
        on_failure: Callable[[str, Counter], None] | None = None,
    ):
        self.db = db
        self.run_id = run_id
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        self.on_commit = on_commit
        self.on_failure = on_failure
        self.pending = 0  # notices (and rejections) written but not committed yet
        self.pending_outcomes: Counter = Counter()  # "new"/"updated"/"unchanged"/"rejected"
        self.committed: Counter = Counter()
        self.lost: Counter = Counter()  # written, then rolled back with a failed batch
        self.failures: list[str] = []
        self._batch_opened = 0.0
        self.sql = st.Statements(db.conn)  # crawler/store/statements.py

    @contextmanager
    def writing(self):
        """A unit of writes in the open batch (opening it if needed), in its own savepoint.

        Used for each notice, and by other crawl-time writers on this connection (the dedupe
        stage), so that they too hold the write lock from the start of the batch."""
        self._open_batch()
        try:
            with self.db.atomic():  # a savepoint: a refused notice is rolled back alone
                yield
        except Exception as error:
            self._fail_on(error)
            raise

    def _open_batch(self) -> None:
        """Open the batch (`BEGIN IMMEDIATE`) unless one is open."""
        if not self.db.conn.in_transaction:
            try:
                self.db.conn.execute("BEGIN IMMEDIATE")  # waits up to the busy timeout
                search.defer(self.db.conn)  # new notices indexed at the commit (search.py)
            except sqlite3.Error as error:  # still locked after it, or the file is unusable
                self._abort(error)
                raise StoreWriteError(self.failures[-1]) from error
            self._batch_opened = time.monotonic()

    def _fail_on(self, error: Exception) -> None:
        """After a failed write: a failure of the database itself loses the whole batch
        (raised as `StoreWriteError`); one notice's refused data is the caller's to raise."""
        if _database_failure(error):
            self._abort(error)
            raise StoreWriteError(self.failures[-1]) from error

    def _record(self, outcome: str) -> None:
        self.pending += 1
        self.pending_outcomes[outcome] += 1
        if (
            self.pending >= self.batch_size
            or time.monotonic() - self._batch_opened >= self.batch_seconds
        ):
            self.flush()

    def _abort(self, error: Exception) -> None:
        """Roll the whole batch back after a database failure, and record what was lost."""
        if self.db.conn.in_transaction:
            self.db.conn.rollback()
        lost = Counter(self.pending_outcomes)
        self.lost.update(lost)
        self.pending, self.pending_outcomes = 0, Counter()
        reason = f"database write failed ({error}); {sum(lost.values())} record(s) not stored"
        self.failures.append(reason)
        if self.on_failure:
            self.on_failure(reason, lost)

    def flush_if_due(self) -> None:
        """Commit the batch if it has been open `batch_seconds`: called on a timer, so a
        batch never holds SQLite's write lock while a polite crawl waits on the network."""
        if self.db.conn.in_transaction and (
            time.monotonic() - self._batch_opened >= self.batch_seconds
        ):
            self.flush()

    def flush(self) -> bool:
        """Commit the batch in flight; False if the commit failed (the batch is then lost,
        recorded, and the connection is left without a transaction)."""
        if self.db.conn.in_transaction:
            try:
                search.index_deferred(self.db.conn)
                self.db.conn.commit()
            except sqlite3.Error as error:
                self._abort(error)
                return False
        done, self.pending, self.pending_outcomes = self.pending_outcomes, 0, Counter()
        self.committed.update(done)
        if done and self.on_commit:
            self.on_commit(done)
        return True

    def save(self, record: dict, seen_at: str | None = None) -> str:
        """Insert or update one cleaned record; returns "new", "updated" or "unchanged"
        (counted in `committed` once its batch commits)."""
        seen_at = seen_at or now_iso()
        cursor = None
        try:
            self._open_batch()
            cursor = self.db.conn.execute("select * from notices where id = ?", [record["id"]])
            row = cursor.fetchone()
        except sqlite3.Error as error:
            self._fail_on(error)
            raise
        if row is None:
            # One INSERT (its triggers included) is atomic in SQLite: a refused one leaves
            # nothing behind, so a new notice needs no savepoint of its own.
            try:
                self._insert(record, seen_at)
            except Exception as error:
                self._fail_on(error)
                raise
            outcome = "new"
        else:
            stored = dict(zip([d[0] for d in cursor.description], row, strict=True))
            with self.writing():  # an update may write a version too: both or neither
                outcome = self._update(st.decode_row(stored), record, seen_at)
        self._record(outcome)
        return outcome

    def _insert(self, record: dict, seen_at: str) -> None:
        content, digest = st.encode_content({k: record.get(k) for k in CONTENT_COLUMNS})
        row = {
            **st.encode_row({k: record.get(k) for k in DERIVED_COLUMNS}),
            **content,
            "id": record["id"],
            "content_hash": digest,
            "content_since": seen_at,
            "status": "active",
            "first_seen_at": seen_at,
            "last_seen_at": seen_at,
        }
        self.sql.insert("notices", row)

    def _update(self, stored: dict, record: dict, seen_at: str) -> str:
        old_content = {k: stored.get(k) for k in CONTENT_COLUMNS}
        new_content = {**old_content, **{k: record[k] for k in CONTENT_COLUMNS if k in record}}
        new_content["raw"] = {**(stored.get("raw") or {}), **(record.get("raw") or {})}
        new_hash = st.content_hash(new_content)
        changes: dict = {"last_seen_at": seen_at}
        if stored["status"] != "active":  # back at the source after it had vanished
            changes.update(status="active", removed_at=None)
        if "flags" in record:
            changes["flags"] = record["flags"]
        outcome = "unchanged"
        if new_hash != stored["content_hash"]:
            outcome = "updated"
            changes.update(new_content, content_hash=new_hash, content_since=seen_at)
        if outcome == "updated" and not _completes_list_row(stored, old_content, new_content):
            self.sql.insert(
                "notice_versions",
                {
                    "notice_id": stored["id"],
                    "content_hash": stored["content_hash"],
                    "content": dumps(old_content),
                    "seen_from": stored["content_since"],
                    "replaced_at": seen_at,
                    "run_id": self.run_id,
                },
            )
        self.sql.update("notices", stored["id"], st.encode_row(changes))
        return outcome

    def mark_removed(self, source: str, source_ids: set[str], seen_at: str | None = None) -> int:
        """Mark active notices of `source` that vanished from it, and bring their incidents'
        status and active counts up to date; returns how many notices changed."""
        seen_at = seen_at or now_iso()
        changed = []
        if not self.flush():
            raise StoreWriteError(self.failures[-1])
        with immediate(self.db):
            for source_id in sorted(source_ids):
                cursor = self.db.execute(
                    "update notices set status = 'removed_at_source', removed_at = ? "
                    "where source = ? and source_id = ? and status = 'active'",
                    [seen_at[:10], source, source_id],
                )
                if cursor.rowcount:
                    changed.append(f"{source}:{source_id}")
            # In the same transaction: a notice is never removed with its incident still
            # counting it as active.
            attach_notices(self.db, changed)
        return len(changed)

    def touch(self, source: str, source_ids: set[str], seen_at: str | None = None) -> None:
        """Move `last_seen_at` of notices seen at the source but not re-read this run."""
        seen_at = seen_at or now_iso()
        if not self.flush():
            raise StoreWriteError(self.failures[-1])
        with immediate(self.db):
            self.db.conn.executemany(
                "update notices set last_seen_at = ? where source = ? and source_id = ?",
                [(seen_at, source, sid) for sid in sorted(source_ids)],
            )

    def reject(self, record: dict, reason: str, seen_at: str | None = None) -> None:
        with self.writing():
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
        self._record("rejected")
