"""Is the database usable before anything is written into it?

- `usable_path(path)`: a path that cannot hold a writable SQLite database (a directory, a
  folder that cannot be created, a read-only folder or file) is named in one line, before a
  crawl opens anything, so no `crawl_runs` row is written and no traceback is shown.
- `quick_check(db)`: SQLite's `PRAGMA quick_check` (the b-tree structure of every page, not the
  index contents: a few seconds on a 100k-notice database, figure in docs/OPERATIONS.md). A
  damaged file is refused before a crawl writes and reported by `scrapy health`: writing into a
  damaged b-tree spreads the damage, and the way back is the latest backup.
"""

import os
import sqlite3
from pathlib import Path

RECOVERY = (
    "restore the latest backup (`scrapy backup` makes them; docs/OPERATIONS.md, "
    "'Backup and restore'); nothing was written into it"
)


class DatabaseUnusableError(Exception):
    """The database path cannot be opened or written: a usage error (exit 2)."""


class DatabaseDamagedError(Exception):
    """The database file fails SQLite's quick_check: refused (exit 1)."""

    def __init__(self, path, problems: list[str]):
        self.path = path
        self.problems = problems
        shown = "; ".join(problems[:3]) + (
            f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        )
        super().__init__(f"{path} is damaged (PRAGMA quick_check: {shown}); {RECOVERY}")


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def usable_path(path: str | Path) -> None:
    """Raise DatabaseUnusableError (naming `path`) unless a database there can be written."""
    path = Path(path)
    where = f"database {path}"
    if path.is_dir():
        raise DatabaseUnusableError(f"{where}: is a directory, not a database file")
    if path.exists() and not path.is_file():  # /dev/null, a pipe: SQLite fails mid-write
        raise DatabaseUnusableError(f"{where}: is not a regular file")
    folder = path.parent
    if not folder.exists():
        existing = _nearest_existing(folder)
        if not existing.is_dir():
            raise DatabaseUnusableError(
                f"{where}: cannot create folder {folder}: {existing} is not a directory"
            )
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatabaseUnusableError(
                f"{where}: cannot create folder {folder}: {error.strerror}"
            ) from None
    elif not folder.is_dir():
        raise DatabaseUnusableError(f"{where}: {folder} is not a directory")
    # SQLite (WAL) creates -wal and -shm files next to the database, and the crawl's locks
    # live in the same folder: both the folder and an existing file must be writable.
    probe = folder / f".{path.name}.write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise DatabaseUnusableError(
            f"{where}: folder {folder} is not writable ({error.strerror})"
        ) from None
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            raise DatabaseUnusableError(f"{where}: the file is not writable")
        try:
            conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=5)
            try:
                conn.execute("select count(*) from sqlite_master").fetchone()
            finally:
                conn.close()
        except sqlite3.DatabaseError as error:
            raise DatabaseUnusableError(f"{where}: cannot be opened: {error}") from None


def quick_check(conn: sqlite3.Connection) -> list[str]:
    """The problems `PRAGMA quick_check` finds ([] when the file is sound)."""
    try:
        found = [row[0] for row in conn.execute("pragma quick_check")]
    except sqlite3.DatabaseError as error:  # "database disk image is malformed"
        return [str(error)]
    return [] if found == ["ok"] else found


def check_file(path: str | Path) -> None:
    """Raise DatabaseDamagedError if the existing database at `path` fails quick_check.

    Opened without creating or writing anything (`mode=rw` fails on a missing file, which is
    fine: a new database has nothing to check)."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return
    conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=60)
    try:
        problems = quick_check(conn)
    finally:
        conn.close()
    if problems:
        raise DatabaseDamagedError(path, problems)


# Files found sound by this process: a nightly checks once, not once per source.
_CHECKED: set[Path] = set()


def check_file_once(path: str | Path) -> None:
    """`check_file`, skipped when this process already found the file sound."""
    resolved = Path(path).resolve()
    if resolved not in _CHECKED:
        check_file(path)
        _CHECKED.add(resolved)


def preflight(path: str | Path) -> None:
    """Everything a command checks before it crawls into `path` (either error may be raised)."""
    usable_path(path)
    check_file_once(path)


def refusal(path: str | Path, must_exist: bool = False) -> tuple[int, str] | None:
    """(exit code, one-line message) when a command must not use the database at `path`:
    2 for a path that cannot be opened or written (a usage error), 1 for a damaged file.
    `must_exist` is for commands that only read or recompute (health, export, check_incidents,
    rebuild_incidents): a mistyped path must not silently become a new, empty database."""
    if must_exist and not Path(path).exists():
        return 2, (
            f"no database at {path}: nothing has been crawled into it (check the path, or run "
            "`make demo` or a crawl first)"
        )
    try:
        preflight(path)
    except DatabaseUnusableError as error:
        return 2, str(error)
    except DatabaseDamagedError as error:
        return 1, str(error)
    return None
