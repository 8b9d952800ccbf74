"""`scrapy health`: the state of each source from its crawl_runs rows, and the exit code."""

from datetime import UTC, datetime, timedelta

import pytest
from helpers import scrapy_command

from crawler import health
from crawler.extensions import run_status
from crawler.store.db import connect

LIVE = "https://oag.ca.gov"


def add_runs(db_path, spider: str, runs: list[tuple], base_url: str = LIVE) -> None:
    """runs: (hours ago, source_status, notices stored), oldest first."""
    db = connect(db_path)
    now = datetime.now(UTC)
    with db.conn:
        for hours_ago, status, notices in runs:
            started = (now - timedelta(hours=hours_ago)).isoformat(timespec="seconds")
            reason = "" if status == "ok" else run_status(
                {"breach/layout_changed": 1} if status == "layout_changed" else
                {"breach/source_offline": 1} if status == "offline" else {"log_count/ERROR": 3},
                "finished",
            )[1]  # fmt: skip
            db["crawl_runs"].insert(
                {"spider": spider, "mode": "nightly", "base_url": base_url,
                 "started_at": started, "finished_at": started, "source_status": status,
                 "status_reason": reason, "notices_new": 0, "notices_updated": 0,
                 "notices_unchanged": notices}
            )  # fmt: skip
    db.conn.close()


def nightly_history(days: int = 15, notices: int = 50) -> list[tuple]:
    return [(24 * (days - i), "ok", notices) for i in range(days)]


def check(db_path, *options):
    return scrapy_command(["health", "--only", "ca_ag", *options], db_path)


def test_a_healthy_source_exits_0(tmp_path):
    db = tmp_path / "b.db"
    add_runs(db, "ca_ag", [*nightly_history(), (1, "ok", 48)])
    result = check(db)
    assert result.returncode == 0, result
    line = next(x for x in result.log.splitlines() if x.startswith("ca_ag"))
    assert line.split()[1] == "ok"
    assert "48 50 50 50 50 50 50" in line


def test_far_fewer_notices_than_usual_is_flagged(tmp_path):
    db = tmp_path / "b.db"
    add_runs(db, "ca_ag", [*nightly_history(), (1, "ok", 24)])
    result = check(db)
    assert result.returncode == 3, result
    assert (
        "ca_ag: low_yield: 24 notices, under 50% of the median 50 of the previous 14 ok runs"
        in result.log
    )


def test_failures_in_a_row_with_reason(tmp_path):
    db = tmp_path / "b.db"
    add_runs(db, "ca_ag", [*nightly_history(), (3, "error", 0), (1, "layout_changed", 0)])
    result = check(db)
    assert result.returncode == 1, result
    line = next(x for x in result.log.splitlines() if x.startswith("ca_ag"))
    assert line.split()[1] == "failing"
    assert line.split()[4] == "2"  # failures in a row
    assert "1 page(s) had an unknown layout" in result.log


def test_an_offline_source_exits_2_and_a_recovered_one_shows_its_last_failure(tmp_path):
    db = tmp_path / "b.db"
    add_runs(db, "ca_ag", [*nightly_history(), (1, "offline", 0)])
    assert check(db).returncode == 2
    add_runs(db, "ca_ag", [(0.5, "ok", 50)])
    result = check(db)
    assert result.returncode == 0, result
    assert "last failure" in result.log
    assert "the source reports that it is offline" in result.log


def test_a_source_that_stopped_running_is_stale(tmp_path):
    db = tmp_path / "b.db"
    add_runs(db, "ca_ag", nightly_history(days=5)[:-2])  # the newest run is 72 hours old
    result = check(db)
    assert result.returncode == 1, result
    assert "ca_ag: stale: no finished nightly run since" in result.log
    assert check(db, "--max-age-hours", "0").returncode == 0


def test_runs_against_local_copies_do_not_count_unless_asked(tmp_path):
    db = tmp_path / "b.db"
    add_runs(db, "ca_ag", nightly_history(days=2), base_url="http://127.0.0.1:8000/ca")
    result = check(db)
    # Never ran against the live site: not counted, and said so (a demo database: exit 0;
    # with live runs in the database it is exit 1, tests/test_store_usage.py).
    line = next(x for x in result.log.splitlines() if x.startswith("ca_ag"))
    assert line.split()[1] == "local_only"
    assert "ca_ag: local_only: only local runs recorded: 2 run(s)" in result.log
    assert result.returncode == 0, result
    result = check(db, "--include-local")
    assert result.returncode == 0
    line = next(x for x in result.log.splitlines() if x.startswith("ca_ag"))
    assert line.split()[1] == "ok"


def test_a_killed_run_is_reported_not_counted():
    runs = [
        {"id": 3, "started_at": "2026-01-03T00:00:00+00:00", "source_status": "running"},
        {"id": 2, "started_at": "2026-01-02T00:00:00+00:00", "source_status": "ok",
         "status_reason": "", "notices_unchanged": 50},
    ]  # fmt: skip
    report = health.assess("ca_ag", runs, now=datetime(2026, 1, 3, tzinfo=UTC))
    assert report.state == "ok"
    assert report.stuck_running == ["run 3 since 2026-01-03T00:00:00+00:00"]
    assert "never closed (killed?)" in health.table([report])


@pytest.mark.parametrize(
    ("states", "code"),
    [(["ok", "ok"], 0), (["ok", "offline"], 2), (["offline", "low_yield"], 3),
     (["low_yield", "failing"], 1), (["ok", "no_runs"], 1)],
)  # fmt: skip
def test_exit_code_is_the_worst_state(states, code):
    assert health.exit_code([health.SourceHealth("s", state=s) for s in states]) == code


def test_yield_is_what_the_source_listed_not_what_was_new():
    # Maine on quiet nights: nothing new or re-read, the whole list seen again.
    quiet = [{"notices_new": 0, "notices_updated": 0, "notices_unchanged": 0, "source_status": "ok",
              "started_at": f"2026-11-{d:02d}T03:00:00+00:00", "status_reason": "",
              "stats": '{"breach/listed": 5900}'} for d in range(20, 5, -1)]  # fmt: skip
    busy = {**quiet[0], "notices_new": 3, "stats": '{"breach/listed": 5903}'}
    assert health.assess("me_ag", [busy, *quiet]).state == "ok"
    # A list that suddenly shows a tenth of the notices is flagged.
    broken = {**quiet[0], "stats": '{"breach/listed": 590}'}
    assert health.assess("me_ag", [broken, *quiet]).state == "low_yield"


def test_an_unchanged_source_a_304_is_not_a_low_yield():
    # CA on a night its first list page has not changed: one 304, nothing listed.
    read = [{"notices_new": 0, "notices_updated": 0, "notices_unchanged": 0, "source_status": "ok",
             "started_at": f"2026-11-{d:02d}T03:00:00+00:00", "status_reason": "",
             "stats": '{"breach/listed": 5300}'} for d in range(20, 5, -1)]  # fmt: skip
    unchanged = {**read[0], "stats": '{"breach/listed": 0, "breach/ca_ag/not_modified": 1}'}
    assessed = health.assess("ca_ag", [unchanged, *read])
    assert (assessed.state, assessed.note) == ("ok", "unchanged since the last run (not modified)")
    # Unchanged nights do not lower the median a later run is compared with.
    half = {**read[0], "stats": '{"breach/listed": 2000}'}
    assert health.assess("ca_ag", [half, *[unchanged] * 14, *read]).state == "low_yield"
    # A 304 on one page while the list read shows nothing is still flagged.
    empty = {**read[0], "stats": '{"breach/listed": 0}'}
    assert health.assess("ca_ag", [empty, *read]).state == "low_yield"
