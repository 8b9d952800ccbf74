"""`scrapy nightly`: every nightly source, one after another, in one process, within a time cap.

One process is one SQLite writer; a lock file next to the database (`nightly.lock`) makes a
second nightly refuse (exit 75) before it opens anything. Each source runs in nightly mode;
its time limit (CLOSESPIDER_TIMEOUT) is its fair share of the time left when it starts, so a
slow source cannot eat the whole night, and time a quick source leaves goes to the next.

Exit codes: 0 every source healthy; 1 a source broke (errors, changed layout, stopped early,
including by the time cap); 2 a source reported itself offline (and none broke); 75 another
nightly holds the lock; 2 also for a usage error (Scrapy's own convention), including a
database path that cannot be opened or written; 1 also for a damaged database file (refused
before anything is written: crawler/store/checks.py).
"""

import sys
import time

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler import notify, sources
from crawler.lock import EXIT_LOCKED, LockHeldError, ProcessLock, nightly_lock_path
from crawler.runner import Job, exit_code, run_ids_of, run_jobs, run_rows, summary_table
from crawler.store.checks import refusal
from crawler.store.db import now_iso

DEFAULT_MAX_MINUTES = 240.0
# A source is never given less than this, even when earlier ones used up the cap: it still
# gets its crawl_runs row and a chance to fetch its first page (and is reported as stopped).
MIN_SECONDS_PER_SOURCE = 5.0


def time_shares(deadline: float, jobs_left: int, now: float) -> float:
    """Seconds for the next source: an equal share of what is left, at least the minimum."""
    return max(MIN_SECONDS_PER_SOURCE, (deadline - now) / max(jobs_left, 1))


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--only NAME,...] [--base-url NAME=URL ...] [--max-minutes N]"

    def short_desc(self) -> str:
        return "Crawl every nightly source in one process; exit 0 only if all were healthy"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--only", metavar="NAME,...", help="crawl only these sources (comma-separated)"
        )
        parser.add_argument(
            "--base-url",
            action="append",
            metavar="NAME=URL",
            dest="base_urls",
            help="crawl a copy of source NAME at URL instead of the live site (repeatable)",
        )
        parser.add_argument(
            "--max-minutes",
            type=float,
            default=DEFAULT_MAX_MINUTES,
            help=f"time cap for the whole night (default {DEFAULT_MAX_MINUTES:g})",
        )

    def run(self, args, opts) -> None:
        if args:
            raise UsageError("nightly takes no positional arguments (use --only)")
        if opts.max_minutes <= 0:
            raise UsageError("--max-minutes must be positive")
        try:
            chosen = sources.nightly_sources(sources.parse_names(opts.only))
            base_urls = sources.parse_base_urls(opts.base_urls)
        except sources.UnknownSourceError as error:
            raise UsageError(str(error)) from None
        db_path = self.settings.get("BREACH_DB_PATH")
        refused = refusal(db_path)  # before the lock and any crawl: nothing written
        if refused:
            self.exitcode, message = refused
            print(message, file=sys.stderr)
            return
        lock = ProcessLock(nightly_lock_path(db_path))
        try:
            lock.acquire()
        except LockHeldError as held:
            # Before anything is opened: a refused nightly leaves no trace in the database.
            print(
                f"Another nightly crawl is running ({held.holder}; lock {held.path}). "
                "Nothing was done.",
                file=sys.stderr,
            )
            self.exitcode = EXIT_LOCKED
            return
        started = now_iso()
        try:
            self.exitcode = self._crawl(chosen, base_urls, opts.max_minutes, db_path)
            notify.after_nightly(self.settings, started)  # feed and webhook; never raises
        finally:
            lock.release()

    def _crawl(self, chosen, base_urls: dict, max_minutes: float, db_path: str) -> int:
        jobs = []
        for source in chosen:
            args = {**source.nightly_args, "mode": "nightly"}
            if source.spider in base_urls:
                args["base_url"] = base_urls[source.spider]
            jobs.append(Job(source.spider, args))
            where = args.get("base_url") or sources.live_base_url(self.settings, source.spider)
            print(f"{source.spider}: {where}")
        deadline = time.monotonic() + max_minutes * 60

        def settings_for(job: Job, index: int) -> dict:
            share = time_shares(deadline, len(jobs) - index, time.monotonic())
            return {"CLOSESPIDER_TIMEOUT": round(share, 1)}

        crawlers = run_jobs(self.crawler_process, jobs, settings_for=settings_for)
        print(summary_table(run_rows(db_path, run_ids_of(crawlers))))
        not_run = [job.spider for job in jobs[len(crawlers) :]]
        if not_run:  # the process was stopped (Ctrl-C, SIGTERM) before their turn
            print(f"Not run (process stopped): {', '.join(not_run)}", file=sys.stderr)
            return 1
        return exit_code(crawlers)
