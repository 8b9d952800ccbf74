"""A `running` row whose process is gone is closed as `killed`, and exports go on."""

import csv
import os
import signal
import subprocess
import sys
import time

import pytest
from helpers import ROOT, rows, run_spider, scrapy_command

from crawler.lock import backfill_lock_path, nightly_lock_path
from crawler.store.db import connect
from crawler.store.runs import close_killed_runs, open_run
from localportal import ca
from localportal.server import PortalServer

DETAIL = r"/ecrime/databreach/reports/"


def kill_a_crawl_half_way(server, db) -> int:
    """Start `scrapy crawl ca_ag`, SIGKILL it once some notices are committed; its run id."""
    env = {**os.environ, "BREACH_DB_PATH": str(db), "BREACH_LOG_LEVEL": "INFO"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "ca_ag", "-a",
         f"base_url={server.base_url('/ca')}", "-s", "FEEDS={}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    try:
        while True:
            assert proc.poll() is None
            assert time.monotonic() < deadline
            if db.exists():
                try:
                    if rows(db, "select count(*) n from notices")[0]["n"] >= 10:
                        break
                except Exception:
                    pass
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.kill()
    (run,) = rows(db, "select id, source_status from crawl_runs")
    assert run["source_status"] == "running"  # the premise: the kill left it open
    return run["id"]


@pytest.fixture
def slow_portal():
    site = ca.CASite(ca.build_notices(ca.load_real_rows()[:80]))
    with PortalServer([site]) as server:
        server.add_fault(DETAIL, "delay", times=-1, seconds=1.5)
        yield server


def test_health_closes_a_killed_run_and_the_export_then_goes_on(slow_portal, tmp_path):
    db = tmp_path / "b.db"
    run_id = kill_a_crawl_half_way(slow_portal, db)
    result = scrapy_command(["health", "--only", "ca_ag", "--include-local"], db)
    assert f"Closed as killed (process gone): run(s) {run_id}" in result.log, result
    assert result.returncode == 1, result  # the latest nightly was killed: failing
    (run,) = rows(db, "select * from crawl_runs")
    assert run["source_status"] == "killed"
    assert "process gone" in run["status_reason"]
    assert run["finished_at"]
    out = tmp_path / "n.csv"
    result = scrapy_command(
        ["export", "--kind", "notices", "--since", "2000-01-01", "-o", str(out)], db
    )
    assert result.returncode == 0, result
    assert "Held back" not in result.log
    with out.open(encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == rows(db, "select count(*) n from notices")[0]["n"] >= 10


def test_the_next_run_closes_a_killed_run(slow_portal, tmp_path):
    db = tmp_path / "b.db"
    run_id = kill_a_crawl_half_way(slow_portal, db)
    slow_portal.faults.clear()
    result = run_spider("ca_ag", db, base_url=slow_portal.base_url("/ca"))
    assert result.returncode == 0, result
    assert f"Closed as killed (process gone): run(s) [{run_id}]" in result.log
    runs = rows(db, "select id, source_status from crawl_runs order by id")
    assert runs == [{"id": run_id, "source_status": "killed"},
                    {"id": run_id + 1, "source_status": "ok"}]  # fmt: skip
    assert rows(db, "select count(*) n from notices") == [{"n": 80}]


def test_a_live_run_is_not_closed(slow_portal, tmp_path):
    db = tmp_path / "b.db"
    env = {**os.environ, "BREACH_DB_PATH": str(db), "BREACH_LOG_LEVEL": "INFO"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "ca_ag", "-a",
         f"base_url={slow_portal.base_url('/ca')}", "-s", "FEEDS={}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (db.exists() and rows(db, "select name from sqlite_master where name = "
                                            "'crawl_runs'") and rows(db, "select id from crawl_runs")):  # fmt: skip
            assert time.monotonic() < deadline
            time.sleep(0.05)
        result = scrapy_command(["health", "--only", "ca_ag", "--include-local"], db)
        assert "Closed as killed" not in result.log
        assert rows(db, "select source_status from crawl_runs") == [{"source_status": "running"}]
        assert proc.wait(timeout=120) == 0
    finally:
        proc.kill()
    assert rows(db, "select source_status from crawl_runs") == [{"source_status": "ok"}]


def test_a_live_run_is_not_closed_when_the_database_is_opened_through_a_symlink(tmp_path):
    # The same file under another name (a `current.db` symlink, a path with `..`) must find
    # the live run's lock: the lock is named after the resolved file.
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "breaches.db"
    link = tmp_path / "current.db"
    link.symlink_to(real)
    db = connect(real)
    run_id, lock = open_run(db, real, {"spider": "ca_ag", "mode": "nightly"})
    try:
        for other_name in (link, real_dir / ".." / "current.db"):
            other = connect(other_name)
            assert close_killed_runs(other, other_name, "health") == []
        (row,) = rows(real, "select source_status from crawl_runs")
        assert row["source_status"] == "running"
    finally:
        lock.release()
    # And once its process is gone, the symlinked name closes it.
    assert close_killed_runs(connect(link), link, "health") == [run_id]
    assert nightly_lock_path(link) == nightly_lock_path(real)
    assert backfill_lock_path(link, "ca_ag") == backfill_lock_path(real, "ca_ag")
