"""ca_ag end to end: the real Scrapy engine against a local CA copy, into a real SQLite file."""

import json

import pytest
from helpers import last_run, rows, run_spider

from localportal.ca import CANotice, CASite, _breach_cell, build_notices, load_real_rows
from localportal.server import Page, PortalServer

COPY_SIZE = 120  # three list pages of 50, 50 and 20 rows


@pytest.fixture
def site():
    return CASite(build_notices(load_real_rows()[:COPY_SIZE]))


@pytest.fixture
def server(site):
    with PortalServer([site]) as running:
        yield running


def crawl(server, db, **args):
    return run_spider("ca_ag", db, base_url=server.base_url("/ca"), **args)


def stored(db) -> dict:
    return {r["source_id"]: r for r in rows(db, "select * from notices where source = 'ca_ag'")}


def detail_requests(server, since: int = 0) -> list[str]:
    return [p for p in server.requests[since:] if "/reports/" in p]


def test_first_crawl_stores_every_notice_from_every_page(server, site, tmp_path):
    db = tmp_path / "t.db"
    result = crawl(server, db)
    assert result.returncode == 0, result
    notices = stored(db)
    assert set(notices) == {n.source_id for n in site.notices}
    assert len(server.requests_matching(r"/list")) == 3
    assert len(detail_requests(server)) == COPY_SIZE
    first = site.notices[0]
    row = notices[first.source_id]
    assert row["url"] == f"https://oag.ca.gov/ecrime/databreach/reports/{first.source_id}"
    assert row["notice_url"].startswith("https://oag.ca.gov/system/files/")
    run = last_run(db, "ca_ag")
    assert (run["source_status"], run["notices_new"], run["requests"]) == (
        "ok",
        COPY_SIZE,
        3 + COPY_SIZE,
    )


def test_nightly_rerun_costs_one_request_and_adds_nothing(server, tmp_path):
    db = tmp_path / "t.db"
    crawl(server, db)
    before = len(server.requests)
    result = crawl(server, db)
    assert result.returncode == 0, result
    assert server.requests[before:] == ["/ca/privacy/databreach/list"]
    # The first page is asked for conditionally: unchanged, it is a 304 and nothing is read.
    assert server.not_modified == ["/ca/privacy/databreach/list"]
    run = last_run(db, "ca_ag")
    assert (run["notices_new"], run["notices_updated"], run["notices_unchanged"]) == (0, 0, 0)
    assert len(stored(db)) == COPY_SIZE


def test_new_rows_on_page_one_are_exactly_what_the_next_nightly_stores(server, site, tmp_path):
    db = tmp_path / "t.db"
    crawl(server, db)
    known = set(stored(db))
    fresh = [
        CANotice("sb24-700002", "Newco Holdings, Inc.", ["11/01/2026"], "11/20/2026", ["n.pdf"]),
        CANotice("sb24-700001", "Second Newco LLC", [], "11/19/2026", ["m.pdf"]),
    ]
    site.notices[:0] = fresh
    before = len(server.requests)
    assert crawl(server, db).returncode == 0
    # What the second nightly added (first_seen_at has whole seconds: two batches of one
    # crawl may differ, so the ids are compared, not the newest timestamp).
    new_ids = set(stored(db)) - known
    assert new_ids == {"sb24-700002", "sb24-700001"}
    assert len(stored(db)) == COPY_SIZE + 2
    # Page 1 had new rows, page 2 did not: two list requests, two detail requests.
    assert sorted(detail_requests(server, before)) == [
        "/ca/ecrime/databreach/reports/sb24-700001",
        "/ca/ecrime/databreach/reports/sb24-700002",
    ]
    assert len(server.requests_matching(r"/list")) == 3 + 2


def test_changed_dates_make_a_version(server, site, tmp_path):
    db = tmp_path / "t.db"
    crawl(server, db)
    target = site.notices[5]
    old_dates = json.loads(stored(db)[target.source_id]["breach_dates"])
    target.breach_dates = ["01/02/2020", "01/09/2020"]
    assert crawl(server, db).returncode == 0
    row = stored(db)[target.source_id]
    assert json.loads(row["breach_dates"]) == ["2020-01-02", "2020-01-09"]
    (version,) = rows(db, "select * from notice_versions")
    assert version["notice_id"] == f"ca_ag:{target.source_id}"
    assert json.loads(version["content"])["breach_dates"] == old_dates
    assert last_run(db, "ca_ag")["notices_updated"] == 1


class ExportWithExtraRow(CASite):
    """A portal whose CSV export lists one notice the HTML list does not show."""

    def export_csv(self) -> bytes:
        return super().export_csv() + b'"Only In Csv Co.","","01/01/2012"\r\n'


def test_backfill_reads_every_page_and_checks_the_csv_export(tmp_path):
    site = ExportWithExtraRow(build_notices(load_real_rows()[:COPY_SIZE]))
    db = tmp_path / "t.db"
    with PortalServer([site]) as server:
        result = crawl(server, db, mode="backfill")
        assert result.returncode == 0, result
        assert server.requests_matching("list-export")
        # A backfill on a full database still reads every list page (and no detail page).
        before = len(server.requests)
        assert crawl(server, db, mode="backfill").returncode == 0
        assert (
            len([p for p in server.requests[before:] if "/list?" in p or p.endswith("/list")]) == 3
        )
        assert detail_requests(server, before) == []
    completeness = last_run(db, "ca_ag")["details"]["completeness"]
    assert completeness["list_rows"] == COPY_SIZE
    assert completeness["export_rows"] == COPY_SIZE + 1
    assert (completeness["only_in_export"], completeness["only_in_list"]) == (1, 0)
    assert completeness["examples_only_in_export"] == [["only in csv co.", "2012-01-01"]]


def test_a_500_then_success_is_retried_and_stores_everything(server, tmp_path):
    db = tmp_path / "t.db"
    server.add_fault(r"list\?page=1", "status", status=500)
    result = crawl(server, db)
    assert result.returncode == 0, result
    assert len(stored(db)) == COPY_SIZE
    assert len(server.requests_matching(r"list\?page=1")) == 2


def test_a_timeout_on_a_detail_page_stores_the_list_row_and_retries_next_night(
    server, site, tmp_path
):
    db = tmp_path / "t.db"
    slow = site.notices[3].source_id
    server.add_fault(slow, "delay", seconds=3, times=2)
    result = crawl(server, db, settings={"DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 1})
    assert result.returncode == 1, result  # a request failed: the source is not healthy
    run = last_run(db, "ca_ag")
    assert run["source_status"] == "error"
    row = stored(db)[slow]
    assert json.loads(row["flags"]) == ["detail_missing"]
    assert row["notice_url"] is None
    assert len(stored(db)) == COPY_SIZE
    # The next nightly fetches the missing detail page, and only that one.
    before = len(server.requests)
    assert crawl(server, db).returncode == 0
    assert detail_requests(server, before) == [f"/ca/ecrime/databreach/reports/{slow}"]
    row = stored(db)[slow]
    assert json.loads(row["flags"]) == []
    assert row["notice_url"] is not None


def test_a_truncated_page_is_fetched_again(server, tmp_path):
    db = tmp_path / "t.db"
    server.add_fault(r"list\?page=2", "truncate")
    result = crawl(server, db)
    assert result.returncode == 0, result
    assert len(stored(db)) == COPY_SIZE
    assert len(server.requests_matching(r"list\?page=2")) == 2


def test_blank_name_and_impossible_date_rows(server, site, tmp_path):
    db = tmp_path / "t.db"
    site.notices[:0] = [
        CANotice("sb24-700010", "", [], "10/09/2020", ["x.pdf"]),
        CANotice("sb24-700011", "Odd Dates LLC", ["13/45/2020"], "10/10/2020", ["y.pdf"]),
    ]
    result = crawl(server, db)
    assert result.returncode == 0, result
    notices = stored(db)
    assert "sb24-700010" not in notices
    (rejected,) = rows(db, "select * from rejected_notices")
    assert (rejected["source_id"], rejected["reason"]) == ("sb24-700010", "no_entity_name")
    odd = notices["sb24-700011"]
    assert json.loads(odd["breach_dates"]) == []
    assert json.loads(odd["flags"]) == ["unparsed:breach_dates"]
    assert json.loads(odd["raw"])["Date(s) of Breach"] == "13/45/2020"
    run = last_run(db, "ca_ag")
    assert (run["notices_new"], run["notices_rejected"]) == (COPY_SIZE + 1, 1)


def test_a_changed_layout_is_loud(server, site, tmp_path):
    db = tmp_path / "t.db"
    crawl(server, db)
    site.list_override = (
        b"<html><body><div class='new-design'><ul><li>Acme</li></ul></div></body></html>"
    )
    result = crawl(server, db)
    assert result.returncode == 1, result
    assert "Layout changed" in result.log
    run = last_run(db, "ca_ag")
    assert run["source_status"] == "layout_changed"
    assert run["details"]["layout_changed"][0]["why"].startswith("no results table")
    assert len(stored(db)) == COPY_SIZE  # nothing stored was touched


def test_an_empty_result_is_not_an_error(tmp_path):
    db = tmp_path / "t.db"
    with PortalServer([CASite([])]) as server:
        result = crawl(server, db)
    assert result.returncode == 0, result
    assert last_run(db, "ca_ag")["source_status"] == "ok"


def test_after_an_unhealthy_crawl_nightly_reads_every_page(server, tmp_path):
    db = tmp_path / "t.db"
    assert crawl(server, db).returncode == 0
    # The last list page fails for good: that crawl is an error...
    fault = server.add_fault(r"list\?page=2", "status", status=503, times=-1)
    assert crawl(server, db, mode="backfill", settings={"RETRY_TIMES": 0}).returncode == 1
    fault.times = 0  # ...and the portal recovers.
    before = len(server.requests)
    assert crawl(server, db).returncode == 0
    # Page 1 holds only stored notices, but the previous crawl was unhealthy: read them all.
    assert len([p for p in server.requests[before:] if "/list" in p]) == 3
    before = len(server.requests)
    assert crawl(server, db).returncode == 0
    assert server.requests[before:] == ["/ca/privacy/databreach/list"]


class DetailOnlyDates(CASite):
    """A portal whose list shows "n/a" for its newest notice; its detail page has the dates."""

    def list_page(self, page):
        served = super().list_page(page)
        dates_cell = _breach_cell(self.notices[0]).encode()
        return Page(served.body.replace(dates_cell, b"\n            n/a          ", 1))


def test_nightly_keeps_dates_only_the_detail_page_gave(tmp_path):
    site = DetailOnlyDates(build_notices(load_real_rows()[:60]))
    target = site.notices[0]
    target.breach_dates = ["03/28/2026", "04/23/2026"]
    db = tmp_path / "t.db"
    with PortalServer([site]) as server:
        assert crawl(server, db).returncode == 0
        first = stored(db)[target.source_id]
        assert json.loads(first["breach_dates"]) == ["2026-03-28", "2026-04-23"]
        assert crawl(server, db).returncode == 0  # the list alone, "n/a" for this notice
    again = stored(db)[target.source_id]
    assert json.loads(again["breach_dates"]) == ["2026-03-28", "2026-04-23"]
    assert again["content_hash"] == first["content_hash"]
    assert rows(db, "select * from notice_versions") == []
