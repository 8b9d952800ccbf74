"""`scrapy backfill` end to end: the whole archive, the HTTP cache, progress, the lock."""

import json

import pytest
from helpers import last_run, rows, scrapy_command

from crawler.commands.backfill import cache_dir, job_dir
from crawler.lock import EXIT_LOCKED, ProcessLock, backfill_lock_path
from localportal import ca
from localportal.server import PortalServer


@pytest.fixture
def portal():
    site = ca.CASite(ca.build_notices(ca.load_real_rows()[:120]))
    with PortalServer([site]) as server:
        yield server, site


def backfill(server, db, *options):
    return scrapy_command(["backfill", "ca_ag", "--base-url", server.base_url("/ca"), *options], db)


def test_backfill_reads_everything_shows_progress_and_replays_from_the_cache(portal, tmp_path):
    server, _ = portal
    db = tmp_path / "b.db"
    result = backfill(server, db)
    assert result.returncode == 0, result
    assert rows(db, "select count(*) n from notices") == [{"n": 120}]
    run = last_run(db, "ca_ag")
    assert run["mode"] == "backfill"
    assert run["details"]["completeness"]["only_in_export"] == 0
    # The last list page makes the estimate exact.
    assert "Backfill progress (done, this session): " in result.log
    assert "120 notices stored (120 new), 0 rejected; about 100% of ~120 notices" in result.log
    assert not job_dir(str(db), "ca_ag").exists()
    assert (cache_dir(str(db)) / "ca_ag").is_dir()

    # A second backfill (after a parser fix, say) re-parses every page without downloading.
    downloaded = len(server.requests)
    result = backfill(server, db)
    assert result.returncode == 0, result
    assert len(server.requests) == downloaded
    assert json.loads(last_run(db, "ca_ag")["stats"])["httpcache/hit"] == 4  # 3 lists + CSV


def test_backfill_never_caches_server_errors(portal, tmp_path):
    server, _ = portal
    db = tmp_path / "b.db"
    server.add_fault(r"/list-export", "status", times=-1, status=503)
    result = backfill(server, db)
    assert result.returncode == 1, result  # the CSV failed after its retries: recorded
    assert last_run(db, "ca_ag")["details"]["completeness"]["checked"] is False
    failed = len(server.requests_matching(r"/list-export"))
    assert failed == 4  # 1 + RETRY_TIMES

    server.faults.clear()
    result = backfill(server, db)
    assert result.returncode == 0, result
    assert len(server.requests_matching(r"/list-export")) == failed + 1  # not from the cache
    assert last_run(db, "ca_ag")["details"]["completeness"]["checked"] is True


def test_no_cache_option_downloads_again(portal, tmp_path):
    server, _ = portal
    db = tmp_path / "b.db"
    assert backfill(server, db).returncode == 0
    downloaded = len(server.requests)
    result = backfill(server, db, "--no-cache")
    assert result.returncode == 0, result
    assert len(server.requests) == downloaded + 4


def test_a_second_backfill_of_the_same_source_refuses(tmp_path):
    db = tmp_path / "b.db"
    with ProcessLock(backfill_lock_path(db, "ca_ag")):
        result = scrapy_command(["backfill", "ca_ag"], db)
    assert result.returncode == EXIT_LOCKED, result
    assert "A backfill of ca_ag is already running" in result.log
    assert not db.exists()


@pytest.mark.parametrize(
    "args", [["backfill"], ["backfill", "xx_ag"], ["backfill", "ca_ag", "--base-url", "ca_ag"]]
)
def test_backfill_usage_errors_exit_2(args, tmp_path):
    db = tmp_path / "b.db"
    result = scrapy_command(args, db)
    assert result.returncode == 2, result
    assert not db.exists()
