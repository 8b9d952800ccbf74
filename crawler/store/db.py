"""The SQLite database: opening it (migrations in schema.py and schema_browse.py), write
transactions that take the lock up front, JSON columns and timestamps."""

import json
import sqlite3
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from crawler.store import schema_browse  # noqa: F401  (registers the browsing migrations)
from crawler.store.schema import migrations

DEFAULT_DB_PATH = "data/breaches.db"
BUSY_TIMEOUT_SECONDS = 60  # how long a writer waits for another one (connect, below)
JSON_COLUMNS = (
    "breach_dates",
    "notification_dates",
    "notice_urls",
    "data_types",
    "id_theft_service",
    "cites",
    "raw",
    "flags",
)


def connect(path: str | Path = DEFAULT_DB_PATH) -> sqlite_utils.Database:
    """Open (creating if needed) the database at `path` and bring its schema up to date."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A long busy timeout: a reader (Datasette, an export) or another crawl writing must make a
    # writer wait, not fail. It applies because every writer takes the lock up front
    # (`immediate` below): a deferred transaction that read first is refused at once instead.
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS)
    db = sqlite_utils.Database(conn)
    _enable_wal(db)
    migrate(db)
    return db


def _enable_wal(db: sqlite_utils.Database) -> None:
    # Switching a new file to WAL needs a lock SQLite does not wait for (no busy handler on
    # that path): when two processes open a new database at once, the loser retries until
    # the busy timeout rather than failing.
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    pause = 0.01
    while True:
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def migrate(db: sqlite_utils.Database) -> None:
    """Apply pending migrations, safely when several processes open a new database at once:
    the check is repeated under the write lock, so only the first applies them."""
    if not migrations.pending(db):  # read-only: an up-to-date database takes no write lock
        return
    with immediate(db):
        migrations.apply(db)  # each migration is a savepoint inside this transaction


@contextmanager
def immediate(db: sqlite_utils.Database):
    """A write transaction that takes SQLite's write lock when it begins (`BEGIN IMMEDIATE`),
    waiting up to the busy timeout for another writer; committed on success, rolled back on
    any error, so a failure never leaves a transaction open on the connection."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.rollback()
        raise
    try:
        db.conn.commit()
    except BaseException:  # e.g. disk full: SQLite may keep the transaction open
        if db.conn.in_transaction:
            db.conn.rollback()
        raise


def now_iso() -> str:
    """The current UTC time as stored in every `*_at` column (ISO 8601, whole seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def loads(value: str | None, default=None):
    """Decode a JSON column, tolerating NULL."""
    return default if value is None else json.loads(value)


def dumps(value) -> str | None:
    """Encode a JSON column deterministically (sorted keys), NULL for None."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
