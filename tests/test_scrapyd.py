"""Running under Scrapyd: the project built as an egg by scrapyd-deploy, uploaded to a real
Scrapyd on 127.0.0.1, `ca_ag` scheduled against the local CA portal with
`setting=BREACH_DB_PATH=...`; the database must hold notices, incidents and a finished run.

Slow (an egg build, a Scrapyd start, a crawl in Scrapyd's own process): `pytest -m slow`.
Skipped when scrapyd or scrapyd-client is not installed (both are in the dev extra).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from helpers import ROOT, rows

from localportal import ca
from localportal.server import PortalServer

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
SCRAPYD, DEPLOY = BIN / "scrapyd", BIN / "scrapyd-deploy"
if not (SCRAPYD.exists() and DEPLOY.exists()):
    pytest.skip("needs scrapyd and scrapyd-client (the dev extra)", allow_module_level=True)
PROJECT = "breach_crawler"  # as in scrapy.cfg's [deploy]
# What goes into the egg: the project as a clone has it, without local state.
NOT_IN_EGG = shutil.ignore_patterns(".git", ".venv", "data", "bench", "eval", "tests", "*.egg-info",
                                    "__pycache__", ".ruff_cache", "build")  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, fields: list[tuple[str, str]] | None = None, files=None) -> dict:
    """GET `url`, or POST form `fields` (multipart when `files` are given) to it."""
    if fields is None:
        request = urllib.request.Request(url)
    elif files:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                         f"{value}\r\n".encode())  # fmt: skip
        for name, (filename, data) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
    else:
        request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert answer.get("status") == "ok", answer
    return answer


@pytest.fixture
def scrapyd(tmp_path, monkeypatch):
    """A Scrapyd on a free loopback port, its eggs, logs and queues in tmp_path."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    port = free_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n"
        "items_dir =\nmax_proc = 1\npoll_interval = 0.5\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BREACH_")}
    server = subprocess.Popen(
        [str(SCRAPYD)], cwd=home, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                call(url + "/daemonstatus.json")
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("scrapyd did not start")
        yield url, home
    finally:
        server.terminate()
        server.wait(timeout=20)


def build_egg(tmp_path) -> bytes:
    """The egg `scrapyd-deploy` builds (it writes a setup.py next to scrapy.cfg: a copy)."""
    source = tmp_path / "project"
    shutil.copytree(ROOT, source, ignore=NOT_IN_EGG)
    egg = tmp_path / "project.egg"
    result = subprocess.run(
        [str(DEPLOY), "--build-egg", str(egg)], cwd=source, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return egg.read_bytes()


def test_ca_ag_runs_under_scrapyd_and_stores_notices_and_incidents(scrapyd, tmp_path):
    url, home = scrapyd
    call(url + "/addversion.json", [("project", PROJECT), ("version", "1")],
         files={"egg": ("project.egg", build_egg(tmp_path))})  # fmt: skip
    assert {"ca_ag", "me_ag", "agg_rankiteo", "agg_csidb", "me_ag_archive"} <= set(
        call(f"{url}/listspiders.json?project={PROJECT}")["spiders"]
    )
    db = tmp_path / "breaches.db"
    site = ca.CASite(ca.build_notices(ca.load_real_rows()[:60]))
    with PortalServer([site]) as portal:
        job = call(url + "/schedule.json", [
            ("project", PROJECT), ("spider", "ca_ag"),
            ("setting", f"BREACH_DB_PATH={db}"),
            ("base_url", portal.base_url("/ca")),
        ])["jobid"]  # fmt: skip
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            jobs = call(f"{url}/listjobs.json?project={PROJECT}")
            if any(j["id"] == job for j in jobs["finished"]):
                break
            time.sleep(1)
        else:
            pytest.fail("the job did not finish in 4 minutes")
    log = next((home / "logs").rglob(f"{job}.log")).read_text(errors="replace")
    assert "Traceback" not in log, log[-6000:]
    assert rows(db, "select count(*) n from notices") == [{"n": 60}], log[-4000:]
    assert rows(db, "select count(*) n from notices where incident_id is null") == [{"n": 0}]
    (incidents,) = rows(db, "select count(*) n from incidents")
    assert incidents["n"] > 0, log[-4000:]
    runs = rows(db, "select spider, source_status, finished_at from crawl_runs")
    assert [(r["spider"], r["source_status"]) for r in runs] == [("ca_ag", "ok")], log[-4000:]
    assert runs[0]["finished_at"]
