"""The notices' name search index (`notices_search`), written once per store batch.

FTS5 writes its index at the end of every statement, so a trigger indexing each inserted
notice cost more than the insert itself (on a Maine backfill 0.045 of 0.073 ms a notice; one
INSERT ... SELECT of a batch's notices costs about a quarter of that). So the store batch
indexes its new notices itself, and the insert trigger (migration m010 in schema_browse.py)
steps aside while a row of `notices_search_deferred` is there:
- the batch opens with that row: the highest notice rowid before it (`defer`);
- just before it commits, every notice inserted since is indexed in one statement, then the row
  is deleted (`index_deferred`).
The row, the notices and their index entries commit or roll back together: a committed
database never holds the row, so the index is whole after every commit, and a crash (the batch
rolled back by SQLite) leaves nothing to catch up. Other writers (other connections, tools)
never see the row and are indexed by the trigger as before. A row left committed all the same
(code committing in the middle of a batch) is caught up by the next batch, which indexes from
the oldest row. Rowids only grow (nothing deletes notices), so "inserted since" is "rowid
above".
"""

from crawler.store.folding import fold_sql

DEFERRED = "notices_search_deferred"
_CATCH_UP = (
    f"insert or replace into notices_search (rowid, entity_name) "
    f"select rowid, {fold_sql('entity_name')} from notices "
    f"where rowid > (select min(after_rowid) from {DEFERRED})"
)


def insert_trigger_sql() -> str:
    """The trigger indexing a notice inserted outside a store batch (m010)."""
    return (
        f'create trigger "notices_search_insert" after insert on "notices" '
        f"when not exists (select 1 from {DEFERRED}) begin "
        f'insert or replace into "notices_search" (rowid, entity_name) '
        f"values (new.rowid, {fold_sql('new.entity_name')}); end"
    )


def defer(conn) -> None:
    """In a transaction just opened: its inserted notices are indexed by `index_deferred`."""
    conn.execute(
        f"insert into {DEFERRED} (after_rowid) select coalesce(max(rowid), 0) from notices"
    )


def index_deferred(conn) -> None:
    """Before the commit: index every notice inserted since the oldest deferral row, and
    delete the rows (so the trigger is back for every other writer)."""
    conn.execute(_CATCH_UP)
    conn.execute(f"delete from {DEFERRED}")
