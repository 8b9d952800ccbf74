"""Conditional requests: a page unchanged since the last healthy run costs a 304, is not
parsed and changes nothing stored (crawler/spiders/conditional.py); the local server answers
them as a real one does (localportal/server.py)."""

import urllib.request
from urllib.error import HTTPError

import pytest
from helpers import last_run, rows, run_spider

from localportal.ca import CANotice, CASite, build_notices, load_real_rows
from localportal.me import demo_site
from localportal.server import Page, PortalServer

LIST = "/ca/privacy/databreach/list"


def snapshot(db) -> list[dict]:
    """Everything stored about notices and incidents, to compare before and after."""
    return [
        *rows(db, "select * from notices order by id"),
        *rows(db, "select * from notice_versions order by rowid"),
        *rows(db, "select * from incidents order by id"),
    ]


def get(url: str, **headers) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except HTTPError as error:  # urllib raises on 304
        return error.code, dict(error.headers), b""


class Pages:
    prefix = "/p"

    def __init__(self):
        self.body = b"<html><body>one</body></html>"

    def handle(self, path, query):
        return Page(self.body) if path == "/x" else None


def test_the_local_server_answers_conditional_requests():
    site = Pages()
    with PortalServer([site]) as server:
        url = server.base_url("/p/x")
        status, headers, body = get(url)
        assert (status, body) == (200, site.body)
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert get(url, **{"If-None-Match": etag})[0] == 304
        assert get(url, **{"If-Modified-Since": modified})[0] == 304
        assert get(url, **{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
        assert get(url, **{"If-None-Match": '"other"'})[0] == 200
        site.body = b"<html><body>two</body></html>"
        status, headers, body = get(url, **{"If-None-Match": etag})
        assert (status, body) == (200, site.body)
        assert headers["ETag"] != etag
        assert server.not_modified == ["/p/x", "/p/x"]


@pytest.fixture
def ca_site():
    return CASite(build_notices(load_real_rows()[:60]))


def test_ca_nightly_on_an_unchanged_first_page_is_one_304_and_changes_nothing(ca_site, tmp_path):
    db = tmp_path / "t.db"
    with PortalServer([ca_site]) as server:
        base = server.base_url("/ca")
        assert run_spider("ca_ag", db, base_url=base, mode="backfill").returncode == 0
        before, requests = snapshot(db), len(server.requests)
        result = run_spider("ca_ag", db, base_url=base)
        assert result.returncode == 0, result
        assert server.requests[requests:] == [LIST]
        assert server.not_modified == [LIST]
        assert snapshot(db) == before
        run = last_run(db, "ca_ag")
        assert (run["source_status"], run["notices_unchanged"]) == ("ok", 0)
        assert run["details"]["validators"]  # carried forward for the next nightly

        # A new notice changes the first page: a 200, read and stored as usual.
        ca_site.notices.insert(
            0,
            CANotice(
                "sb24-900001", "Newco Holdings, Inc.", ["11/01/2026"], "11/20/2026", ["n.pdf"]
            ),
        )
        assert run_spider("ca_ag", db, base_url=base).returncode == 0
        assert server.not_modified == [LIST]
        assert rows(db, "select count(*) n from notices where source_id = 'sb24-900001'") == [
            {"n": 1}
        ]


def test_ca_nightly_after_an_unhealthy_run_reads_the_first_page_in_full(ca_site, tmp_path):
    db = tmp_path / "t.db"
    with PortalServer([ca_site]) as server:
        base = server.base_url("/ca")
        assert run_spider("ca_ag", db, base_url=base, mode="backfill").returncode == 0
        server.add_fault(r"/reports/", "status", status=404, times=1)
        ca_site.notices.insert(
            0, CANotice("sb24-900002", "Other Co", ["11/01/2026"], "11/21/2026", ["o.pdf"])
        )
        assert run_spider("ca_ag", db, base_url=base).returncode == 1  # a detail page failed
        ca_site.notices.pop(0)
        assert run_spider("ca_ag", db, base_url=base).returncode == 0
    assert server.not_modified == []  # no validators from a run that was not healthy


def test_maine_archive_rerun_on_unchanged_workbooks_is_two_304s(tmp_path):
    db = tmp_path / "t.db"
    with PortalServer([demo_site(count=1)]) as server:
        base = server.base_url("/me")
        assert run_spider("me_ag_archive", db, base_url=base, timeout=300).returncode == 0
        before = snapshot(db)
        result = run_spider("me_ag_archive", db, base_url=base, timeout=300)
        assert result.returncode == 0, result
        assert len(server.not_modified) == 2
        assert all(path.endswith(".xlsx") for path in server.not_modified)
    assert snapshot(db) == before
    workbooks = last_run(db, "me_ag_archive")["details"]["workbooks"]
    assert [w.get("not_modified") for w in workbooks.values()] == [True, True]
