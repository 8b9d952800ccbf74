"""The run log counts only what was committed; a failed commit makes the run `error`."""

import os
import resource
import subprocess
import sys

from helpers import ROOT, last_run, rows

from crawler.store.db import connect
from localportal import ca
from localportal.server import PortalServer


def crawl_with_file_size_limit(db, base_url: str, limit: int) -> subprocess.CompletedProcess:
    """`scrapy crawl ca_ag` whose files cannot grow past `limit` bytes: SQLite's writes past
    it fail (EFBIG, "disk I/O error"), like a disk that fills up during the crawl."""

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "BREACH_DB_PATH": str(db), "BREACH_LOG_LEVEL": "INFO"}
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "ca_ag", "-a", f"base_url={base_url}",
         "-s", "FEEDS={}", "-s", "BREACH_STORE_BATCH_SECONDS=60"],  # one batch, at the end
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
        preexec_fn=limit_file_size,
    )  # fmt: skip


def test_a_commit_that_fails_for_lack_of_space_makes_the_run_error_and_counts_nothing_lost(
    tmp_path,
):
    db = tmp_path / "b.db"
    connect(db).conn.close()  # the schema fits; the crawl's notices will not
    limit = max(db.stat().st_size, 64 * 1024)
    site = ca.CASite(ca.build_notices(ca.load_real_rows()[:200]))
    with PortalServer([site]) as server:
        result = crawl_with_file_size_limit(db, server.base_url("/ca"), limit)
    log = result.stdout + result.stderr
    assert result.returncode == 1, log[-3000:]
    run = last_run(db, "ca_ag")
    assert run["source_status"] == "error", run
    assert run["status_reason"].startswith("database write failed (disk I/O error)"), run
    stored = rows(db, "select count(*) n from notices")[0]["n"]
    assert stored < 200  # the premise: most notices did not fit
    # What the run log says was stored is what is in the database, not what was attempted.
    assert run["notices_new"] + run["notices_updated"] + run["notices_unchanged"] == stored
    assert rows(db, "pragma integrity_check") == [{"integrity_check": "ok"}]
    assert "Store: database write failed" in log
