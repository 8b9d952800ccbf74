"""A person's view of `make serve`: headless Chromium opens Datasette's pages on a database
made by a real crawl, reads what is on screen and keeps a screenshot of each page.

Screenshots go to data/screenshots/ (BREACH_SCREENSHOTS overrides): the index, the breaches
view, an incident's page and two searches. Skipped when no Chromium is installed
(scripts/install-browser installs Debian's); `make test-browser` runs only this file.
"""

import html
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT, rows
from test_datasette import crawl_database

CHROMIUM = next(
    (path for name in ("chromium", "chromium-browser", "google-chrome")
     if (path := shutil.which(name))),
    None,
)  # fmt: skip
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (scripts/install-browser)")
SCREENSHOTS = Path(os.environ.get("BREACH_SCREENSHOTS", ROOT / "data" / "screenshots"))
# Flags that work in a container as root, with no network beyond loopback.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                  "--window-size=1400,1800"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """`datasette` serving a crawled database as `make serve` does, on a free port."""
    db = crawl_database(tmp_path_factory.mktemp("browser"))
    port = free_port()
    datasette = Path(sys.executable).with_name("datasette")
    server = subprocess.Popen(
        [str(datasette), "serve", str(db), "-m", "metadata.yml",
         "--plugins-dir", "datasette-plugins", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    root = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(root + "/-/versions.json", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"datasette did not start: {server.stderr.read1().decode()}")
        yield root, db
    finally:
        server.terminate()
        server.wait(timeout=10)


def look(url: str, name: str, profile: Path) -> str:
    """What Chromium shows at `url`: the page's visible text; a screenshot is saved."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    shot = SCREENSHOTS / f"{name}.png"
    shot.unlink(missing_ok=True)
    for extra in ([f"--screenshot={shot}"], ["--dump-dom"]):
        result = subprocess.run(
            [CHROMIUM, *flags, *extra, url], capture_output=True, text=True, timeout=90, check=False
        )
        assert result.returncode == 0, result.stderr[-2000:]
    assert shot.stat().st_size > 10_000, "the screenshot is (nearly) empty"
    dom = result.stdout
    assert "<title>Error" not in dom, dom[:2000]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_a_person_browses_searches_and_opens_an_incident(site, tmp_path):
    root, db = site
    index = look(root + "/", "1-index", tmp_path / "p1")
    assert "US data-breach notices" in index
    assert "Breaches" in index

    breaches = look(root + "/breaches/breaches", "2-breaches", tmp_path / "p2")
    count = rows(db, "select count(*) n from incidents")[0]["n"]
    assert f"{count:,} rows" in breaches
    assert "state_list (array)" in breaches  # the states facet
    newest = rows(db, "select entity from breaches order by first_reported_date desc limit 3")
    for row in newest:
        assert row["entity"] in breaches

    # Clicking "ME" in the states facet: incidents Maine was told of, readable lists.
    maine = look(root + "/breaches/breaches?state_list__arraycontains=ME", "2b-breaches-me",
                 tmp_path / "p2b")  # fmt: skip
    assert re.search(r"\bCA, ME\b", maine), "no incident shown with both states"
    assert re.search(r"\bME: \d+", maine), "no Maine residents count shown"
    assert '["' not in maine  # no raw JSON on screen

    (incident,) = rows(db, "select * from incidents order by notice_count desc, id limit 1")
    page = look(f"{root}/breaches/incidents/{incident['id']}", "3-incident", tmp_path / "p3")
    assert incident["display_name"] in page
    assert f"{incident['notice_count']} rows from incident_id in notices" in page
    assert "entity_key" not in page  # hidden on the row page too, not only the table page

    for name, term in (("4-search-t-mobile", "T-Mobile"), ("5-search-att", "AT&T")):
        found = look(
            f"{root}/breaches/breaches?_search={urllib.request.quote(term, safe='')}",
            name,
            tmp_path / name,
        )
        expected = rows(db, "select display_name from incidents where display_name like ?",
                        (f"%{term}%",))  # fmt: skip
        assert expected
        assert f'search matches "{term}"' in found
        for row in expected:
            assert row["display_name"] in found
