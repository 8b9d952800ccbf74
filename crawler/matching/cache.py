"""The match index kept between `attach_notice` calls, as an explicit object.

Building the index reads every notice; a crawl attaches notices one by one, so the index is
kept per database connection in `INDEX_CACHE` and caught up with the rows stored since its
last use. Notices are never deleted and rowids only grow, so reading rows past the last rowid
seen is enough; a notice changed in place is re-read by `attach_notice` itself.
"""

import weakref

import sqlite_utils

from crawler.matching.blocking import MatchIndex
from crawler.matching.rows import facts_from_row, read_notices


class IndexCache:
    """One `MatchIndex` per open database, keyed weakly (it goes when the database goes)."""

    def __init__(self) -> None:
        self._entries: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def index_for(self, db: sqlite_utils.Database) -> tuple[MatchIndex, set[str]]:
        """The index of `db`, caught up; and the notices whose matches the new rows changed."""
        index, last_rowid = self._entries.get(db, (None, 0))
        fresh = index is None
        if fresh:
            index = MatchIndex()
        affected: set[str] = set()
        for row in read_notices(db, "where rowid > ? order by rowid", [last_rowid]):
            affected |= index.add(facts_from_row(row))
            last_rowid = max(last_rowid, row["_rowid"])
        self._entries[db] = (index, last_rowid)
        # A fresh index reads notices already matched with these counts: nothing changed.
        return index, set() if fresh else affected

    def last_rowid(self, db: sqlite_utils.Database) -> int | None:
        """The last rowid the cached index of `db` has read; None when there is no index."""
        entry = self._entries.get(db)
        return None if entry is None else entry[1]

    def store(self, db: sqlite_utils.Database, index: MatchIndex, last_rowid: int) -> None:
        """Keep a freshly built index (after a rebuild)."""
        self._entries[db] = (index, last_rowid)

    def forget(self, db: sqlite_utils.Database) -> None:
        self._entries.pop(db, None)


INDEX_CACHE = IndexCache()
