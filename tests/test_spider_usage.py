"""Bad usage is one line and exit 2 before anything runs; a host that is down ends in seconds."""

import socket
import time

import pytest
from helpers import last_run, rows, run_spider, scrapy_command
from twisted.internet.error import ConnectionRefusedError, DNSLookupError

from crawler.middlewares import host_down_reason
from localportal import ca
from localportal.server import PortalServer


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawl", "nosuch"], "unknown source 'nosuch' (known: ca_ag, "),
        (["crawl", "ca_ag", "-a", "mode=bogus"], "ca_ag supports mode nightly or backfill"),
        (["crawl", "me_ag_archive", "-a", "mode=nightly"], "supports mode backfill, not"),
        (
            ["crawl", "ca_ag", "-a", "base_url=127.0.0.1:8000"],
            "base_url must be http(s)://host[:port][/prefix], not '127.0.0.1:8000'",
        ),
        (["crawl", "me_ag", "-a", "viewer=newest"], "viewer must be one of"),
        (["crawl", "agg_rankiteo", "-a", "since=yesterday"], "since must be YYYY-MM-DD"),
    ],
)
def test_a_usage_error_is_one_line_exit_2_and_records_no_run(args, message, tmp_path):
    db = tmp_path / "u.db"
    result = scrapy_command(args, db, timeout=60)
    assert result.returncode == 2, result
    (line,) = result.log.strip().splitlines()  # one line, nothing else
    assert line.startswith("scrapy crawl: ")
    assert message in result.log
    assert "Traceback" not in result.log
    assert not db.exists()  # no run opened, so no crawl_runs row


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once closed: nothing listens there


def test_a_host_refusing_connections_ends_the_crawl_in_seconds_and_says_why(tmp_path):
    db = tmp_path / "down.db"
    port = closed_port()
    started = time.monotonic()
    result = scrapy_command(
        ["crawl", "ca_ag", "-a", f"base_url=http://127.0.0.1:{port}/ca"],
        db,
        timeout=120,
        # Live backoff, as on a scheduled run (a loopback copy would retry at once).
        settings={"BREACH_LOCAL_SETTINGS": '{"ROBOTSTXT_OBEY": false}'},
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result
    run = last_run(db, "ca_ag")
    assert run["source_status"] == "error"
    assert f"connection refused by 127.0.0.1:{port}" in run["status_reason"]
    assert elapsed < 20
    assert "Traceback" not in result.log
    assert rows(db, "select count(*) n from notices")[0]["n"] == 0


def test_the_cause_is_named_for_dns_and_refused_connections():
    assert host_down_reason("https://oag.ca.gov/privacy", DNSLookupError("x")) == (
        "DNS lookup failed for oag.ca.gov"
    )
    assert host_down_reason("http://127.0.0.1:9/ca", ConnectionRefusedError()) == (
        "connection refused by 127.0.0.1:9"
    )
    assert host_down_reason("https://oag.ca.gov/", ValueError("other")) is None


def test_errors_are_one_line_without_traceback_unless_debug(tmp_path):
    portal = ca.CASite(ca.build_notices(ca.load_real_rows()[:5]))
    with PortalServer([portal]) as server:
        server.add_fault(r"/list$", "reset", times=-1)  # the list page never arrives
        quiet = run_spider("ca_ag", tmp_path / "a.db", base_url=server.base_url("/ca"))
        debug = run_spider(
            "ca_ag",
            tmp_path / "b.db",
            base_url=server.base_url("/ca"),
            settings={"LOG_LEVEL": "DEBUG"},
        )
    assert quiet.returncode == 1, quiet
    assert "Traceback" not in quiet.log
    (line,) = [x for x in quiet.log.splitlines() if "Error downloading" in x]
    assert "list" in line
    assert "[" in line  # the exception, folded into the line
    assert "Traceback" in debug.log
