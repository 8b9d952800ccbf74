"""`scrapy nightly` end to end: every source in one process, local copies, a temp database."""

import os
import signal
import subprocess
import sys
import time

import pytest
from helpers import ROOT, rows, scrapy_command

from crawler.commands.nightly import MIN_SECONDS_PER_SOURCE, time_shares
from crawler.lock import EXIT_LOCKED, LockHeldError, ProcessLock, nightly_lock_path
from localportal import ca, me
from localportal.aggregators import build_csidb_site, build_rankiteo_site
from localportal.server import PortalServer

PREFIXES = {"ca_ag": "/ca", "me_ag": "/me", "agg_rankiteo": "/rankiteo", "agg_csidb": "/csidb"}


def base_url_options(server, names=PREFIXES) -> list[str]:
    options = []
    for name in names:
        options += ["--base-url", f"{name}={server.base_url(PREFIXES[name])}"]
    return options


@pytest.fixture
def portal():
    sites = {
        "ca": ca.CASite(ca.build_notices(ca.load_real_rows()[:60])),
        "me": me.demo_site(count=20),
        "rankiteo": build_rankiteo_site(),
        "csidb": build_csidb_site(),
    }
    with PortalServer(list(sites.values())) as server:
        yield server, sites


def test_nightly_crawls_every_source_in_one_process_and_summarises(portal, tmp_path):
    server, _ = portal
    db = tmp_path / "b.db"
    result = scrapy_command(["nightly", *base_url_options(server)], db)
    assert result.returncode == 0, result
    runs = rows(db, "select spider, mode, source_status from crawl_runs order by id")
    assert runs == [{"spider": name, "mode": "nightly", "source_status": "ok"} for name in PREFIXES]
    header = next(line for line in result.log.splitlines() if line.startswith("source"))
    for column in ("status", "new", "updated", "removed", "rejected", "errors", "duration"):
        assert column in header.split()
    assert rows(db, "select count(*) n from notices where source = 'ca_ag'") == [{"n": 60}]
    # me_ag_archive is backfill-only: never part of a nightly.
    assert not server.requests_matching("archives")


def test_nightly_exit_codes_one_source_broken_and_one_offline(portal, tmp_path):
    server, sites = portal
    db = tmp_path / "b.db"
    sites["me"].offline = True
    only = ["--only", "ca_ag,me_ag"]
    result = scrapy_command(["nightly", *only, *base_url_options(server, ["ca_ag", "me_ag"])], db)
    assert result.returncode == 2, result  # CA fine, Maine offline
    sites["ca"].list_override = b"<html><body><div class='redesign'>New look</div></body></html>"
    result = scrapy_command(["nightly", *only, *base_url_options(server, ["ca_ag", "me_ag"])], db)
    assert result.returncode == 1, result  # a broken source outranks an offline one
    statuses = rows(db, "select spider, source_status from crawl_runs where id > 2 order by id")
    assert statuses == [
        {"spider": "ca_ag", "source_status": "layout_changed"},
        {"spider": "me_ag", "source_status": "offline"},  # still ran after CA broke
    ]


def test_second_nightly_refuses_and_touches_nothing(tmp_path):
    db = tmp_path / "b.db"
    with ProcessLock(nightly_lock_path(db)):
        result = scrapy_command(["nightly", "--only", "ca_ag"], db)
    assert result.returncode == EXIT_LOCKED, result
    assert "Another nightly crawl is running" in result.log
    assert f"pid {os.getpid()}" in result.log
    assert not db.exists()


def test_lock_is_released_when_its_holder_is_killed(tmp_path):
    path = nightly_lock_path(tmp_path / "b.db")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from crawler.lock import ProcessLock; "
         f"held = ProcessLock({str(path)!r}).acquire(); print('held', flush=True); time.sleep(60)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeldError):
            ProcessLock(path).acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        holder.kill()
    ProcessLock(path).acquire().release()  # the kernel dropped the lock with the process


def test_time_cap_stops_a_slow_source_and_the_next_nightly_completes_it(tmp_path):
    site = ca.CASite(ca.build_notices(ca.load_real_rows()[:120]))
    db = tmp_path / "b.db"
    with PortalServer([site]) as server:
        # 120 detail pages at 2 s each, 16 at a time: far longer than the 5 s cap.
        slow = server.add_fault(r"/ecrime/databreach/reports/", "delay", times=-1, seconds=2.0)
        # 0.01 minutes is below the floor: the source gets MIN_SECONDS_PER_SOURCE.
        result = scrapy_command(
            ["nightly", "--only", "ca_ag", "--max-minutes", "0.01",
             *base_url_options(server, ["ca_ag"])],
            db,
        )  # fmt: skip
        assert result.returncode == 1, result
        (run,) = rows(db, "select finish_reason, source_status from crawl_runs")
        assert run == {"finish_reason": "closespider_timeout", "source_status": "error"}
        # What was parsed before the cap is kept; what the cap cut short is marked for later.
        complete = rows(
            db, "select count(*) n from notices where flags not like '%detail_missing%'"
        )
        assert 0 < complete[0]["n"] < 120

        server.faults.remove(slow)
        result = scrapy_command(
            ["nightly", "--only", "ca_ag", *base_url_options(server, ["ca_ag"])], db
        )
    assert result.returncode == 0, result
    assert rows(db, "select count(*) n from notices where flags not like '%detail_missing%'") == [
        {"n": 120}
    ]


def test_time_shares_split_what_is_left_between_the_sources_left():
    assert time_shares(deadline=400.0, jobs_left=4, now=0.0) == 100.0
    # A quick first source leaves its unused time to the others.
    assert time_shares(deadline=400.0, jobs_left=3, now=10.0) == 130.0
    assert time_shares(deadline=400.0, jobs_left=1, now=399.0) == MIN_SECONDS_PER_SOURCE


@pytest.mark.parametrize(
    "options",
    [["--only", "xx_ag"], ["--only", "me_ag_archive"], ["--base-url", "ca_ag"],
     ["--max-minutes", "0"]],
)  # fmt: skip
def test_nightly_usage_errors_exit_2_without_crawling(options, tmp_path):
    db = tmp_path / "b.db"
    result = scrapy_command(["nightly", *options], db)
    assert result.returncode == 2, result
    assert not db.exists()


def test_nightly_lock_is_held_for_the_whole_process(tmp_path):
    """While a nightly runs (slow server), the lock is taken; afterwards it is free."""
    site = ca.CASite(ca.build_notices(ca.load_real_rows()[:10]))
    db = tmp_path / "b.db"
    with PortalServer([site]) as server:
        server.add_fault(r"/privacy/databreach/list", "delay", times=1, seconds=3.0)
        env = {**os.environ, "BREACH_DB_PATH": str(db)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "nightly", "--only", "ca_ag",
             *base_url_options(server, ["ca_ag"]), "-s", "FEEDS={}"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while not server.requests and time.monotonic() < deadline:
                time.sleep(0.05)
            assert server.requests, "the nightly never reached the server"
            with pytest.raises(LockHeldError):
                ProcessLock(nightly_lock_path(db)).acquire()
            assert proc.wait(timeout=30) == 0
        finally:
            proc.kill()
    ProcessLock(nightly_lock_path(db)).acquire().release()
