"""`scrapy check_incidents`: read the stored incidents for matching mistakes.

Prints the largest incidents, the incidents with the most distinct entity keys, the keys
carried by the most different main names, links per rule and review rows per reason, and
lists every incident that joins main names with no evidence of being one entity. Exit code 1
when there is any such incident (for checks in scripts), else 0.
"""

import sys
from typing import ClassVar

from scrapy.commands import ScrapyCommand

from crawler.matching.diagnostics import diagnose, report_lines
from crawler.store.checks import refusal
from crawler.store.db import DEFAULT_DB_PATH, connect


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--db PATH] [--top N]"

    def short_desc(self) -> str:
        return "Diagnostics of the stored incidents (largest, most names, shared keys, rules)"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--db", dest="db_path", help="database path (default: BREACH_DB_PATH)")
        parser.add_argument("--top", type=int, default=10, help="entries per list (default 10)")

    def run(self, args, opts) -> None:
        path = opts.db_path or self.settings.get("BREACH_DB_PATH") or DEFAULT_DB_PATH
        if refused := refusal(path, must_exist=True):  # crawler/store/checks.py
            self.exitcode, message = refused
            print(message, file=sys.stderr)
            return
        db = connect(path)
        try:
            diagnosis = diagnose(db, limit=opts.top)
        finally:
            db.conn.close()
        print(f"{path}:")
        print("\n".join(report_lines(diagnosis)))
        self.exitcode = 1 if diagnosis.strangers else 0
