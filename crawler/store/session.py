"""StoreSession: a crawl's one connection to the database, its notice batch and its run id.

Every crawl-time component that reads or writes the database (the run log, the store stage,
the dedupe stage) gets it with `StoreSession.acquire(crawler)` and gives it back with
`release()`; the connection closes when the last user releases it, whatever the order. There
is no other connection during a crawl (the spiders read what is stored, read-only, before the
first write). That is the contract that lets the store batch its commits: a component on a
second connection would not see the open batch and would wait on its write lock, so a new
component must use the session too.

The session also carries what the stages tell each other, explicitly:
- `run_id`: the `crawl_runs` row of this crawl (set by the run log; written with versions and
  rejections);
- `outcome_of(notice_id)`: what the store did with the latest save of that notice ("new",
  "updated", "unchanged"), read by the dedupe stage.

Opening the session refuses a damaged file (`PRAGMA quick_check`) before anything is written.
"""

from pathlib import Path

from crawler.store.checks import check_file_once
from crawler.store.db import connect
from crawler.store.notices import DEFAULT_BATCH_SECONDS, NoticeStore

DEFAULT_BATCH_SIZE = 500


class StoreSession:
    def __init__(self, db_path, batch_size: int = 1, batch_seconds=DEFAULT_BATCH_SECONDS):
        self.path = Path(db_path)
        check_file_once(self.path)  # raises DatabaseDamagedError before anything is written
        self.db = connect(self.path)
        self.store = NoticeStore(self.db, batch_size=batch_size, batch_seconds=batch_seconds)
        self.run_id: int | None = None
        self._outcomes: dict[str, str] = {}
        self._users = 0

    @classmethod
    def acquire(cls, crawler) -> "StoreSession":
        """The crawl's session, opened by its first user with the crawl's settings."""
        session = getattr(crawler, "store_session", None)
        if session is None:
            settings = crawler.settings
            session = cls(
                settings.get("BREACH_DB_PATH"),
                batch_size=settings.getint("BREACH_STORE_BATCH_SIZE", DEFAULT_BATCH_SIZE),
                batch_seconds=settings.getfloat(
                    "BREACH_STORE_BATCH_SECONDS", DEFAULT_BATCH_SECONDS
                ),
            )
            crawler.store_session = session
        session._users += 1
        session._crawler = crawler
        return session

    def release(self) -> None:
        """Give the session back; the last user commits what is pending and closes it."""
        self._users -= 1
        if self._users > 0:
            return
        self.store.flush()
        self.db.conn.close()
        crawler = getattr(self, "_crawler", None)
        if crawler is not None and getattr(crawler, "store_session", None) is self:
            crawler.store_session = None

    def save(self, record: dict) -> str:
        """Store one cleaned record in the batch; its outcome is then `outcome_of(id)`."""
        self.store.run_id = self.run_id
        outcome = self.store.save(record)
        self._outcomes[record["id"]] = outcome
        return outcome

    def outcome_of(self, notice_id: str) -> str | None:
        """The store's outcome for the latest save of `notice_id` in this crawl (None if it
        was not saved: rejected, or the save failed)."""
        return self._outcomes.get(notice_id)

    def reject(self, record: dict, reason: str) -> None:
        self.store.run_id = self.run_id
        self.store.reject(record, reason)
