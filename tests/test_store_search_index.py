"""The notices' name search index is whole after every commit, though a store batch indexes its
new notices in one statement at its commit instead of a trigger per insert
(crawler/store/search.py): after a crawl, after a crawl killed half way, for notices other
writers insert, and after a batch that failed."""

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time

from helpers import ROOT, rows, run_spider

from crawler.store.db import connect
from crawler.store.folding import fold
from crawler.store.notices import NoticeStore
from crawler.store.search import DEFERRED
from localportal import ca
from localportal.me import demo_site
from localportal.server import PortalServer

DETAIL = r"/ecrime/databreach/reports/"


def assert_index_whole(db_path) -> int:
    """Every notice is in notices_search under its folded name, and nothing else is; no
    deferral row is left. Returns how many notices there are."""
    notices = {
        r["rowid"]: r["entity_name"]
        for r in rows(db_path, "select rowid, entity_name from notices")
    }
    index = {r["rowid"]: r["entity_name"] for r in rows(db_path, "select rowid, entity_name from notices_search")}  # fmt: skip
    assert index == {rowid: fold(name) if name else name for rowid, name in notices.items()}
    assert rows(db_path, f"select count(*) n from {DEFERRED}") == [{"n": 0}]
    return len(notices)


def record(source_id: str, name: str) -> dict:
    return {"id": f"ca_ag:{source_id}", "source": "ca_ag", "source_kind": "state",
            "source_id": source_id, "entity_name": name, "reported_date": "2024-01-02",
            "raw": {}, "flags": []}  # fmt: skip


def search(db_path, words: str) -> list[str]:
    found = rows(db_path, "select n.source_id from notices_search s join notices n on "
                 "n.rowid = s.rowid where notices_search match ? order by n.source_id",
                 (f'"{words}"',))  # fmt: skip
    return [r["source_id"] for r in found]


def test_a_batch_indexes_its_notices_when_it_commits(tmp_path):
    path = tmp_path / "b.db"
    store = NoticeStore(connect(path), batch_size=100, batch_seconds=3600)
    store.save(record("1", "Société Générale"))
    store.save(record("2", "Acme Health Plan"))
    store.save(record("1", "Société Générale Bank"))  # renamed in the same batch
    assert search(path, "societe") == []  # another connection sees nothing uncommitted
    assert store.flush()
    assert search(path, "societe gen") == ["1"]
    assert search(path, "generale bank") == ["1"]
    assert search(path, "health") == ["2"]
    assert assert_index_whole(path) == 2
    # The next batch indexes only its own new notices, and the trigger is back for others.
    store.save(record("3", "Müller Health"))
    store.flush()
    store.db["notices"].insert({"id": "me_ag:x", "source": "me_ag", "source_id": "x",
                                "status": "active", "entity_name": "Crème Brûlée Inc",
                                "first_seen_at": "x", "last_seen_at": "x"})  # fmt: skip
    store.db.conn.commit()
    assert search(path, "health") == ["2", "3"]
    assert search(path, "creme brulee") == ["x"]
    assert assert_index_whole(path) == 4


def test_the_index_is_whole_after_batches_lost_to_a_full_disk(tmp_path):
    db = tmp_path / "b.db"
    connect(db).conn.close()
    # Room for the first batches of 20 notices, not for all 200 (as in a disk that fills up).
    limit = db.stat().st_size + 160 * 1024
    site = ca.CASite(ca.build_notices(ca.load_real_rows()[:200]))
    env = {**os.environ, "BREACH_DB_PATH": str(db), "BREACH_LOG_LEVEL": "INFO"}
    with PortalServer([site]) as server:
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "ca_ag", "-a",
             f"base_url={server.base_url('/ca')}", "-s", "FEEDS={}",
             "-s", "BREACH_STORE_BATCH_SIZE=20"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
        )  # fmt: skip
    assert result.returncode == 1, (result.stdout + result.stderr)[-3000:]
    assert 0 < assert_index_whole(db) < 200  # some batches committed, then one was lost


def test_a_deferral_left_committed_is_caught_up_by_the_next_batch(tmp_path):
    path = tmp_path / "b.db"
    db = connect(path)
    store = NoticeStore(db, batch_size=100, batch_seconds=3600)
    store.save(record("1", "Early Co"))
    db.conn.commit()  # other code committing in the middle of the batch: the row is committed
    assert rows(path, f"select count(*) n from {DEFERRED}") == [{"n": 1}]
    other = connect(path)  # a writer meanwhile is skipped by the trigger ...
    other["notices"].insert({"id": "me_ag:y", "source": "me_ag", "source_id": "y",
                             "status": "active", "entity_name": "Meanwhile Co",
                             "first_seen_at": "x", "last_seen_at": "x"})  # fmt: skip
    other.conn.commit()
    store.save(record("2", "Later Co"))
    assert store.flush()  # ... and caught up here, with the first batch's notice
    assert search(path, "meanwhile") == ["y"]
    assert search(path, "early") == ["1"]
    assert assert_index_whole(path) == 3


def test_the_index_is_whole_after_a_crawl(tmp_path):
    db = tmp_path / "b.db"
    with PortalServer([demo_site(count=12)]) as server:
        result = run_spider("me_ag", db, base_url=server.base_url("/me"))
    assert result.returncode == 0, result
    assert assert_index_whole(db) == 12


def test_the_index_is_whole_after_a_crawl_killed_half_way(tmp_path):
    db = tmp_path / "b.db"
    site = ca.CASite(ca.build_notices(ca.load_real_rows()[:80]))
    with PortalServer([site]) as server:
        server.add_fault(DETAIL, "delay", times=-1, seconds=0.3)
        env = {**os.environ, "BREACH_DB_PATH": str(db), "BREACH_LOG_LEVEL": "INFO"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "ca_ag", "-a",
             f"base_url={server.base_url('/ca')}", "-s", "FEEDS={}",
             "-s", "BREACH_STORE_BATCH_SECONDS=0.5"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not _committed(db, at_least=5):
                assert proc.poll() is None
                assert time.monotonic() < deadline
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)  # most likely in a batch: its notices are lost
            proc.wait(timeout=10)
        finally:
            proc.kill()
    stored = assert_index_whole(db)
    assert 5 <= stored < 80
    # The next crawl finds the database as it left it: its notices are indexed too.
    with PortalServer([site]) as server:
        result = run_spider("ca_ag", db, base_url=server.base_url("/ca"))
    assert result.returncode == 0, result
    assert assert_index_whole(db) == 80


def _committed(db, at_least: int) -> bool:
    if not db.exists():
        return False
    try:
        return rows(db, "select count(*) n from notices")[0]["n"] >= at_least
    except sqlite3.Error:
        return False
