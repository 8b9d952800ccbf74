"""Is the database usable before anything is written into it?

- `usable_path(path)`: a path that cannot hold a writable SQLite database (a directory, a
  folder that cannot be created, a read-only folder or file) is named in one line, before a
  crawl opens anything, so no `crawl_runs` row is written and no traceback is shown.
- `quick_check(db)`: SQLite's `PRAGMA quick_check` (the b-tree structure of every page, not the
  index contents: a few seconds on a 100k-notice database, figure in docs/OPERATIONS.md). A
  damaged file is refused before a crawl writes and reported by `scrapy health`: writing into a
  damaged b-tree spreads the damage, and the way back is the latest backup.
"""

import errno
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


def _mount(folder: Path) -> tuple[str, str] | None:
    """(mount point, filesystem type) of the filesystem holding `folder`, from /proc/mounts
    (Linux); None elsewhere or when it cannot be read."""
    try:
        lines = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    target, best = str(folder.resolve()), None
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, fields[2])
    return best


def _why(error: OSError, folder: Path) -> str:
    """The reason a file or folder could not be made in `folder`, in words that fit.

    The kernel answers ENOENT ("No such file or directory") when a virtual filesystem
    (/proc, some FUSE mounts) refuses to create a file in a folder that does exist: said
    as it is, it would send a person looking for a missing folder.
    """
    if error.errno == errno.ENOENT and folder.is_dir():
        mount = _mount(folder)
        where = f"the {mount[1]} filesystem mounted at {mount[0]}" if mount else "its filesystem"
        return f"{where} does not let files be created in it"
    return error.strerror or str(error)


def _name_too_long(path: Path) -> str | None:
    """Why the file name cannot be used, if it is longer than the folder's filesystem takes
    (SQLite adds `-journal` and `-wal`, which must fit too)."""
    try:
        limit = os.pathconf(path.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        return None
    longest = len(os.fsencode(path.name)) + len("-journal")
    if longest > limit:
        return (
            f"the file name is too long ({len(os.fsencode(path.name))} bytes; this "
            f"filesystem takes {limit}, and SQLite adds '-journal' to it)"
        )
    return None


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
                f"{where}: cannot create folder {folder}: {_why(error, _nearest_existing(folder))}"
            ) from None
    elif not folder.is_dir():
        raise DatabaseUnusableError(f"{where}: {folder} is not a directory")
    # SQLite (WAL) creates -wal and -shm files next to the database, and the crawl's locks
    # live in the same folder: both the folder and an existing file must be writable.
    # A short probe name: a long database name is its own, separately reported problem.
    probe = folder / f".write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise DatabaseUnusableError(
            f"{where}: folder {folder} is not writable ({_why(error, folder)})"
        ) from None
    too_long = _name_too_long(path)
    if too_long:
        raise DatabaseUnusableError(f"{where}: {too_long}")
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
