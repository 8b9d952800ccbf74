"""`scrapy rebuild-incidents`: recompute every incident from the stored notices.

The answer equals what incremental attachment during crawls produces, so this is safe to
run at any time (after a change to the matching rules or the alias table, for example).
"""

import sys
import time
from typing import ClassVar

from scrapy.commands import ScrapyCommand

from crawler.matching.incidents import rebuild_incidents
from crawler.store.checks import refusal
from crawler.store.db import DEFAULT_DB_PATH, connect, immediate


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--db PATH]"

    def short_desc(self) -> str:
        return "Rebuild all incidents (dedupe of notices) from the notices table"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--db", dest="db_path", help="database path (default: BREACH_DB_PATH)")

    def run(self, args, opts) -> None:
        path = opts.db_path or self.settings.get("BREACH_DB_PATH") or DEFAULT_DB_PATH
        refused = refusal(path, must_exist=True)
        if refused:
            self.exitcode, message = refused
            print(message, file=sys.stderr)
            return
        db = connect(path)
        started = time.perf_counter()
        with immediate(db):  # waits for a crawl's batch instead of failing
            stats = rebuild_incidents(db)
        elapsed = time.perf_counter() - started
        print(
            f"{path}: {stats.notices} notices -> {stats.incidents} incidents "
            f"({stats.multi_notice_incidents} with several notices), "
            f"{stats.reviews} pairs for review, in {elapsed:.1f} s"
        )
        db.conn.close()
