"""agg_rankiteo: a posts sitemap cut short is an error, so the next nightly misses nothing."""

from localportal.aggregators import build_rankiteo_site
from localportal.server import PortalServer
from tests.helpers import last_run, rows, run_spider

RETOLD = {
    "entity": "Acme Widgets, Inc.",
    "breach_dates": ["03/02/2024"],
    "reported_date": "04/01/2024",
    "notice_url": "https://oag.ca.gov/ecrime/databreach/reports/sb24-600001",
    "total": 1234,
}


def stored_ids(db) -> set[str]:
    return {r["source_id"] for r in rows(db, "select source_id from notices")}


def test_a_cut_posts_sitemap_is_an_error_and_the_next_nightly_reads_every_post(tmp_path):
    site = build_rankiteo_site(retold=[RETOLD])
    clean, db = tmp_path / "clean.db", tmp_path / "cut.db"
    with PortalServer([site]) as server:
        base = server.base_url("/rankiteo")
        assert run_spider("agg_rankiteo", clean, base_url=base).returncode == 0
        # The posts sitemap ends after its first entry; no Content-Length, clean close.
        server.add_fault(r"/sitemap-posts\.xml$", "cut", cut_after="</url>")
        first = run_spider("agg_rankiteo", db, base_url=base)
        after_first = stored_ids(db)
        second = run_spider("agg_rankiteo", db, base_url=base)
    assert first.returncode == 1, first
    run = rows(db, "select * from crawl_runs order by id")[0]
    assert run["source_status"] == "error"
    assert "sitemap-posts.xml arrived cut short (partial response)" in run["status_reason"]
    assert after_first == {"acm000040124"}  # the one post listed before the cut
    assert second.returncode == 0, second
    assert last_run(db, "agg_rankiteo")["source_status"] == "ok"
    assert stored_ids(db) == stored_ids(clean)
