"""`scrapy backfill <source>`: the whole archive of one source, resumable, through a page cache.

- Job state (JOBDIR) in `<data>/jobs/<source>-backfill/`: after a clean stop (Ctrl-C once,
  SIGTERM, `systemctl stop`, the error limit) the next `scrapy backfill <source>` continues
  with the requests that were still queued, and skips pages already fetched (Scrapy's
  persistent dupefilter). A backfill that completes removes its job state, so the next one
  starts from the beginning.
- Scrapy writes its queue only on a clean stop. After an unclean one (SIGKILL, power loss)
  the job state is unusable, and this command knows it: a `running` marker in the job folder
  outlives only a process that never reached its close. The next run then starts the job
  state afresh; nothing is lost or downloaded twice all the same, because notices already
  stored are not fetched again (their detail pages are skipped, as in every mode) and list
  pages come from the HTTP cache.
- HTTP cache in `<data>/httpcache/<source>/` (DummyPolicy: replay whatever was stored), so
  re-parsing after a parser fix costs no downloads. Never cached: redirects (Maine's offline
  notice is one), 403, 408, 429 and every 5xx. Entries expire after `--cache-days` days.
- Progress: every `--progress-seconds` a log line with pages fetched, notices stored and,
  where a page tells the total (CA's pager, Maine's list), a share and time estimate.

Exit codes: those of `scrapy crawl` (0 healthy, 1 broke or stopped early, 2 offline); 75 when
a backfill of the same source is already running; 2 also for a database path that cannot be
opened or written, 1 for a damaged database file (crawler/store/checks.py).
"""

import logging
import os
import shutil
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler import sources
from crawler.extensions import DEFAULT_PROGRESS_SECONDS, STATUS_EXIT_CODES
from crawler.lock import EXIT_LOCKED, LockHeldError, ProcessLock, backfill_lock_path, data_dir
from crawler.runner import Job, run_ids_of, run_jobs, run_rows, summary_table
from crawler.store.checks import refusal

logger = logging.getLogger(__name__)

DEFAULT_CACHE_DAYS = 30.0
RUNNING_MARKER = "running"
# Responses never replayed from the cache: transient failures, blocks and redirects (a
# redirect can mean "offline today", e.g. Maine's viewer since June 2026).
UNCACHED_CODES = [301, 302, 303, 307, 308, 403, 408, 429, *range(500, 600)]
PROGRESS_EXTENSION = "crawler.extensions.BackfillProgress"


def job_dir(db_path: str, source: str) -> Path:
    return data_dir(db_path) / "jobs" / f"{source}-backfill"


def cache_dir(db_path: str) -> Path:
    return data_dir(db_path) / "httpcache"


def backfill_settings(project_settings, db_path: str, source: str, opts) -> dict:
    """The per-crawler settings of a backfill: job state, cache, progress."""
    extensions = dict(project_settings.getdict("EXTENSIONS"))
    extensions[PROGRESS_EXTENSION] = 600
    settings = {
        "JOBDIR": str(job_dir(db_path, source)),
        "EXTENSIONS": extensions,
        "BACKFILL_PROGRESS_SECONDS": opts.progress_seconds,
        "HTTPCACHE_ENABLED": not opts.no_cache,
    }
    if not opts.no_cache:
        settings.update(
            HTTPCACHE_DIR=str(cache_dir(db_path)),  # absolute: Scrapy would use .scrapy/
            HTTPCACHE_POLICY="scrapy.extensions.httpcache.DummyPolicy",
            HTTPCACHE_STORAGE="scrapy.extensions.httpcache.FilesystemCacheStorage",
            HTTPCACHE_EXPIRATION_SECS=int(opts.cache_days * 86400),
            HTTPCACHE_IGNORE_HTTP_CODES=UNCACHED_CODES,
        )
    return settings


def prepare_job_dir(path: Path, restart: bool) -> str:
    """Make `path` ready and say how this run starts: "fresh", "resumed" or "restarted"."""
    marker = path / RUNNING_MARKER
    if restart or marker.exists():
        why = "--restart" if restart else "the previous backfill was killed before it closed"
        if path.exists():
            logger.warning("Starting the job state afresh (%s): %s", why, path)
            shutil.rmtree(path)
        started = "restarted"
    else:
        started = "resumed" if path.exists() and any(path.iterdir()) else "fresh"
    path.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"pid {os.getpid()}\n", encoding="utf-8")
    return started


def finish_job_dir(path: Path, crawler) -> str:
    """After the crawl: "removed" (complete), "kept" (clean stop, resumable) or "unusable"."""
    reason = crawler.stats.get_value("finish_reason") if crawler else None
    if reason is None:  # never reached its close: Scrapy saved no queue; next run restarts
        return "unusable"
    if reason == "finished":
        shutil.rmtree(path, ignore_errors=True)
        return "removed"
    (path / RUNNING_MARKER).unlink(missing_ok=True)
    return "kept"


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "<source> [--base-url URL] [--restart] [--no-cache] [--cache-days N]"

    def short_desc(self) -> str:
        return "Crawl the whole archive of one source (resumable; cached pages)"

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--base-url", metavar="URL", help="crawl a copy of the source at URL")
        parser.add_argument(
            "--restart", action="store_true", help="discard saved job state and start over"
        )
        parser.add_argument(
            "--no-cache", action="store_true", help="neither read nor write the HTTP cache"
        )
        parser.add_argument(
            "--cache-days",
            type=float,
            default=DEFAULT_CACHE_DAYS,
            help=f"replay cached pages younger than this (default {DEFAULT_CACHE_DAYS:g}; "
            "0 = never expire)",
        )
        parser.add_argument(
            "--progress-seconds",
            type=float,
            default=DEFAULT_PROGRESS_SECONDS,
            help=f"seconds between progress lines (default {DEFAULT_PROGRESS_SECONDS:g})",
        )

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one source")
        try:
            source = sources.source_info(args[0])
        except sources.UnknownSourceError as error:
            raise UsageError(str(error)) from None
        if not source.backfill:
            raise UsageError(f"{source.spider} has no backfill")
        if opts.base_url and not opts.base_url.startswith(("http://", "https://")):
            raise UsageError("--base-url wants http(s)://host[:port][/prefix]")
        db_path = self.settings.get("BREACH_DB_PATH")
        refused = refusal(db_path)  # before the lock and any crawl: nothing written
        if refused:
            self.exitcode, message = refused
            print(message, file=sys.stderr)
            return
        try:
            lock = ProcessLock(backfill_lock_path(db_path, source.spider)).acquire()
        except LockHeldError as held:
            print(
                f"A backfill of {source.spider} is already running ({held.holder}; "
                f"lock {held.path}). Nothing was done.",
                file=sys.stderr,
            )
            self.exitcode = EXIT_LOCKED
            return
        try:
            self.exitcode = self._backfill(source, db_path, opts)
        finally:
            lock.release()

    def _backfill(self, source, db_path: str, opts) -> int:
        path = job_dir(db_path, source.spider)
        started = prepare_job_dir(path, opts.restart)
        print(f"{source.spider} backfill ({started}); job state in {path}")
        args = {**source.backfill_args, "mode": "backfill"}
        if opts.base_url:
            args["base_url"] = opts.base_url
        job = Job(
            source.spider, args, backfill_settings(self.settings, db_path, source.spider, opts)
        )
        crawlers = run_jobs(self.crawler_process, [job])
        crawler = crawlers[0] if crawlers else None
        state = finish_job_dir(path, crawler)
        print(summary_table(run_rows(db_path, run_ids_of(crawlers))))
        messages = {
            "removed": "Backfill complete; job state removed (the next backfill starts afresh).",
            "kept": f"Backfill stopped; run `scrapy backfill {source.spider}` to resume.",
            "unusable": "Backfill did not close; the next run starts the job state afresh.",
        }
        print(messages[state])
        if crawler is None or self.crawler_process.bootstrap_failed:
            return 1
        return STATUS_EXIT_CODES.get(getattr(crawler, "breach_status", "error"), 1)
