"""A run that ends `error` because errors were logged says which errors, not only how many."""

import json
import os
import subprocess
import sys

import pytest
from helpers import ROOT, last_run
from scrapy.utils.project import get_project_settings

from crawler.extensions import run_status
from localportal import ca
from localportal.server import PortalServer


# At INFO crawler/logfilter.py folds the exception into the message; at DEBUG the record
# keeps it: the reason reads the same either way.
@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_an_exception_in_a_pipelines_close_spider_is_named_in_the_status_reason(tmp_path, level):
    db = tmp_path / "b.db"
    pipelines = {**get_project_settings().getdict("ITEM_PIPELINES"),
                 "pipeline_failing_at_close.FailingAtClose": 990}  # fmt: skip
    env = {**os.environ, "BREACH_DB_PATH": str(db), "BREACH_LOG_LEVEL": level,
           "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")])}  # fmt: skip
    site = ca.CASite(ca.build_notices(ca.load_real_rows()[:5]))
    with PortalServer([site]) as server:
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "ca_ag", "-a",
             f"base_url={server.base_url('/ca')}", "-s", "FEEDS={}",
             "-s", f"ITEM_PIPELINES={json.dumps(pipelines)}"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    log = proc.stdout + proc.stderr
    assert proc.returncode == 1, log[-3000:]
    run = last_run(db, "ca_ag")
    assert run["notices_new"] == 5, run  # the premise: the crawl itself went well
    assert run["source_status"] == "error"
    assert run["status_reason"] == (
        "1 error(s) logged: Scraper close failure "
        "[RuntimeError: the feed file could not be renamed]"
    ), run


def test_the_reason_names_at_most_the_first_errors_and_the_count_says_how_many():
    lines = ["first [ValueError: x]", "second", "third"]
    status, why = run_status({"log_count/ERROR": 7}, "finished", lines)
    assert status == "error"
    assert why == "7 error(s) logged: first [ValueError: x]; second; third"
    assert run_status({"log_count/ERROR": 2}, "finished") == ("error", "2 error(s) logged")
