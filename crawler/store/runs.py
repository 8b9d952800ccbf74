"""`crawl_runs` rows and the liveness of the process behind a `running` row.

Each crawl holds an exclusive lock (crawler/lock.py: released by the kernel when the process
ends, SIGKILL included) on `<data>/locks/<database file name>-run-<id>.lock` from before its row
is committed until after the row is closed. So a `running` row whose lock can be taken belongs to a process that
is gone: `close_killed_runs` marks it `killed` (the next crawl does it as it opens, `scrapy
health` and `scrapy export` before they read), and exports stop being held back by it.
"""

from pathlib import Path

from crawler.lock import LockHeldError, ProcessLock, data_dir
from crawler.store.db import immediate, now_iso


def run_lock_path(db_path: str | Path, run_id: int) -> Path:
    """Named after the database file too: two databases may share a folder (and run ids).

    The name is the resolved file's: a database opened through a symlink (`current.db`) or
    a relative path is the same database, and must find the same lock, or a live run would
    be taken for a killed one.
    """
    return data_dir(db_path) / "locks" / f"{Path(db_path).resolve().name}-run-{run_id}.lock"


def open_run(db, db_path: str | Path, row: dict) -> tuple[int, ProcessLock]:
    """Insert a `running` row and take its lock inside the same write transaction, so no
    other process ever sees the row without its lock held."""
    with immediate(db):
        run_id = db["crawl_runs"].insert({**row, "source_status": "running"}).last_pk
        lock = ProcessLock(run_lock_path(db_path, run_id)).acquire()
    return run_id, lock


def close_run(db, run_id: int, row: dict, lock: ProcessLock | None) -> None:
    """Write the final row, then let go of the lock (in that order: see close_killed_runs)."""
    try:
        with immediate(db):
            db["crawl_runs"].update(run_id, row)
    finally:
        if lock is not None:
            lock.path.unlink(missing_ok=True)
            lock.release()


def close_killed_runs(db, db_path: str | Path, closed_by: str) -> list[int]:
    """Mark `killed` every `running` row whose process is gone; returns their ids."""
    running = [
        r[0] for r in db.execute("select id from crawl_runs where source_status = 'running'")
    ]
    killed = []
    for run_id in running:
        path = run_lock_path(db_path, run_id)
        try:
            lock = ProcessLock(path).acquire()
        except LockHeldError:
            continue  # its process is alive
        try:
            with immediate(db):
                cursor = db.execute(
                    "update crawl_runs set source_status = 'killed', finish_reason = 'killed', "
                    "finished_at = ?, status_reason = ? where id = ? and source_status = 'running'",
                    [now_iso(), f"process gone without closing its run (found by {closed_by})",
                     run_id],
                )  # fmt: skip
            if cursor.rowcount:
                killed.append(run_id)
        finally:
            path.unlink(missing_ok=True)
            lock.release()
    return killed
