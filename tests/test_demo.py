"""`scrapy demo`: the bundled copy crawled into a database, and never into one with live data."""

import os
import socket
import sqlite3
import subprocess
import sys

from helpers import ROOT, rows, run_spider, scrapy_command

from crawler.store.db import connect
from localportal.aggregators import build_rankiteo_site
from localportal.server import PortalServer


def test_demo_crawls_every_source_and_finds_cross_source_incidents(tmp_path):
    db = tmp_path / "demo.db"
    result = scrapy_command(["demo"], db, timeout=300)
    assert result.returncode == 0, result
    by_source = {
        r["source"]: r["n"]
        for r in rows(db, "select source, count(*) n from notices group by source")
    }
    assert set(by_source) == {"ca_ag", "me_ag", "me_ag_archive", "agg_rankiteo", "agg_csidb"}
    assert by_source["me_ag_archive"] > 3000
    (multi,) = rows(db, "select count(*) n from incidents where source_count > 2")
    assert multi["n"] > 0
    assert "reported by more than one source" in result.log
    # Run again: nothing new, one list request for CA.
    again = scrapy_command(["demo"], db, timeout=300)
    assert again.returncode == 0, again
    ca_run = rows(db, "select * from crawl_runs where spider = 'ca_ag' order by id desc limit 1")[0]
    assert (ca_run["notices_new"], ca_run["requests"]) == (0, 1)
    # Rankiteo finds its last ok run of the same local copy (whatever port the demo got, if
    # 8000 was taken): only its two sitemaps.
    rankiteo = rows(db, "select * from crawl_runs where spider = 'agg_rankiteo' order by id")
    assert (rankiteo[-1]["notices_new"], rankiteo[-1]["requests"]) == (0, 2)


def test_demo_refuses_a_database_with_live_crawls(tmp_path):
    db = tmp_path / "live.db"
    conn = connect(db).conn
    conn.execute("insert into crawl_runs (spider, base_url, source_status, notices_new) values "
                 "('ca_ag', 'https://oag.ca.gov', 'ok', 12)")  # fmt: skip
    conn.commit()
    conn.close()
    result = scrapy_command(["demo"], db)
    assert result.returncode == 2, result
    assert "will not write" in result.log
    assert sqlite3.connect(db).execute("select count(*) from notices").fetchone()[0] == 0


def test_the_bundled_portal_can_be_served_on_a_given_port_and_crawled(tmp_path):
    with socket.socket() as probe:  # a free port for this test
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "localportal.serve", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert f"127.0.0.1:{port}" in server.stdout.readline()
        db = tmp_path / "served.db"
        result = run_spider("ca_ag", db, base_url=f"http://127.0.0.1:{port}/ca")
        assert result.returncode == 0, result
        assert rows(db, "select count(*) n from notices")[0]["n"] > 150
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_local_run_history_is_found_whatever_port_the_copy_is_served_on(tmp_path):
    db = tmp_path / "ports.db"
    site = build_rankiteo_site(retold=[])
    with PortalServer([site]) as first:
        assert run_spider("agg_rankiteo", db, base_url=first.base_url("/rankiteo")).returncode == 0
    with PortalServer([site]) as second:  # another free port, the same copy
        assert second.root != first.root
        assert run_spider("agg_rankiteo", db, base_url=second.base_url("/rankiteo")).returncode == 0
    runs = rows(db, "select base_url, requests from crawl_runs order by id")
    assert runs[0]["requests"] > 2
    assert runs[1]["requests"] == 2  # the two sitemaps: the last ok run of this copy was found


def test_demo_without_the_local_portal_is_one_line_and_exit_2(tmp_path):
    # As from an installed wheel: the crawler is there, localportal/ is not importable.
    code = (
        "import sys; sys.modules['localportal'] = None; "
        "from scrapy.cmdline import execute; execute(['scrapy', 'demo'])"
    )
    env = {**os.environ, "BREACH_DB_PATH": str(tmp_path / "d.db")}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        "scrapy demo: the demo needs a clone of the repository (its localportal/ folder is not "
        "installed with the crawler)"
    )
    assert not (tmp_path / "d.db").exists()


def test_a_failed_live_nightly_that_stored_nothing_does_not_block_the_demo(tmp_path):
    # A newcomer without internet tries `scrapy nightly` once: its error rows store nothing.
    from crawler.commands.demo import live_runs

    db = tmp_path / "tried.db"
    conn = connect(db).conn
    conn.execute("insert into crawl_runs (spider, base_url, source_status, notices_new) values "
                 "('ca_ag', 'https://oag.ca.gov', 'error', 0)")  # fmt: skip
    conn.commit()
    assert live_runs(db) == 0
    for status, new in (("ok", 3), ("killed", 0), ("running", 0)):
        conn.execute("insert into crawl_runs (spider, base_url, source_status, notices_new) "
                     "values ('me_ag', 'https://www.maine.gov', ?, ?)", [status, new])  # fmt: skip
    conn.commit()
    conn.close()
    assert live_runs(db) == 3
