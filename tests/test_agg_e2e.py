"""Aggregator spiders end to end: real Scrapy engine, local copies of the sites, temp SQLite."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from localportal.aggregators import (
    DANBURY_INCIDENT,
    DANBURY_ORGANISATION,
    RankiteoPost,
    build_csidb_site,
    build_rankiteo_site,
    real_mount_diablo_post,
)
from localportal.server import Page, PortalServer
from tests.helpers import last_run, rows, run_spider

MOUNT_DIABLO = "mdu002091825-mount-diablo-unified-school-district-breach-september-2020"
RETOLD_CA = {
    "entity": "Acme Widgets, Inc.",
    "breach_dates": ["03/02/2024", "03/04/2024"],
    "reported_date": "04/01/2024",
    "discovered_date": "03/05/2024",
    "notice_url": "https://oag.ca.gov/ecrime/databreach/reports/sb24-600001",
    "total": 1234,
}


def stats_of(db, spider: str) -> dict:
    return json.loads(last_run(db, spider)["stats"])


def notices(db, source: str) -> dict[str, dict]:
    found = rows(db, "select * from notices where source = ?", (source,))
    return {row["source_id"]: row for row in found}


def hidden_type_post() -> RankiteoPost:
    """A Vulnerability post whose slug does not say so: only the page can tell."""
    post = real_mount_diablo_post()
    post.post_id, post.slug = "cis1736380800", "cis1736380800-cisco-asa-breach-january-2025"
    post.post_type, post.title = "Vulnerability", "Cisco"
    return post


def hostile_post(marker) -> RankiteoPost:
    post = real_mount_diablo_post()
    post.post_id, post.slug = "evi1700000000", "evi1700000000-evil-corp-breach-november-2023"
    post.data_text = (
        "{'affected_entities': [{'name': 'Evil Corp'}],\n"
        f" 'x': __import__('os').system('touch {marker}')}}"
    )
    return post


@pytest.fixture
def rankiteo_server():
    site = build_rankiteo_site(retold=[RETOLD_CA])
    site.posts.append(hidden_type_post())
    with PortalServer([site]) as server:
        yield server, site


def test_rankiteo_backfill_stores_incidents_and_skips_the_rest(rankiteo_server, tmp_path):
    server, _ = rankiteo_server
    db = tmp_path / "t.db"
    result = run_spider("agg_rankiteo", db, base_url=server.base_url("/rankiteo"), mode="backfill")
    assert result.returncode == 0, result
    assert last_run(db, "agg_rankiteo")["source_status"] == "ok"

    stored = notices(db, "agg_rankiteo")
    assert sorted(stored) == [
        "acm000040124",
        "amesup1768827650.americorps",
        "amesup1768827650.u-s-supreme-court",
        "mdu002091825",
    ]
    diablo = stored["mdu002091825"]
    assert diablo["url"] == f"https://blog.rankiteo.com/{MOUNT_DIABLO}/"
    assert diablo["entity_name"] == "Mount Diablo Unified School District"
    assert json.loads(diablo["breach_dates"]) == ["2020-09"]
    assert diablo["breach_precision"] == "month"
    assert (diablo["breach_start"], diablo["breach_end"]) == ("2020-09-01", "2020-09-30")
    assert diablo["discovered_date"] == "2020-09-14"
    assert diablo["reported_date"] == "2020-10-20"
    assert json.loads(diablo["cites"]) == ["ca_ag:sb24-195323"]
    assert json.loads(diablo["raw"])["Source"] == [
        "https://oag.ca.gov/ecrime/databreach/reports/sb24-195323"
    ]
    acme = stored["acm000040124"]
    assert (acme["entity_name"], acme["total_affected"]) == ("Acme Widgets, Inc.", 1234)
    assert json.loads(acme["cites"]) == ["ca_ag:sb24-600001"]
    assert json.loads(acme["breach_dates"]) == ["2024-03"]

    # The slug says "vulnerability": never requested. The hidden one: requested, then skipped.
    assert not server.requests_matching("ivanti")
    assert server.requests_matching("cis1736380800")
    stats = stats_of(db, "agg_rankiteo")
    assert stats["breach/agg_rankiteo/skipped_non_incident"] == 2
    assert stats["breach/agg_rankiteo/skipped_type/vulnerability"] == 2
    assert stats["breach/agg_rankiteo/multi_victim_posts"] == 1
    # Every request stayed on the local copy, under its prefix.
    assert all(path.startswith("/rankiteo/") for path in server.requests)


def test_rankiteo_nightly_fetches_only_posts_modified_since_the_last_ok_run(
    rankiteo_server, tmp_path
):
    server, site = rankiteo_server
    db = tmp_path / "t.db"
    base = server.base_url("/rankiteo")
    assert run_spider("agg_rankiteo", db, base_url=base, mode="backfill").returncode == 0
    posts_before = len(server.requests_matching(r"-\d{4}/$"))

    result = run_spider("agg_rankiteo", db, base_url=base)
    assert result.returncode == 0, result
    assert len(server.requests_matching(r"-\d{4}/$")) == posts_before  # nothing new
    # Both sitemaps unchanged: asked for conditionally, two 304s, nothing read.
    assert server.not_modified == ["/rankiteo/sitemap.xml", "/rankiteo/sitemap-posts.xml"]

    diablo = next(p for p in site.posts if p.post_id == "mdu002091825")
    diablo.lastmod = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    diablo.data["affected_entities"][0]["customers_affected"] = 412
    assert run_spider("agg_rankiteo", db, base_url=base).returncode == 0
    assert len(server.requests_matching(MOUNT_DIABLO)) == 2
    assert len(server.requests_matching(r"-\d{4}/$")) == posts_before + 1
    assert stats_of(db, "agg_rankiteo")["breach/agg_rankiteo/sitemap/older_than_floor"] == 3
    assert notices(db, "agg_rankiteo")["mdu002091825"]["total_affected"] == 412


def test_rankiteo_since_argument_sets_the_floor(rankiteo_server, tmp_path):
    server, _ = rankiteo_server
    db = tmp_path / "t.db"
    base = server.base_url("/rankiteo")
    assert run_spider("agg_rankiteo", db, base_url=base, since="2026-01-01").returncode == 0
    assert sorted(notices(db, "agg_rankiteo")) == [
        "amesup1768827650.americorps",
        "amesup1768827650.u-s-supreme-court",
    ]
    assert not server.requests_matching(MOUNT_DIABLO)


def test_rankiteo_hostile_data_block_is_rejected_and_not_run(tmp_path):
    marker = tmp_path / "executed"
    site = build_rankiteo_site(defaults=False)
    site.posts = [real_mount_diablo_post(), hostile_post(marker)]
    db = tmp_path / "t.db"
    with PortalServer([site]) as server:
        result = run_spider(
            "agg_rankiteo", db, base_url=server.base_url("/rankiteo"), mode="backfill"
        )
    assert result.returncode == 0, result
    assert not marker.exists()
    assert "Rejected the data block of https://blog.rankiteo.com/evi1700000000" in result.log
    assert "not a literal dict" in result.log
    assert sorted(notices(db, "agg_rankiteo")) == ["mdu002091825"]
    assert stats_of(db, "agg_rankiteo")["breach/agg_rankiteo/data_block_rejected"] == 1
    assert last_run(db, "agg_rankiteo")["details"]["data_block_rejected"][0]["url"].startswith(
        "https://blog.rankiteo.com/evi1700000000"
    )


class NoPostsSitemapSite:
    """A Rankiteo copy whose sitemap index stopped listing the posts sitemap."""

    prefix = "/rankiteo"

    def __init__(self):
        self.site = build_rankiteo_site()

    def handle(self, path, query):
        if path == "/sitemap.xml":
            body = self.site.sitemap_index().replace("sitemap-posts.xml", "sitemap-stories.xml")
            return Page(body.encode(), content_type="application/xml")
        return self.site.handle(path, query)


def test_rankiteo_sitemap_without_posts_is_a_layout_change(tmp_path):
    db = tmp_path / "t.db"
    with PortalServer([NoPostsSitemapSite()]) as server:
        result = run_spider("agg_rankiteo", db, base_url=server.base_url("/rankiteo"))
    assert result.returncode != 0
    run = last_run(db, "agg_rankiteo")
    assert run["source_status"] == "layout_changed"
    assert "no posts sitemap" in run["details"]["layout_changed"][0]["why"]


# --- CSIDB -------------------------------------------------------------------------------------

RETOLD_ME = {
    "entity": "Harbor Point Dental Group",
    "breach_date": "2024-03-02",
    "discovered_date": "2024-03-05",
    "notification_date": "2024-04-01",
    "total": 2210,
    "residents": 35,
    "state": "ME",
}


def csidb_record(db, source_id: str) -> dict:
    """The stored notice: aggregator notices need a date of some kind, not a reported date."""
    stored = notices(db, "agg_csidb").get(source_id)
    assert stored, f"{source_id} was not stored"
    return stored


def test_csidb_crawl_from_organisation_pages(tmp_path):
    site = build_csidb_site(retold=[RETOLD_ME])
    retold_org = next(u for u in site.organisations if u != DANBURY_ORGANISATION)
    gated = "0d9c3f52-7b1e-4a8e-b6f2-91c4d07e5a13"
    site.gated.add(gated)
    seeds = [
        f"https://www.csidb.net/csidb/organisations/{DANBURY_ORGANISATION}/",  # a live URL
        f"/csidb/organisations/{retold_org}",  # a path, redirected to add the slash
        "/csidb/sr/i/?page=1",  # member-only: never requested
        f"/csidb/incidents/{gated}/",  # redirects to the login form, which is not requested
    ]
    db = tmp_path / "t.db"
    with PortalServer([site]) as server:
        result = run_spider(
            "agg_csidb", db, base_url=server.base_url("/csidb"), urls=",".join(seeds)
        )
        requested = list(server.requests)
    assert result.returncode == 0, result
    assert last_run(db, "agg_csidb")["source_status"] == "ok"
    assert not [p for p in requested if any(m in p for m in ("/accounts/", "/sr/", "advsearch"))]
    assert len([p for p in requested if "/csidb/incidents/" in p]) == 3  # 2 + the gated one
    assert f"/csidb/csidb/organisations/{retold_org}/" in requested  # the redirect, followed
    assert stats_of(db, "agg_csidb")["breach/agg_csidb/member_only_skipped"] == 2

    danbury = csidb_record(db, DANBURY_INCIDENT)
    assert danbury["url"] == f"https://www.csidb.net/csidb/incidents/{DANBURY_INCIDENT}/"
    assert danbury["entity_name"] == "Danbury Public Schools"
    if "breach_precision" in danbury:  # stored: typed values
        assert json.loads(danbury["breach_dates"]) == ["2023-07-17"]
        assert danbury["discovered_date"] == "2023-07-21"
        assert json.loads(danbury["notification_dates"]) == ["2023-08-09"]
        assert (danbury["total_affected"], danbury["residents_affected"]) == (9607, 7)
    else:  # rejected: the item as the spider yielded it
        assert danbury["breach_dates"] == ["July 17, 2023"]
        assert danbury["discovered_date"] == "July 21, 2023"
        assert danbury["notification_dates"] == ["August 9, 2023"]
        assert (danbury["total_affected"], danbury["residents_affected"]) == ("9,607", "7")
    assert danbury["residents_state"] == "ME"

    retold_uuid = site.organisations[retold_org].incident_uuids[0]
    retold = csidb_record(db, retold_uuid)
    assert retold["entity_name"] == "Harbor Point Dental Group"
    assert retold["residents_state"] == "ME"
    assert str(retold["residents_affected"]) == "35"
    assert str(retold["total_affected"]).replace(",", "") == "2210"


class BrokenIncidentSite:
    """A CSIDB copy whose incident page lost its "Cyber Incident Victim" heading."""

    prefix = "/csidb"

    def handle(self, path, query):
        return Page(b"<html><body><main><h1>Incident</h1><p>Jul 2023</p></main></body></html>")


def test_csidb_page_without_victim_heading_is_a_layout_change(tmp_path):
    db = tmp_path / "t.db"
    with PortalServer([BrokenIncidentSite()]) as server:
        result = run_spider(
            "agg_csidb", db, base_url=server.base_url("/csidb"),
            urls=f"/csidb/incidents/{DANBURY_INCIDENT}/",
        )  # fmt: skip
    assert result.returncode != 0
    assert last_run(db, "agg_csidb")["source_status"] == "layout_changed"
