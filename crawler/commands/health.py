"""`scrapy health`: is each nightly source working? From `crawl_runs`, without crawling.

Before reading, the database file is checked (`PRAGMA quick_check`) and `running` rows whose
process is gone are closed as `killed` (crawler/store/runs.py).

Exit codes: 0 every source ok; 1 a source is failing (its latest finished nightly run broke,
or was killed), stale (no nightly run for --max-age-hours) or has never run, or the database
file is damaged; 3 none of those, but a source returned far fewer notices than usual; 2 only
offline sources are wrong, or a usage error (including a database path that cannot be opened).
A source with only local runs (demo, tests) is `local_only`: exit 0 in a database without any
live run, 1 (never ran live) in one with live runs.
"""

import sys
from datetime import timedelta

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler import health, sources
from crawler.store.checks import refusal
from crawler.store.db import connect
from crawler.store.runs import close_killed_runs

DEFAULT_MAX_AGE_HOURS = 36.0


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012 (Scrapy's own attribute name)

    def syntax(self) -> str:
        return "[--only NAME,...] [--runs N] [--max-age-hours H] [--include-local]"

    def short_desc(self) -> str:
        return "Report each nightly source's recent runs; exit non-zero if one is failing"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--only", metavar="NAME,...", help="report only these sources")
        parser.add_argument(
            "--runs", type=int, default=7, help="recent runs to show per source (default 7)"
        )
        parser.add_argument(
            "--max-age-hours",
            type=float,
            default=DEFAULT_MAX_AGE_HOURS,
            help=f"a source whose last run is older is stale (default {DEFAULT_MAX_AGE_HOURS:g};"
            " 0 = never)",
        )
        parser.add_argument(
            "--include-local",
            action="store_true",
            help="also count runs against local copies (tests, demo)",
        )

    def run(self, args, opts) -> None:
        if args:
            raise UsageError("health takes no positional arguments (use --only)")
        try:
            chosen = sources.nightly_sources(sources.parse_names(opts.only))
        except sources.UnknownSourceError as error:
            raise UsageError(str(error)) from None
        max_age = timedelta(hours=opts.max_age_hours) if opts.max_age_hours > 0 else None
        db_path = self.settings.get("BREACH_DB_PATH")
        refused = refusal(
            db_path, must_exist=True
        )  # a damaged file is reported, not read as if all were well
        if refused:
            self.exitcode, message = refused
            print(message, file=sys.stderr)
            return
        db = connect(db_path)
        try:
            killed = close_killed_runs(db, db_path, closed_by="scrapy health")
            live_history = health.has_live_runs(db)
            report = []
            for s in chosen:
                runs = health.runs_of(db, s.spider, opts.include_local)
                local = [] if runs or opts.include_local else health.all_runs_of(db, s.spider)
                if local:
                    report.append(health.local_only(s.spider, local))
                    continue
                report.append(health.assess(s.spider, runs, max_age=max_age, show=opts.runs))
        finally:
            db.conn.close()
        if killed:
            print(f"Closed as killed (process gone): run(s) {', '.join(map(str, killed))}")
        print(health.table(report))
        self.exitcode = health.exit_code(report, live_history)
