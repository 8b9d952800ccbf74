"""`scrapy demo`: the bundled copy crawled into a database, and never into one with live data."""

import sqlite3

from helpers import rows, scrapy_command

from crawler.store.db import connect


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
