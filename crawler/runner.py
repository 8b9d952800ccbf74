"""Running several spiders one after another in one process, and summarising the runs.

One process means one SQLite writer at a time; one after another means each source gets the
whole politeness budget of its host. Used by `scrapy demo` and `scrapy nightly`.
"""

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.utils.defer import deferred_from_coro, deferred_to_future
from twisted.internet.defer import Deferred

from crawler.extensions import STATUS_EXIT_CODES

logger = logging.getLogger(__name__)


@dataclass
class Job:
    spider: str
    args: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)  # per-crawler overrides


def run_jobs(process, jobs: list[Job], settings_for=None) -> list:
    """Run `jobs` one after another on `process` (Scrapy's crawler process); return the crawlers.

    A job whose crawl raises is logged and the next job still runs: one broken source must not
    cost the others their night. `settings_for(job, index)`, when given, is called as each job
    starts and returns settings for that crawler only, computed then (e.g. from the time left).
    """
    from twisted.internet import reactor  # the reactor the process installed

    crawlers = []

    async def chain():
        try:
            for job in jobs:
                crawler = process.create_crawler(job.spider)
                late = settings_for(job, len(crawlers)) if settings_for else {}
                for key, value in {**job.settings, **late}.items():
                    crawler.settings.set(key, value, priority="cmdline")
                crawlers.append(crawler)
                running = process.crawl(crawler, **job.args)
                if isinstance(running, Deferred):
                    running = deferred_to_future(running)
                try:
                    await running
                except Exception:
                    logger.exception("Crawl of %s failed", job.spider)
        finally:
            reactor.callLater(0, reactor.stop)

    reactor.callWhenRunning(lambda: deferred_from_coro(chain()))
    process.start(stop_after_crawl=False)
    return crawlers


def exit_code(crawlers) -> int:
    """0 if every source was healthy, 1 if any broke, else 2 if any was offline."""
    codes = [STATUS_EXIT_CODES.get(getattr(c, "breach_status", "error"), 1) for c in crawlers]
    if 1 in codes:
        return 1
    return max(codes, default=0)


SUMMARY_COLUMNS = (
    ("source", "spider"), ("status", "source_status"), ("new", "notices_new"),
    ("updated", "notices_updated"), ("removed", "notices_removed"),
    ("rejected", "notices_rejected"), ("errors", "errors"), ("requests", "requests"),
    ("duration", "duration"),
)  # fmt: skip


def run_rows(db_path: str | Path, run_ids: list[int]) -> list[dict]:
    if not run_ids:
        return []
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        marks = ",".join("?" * len(run_ids))
        rows = conn.execute(
            f"select *, round((julianday(finished_at) - julianday(started_at)) * 86400, 1) "
            f"as duration from crawl_runs where id in ({marks}) order by id",
            run_ids,
        ).fetchall()
        return [dict(r) for r in rows]
    finally:
        conn.close()


def summary_table(rows: list[dict]) -> str:
    """A plain-text table of runs: source, status, new, updated, removed, rejected, ..."""
    header = [title for title, _ in SUMMARY_COLUMNS]
    body = [[str(r.get(col) if r.get(col) is not None else "-") for _, col in SUMMARY_COLUMNS]
            for r in rows]  # fmt: skip
    widths = [max(len(x) for x in column) for column in zip(header, *body, strict=False)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True))
             for line in [header, *body]]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_ids_of(crawlers) -> list[int]:
    return [
        c.stats.get_value("breach/run_id") for c in crawlers if c.stats.get_value("breach/run_id")
    ]
