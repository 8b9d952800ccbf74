"""Interrupting a backfill (SIGKILL, or a clean Ctrl-C) and running it again loses nothing,
duplicates nothing and does not download again what was already stored."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from helpers import ROOT, rows, scrapy_command

from crawler.commands.backfill import job_dir
from crawler.textparse.text import clean_text
from localportal import ca
from localportal.server import PortalServer

DETAIL = r"/ecrime/databreach/reports/"


def stored_count(db) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(db, timeout=5)
        try:
            return conn.execute("select count(*) from notices").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # the table is not created yet
        return 0


def start_backfill(server, db, spider: str = "ca_ag", prefix: str = "/ca",
                   settings: tuple[str, ...] = ()) -> subprocess.Popen:  # fmt: skip
    env = {**os.environ, "BREACH_DB_PATH": str(db), "BREACH_LOG_LEVEL": "INFO"}
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "backfill", spider, "--base-url",
         server.base_url(prefix), "-s", "FEEDS={}", *settings],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def stop_cleanly_after(db, proc, at_least: int) -> str:
    """Ctrl-C once after `at_least` notices are stored: Scrapy closes and saves its queue."""
    try:
        wait_for_notices(db, proc, at_least=at_least)
        proc.send_signal(signal.SIGINT)
        log, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    return log


def wait_for_notices(db, proc, at_least: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while stored_count(db) < at_least:
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "the backfill stored too little in time"
        time.sleep(0.05)


def assert_exactly_the_portal(db, site) -> None:
    stored = rows(db, "select source_id, entity_name, notice_urls, flags from notices")
    assert sorted(r["source_id"] for r in stored) == sorted(n.source_id for n in site.notices)
    by_id = {n.source_id: n for n in site.notices}
    for row in stored:
        assert row["entity_name"] == clean_text(by_id[row["source_id"]].name)
        assert "detail_missing" not in row["flags"]
        assert row["notice_urls"] != "[]"  # the detail page was read
    assert rows(db, "pragma integrity_check") == [{"integrity_check": "ok"}]


@pytest.fixture
def slow_portal():
    site = ca.CASite(ca.build_notices(ca.load_real_rows()[:120]))
    with PortalServer([site]) as server:
        slow = server.add_fault(DETAIL, "delay", times=-1, seconds=0.3)
        yield server, site, slow


def test_backfill_killed_with_sigkill_resumes_without_loss_or_duplicates(slow_portal, tmp_path):
    server, site, slow = slow_portal
    db = tmp_path / "b.db"
    proc = start_backfill(server, db)
    try:
        wait_for_notices(db, proc, at_least=20)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.kill()
    before = {r["source_id"] for r in rows(db, "select source_id from notices")}
    assert 20 <= len(before) < 120
    assert rows(db, "select source_status from crawl_runs") == [{"source_status": "running"}]

    server.faults.remove(slow)
    first_requests = len(server.requests)
    result = scrapy_command(["backfill", "ca_ag", "--base-url", server.base_url("/ca")], db)
    assert result.returncode == 0, result
    assert "killed before it closed" in result.log  # the unusable job state was started afresh
    assert_exactly_the_portal(db, site)
    again = server.requests[first_requests:]
    # Stored notices were not fetched again; list pages came from the HTTP cache.
    assert not [p for p in again if any(p.endswith(sid) for sid in before)]
    assert not [p for p in again if "/privacy/databreach/list?page=1" in p]
    assert not job_dir(str(db), "ca_ag").exists()  # complete: the next backfill starts afresh


def test_backfill_stopped_cleanly_resumes_from_its_job_state(slow_portal, tmp_path):
    server, site, slow = slow_portal
    db = tmp_path / "b.db"
    proc = start_backfill(server, db)
    log = stop_cleanly_after(db, proc, at_least=20)
    assert proc.returncode == 1, log  # stopped early
    assert "to resume" in log
    jobs = job_dir(str(db), "ca_ag")
    assert (jobs / "requests.seen").exists()
    before = {r["source_id"] for r in rows(db, "select source_id from notices")}
    run = rows(db, "select finish_reason, source_status from crawl_runs")
    assert run == [{"finish_reason": "shutdown", "source_status": "error"}]

    server.faults.remove(slow)
    first_requests = len(server.requests)
    result = scrapy_command(["backfill", "ca_ag", "--base-url", server.base_url("/ca")], db)
    assert result.returncode == 0, result
    assert "ca_ag backfill (resumed)" in result.log
    assert_exactly_the_portal(db, site)
    again = server.requests[first_requests:]
    assert not [p for p in again if any(p.endswith(sid) for sid in before)]
    assert not [p for p in again if p.endswith("/privacy/databreach/list")]  # page 0: seen
    assert not jobs.exists()
