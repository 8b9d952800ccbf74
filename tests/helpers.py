"""Running real crawls in tests: the real Scrapy engine, in a subprocess, into a temp SQLite.

A subprocess per crawl because Twisted's reactor cannot be restarted inside one process, and
because that is exactly how a user runs the crawler.
"""

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CrawlResult:
    returncode: int
    log: str

    def __str__(self) -> str:  # shown by pytest when an assertion on the result fails
        return f"exit {self.returncode}\n{self.log[-4000:]}"


def scrapy_command(
    args: list[str], db_path: Path, *, timeout: float = 120, settings: dict | None = None
) -> CrawlResult:
    """Run `scrapy <args>` from the project root with the database at `db_path`."""
    env = {**os.environ, "BREACH_DB_PATH": str(db_path), "BREACH_LOG_LEVEL": "INFO"}
    cmd = [sys.executable, "-m", "scrapy", *args]
    for key, value in {"FEEDS": "{}", **(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    return CrawlResult(proc.returncode, proc.stdout + proc.stderr)


def run_spider(
    name: str, db_path: Path, *, timeout: float = 120, settings: dict | None = None, **spider_args
) -> CrawlResult:
    """`scrapy crawl <name> -a k=v ...` into `db_path`."""
    args = ["crawl", name]
    for key, value in spider_args.items():
        args += ["-a", f"{key}={value}"]
    return scrapy_command(args, db_path, timeout=timeout, settings=settings)


def rows(db_path: Path, sql: str, params=()) -> list[dict]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def last_run(db_path: Path, spider: str) -> dict:
    run = rows(
        db_path, "select * from crawl_runs where spider = ? order by id desc limit 1", (spider,)
    )[0]
    run["details"] = json.loads(run["details"]) if run["details"] else None
    return run
