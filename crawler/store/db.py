"""The SQLite database: opening it, and its schema as sqlite-utils migrations.

Schema changes happen only here, as a new migration appended at the end; an applied
migration is never edited. Nothing in the project deletes rows from `notices`,
`notice_versions` or `crawl_runs`.
"""

import json
import re
import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

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

migrations = Migrations("breaches")


@migrations()
def m001_notices(db: sqlite_utils.Database) -> None:
    db["notices"].create(
        {
            "id": str,  # "<source>:<source_id>", e.g. "ca_ag:sb24-629314"
            "source": str,
            "source_kind": str,  # "state" (AG portal) or "aggregator"
            "source_id": str,
            "url": str,
            "entity_name": str,
            "breach_dates": str,  # JSON array of ISO dates, reduced precision allowed
            "breach_start": str,  # first day the breach may have started (ISO day)
            "breach_end": str,  # last day it may have ended (ISO day)
            "breach_precision": str,  # coarsest precision among breach_dates
            "reported_date": str,
            "discovered_date": str,
            "notification_dates": str,  # JSON array
            "total_affected": int,
            "total_affected_raw": str,
            "residents_affected": int,
            "residents_affected_raw": str,
            "residents_state": str,
            "notice_url": str,  # first of notice_urls
            "notice_urls": str,  # JSON array
            "entity_address": str,
            "organization_type": str,
            "data_types": str,  # JSON array
            "id_theft_service": str,  # JSON object
            "cites": str,  # JSON array of notice ids this notice retells
            "raw": str,  # JSON object: every published field as displayed
            "flags": str,  # JSON array of data-quality flags
            "content_hash": str,
            "content_since": str,  # when the current published content was first seen
            "status": str,  # "active" | "removed_at_source"
            "removed_at": str,
            "first_seen_at": str,
            "last_seen_at": str,
            "incident_id": str,
        },
        pk="id",
        not_null={"id", "source", "source_id", "status", "first_seen_at", "last_seen_at"},
        defaults={"status": "active"},
    )
    db["notices"].create_index(["source", "source_id"], unique=True)
    db["notices"].create_index(["reported_date"])
    db["notices"].create_index(["incident_id"])

    db["notice_versions"].create(
        {
            "version_id": int,
            "notice_id": str,
            "content_hash": str,
            "content": str,  # JSON of the published fields of that version
            "seen_from": str,  # first_seen_at of that version
            "replaced_at": str,  # when a newer version replaced it
            "run_id": int,  # the crawl run that saw the replacement
        },
        pk="version_id",
        not_null={"notice_id", "content_hash", "content", "replaced_at"},
    )
    db["notice_versions"].create_index(["notice_id"])

    db["crawl_runs"].create(
        {
            "id": int,
            "spider": str,
            "mode": str,
            "base_url": str,
            "started_at": str,
            "finished_at": str,
            "finish_reason": str,
            "source_status": str,  # "running" | "ok" | "offline" | "layout_changed" | "error"
            "status_reason": str,
            "requests": int,
            "responses": int,
            "notices_new": int,
            "notices_updated": int,
            "notices_unchanged": int,
            "notices_rejected": int,
            "notices_removed": int,
            "errors": int,
            "details": str,  # JSON: spider-specific findings (e.g. completeness check)
            "stats": str,  # JSON: the Scrapy stats of the run
        },
        pk="id",
    )

    db["rejected_notices"].create(
        {
            "id": int,
            "run_id": int,
            "source": str,
            "source_id": str,
            "url": str,
            "reason": str,
            "item": str,  # JSON of the item as the spider yielded it
            "seen_at": str,
        },
        pk="id",
    )


@migrations()
def m002_incidents(db: sqlite_utils.Database) -> None:
    db["incidents"].create(
        {
            "id": str,  # stable: derived from the incident's founding notice id
            "display_name": str,
            "entity_key": str,  # normalised entity name
            "breach_start": str,
            "breach_end": str,
            "breach_precision": str,
            "first_reported_date": str,
            "states": str,  # JSON array of two-letter states notified
            "total_affected": int,  # the largest stated total, never a sum
            "residents_by_state": str,  # JSON object state -> residents affected
            "notice_count": int,
            "source_count": int,
            "sources": str,  # JSON array of source names
            "first_seen_at": str,
            "updated_at": str,
        },
        pk="id",
    )
    db["incident_links"].create(
        {
            "notice_id": str,  # each notice is in exactly one incident
            "incident_id": str,
            "rule": str,  # which matching rule joined it ("founder" for the first notice)
            "score": float,
            "matched_notice_id": str,  # the notice it was matched against
            "linked_at": str,
        },
        pk="notice_id",
    )
    db["incident_links"].create_index(["incident_id"])
    db["incident_review"].create(
        {
            "id": int,
            "notice_id": str,
            "candidate_notice_id": str,
            "rule": str,
            "score": float,
            "reason": str,
            "created_at": str,
        },
        pk="id",
    )
    db["export_cursors"].create(
        {"name": str, "kind": str, "exported_until": str, "file": str, "rows": int},
        pk="name",
    )


@migrations()
def m003_incident_status(db: sqlite_utils.Database) -> None:
    db["incidents"].add_column("active_notice_count", int)
    # "active", or "removed_at_source" when every notice of it vanished from its source.
    db["incidents"].add_column("status", str)


@migrations()
def m004_incident_date_flags(db: sqlite_utils.Database) -> None:
    # JSON object, NULL when no notice of the incident has a doubtful date: which incident
    # dates come from flagged notices, and the flags per notice (crawler/matching/summary.py).
    db["incidents"].add_column("date_flags", str)


def connect(path: str | Path = DEFAULT_DB_PATH) -> sqlite_utils.Database:
    """Open (creating if needed) the database at `path` and bring its schema up to date."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A long busy timeout: a reader (Datasette, an export) or another crawl writing must make a
    # writer wait, not fail. It applies because every writer takes the lock up front
    # (`immediate` below): a deferred transaction that read first is refused at once instead.
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS)
    db = sqlite_utils.Database(conn)
    db.enable_wal()
    migrate(db)
    return db


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


# --- Browsing (Datasette): foreign keys, the `breaches` view, name search. ---------------

# (table, column, referenced table): notices and the matching tables, so Datasette links an
# incident's page to its notices and links, and a link or review pair to its notices.
FOREIGN_KEYS = (
    ("notices", "incident_id", "incidents"),
    ("incident_links", "notice_id", "notices"),
    ("incident_links", "incident_id", "incidents"),
    ("incident_review", "notice_id", "notices"),
    ("incident_review", "candidate_notice_id", "notices"),
)


def _add_references(db: sqlite_utils.Database, table: str, refs: dict[str, str]) -> None:
    """Add `REFERENCES other(id)` to columns of `table` by editing its stored CREATE TABLE.

    SQLite cannot ALTER a foreign key in, and rebuilding the table (sqlite-utils transform)
    would renumber its rowids, which the matching reads incrementally. A foreign key clause
    does not change how rows are stored, so SQLite's documented procedure for such changes
    (edit the schema text under writable_schema, bump schema_version) keeps every row and
    rowid as they are. Foreign keys are not enforced (PRAGMA foreign_keys stays off): they
    describe the links for readers such as Datasette.
    """
    (sql,) = db.execute(
        "select sql from sqlite_master where type = 'table' and name = ?", [table]
    ).fetchone()
    for column, other in refs.items():
        pattern = re.compile(rf'([\["]{re.escape(column)}[\]"] TEXT[^,\n)]*)')
        sql, found = pattern.subn(rf'\1 REFERENCES "{other}"("id")', sql, count=1)
        if found != 1:
            raise RuntimeError(f"cannot find column {column} of {table} in its schema")
    (version,) = db.execute("pragma schema_version").fetchone()
    db.execute("pragma writable_schema = on")
    try:
        db.execute(
            "update sqlite_master set sql = ? where type = 'table' and name = ?", [sql, table]
        )
        db.execute(f"pragma schema_version = {version + 1}")
    finally:
        db.execute("pragma writable_schema = off")


@migrations()
def m005_foreign_keys(db: sqlite_utils.Database) -> None:
    by_table: dict[str, dict[str, str]] = {}
    for table, column, other in FOREIGN_KEYS:
        by_table.setdefault(table, {})[column] = other
    for table, refs in by_table.items():  # in the migration's transaction: all or nothing
        _add_references(db, table, refs)
    (check,) = db.execute("pragma integrity_check").fetchone()
    if check != "ok":
        raise RuntimeError(f"integrity check after adding foreign keys: {check}")


BREACHES_VIEW = """
create view breaches as
select
  i.id as incident_id,
  i.display_name as entity,
  case
    when i.breach_start is null then null
    when i.breach_end is null or i.breach_end = i.breach_start then i.breach_start
    else i.breach_start || ' to ' || i.breach_end
  end as breach_period,
  substr(i.breach_start, 1, 4) as breach_year,
  i.first_reported_date,
  (select group_concat(value, ', ') from json_each(i.states)) as states,
  i.total_affected,
  (select group_concat(key || ': ' || value, ', ')
     from json_each(i.residents_by_state)) as residents_by_state,
  (select group_concat(value, ', ') from json_each(i.sources)) as sources,
  i.notice_count,
  (select group_concat(flag, ', ') from (
     select distinct f.value as flag from notices n, json_each(n.flags) f
     where n.incident_id = i.id order by 1)) as flags,
  (select group_concat(url, ' ') from (
     select n.url from notices n where n.incident_id = i.id and n.url is not null
     order by n.reported_date, n.id)) as notice_pages,
  (select group_concat(letter, ' ') from (
     select distinct u.value as letter from notices n, json_each(n.notice_urls) u
     where n.incident_id = i.id order by n.reported_date, n.id)) as letter_urls,
  i.status,
  i.states as state_list,
  i.sources as source_list,
  i.rowid as search_rowid
from incidents i
"""


@migrations()
def m006_breaches_view(db: sqlite_utils.Database) -> None:
    # One row per incident, readable as it is: lists as "CA, ME", counts per state as
    # "CA: 120, ME: 30". state_list and source_list keep the JSON arrays for array facets;
    # search_rowid lets Datasette's search of incidents_search work on the view.
    db.execute(BREACHES_VIEW)


# Name search: FTS5 with the trigram tokenizer, so any part of a name of 3 or more
# characters matches ("health" finds HealthEquity) and punctuation is plain text.
SEARCH_INDEXES = {"incidents_search": ("incidents", "display_name"),
                  "notices_search": ("notices", "entity_name")}  # fmt: skip


@migrations()
def m007_name_search(db: sqlite_utils.Database) -> None:
    # Indexes an operator made by hand before (sqlite-utils enable-fts) are replaced: these
    # are kept up to date by triggers, so nothing needs rebuilding after a crawl.
    for table in ("incidents", "notices"):
        if db[f"{table}_fts"].exists():
            for suffix in ("ai", "ad", "au"):  # the triggers enable-fts --create-triggers makes
                db.execute(f'drop trigger if exists "{table}_{suffix}"')
            db.execute(f'drop table "{table}_fts"')
    for index, (table, column) in SEARCH_INDEXES.items():
        # A table of its own (not external content): the matching replaces incident rows
        # with INSERT OR REPLACE, which fires no delete trigger; `insert or replace` by
        # rowid here overwrites whatever a reused rowid held, and an entry for a rowid that
        # no longer exists matches no row.
        db.execute(f'create virtual table "{index}" using fts5({column}, tokenize="trigram")')
        db.execute(f'insert into "{index}" (rowid, {column}) select rowid, {column} from "{table}"')
        db.execute(
            f'create trigger "{index}_insert" after insert on "{table}" begin '
            f'insert or replace into "{index}" (rowid, {column}) values (new.rowid, new.{column}); end'
        )
        db.execute(
            f'create trigger "{index}_update" after update of {column} on "{table}" begin '
            f'insert or replace into "{index}" (rowid, {column}) values (new.rowid, new.{column}); end'
        )
        db.execute(
            f'create trigger "{index}_delete" after delete on "{table}" begin '
            f'delete from "{index}" where rowid = old.rowid; end'
        )


@migrations()
def m008_notify(db: sqlite_utils.Database) -> None:
    # What the last notification round saw of each incident (crawler/notify/changes.py
    # compares against it), and a record of every feed write and webhook delivery.
    db["notify_state"].create(
        {
            "incident_id": str,
            "states": str,  # JSON array
            "total_affected": int,
            "notice_ids": str,  # JSON array: follows a notice into a re-founded incident
            "recorded_at": str,
        },
        pk="incident_id",
    )
    db["notifications"].create(
        {
            "id": int,
            "created_at": str,
            "channel": str,  # "feed" | "webhook"
            "target": str,  # the feed file or the webhook URL
            "entries": int,
            "status": str,  # "ok" | "failed"
            "attempts": int,
            "detail": str,  # the error of a failure
            "payload": str,  # JSON sent to a webhook that failed, to send again by hand
            "round_started": str,  # when the nightly that sent it started
        },
        pk="id",
    )
