"""`scrapy export`: a CSV of the incidents (or notices) first seen since the last export.

    scrapy export [--kind incidents|notices] [--name NAME | --since YYYY-MM-DD] [--excel]
                  [-o PATH|-]

Without `--since`, the export continues the named cursor (default: the kind's name), so a
daily `scrapy export -o ...` gives each new record once. Columns, quoting and safety rules:
crawler/exporting.py and docs/OPERATIONS.md. Exit codes: 0 written (also with 0 rows),
1 the output closed early (cursor not moved) or the database is damaged, 2 usage error
(including a database path that cannot be opened). `running` rows whose process is gone are
closed as `killed` first, so they no longer hold the export back (crawler/store/runs.py).
"""

import sys
from datetime import UTC, datetime
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler import exporting
from crawler.lock import data_dir
from crawler.store.checks import refusal
from crawler.store.db import connect
from crawler.store.runs import close_killed_runs


def default_output(db_path: str, name: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return data_dir(db_path) / "exports" / f"{name}-{stamp}.csv"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012 (Scrapy's own attribute name)

    def syntax(self) -> str:
        return "[--kind incidents|notices] [--name NAME | --since YYYY-MM-DD] [--excel] [-o PATH|-]"

    def short_desc(self) -> str:
        return "Write a CSV of incidents or notices first seen since the last export"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--kind", choices=exporting.KINDS, default="incidents")
        parser.add_argument(
            "--since", metavar="YYYY-MM-DD", help="first seen on or after this day (no cursor)"
        )
        parser.add_argument("--name", help="export cursor to continue and move (default: the kind)")
        parser.add_argument(
            "--excel",
            action="store_true",
            help="start the file with a UTF-8 byte order mark, so Excel reads it as UTF-8",
        )
        parser.add_argument(
            "-o",
            "--output",
            metavar="PATH",
            help="file to write, '-' for stdout (default: data/exports/<name>-<time>.csv)",
        )

    def run(self, args, opts) -> None:
        if args:
            raise UsageError("export takes no positional arguments")
        if opts.since and opts.name:
            raise UsageError("give --since or --name, not both")
        try:
            since = exporting.parse_day(opts.since) if opts.since else None
        except exporting.ExportError as error:
            raise UsageError(str(error)) from None
        name = None if since else (opts.name or opts.kind)
        db_path = self.settings.get("BREACH_DB_PATH")
        output = opts.output or str(default_output(db_path, name or f"{opts.kind}-since-{since}"))
        if output == "-":
            # UTF-8 whatever the locale says, and no newline translation (csv writes CRLF).
            sys.stdout.reconfigure(encoding=exporting.encoding(opts.excel), newline="")
        refused = refusal(db_path, must_exist=True)
        if refused:
            self.exitcode, message = refused
            print(message, file=sys.stderr)
            return
        db = connect(db_path)
        killed = close_killed_runs(db, db_path, closed_by="scrapy export")
        if killed:
            print(f"Closed as killed (process gone): run(s) {killed}", file=sys.stderr)
        try:
            result = exporting.export(
                db, opts.kind, output, since=since, name=name, excel=opts.excel
            )
        except exporting.ExportError as error:
            raise UsageError(str(error)) from None
        except BrokenPipeError:
            # The reader went away (e.g. `| head`): the export is incomplete, the cursor stays.
            sys.stdout = None  # nothing more can be flushed to it at exit
            print(
                "Output closed before the export was complete"
                + ("." if since else "; cursor not moved."),
                file=sys.stderr,
            )
            self.exitcode = 1
            return
        finally:
            db.conn.close()
        window = f"first seen {result.window.since or 'any time'} .. {result.window.until}"
        where = "stdout" if output == "-" else output
        print(f"{result.rows} {result.kind} ({window}) written to {where}", file=sys.stderr)
        for held in result.window.held_back_by:
            print(f"Held back (still running, waits for the next export): {held}", file=sys.stderr)
        if result.after_window:
            why = "a crawl still running" if result.window.held_back_by else "the last minute"
            print(f"{result.after_window} {result.kind} first seen in {why} wait for the next "
                  "export (every row the export reads must be committed)", file=sys.stderr)  # fmt: skip
