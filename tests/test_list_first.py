"""List-first CA backfill at a polite (scaled) delay: every notice is stored from its list row
before any detail page is fetched; detail pages follow newest first within the run's budget,
and later runs pick up what is still waiting (crawler/spiders/details.py)."""

import re

import pytest
from helpers import last_run, rows, run_spider

from localportal.ca import CASite, build_notices, load_real_rows
from localportal.server import PortalServer

COPY_SIZE = 120  # three list pages
# 0.05 s standing for the live 10 s: one request at a time, the live concurrency otherwise.
POLITE = {
    "DOWNLOAD_DELAY": 0.05,
    "RANDOMIZE_DOWNLOAD_DELAY": False,
    "CONCURRENT_REQUESTS": 8,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "BREACH_STORE_BATCH_SECONDS": 0.1,
}
DETAIL = re.compile(r"/reports/(sb24-\d+)$")


@pytest.fixture
def site():
    return CASite(build_notices(load_real_rows()[:COPY_SIZE]))


@pytest.fixture
def server(site):
    with PortalServer([site]) as server:
        yield server


def kinds(paths: list[str]) -> list[str]:
    return ["detail" if DETAIL.search(p) else "export" if "export" in p else "list" for p in paths]


def detail_ids(paths: list[str]) -> list[str]:
    return [m.group(1) for p in paths if (m := DETAIL.search(p))]


def waiting(db) -> set[str]:
    found = rows(db, "select source_id from notices where flags like '%detail_pending%'")
    return {r["source_id"] for r in found}


def test_every_notice_is_listed_before_any_detail_page_is_fetched(server, site, tmp_path):
    db = tmp_path / "t.db"
    result = run_spider("ca_ag", db, base_url=server.base_url("/ca"), mode="backfill",
                        settings=POLITE)  # fmt: skip
    assert result.returncode == 0, result
    order = kinds(server.requests)
    first_detail = order.index("detail")
    assert order[:first_detail].count("list") == 3
    assert "list" not in order[first_detail:]
    # Newest first: the list's own order (the copy lists newest first).
    assert detail_ids(server.requests) == [n.source_id for n in site.notices]
    stored = rows(db, "select source_id, notice_url, flags from notices")
    assert len(stored) == COPY_SIZE
    assert waiting(db) == set()
    assert all(r["notice_url"] for r in stored)
    # A detail page completing its list row is the same notice read in two steps, not a
    # change: no earlier version is kept.
    assert rows(db, "select count(*) n from notice_versions") == [{"n": 0}]
    assert "List read; detail pages next, newest first: 0 requested this run, 120 waiting" in (
        result.log
    )
    run = last_run(db, "ca_ag")
    assert run["source_status"] == "ok"
    assert run["details"]["details"]["waiting"] == 0


def test_a_run_budget_leaves_the_oldest_details_waiting_for_later_runs(server, site, tmp_path):
    db = tmp_path / "t.db"
    base = server.base_url("/ca")
    # The budget counts from the start of the run: the list (4 requests) fits well within it
    # even on a busy machine, the 120 detail pages (30 s at this delay) do not.
    budget = {**POLITE, "DOWNLOAD_DELAY": 0.25, "BREACH_RUN_BUDGET_SECONDS": 5}
    result = run_spider("ca_ag", db, base_url=base, mode="backfill", settings=budget)
    assert result.returncode == 0, result
    fetched = detail_ids(server.requests)
    newest = [n.source_id for n in site.notices]
    assert 0 < len(fetched) < COPY_SIZE // 2
    assert fetched == newest[: len(fetched)]  # newest first, the rest waits
    # Every notice is stored (from its list row) and already in an incident.
    assert rows(db, "select count(*) n, count(incident_id) i from notices") == [
        {"n": COPY_SIZE, "i": COPY_SIZE}
    ]
    assert waiting(db) == set(newest[len(fetched) :])
    details = last_run(db, "ca_ag")["details"]["details"]
    assert details["budget_spent"] is True
    assert details["waiting"] == COPY_SIZE - len(fetched)
    assert f"{COPY_SIZE - len(fetched)} waiting (about" in result.log

    # The next nightly: the first list page (unchanged: a 304), then the waiting details,
    # newest first, with its own budget (here none).
    before = len(server.requests)
    nightly = {**POLITE, "BREACH_RUN_BUDGET_SECONDS": 0}
    result = run_spider("ca_ag", db, base_url=base, settings=nightly)
    assert result.returncode == 0, result
    later = server.requests[before:]
    assert kinds(later)[0] == "list"
    assert kinds(later).count("list") == 1
    assert detail_ids(later) == newest[len(fetched) :]
    assert waiting(db) == set()
    assert rows(db, "select count(*) n from notices where notice_url is null") == [{"n": 0}]


def test_a_copy_served_at_full_speed_reads_details_as_it_goes(server, site, tmp_path):
    db = tmp_path / "t.db"
    result = run_spider("ca_ag", db, base_url=server.base_url("/ca"), mode="backfill")
    assert result.returncode == 0, result
    order = kinds(server.requests)
    # The second list page is read after details of the first: no list-first at full speed.
    assert order.index("detail") < len(order) - 1 - order[::-1].index("list")
    assert waiting(db) == set()
    assert len(rows(db, "select id from notices")) == COPY_SIZE


@pytest.mark.parametrize(
    ("share", "details_fit"),
    [(12, True), (6, False)],  # 6 s leaves less than the margin: no time for any detail page
)
def test_a_nightly_time_share_ends_the_detail_phase_in_time(server, site, tmp_path, share,
                                                            details_fit):  # fmt: skip
    """Under `scrapy nightly` a source's time share is its CLOSESPIDER_TIMEOUT: waiting details
    get what is left of it, so the run ends `ok` (not stopped early by the timeout), whatever
    the budget setting says (0 = no limit of its own)."""
    db = tmp_path / "t.db"
    # 120 detail pages at 0.25 s a request take ~30 s: far beyond either share.
    shared = {**POLITE, "DOWNLOAD_DELAY": 0.25, "BREACH_RUN_BUDGET_SECONDS": 0,
              "CLOSESPIDER_TIMEOUT": share}  # fmt: skip
    result = run_spider("ca_ag", db, base_url=server.base_url("/ca"), mode="backfill",
                        settings=shared)  # fmt: skip
    assert result.returncode == 0, result
    run = last_run(db, "ca_ag")
    assert (run["source_status"], run["finish_reason"]) == ("ok", "finished"), run
    fetched = detail_ids(server.requests)
    assert (len(fetched) > 0) is details_fit
    assert len(fetched) < COPY_SIZE // 2
    details = run["details"]["details"]
    assert details["budget_spent"] is True
    assert details["waiting"] == COPY_SIZE - len(fetched)
    assert rows(db, "select count(*) n from notices") == [{"n": COPY_SIZE}]
