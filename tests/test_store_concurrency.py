"""Writers wait for each other: two crawls on one database, migrations raced, a failed batch."""

import multiprocessing
import os
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from helpers import ROOT, rows

from crawler.store.db import connect
from crawler.store.notices import NoticeStore, StoreWriteError
from localportal import ca, me
from localportal.server import PortalServer


def record(n: int) -> dict:
    return {
        "id": f"ca_ag:sb24-{n}", "source": "ca_ag", "source_kind": "state",
        "source_id": f"sb24-{n}", "url": f"https://oag.ca.gov/x/{n}",
        "entity_name": f"Entity {n}", "reported_date": "2024-05-01", "raw": {}, "flags": [],
    }  # fmt: skip


def test_a_writer_waits_for_another_writer_instead_of_failing(tmp_path):
    db_path = tmp_path / "t.db"
    store = NoticeStore(connect(db_path), batch_size=1)
    store.save(record(1))
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another crawl's batch holds the write lock
    other.execute("update notices set last_seen_at = 'x'")

    def commit_later():
        time.sleep(0.5)
        other.execute("COMMIT")

    threading.Thread(target=commit_later).start()
    started = time.monotonic()
    assert store.save(record(2)) == "new"  # waited for the lock, then wrote
    assert time.monotonic() - started >= 0.4
    assert rows(db_path, "select count(*) n from notices") == [{"n": 2}]
    other.close()


def test_a_failed_batch_is_rolled_back_whole_and_the_next_one_works(tmp_path):
    db_path = tmp_path / "t.db"
    db = connect(db_path)
    db.conn.execute("pragma busy_timeout = 100")  # give up quickly for the test
    store = NoticeStore(db, batch_size=500, batch_seconds=60)
    store.save(record(1))
    store.save(record(2))
    # The batch's commit fails: a reader holding a snapshot cannot stop a WAL commit, so
    # make the file refuse growth instead (SQLITE_FULL), the disk-full case.
    pages = db.execute("pragma page_count").fetchone()[0]
    db.conn.execute(f"pragma max_page_count = {pages}")
    failed = None
    for n in range(3, 200):
        try:
            store.save(record(n) | {"raw": {"text": "x" * 3000}})
        except StoreWriteError as error:
            failed = error
            break
    assert "not stored" in str(failed)
    assert not db.conn.in_transaction  # nothing left open to break the next notices
    assert store.committed == {}
    assert store.lost["new"] >= 2
    assert "database or disk is full" in store.failures[0]
    db.conn.execute("pragma max_page_count = 1073741823")
    assert store.save(record(500)) == "new"
    assert store.flush()
    assert store.committed == {"new": 1}
    assert [r["id"] for r in rows(db_path, "select id from notices")] == ["ca_ag:sb24-500"]


def _open_new_database(path: str, barrier) -> None:
    barrier.wait()
    connect(path).conn.close()


@pytest.mark.parametrize("attempt", range(3))
def test_processes_opening_a_new_database_at_once_all_succeed(tmp_path, attempt):
    path = str(tmp_path / "new.db")
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(6)
    workers = [context.Process(target=_open_new_database, args=(path, barrier)) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0] * 6
    applied = rows(path, "select name from _sqlite_migrations")
    assert len(applied) == len({r["name"] for r in applied}) >= 3  # each applied once


def start_crawl(spider: str, base_url: str, db) -> subprocess.Popen:
    env = {**os.environ, "BREACH_DB_PATH": str(db), "BREACH_LOG_LEVEL": "INFO"}
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", spider, "-a", "mode=backfill",
         "-a", f"base_url={base_url}", "-s", "FEEDS={}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def test_two_crawls_of_different_sources_on_one_new_database_both_finish(tmp_path):
    db = tmp_path / "b.db"  # does not exist yet: both processes create and migrate it
    ca_site = ca.CASite(ca.build_notices(ca.load_real_rows()[:250]))
    me_site = me.demo_site(count=120)
    with PortalServer([ca_site, me_site]) as server:
        # Detail pages slow enough that both crawls store notices for seconds, side by side.
        server.add_fault(r"/ecrime/databreach/reports/", "delay", times=-1, seconds=0.3)
        server.add_fault(r"/[0-9a-f-]{36}\.s?html", "delay", times=-1, seconds=0.6)
        crawls = [
            start_crawl("ca_ag", server.base_url("/ca"), db),
            start_crawl("me_ag", server.base_url("/me"), db),
        ]
        logs = [proc.communicate(timeout=240)[0] for proc in crawls]
    for proc, log in zip(crawls, logs, strict=True):
        assert proc.returncode == 0, log[-3000:]
        assert "database is locked" not in log
    runs = rows(db, "select spider, source_status, errors, notices_new from crawl_runs")
    assert sorted((r["spider"], r["source_status"], r["errors"]) for r in runs) == [
        ("ca_ag", "ok", 0), ("me_ag", "ok", 0)
    ]  # fmt: skip
    stored = {r["source"]: r["n"] for r in rows(
        db, "select source, count(*) n from notices group by source")}  # fmt: skip
    assert stored == {"ca_ag": 250, "me_ag": 120}
    assert {r["spider"]: r["notices_new"] for r in runs} == stored
    # The two crawls did overlap: each one's run started before the other's ended.
    spans = rows(db, "select started_at, finished_at from crawl_runs order by id")
    assert spans[1]["started_at"] <= spans[0]["finished_at"]


def test_a_writer_locked_out_past_the_timeout_records_the_failure_and_recovers(tmp_path):
    db_path = tmp_path / "t.db"
    db = connect(db_path)
    db.conn.execute("pragma busy_timeout = 200")  # instead of 60 s, for the test
    failures = []
    store = NoticeStore(db, batch_size=1, on_failure=lambda reason, lost: failures.append(reason))
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreWriteError, match="database is locked"):
        store.save(record(1))
    assert failures == ["database write failed (database is locked); 0 record(s) not stored"]
    assert not db.conn.in_transaction
    other.execute("ROLLBACK")
    assert store.save(record(2)) == "new"
    assert store.committed == {"new": 1}
    other.close()
