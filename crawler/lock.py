"""An exclusive, process-wide lock on a file: one nightly crawl (or one backfill of a source)
at a time.

`fcntl.flock` is held by the open file description, so the kernel releases it when the
process ends in any way, SIGKILL and power loss included: a stale lock file never blocks
the next run (the file stays, the lock does not). The file records the holder's pid and
start time, for the message the next run prints.
"""

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path

# EX_TEMPFAIL from sysexits.h: "try again later", what a scheduler should read it as.
EXIT_LOCKED = 75


class LockHeldError(RuntimeError):
    def __init__(self, path: Path, holder: str):
        self.path = path
        self.holder = holder
        super().__init__(f"{path} is held by another process ({holder or 'unknown holder'})")


class ProcessLock:
    """`with ProcessLock(path):` or `acquire()`/`release()`; raises LockHeldError at once if taken."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._file = None

    def acquire(self) -> "ProcessLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # "a+" neither truncates nor replaces: the holder's pid survives our failed attempt.
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held until release)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            raise LockHeldError(self.path, holder) from None
        handle.seek(0)
        handle.truncate()
        started = datetime.now(UTC).isoformat(timespec="seconds")
        handle.write(f"pid {os.getpid()} since {started}\n")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> "ProcessLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def data_dir(db_path: str | Path) -> Path:
    """The folder of the database: locks, job state and caches live next to it."""
    return Path(db_path).resolve().parent


def nightly_lock_path(db_path: str | Path) -> Path:
    return data_dir(db_path) / "nightly.lock"


def backfill_lock_path(db_path: str | Path, source: str) -> Path:
    return data_dir(db_path) / "jobs" / f"{source}-backfill.lock"
