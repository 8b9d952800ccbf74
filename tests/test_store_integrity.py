"""A damaged database is refused before anything is written; `scrapy backup` and restore."""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest
from helpers import ROOT, rows, run_spider, scrapy_command

from localportal import ca
from localportal.server import PortalServer

DETAIL = r"/ecrime/databreach/reports/"


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corrupt_a_page(path) -> None:
    """Overwrite the header of the `notices` table's root page with garbage bytes."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("pragma page_size").fetchone()[0]
    (root,) = conn.execute("select rootpage from sqlite_master where name = 'notices'").fetchone()
    conn.close()
    with path.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xa5" * 64)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """A database written by a real crawl, closed (its WAL checkpointed into the file)."""
    db = tmp_path_factory.mktemp("good") / "b.db"
    with PortalServer([ca.CASite(ca.build_notices(ca.load_real_rows()[:60]))]) as server:
        assert run_spider("ca_ag", db, base_url=server.base_url("/ca")).returncode == 0
    assert not db.with_name("b.db-wal").exists()
    return db


@pytest.fixture
def damaged(crawled, tmp_path):
    db = tmp_path / "b.db"
    shutil.copy(crawled, db)
    corrupt_a_page(db)
    return db


def test_a_nightly_into_a_damaged_file_is_refused_and_writes_nothing(damaged):
    before = sha256(damaged)
    with PortalServer([ca.CASite(ca.build_notices(ca.load_real_rows()[:60]))]) as server:
        result = scrapy_command(
            ["nightly", "--only", "ca_ag", "--base-url", f"ca_ag={server.base_url('/ca')}"], damaged
        )
        assert server.requests == []  # refused before any crawl started
    assert result.returncode == 1, result
    assert f"{damaged} is damaged (PRAGMA quick_check:" in result.log
    assert "restore the latest backup" in result.log
    assert "Traceback" not in result.log
    assert sha256(damaged) == before


def test_a_crawl_into_a_damaged_file_is_refused_and_writes_nothing(damaged):
    before = sha256(damaged)
    result = run_spider("ca_ag", damaged, base_url="http://127.0.0.1:9/ca")
    assert result.returncode == 1, result
    assert result.log.strip().splitlines()[-1].startswith(f"{damaged} is damaged")
    assert sha256(damaged) == before


def test_health_reports_a_damaged_file(damaged):
    result = scrapy_command(["health", "--include-local"], damaged)
    assert result.returncode == 1, result
    assert "is damaged" in result.log
    assert "restore the latest backup" in result.log


def test_a_backup_taken_during_a_crawl_is_consistent_and_restores(crawled, tmp_path):
    db = tmp_path / "b.db"
    site = ca.CASite(ca.build_notices(ca.load_real_rows()[:80]))
    with PortalServer([site]) as server:
        server.add_fault(DETAIL, "delay", times=-1, seconds=2.0)
        env = {**os.environ, "BREACH_DB_PATH": str(db), "BREACH_LOG_LEVEL": "INFO"}
        crawl = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "ca_ag", "-a",
             f"base_url={server.base_url('/ca')}", "-s", "FEEDS={}"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not db.exists() or not _count(db):
                assert crawl.poll() is None, crawl.stdout.read()
                assert time.monotonic() < deadline
                time.sleep(0.05)
            backup = tmp_path / "backup.db"
            result = scrapy_command(["backup", str(backup)], db)
            assert crawl.poll() is None  # the backup was taken while the crawl ran
            log = crawl.communicate(timeout=120)[0]
        finally:
            crawl.kill()
    assert result.returncode == 0, result
    assert f"backed up to {backup}" in result.log
    assert crawl.returncode == 0, log[-3000:]
    assert rows(db, "select source_status, errors from crawl_runs") == [
        {"source_status": "ok", "errors": 0}
    ]
    saved = _count(backup)
    assert 0 < saved <= 80
    assert rows(backup, "pragma integrity_check") == [{"integrity_check": "ok"}]
    # Restore (docs/OPERATIONS.md): the backup replaces a damaged file, and crawls go on.
    corrupt_a_page(db)
    assert scrapy_command(["health", "--include-local"], db).returncode == 1
    shutil.copy(backup, db)
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    with PortalServer([site]) as server:
        assert run_spider("ca_ag", db, base_url=server.base_url("/ca")).returncode == 0
    assert _count(db) == 80


def _count(path) -> int:
    try:
        return rows(path, "select count(*) n from notices")[0]["n"]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_backup_usage_errors(crawled, tmp_path):
    result = scrapy_command(["backup"], crawled)
    assert result.returncode == 2
    result = scrapy_command(["backup", str(tmp_path / "no" / "such" / "b.db")], crawled)
    assert result.returncode == 2
    assert "does not exist" in result.log
