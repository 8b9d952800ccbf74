"""The local aggregator copies, and the spiders' pure decisions (date floor, seeds)."""

from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest

from crawler.pages import agg_csidb as csidb
from crawler.pages import agg_rankiteo as rankiteo
from crawler.spiders.agg_csidb import AggCsidbSpider
from crawler.spiders.agg_rankiteo import AggRankiteoSpider
from crawler.store.db import connect
from localportal.aggregators import (
    DANBURY_INCIDENT,
    build_csidb_site,
    build_rankiteo_site,
    csidb_seed_paths,
)

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
RETOLD = [
    {
        "entity": "Acme Widgets",
        "breach_date": "03/02/2024",
        "reported_date": "04/01/2024",
        "notice_url": "https://oag.ca.gov/ecrime/databreach/reports/sb24-600001",
    },
    {
        "entity": "Pine Tree Credit Union",
        "breach_dates": ["2024-05-06"],
        "reported_date": "2024-06-10",
        "notice_url": "https://www.maine.gov/agviewer/content/ag/985235c7-cb95-4be2-8792-"
        "a1252b4f8318/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0.html",
        "total": "2,210",
    },
]


def test_rankiteo_sitemaps_lead_to_every_post_with_lastmod():
    site = build_rankiteo_site(retold=RETOLD)
    index = ElementTree.fromstring(site.handle("/sitemap.xml", {}).body)
    maps = [loc.text for loc in index.findall("s:sitemap/s:loc", SITEMAP_NS)]
    assert "https://blog.rankiteo.com/sitemap-posts.xml" in maps
    urlset = ElementTree.fromstring(site.handle("/sitemap-posts.xml", {}).body)
    entries = {
        u.find("s:loc", SITEMAP_NS).text: u.find("s:lastmod", SITEMAP_NS).text
        for u in urlset.findall("s:url", SITEMAP_NS)
    }
    assert len(entries) == len(site.posts) == 5  # 2 retold + Mount Diablo, vulnerability, multi
    assert all(lastmod for lastmod in entries.values())
    for loc in entries:
        assert site.handle(loc.removeprefix("https://blog.rankiteo.com"), {}).status == 200
    assert site.handle("/no-such-post/", {}) is None


def test_retold_posts_read_back_as_the_notices_they_retell():
    site = build_rankiteo_site(retold=RETOLD, defaults=False)
    found = []
    for post in site.posts:
        page = site.handle(post.path, {}).body.decode()
        found += rankiteo.post_notices(rankiteo.parse_post(page), "u")
    assert [(n["entity_name"], n["breach_dates"], n["reported_date"], n["cites"]) for n in found] == [
        ("Acme Widgets", ["3/2024"], "2024-04-01", ["ca_ag:sb24-600001"]),
        ("Pine Tree Credit Union", ["5/2024"], "2024-06-10",
         ["me_ag:0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"]),
    ]  # fmt: skip
    assert found[1]["total_affected"] == "2,210"
    assert "discovered_date" not in found[0]  # not given, so not invented


@pytest.mark.parametrize("variant", [0, 1])
def test_retold_csidb_prose_reads_back_in_both_phrasings(variant):
    notice = {
        "entity": "Harbor Point Dental Group",
        "breach_date": "2024-03-02",
        "discovered_date": "2024-03-05",
        "notification_date": "2024-04-01",
        "total": 2210,
        "residents": 35,
        "state": "ME",
    }
    retold = [{"entity": "Filler", "breach_date": "2024-01-01"}] * variant + [notice]
    site = build_csidb_site(retold=retold, defaults=False)
    incident = next(i for i in site.incidents.values() if i.name == notice["entity"])
    page = site.handle(f"/csidb/incidents/{incident.uuid}/", {}).body.decode()
    item = csidb.incident_notice(csidb.parse_incident_page(page), incident.uuid, "u")
    assert item["breach_dates"] == ["March 2, 2024"]
    assert item["discovered_date"] == "March 5, 2024"
    assert item["notification_dates"] == ["April 1, 2024"]
    assert (item["total_affected"], item["residents_affected"]) == ("2,210", "35")
    assert item["residents_state"] == "ME"


def test_csidb_site_serves_incidents_organisations_and_a_login_wall():
    site = build_csidb_site()
    (org_path,) = csidb_seed_paths(site)
    org_page = site.handle(org_path, {}).body.decode()
    assert csidb.incident_links(org_page) == [f"/csidb/incidents/{DANBURY_INCIDENT}/"]
    incident = csidb.parse_incident_page(
        site.handle(f"/csidb/incidents/{DANBURY_INCIDENT}/", {}).body.decode()
    )
    assert (incident.name, incident.date_text) == ("Danbury Public Schools", "Jul 2023")
    gated_search = site.handle("/csidb/sr/i/", {})
    assert (gated_search.status, gated_search.headers["Location"]) == (
        302,
        "/accounts/login/?next=/csidb/sr/i/",
    )
    assert "Log in" in site.handle("/accounts/login/", {}).body.decode()
    assert site.handle(org_path.rstrip("/"), {}).status == 301
    assert site.handle("/csidb/incidents/00000000-0000-0000-0000-000000000000/", {}) is None


def _db_with_runs(path, runs):
    db = connect(path)
    for spider, started, status, *base_url in runs:
        db["crawl_runs"].insert({
            "spider": spider, "started_at": started, "source_status": status,
            "base_url": base_url[0] if base_url else "https://blog.rankiteo.com",
        })  # fmt: skip
    db.conn.commit()
    db.conn.close()
    return str(path)


def test_rankiteo_nightly_floor_is_the_last_ok_run(tmp_path):
    db = _db_with_runs(
        tmp_path / "t.db",
        [
            ("agg_rankiteo", "2026-11-01T02:00:00+00:00", "ok"),
            ("agg_rankiteo", "2026-11-03T02:00:00+00:00", "error"),
            ("agg_csidb", "2026-11-05T02:00:00+00:00", "ok"),
            ("agg_rankiteo", "2026-11-02T02:00:00+00:00", "ok"),
            # A crawl of a local copy (a test, the demo) says nothing about the live site.
            ("agg_rankiteo", "2026-11-04T02:00:00+00:00", "ok", "http://127.0.0.1:8000/rankiteo"),
        ],
    )
    floor = AggRankiteoSpider(db_path=db).date_floor()
    assert floor == datetime(2026, 11, 2, 2, tzinfo=UTC)
    assert AggRankiteoSpider(db_path=db, since="2025-06-01").date_floor() == datetime(
        2025, 6, 1, tzinfo=UTC
    )
    assert AggRankiteoSpider(db_path=db, mode="backfill").date_floor() is None
    assert AggRankiteoSpider(db_path=str(tmp_path / "none.db")).date_floor() is None
    with pytest.raises(ValueError, match="since must be YYYY-MM-DD"):
        AggRankiteoSpider(db_path=db, since="last week").date_floor()


def test_csidb_seeds_accept_live_urls_and_paths_and_refuse_member_pages():
    spider = AggCsidbSpider(
        base_url="http://127.0.0.1:9/csidb",
        urls=f" https://www.csidb.net/csidb/incidents/{DANBURY_INCIDENT}/ ,/accounts/login/,",
    )
    assert spider.seeds == [
        f"https://www.csidb.net/csidb/incidents/{DANBURY_INCIDENT}/",
        "/accounts/login/",
    ]
    assert spider.live_path(spider.seeds[0]) == f"/csidb/incidents/{DANBURY_INCIDENT}/"
    assert spider.live_path(
        f"http://127.0.0.1:9/csidb/csidb/organisations/{DANBURY_INCIDENT}/"
    ) == (f"/csidb/organisations/{DANBURY_INCIDENT}/")
    assert AggCsidbSpider().seeds[0].endswith(f"/csidb/incidents/{DANBURY_INCIDENT}/")
