"""`scrapy backup PATH`: a consistent copy of the database, safe while a crawl runs.

SQLite's online backup API (`sqlite3.Connection.backup`) copies the database as of one read
transaction; in WAL mode a reader neither waits for nor blocks a crawl's writes, and the copy
holds every committed notice up to that moment (never half a batch). The copy is written to a
temporary file next to PATH, checked with `PRAGMA quick_check`, then renamed over PATH, so
PATH is always either the previous backup or a complete new one. A damaged source file is
refused (its copy would be no backup). Restore: docs/OPERATIONS.md, "Backup and restore".

Exit codes: 0 written; 1 the database is damaged or the copy failed; 2 usage error (no PATH,
or a database or folder that cannot be used).
"""

import os
import sqlite3
import sys
import time
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.store.checks import quick_check, refusal


def backup(db_path: str | Path, target: str | Path) -> int:
    """Copy the database at `db_path` to `target` (atomically replaced); returns its pages."""
    target = Path(target)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=60)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # one step: one consistent snapshot
            problems = quick_check(copy)
            pages = copy.execute("pragma page_count").fetchone()[0]
        finally:
            copy.close()
        if problems:
            raise sqlite3.DatabaseError(f"the copy fails quick_check: {problems[0]}")
        os.replace(partial, target)
    finally:
        source.close()
        partial.unlink(missing_ok=True)
    return pages


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012 (Scrapy's own attribute name)

    def syntax(self) -> str:
        return "PATH"

    def short_desc(self) -> str:
        return "Copy the database to PATH (consistent; safe while a crawl runs)"

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one PATH to write the backup to")
        db_path = self.settings.get("BREACH_DB_PATH")
        target = Path(args[0])
        if target.is_dir():
            target = target / f"breaches-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.db"
        if not Path(db_path).is_file():
            print(f"database {db_path}: no such file; nothing to back up", file=sys.stderr)
            self.exitcode = 2
            return
        refused = refusal(db_path)
        if refused:
            self.exitcode, message = refused
            print(message, file=sys.stderr)
            return
        if target.resolve() == Path(db_path).resolve():
            raise UsageError("the backup PATH is the database itself")
        if not target.parent.is_dir():
            print(f"backup {target}: folder {target.parent} does not exist", file=sys.stderr)
            self.exitcode = 2
            return
        started = time.perf_counter()
        try:
            pages = backup(db_path, target)
        except (OSError, sqlite3.Error) as error:
            print(f"backup {target}: failed: {error}", file=sys.stderr)
            self.exitcode = 1
            return
        size = target.stat().st_size
        print(f"{db_path} backed up to {target} ({pages} pages, {size / 1e6:.1f} MB, "
              f"{time.perf_counter() - started:.1f} s)")  # fmt: skip
