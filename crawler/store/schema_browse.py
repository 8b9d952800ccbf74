"""Migrations for reading the database (Datasette, notifications): foreign keys, the
`breaches` view, name search and the notification state. Registered after schema.py's."""

import re

import sqlite_utils

from crawler.store import search
from crawler.store.folding import fold_sql
from crawler.store.schema import migrations

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


@migrations()
def m009_accent_folded_search(db: sqlite_utils.Database) -> None:
    # The name search indexes of m007, rebuilt to hold names with accents folded
    # (crawler/store/folding.py): "Cafe" finds "Café". The triggers fold as they index;
    # the Datasette plugin folds what a person types the same way.
    for index, (table, column) in SEARCH_INDEXES.items():
        for suffix in ("insert", "update", "delete"):
            db.execute(f'drop trigger if exists "{index}_{suffix}"')
        db.execute(f'drop table if exists "{index}"')
        db.execute(f'create virtual table "{index}" using fts5({column}, tokenize="trigram")')
        folded = fold_sql(f"new.{column}")
        db.execute(
            f'insert into "{index}" (rowid, {column}) '
            f'select rowid, {fold_sql(column)} from "{table}"'
        )
        db.execute(
            f'create trigger "{index}_insert" after insert on "{table}" begin '
            f'insert or replace into "{index}" (rowid, {column}) values (new.rowid, {folded}); end'
        )
        db.execute(
            f'create trigger "{index}_update" after update of {column} on "{table}" begin '
            f'insert or replace into "{index}" (rowid, {column}) values (new.rowid, {folded}); end'
        )
        db.execute(
            f'create trigger "{index}_delete" after delete on "{table}" begin '
            f'delete from "{index}" where rowid = old.rowid; end'
        )


@migrations()
def m010_notice_search_per_batch(db: sqlite_utils.Database) -> None:
    # crawler/store/search.py: a store batch indexes its new notices in one statement before
    # it commits; the insert trigger indexes the notices of every other writer.
    db.execute(f"create table {search.DEFERRED} (after_rowid integer)")
    db.execute('drop trigger if exists "notices_search_insert"')
    db.execute(search.insert_trigger_sql())
