"""Maine spiders end to end: the real Scrapy engine against a local Maine copy, temp SQLite.

The copy (localportal/me.py) renders real rows of the 2018-2020 archive workbook as viewer
pages, and serves the two real archive workbooks.
"""

import json
import time

import pytest

from localportal.me import demo_site
from localportal.server import PortalServer
from tests.helpers import last_run, rows, run_spider

DETAIL = r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.s?html$"
LIVE_VIEWER = "https://www.maine.gov/agviewer/content/ag/985235c7-cb95-4be2-8792-a1252b4f8318/"
NOTICE_COUNT = 12
OFFLINE_EXIT = 2  # crawler/extensions.py STATUS_EXIT_CODES


@pytest.fixture
def maine():
    site = demo_site(count=NOTICE_COUNT)
    with PortalServer([site]) as server:
        yield site, server


def notices(db, source: str = "me_ag") -> dict[str, dict]:
    found = rows(db, "select * from notices where source = ?", (source,))
    return {row["source_id"]: row for row in found}


def crawl(server, db, **args):
    return run_spider("me_ag", db, base_url=server.base_url("/me"), **args)


def test_list_and_details_into_sqlite(maine, tmp_path):
    site, server = maine
    db = tmp_path / "b.db"
    result = crawl(server, db)
    assert result.returncode == 0, result
    stored = notices(db)
    assert set(stored) == {n.uuid for n in site.notices}
    live_auctioneers = next(n for n in site.notices if n.entity_name == "LiveAuctioneers, LLC")
    row = stored[live_auctioneers.uuid]
    assert row["url"] == f"{LIVE_VIEWER}{live_auctioneers.uuid}.html"
    assert (row["reported_date"], row["total_affected"], row["residents_affected"]) == (
        "2020-09-09", 3463544, 9555)  # fmt: skip
    assert json.loads(row["notification_dates"]) == ["2020-07-11", "2020-08-03"]
    assert row["breach_start"] == "2020-06-19"
    assert row["residents_state"] == "ME"
    assert row["notice_url"] == (
        f"https://www.maine.gov/cgi-bin/agviewerad/ret?loc={live_auctioneers.notice_loc}"
    )
    # The filer's contact details are on every page and in no stored byte.
    dump = json.dumps(rows(db, "select * from notices"))
    for contact in ("Pat Example", "filer@example.com", "555-0100"):
        assert contact not in dump
    run = last_run(db, "me_ag")
    assert (run["source_status"], run["notices_new"]) == ("ok", NOTICE_COUNT)


def test_recrawl_adds_nothing_and_fetches_no_detail(maine, tmp_path):
    _, server = maine
    db = tmp_path / "b.db"
    assert crawl(server, db).returncode == 0
    details_before = len(server.requests_matching(DETAIL))
    hashes = {sid: r["content_hash"] for sid, r in notices(db).items()}
    first_seen = {sid: r["last_seen_at"] for sid, r in notices(db).items()}
    time.sleep(1.1)  # timestamps have one-second resolution
    result = crawl(server, db)
    assert result.returncode == 0, result
    assert len(server.requests_matching(DETAIL)) == details_before
    assert {sid: r["content_hash"] for sid, r in notices(db).items()} == hashes
    # Still listed, so seen again: last_seen_at moves although no detail page was re-read.
    assert all(r["last_seen_at"] > first_seen[sid] for sid, r in notices(db).items())
    run = last_run(db, "me_ag")
    assert (run["notices_new"], run["notices_updated"], run["notices_removed"]) == (0, 0, 0)
    # Backfill reads every detail page again and finds nothing changed.
    assert crawl(server, db, mode="backfill").returncode == 0
    assert len(server.requests_matching(DETAIL)) == details_before + NOTICE_COUNT
    assert last_run(db, "me_ag")["notices_updated"] == 0


def test_offline_notice_is_a_state_and_changes_nothing(maine, tmp_path):
    site, server = maine
    db = tmp_path / "b.db"
    assert crawl(server, db).returncode == 0
    before = notices(db)
    site.offline = True
    result = crawl(server, db)
    assert result.returncode == OFFLINE_EXIT, result
    assert "offline" in result.log
    run = last_run(db, "me_ag")
    assert run["source_status"] == "offline"
    assert (run["notices_new"], run["notices_updated"], run["notices_removed"]) == (0, 0, 0)
    assert notices(db) == before  # not one field, status or timestamp moved


def test_detail_403_is_offline_and_marks_nothing_removed(maine, tmp_path):
    site, server = maine
    db = tmp_path / "b.db"
    assert crawl(server, db).returncode == 0
    before = notices(db)
    dropped = site.notices.pop()  # would be "removed" if the run were trusted
    server.add_fault(DETAIL, "status", status=403, times=-1)
    result = crawl(server, db, mode="backfill")
    assert result.returncode == OFFLINE_EXIT, result
    assert last_run(db, "me_ag")["source_status"] == "offline"
    after = notices(db)
    assert after == before
    assert after[dropped.uuid]["status"] == "active"


def test_notice_dropped_from_the_list_is_marked_removed(maine, tmp_path):
    site, server = maine
    db = tmp_path / "b.db"
    assert crawl(server, db).returncode == 0
    dropped = site.notices.pop(3)
    result = crawl(server, db)
    assert result.returncode == 0, result
    stored = notices(db)
    assert len(stored) == NOTICE_COUNT  # kept, never deleted
    assert stored[dropped.uuid]["status"] == "removed_at_source"
    assert stored[dropped.uuid]["removed_at"]
    assert {r["status"] for sid, r in stored.items() if sid != dropped.uuid} == {"active"}
    assert last_run(db, "me_ag")["notices_removed"] == 1
    # Back on the list: fetched again and active again.
    site.notices.insert(3, dropped)
    assert crawl(server, db).returncode == 0
    assert notices(db)[dropped.uuid]["status"] == "active"


def test_empty_list_is_a_layout_change_not_mass_removal(maine, tmp_path):
    site, server = maine
    db = tmp_path / "b.db"
    assert crawl(server, db).returncode == 0
    site.notices = []
    result = crawl(server, db)
    assert result.returncode == 1, result
    assert last_run(db, "me_ag")["source_status"] == "layout_changed"
    assert {r["status"] for r in notices(db).values()} == {"active"}


def test_old_viewer(maine, tmp_path):
    site, server = maine
    db = tmp_path / "b.db"
    result = crawl(server, db, viewer="old")
    assert result.returncode == 0, result
    stored = notices(db)
    assert len(stored) == NOTICE_COUNT
    first = site.notices[0]
    assert stored[first.uuid]["url"] == (
        f"https://apps.web.maine.gov/online/aeviewer/ME/40/{first.uuid}.shtml"
    )
    assert server.requests_matching(r"/online/aeviewer/ME/40/list\.shtml")


def test_a_list_missing_many_notices_marks_none_removed(maine, tmp_path):
    site, server = maine
    db = tmp_path / "b.db"
    assert crawl(server, db).returncode == 0
    del site.notices[1:]  # a list that suddenly shows one notice of twelve: broken, not pruned
    result = crawl(server, db)
    assert result.returncode == 1, result
    assert "not marking them removed" in result.log
    assert {r["status"] for r in notices(db).values()} == {"active"}
    assert last_run(db, "me_ag")["details"]["list"]["removal_withheld"] == NOTICE_COUNT - 1


def test_the_other_viewers_list_never_removes_this_viewers_notices(maine, tmp_path):
    site, server = maine
    db = tmp_path / "b.db"
    assert crawl(server, db).returncode == 0  # the new viewer
    site.notices.pop(0)
    assert crawl(server, db, viewer="old").returncode == 0
    # The old viewer's list says nothing about notices read from the new viewer.
    assert {r["status"] for r in notices(db).values()} == {"active"}


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory):
    """Both real workbooks crawled twice into one database."""
    db = tmp_path_factory.mktemp("archive") / "b.db"
    with PortalServer([demo_site(count=1)]) as server:
        first = run_spider("me_ag_archive", db, base_url=server.base_url("/me"), timeout=300)
        server.conditional = False  # re-read both workbooks in full (not a 304): same ids?
        second = run_spider("me_ag_archive", db, base_url=server.base_url("/me"), timeout=300)
    return db, first, second


def test_archive_every_row(archive_db):
    db, first, _ = archive_db
    assert first.returncode == 0, first
    assert "Traceback" not in first.log
    first_run = rows(db, "select * from crawl_runs where spider = 'me_ag_archive' order by id")[0]
    assert (first_run["source_status"], first_run["errors"]) == ("ok", 0)
    stored = rows(db, "select count(*) n from notices where source = 'me_ag_archive'")[0]["n"]
    rejected = rows(
        db,
        "select distinct source_id, reason from rejected_notices where source = 'me_ag_archive'",
    )
    # 985 + 2,070 rows. Rejected (validate stage): 3 log rows whose notification date cannot
    # be read ("4/25/217", "5/28/215", "See 10/31/17 notice") and 1 with a blank company.
    assert stored + len(rejected) == 985 + 2070
    # "4/25/217" and "5/28/215" are dates no one can read; "See 10/31/17 notice" points at
    # another notice instead of giving a date.
    assert sorted(r["reason"] for r in rejected) == [
        "no_entity_name",
        "no_reported_date",
        "unreadable_reported_date",
        "unreadable_reported_date",
    ]
    details = json.loads(json.dumps(last_run(db, "me_ag_archive")["details"]))
    kinds = sorted((w["kind"], w["rows"]) for w in details["workbooks"].values())
    assert kinds == [("form", 985), ("log", 2070)]


def test_archive_recrawl_keeps_ids(archive_db):
    db, _, second = archive_db
    assert second.returncode == 0, second
    run = last_run(db, "me_ag_archive")
    assert (run["notices_new"], run["notices_updated"]) == (0, 0)


def test_archive_values_in_the_database(archive_db):
    db, _, _ = archive_db
    found = rows(
        db,
        "select entity_name, reported_date, total_affected, residents_affected, breach_dates,"
        " url from notices where source = 'me_ag_archive' and entity_name in (?, ?)",
        ("Magellan Health, Inc.", "T-Mobile USA, Inc."),
    )
    by_key = {(r["entity_name"], r["reported_date"]): r for r in found}
    magellan = by_key[("Magellan Health, Inc.", "2020-06-12")]
    assert (magellan["total_affected"], magellan["residents_affected"]) == (1650500, 2231)
    assert json.loads(magellan["breach_dates"]) == ["2020-04-06", "2020-04-12"]
    assert magellan["url"].startswith("https://www.maine.gov/ag/sites/maine.gov.ag/files/docs/")
    tmobile = by_key[("T-Mobile USA, Inc.", "2015-10-01")]
    assert (tmobile["residents_affected"], json.loads(tmobile["breach_dates"])) == (
        12952, ["2015-09-14"])  # fmt: skip


def test_detail_requests_are_fed_in_batches_and_every_notice_is_stored(tmp_path):
    # One request at a time: a batch is 4 requests (crawler/spiders/details.py RequestFeed),
    # so the 30 listed notices' detail pages are handed to the scheduler in 8 batches.
    site = demo_site(count=30)
    db = tmp_path / "b.db"
    with PortalServer([site]) as server:
        result = run_spider("me_ag", db, base_url=server.base_url("/me"), mode="backfill",
                            settings={"CONCURRENT_REQUESTS": 1})  # fmt: skip
        assert result.returncode == 0, result
        assert len(server.requests_matching(DETAIL)) == 30
    assert set(notices(db)) == {n.uuid for n in site.notices}
    run = last_run(db, "me_ag")
    assert (run["source_status"], run["notices_new"]) == ("ok", 30)
    assert json.loads(run["stats"])["breach/me_ag/detail_batches"] == 8
