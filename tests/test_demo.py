"""`scrapy demo`: the bundled copy crawled into a database, and never into one with live data."""

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
    # Rankiteo finds its last ok run of the same local copy: only its two sitemaps.
    rankiteo = rows(db, "select * from crawl_runs where spider = 'agg_rankiteo' order by id")
    assert rankiteo[0]["base_url"] == rankiteo[-1]["base_url"]
    assert (rankiteo[-1]["notices_new"], rankiteo[-1]["requests"]) == (0, 2)


def test_demo_refuses_a_database_with_live_crawls(tmp_path):
    db = tmp_path / "live.db"
    conn = connect(db).conn
    conn.execute("insert into crawl_runs (spider, base_url, source_status) values "
                 "('ca_ag', 'https://oag.ca.gov', 'ok')")  # fmt: skip
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
