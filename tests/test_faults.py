"""A portal that misbehaves on purpose: every run completes, retries what is worth retrying,
records what failed (crawl_runs row and exit code), keeps everything that parsed, and leaves
a database that passes PRAGMA integrity_check."""

import csv
import json

import pytest
from helpers import last_run, rows, scrapy_command

from crawler.textparse.text import clean_text
from localportal import ca
from localportal.server import Page, PortalServer

DETAIL = "/ecrime/databreach/reports/"


def small_site(count: int = 120) -> ca.CASite:
    return ca.CASite(ca.build_notices(ca.load_real_rows()[:count]))


def nightly(server, db, settings: dict | None = None):
    return scrapy_command(
        ["nightly", "--only", "ca_ag", "--base-url", f"ca_ag={server.base_url('/ca')}"],
        db,
        settings=settings,
    )


def assert_sound(db) -> None:
    assert rows(db, "pragma integrity_check") == [{"integrity_check": "ok"}]
    dupes = rows(db, "select source_id from notices group by source_id having count(*) > 1")
    assert dupes == []


def stored_ids(db) -> set[str]:
    return {r["source_id"] for r in rows(db, "select source_id from notices")}


def test_transient_errors_are_retried_and_nothing_is_lost(tmp_path):
    site = small_site()
    first, second = site.notices[0].source_id, site.notices[1].source_id
    db = tmp_path / "b.db"
    with PortalServer([site]) as server:
        faults = [
            server.add_fault(r"/list$", "status", status=429, headers={"Retry-After": "1"}),
            server.add_fault(r"page=1$", "status", status=500),
            server.add_fault(rf"{first}$", "status", times=2, status=503),
            server.add_fault(rf"{second}$", "reset"),
            server.add_fault(r"page=2$", "truncate"),
        ]
        result = nightly(server, db)
        tries = {
            pattern: len(server.requests_matching(pattern))
            for pattern in (r"/list$", r"page=1$", rf"{first}$", rf"{second}$", r"page=2$")
        }
    assert result.returncode == 0, result
    assert all(f.fired == f.times for f in faults)
    assert tries == {r"/list$": 2, r"page=1$": 2, rf"{first}$": 3, rf"{second}$": 2,
                     r"page=2$": 2}  # fmt: skip
    assert stored_ids(db) == {n.source_id for n in site.notices}
    assert last_run(db, "ca_ag")["source_status"] == "ok"
    assert_sound(db)


def test_a_detail_page_that_times_out_is_stored_flagged_and_fetched_next_night(tmp_path):
    site = small_site(20)
    slow = site.notices[3].source_id
    db = tmp_path / "b.db"
    fast_fail = {"DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 1}
    with PortalServer([site]) as server:
        fault = server.add_fault(rf"{slow}$", "delay", times=-1, seconds=2.0)
        result = nightly(server, db, settings=fast_fail)
        assert result.returncode == 1, result  # failed for good: an error, recorded
        run = last_run(db, "ca_ag")
        assert (run["source_status"], run["notices_new"]) == ("error", 20)
        assert "TimeoutError" in run["stats"] or "timeout" in run["stats"].lower()
        (flagged,) = rows(db, "select flags from notices where source_id = ?", (slow,))
        assert json.loads(flagged["flags"]) == ["detail_missing"]

        server.faults.remove(fault)
        result = nightly(server, db, settings=fast_fail)
    assert result.returncode == 0, result
    (fixed,) = rows(db, "select flags, notice_urls from notices where source_id = ?", (slow,))
    assert "detail_missing" not in json.loads(fixed["flags"])
    assert json.loads(fixed["notice_urls"])
    assert_sound(db)


def test_a_persistent_server_error_is_recorded_and_the_rest_is_kept(tmp_path):
    site = small_site()
    db = tmp_path / "b.db"
    with PortalServer([site]) as server:
        server.add_fault(r"page=1$", "status", times=-1, status=503)
        result = nightly(server, db)
    assert result.returncode == 1, result
    run = last_run(db, "ca_ag")
    assert run["source_status"] == "error"
    assert run["errors"] >= 1
    assert stored_ids(db) == {n.source_id for n in site.notices[:50]}  # page 0 kept
    assert_sound(db)


def test_a_page_in_the_wrong_encoding_does_not_break_the_crawl(tmp_path):
    site = small_site(20)
    site.notices[0].name = "Société Générale Café"
    db = tmp_path / "b.db"
    with PortalServer([site]) as server:
        server.add_fault(r"/list$", "encoding", encoding="cp1252")
        result = nightly(server, db)
    assert result.returncode == 0, result
    (name,) = rows(db, "select entity_name from notices where source_id = ?",
                   (site.notices[0].source_id,))  # fmt: skip
    # The bytes were not UTF-8 as declared: the name is kept with replacement characters,
    # never dropped, and the other notices are intact.
    assert name["entity_name"].startswith("Soci")
    assert len(stored_ids(db)) == 20
    assert_sound(db)


class RedesignedAfterFirstPage(ca.CASite):
    """The portal's list changes markup between page 1 and page 2 of one crawl."""

    def list_page(self, page: int) -> Page:
        if page >= 1:
            return Page(b"<html><body><div class='cards'><div class='card'>New</div></div>"
                        b"</body></html>")  # fmt: skip
        return super().list_page(page)


def test_a_layout_change_half_way_is_loud_and_keeps_what_parsed(tmp_path):
    site = RedesignedAfterFirstPage(ca.build_notices(ca.load_real_rows()[:120]))
    db = tmp_path / "b.db"
    with PortalServer([site]) as server:
        result = nightly(server, db)
    assert result.returncode == 1, result
    run = last_run(db, "ca_ag")
    assert run["source_status"] == "layout_changed"
    assert run["details"]["layout_changed"][0]["url"].endswith("page=1")
    assert stored_ids(db) == {n.source_id for n in site.notices[:50]}
    assert rows(db, "select count(*) n from notices where status != 'active'") == [{"n": 0}]
    assert_sound(db)


HOSTILE = [
    "Robert'); DROP TABLE notices;--",
    "<script>alert(1)</script><b>Bold</b> Inc",
    "=cmd|' /C calc'!A0",
    "Huge " + "y" * 100_000,
    "Bell\x07 and \x1b[31mescape\x1b[0m Corp",
]


def test_hostile_values_are_stored_as_text_and_exported_safely(tmp_path):
    site = small_site(10)
    for notice, name in zip(site.notices, HOSTILE, strict=False):
        notice.name = name
    db = tmp_path / "b.db"
    with PortalServer([site]) as server:
        result = nightly(server, db)
    assert result.returncode == 0, result
    stored = {r["source_id"]: r["entity_name"] for r in rows(db, "select * from notices")}
    assert len(stored) == 10
    for notice in site.notices[:3]:  # text, exactly as published
        assert stored[notice.source_id] == clean_text(notice.name)
    assert len(stored[site.notices[3].source_id]) > 100_000
    assert_sound(db)

    out = tmp_path / "n.csv"
    result = scrapy_command(["export", "--kind", "notices", "--since", "2000-01-01",
                             "-o", str(out)], db)  # fmt: skip
    assert result.returncode == 0, result
    csv.field_size_limit(1_000_000)
    with open(out, newline="", encoding="utf-8") as handle:
        exported = {r["source_id"]: r["entity"] for r in csv.DictReader(handle)}
    assert exported[site.notices[2].source_id] == "'" + stored[site.notices[2].source_id]
    assert exported[site.notices[0].source_id] == stored[site.notices[0].source_id]
    assert exported[site.notices[1].source_id] == stored[site.notices[1].source_id]


@pytest.mark.parametrize("kind", ["reset", "truncate"])
def test_the_csv_export_failing_for_good_is_recorded_in_a_backfill(kind, tmp_path):
    site = small_site(20)
    db = tmp_path / "b.db"
    with PortalServer([site]) as server:
        server.add_fault(r"/list-export", kind, times=-1)
        result = scrapy_command(["backfill", "ca_ag", "--base-url", server.base_url("/ca")], db)
    assert result.returncode == 1, result
    run = last_run(db, "ca_ag")
    assert run["details"]["completeness"] == {"checked": False, "why": "CSV export failed"}
    assert len(stored_ids(db)) == 20
    assert_sound(db)
