"""Hearing what is new: after each nightly, an Atom feed and a webhook (a receiver on
127.0.0.1) get the incidents that are new or gained a state or a larger count."""

import json
import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from helpers import rows, scrapy_command

from crawler.notify import feed
from crawler.notify.webhook import post_json
from localportal import me
from localportal.demo import ca_demo_site
from localportal.server import PortalServer

ATOM = "{http://www.w3.org/2005/Atom}"


class Receiver:
    """A webhook receiver on 127.0.0.1 answering `status`; keeps every body it got."""

    def __init__(self, status: int = 204):
        self.status = status
        self.bodies: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                receiver.bodies.append(
                    {
                        "type": self.headers["Content-Type"],
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    hook = Receiver()
    yield hook
    hook.close()


@pytest.fixture(scope="module")
def portal():
    with PortalServer([ca_demo_site(), me.demo_site(count=100)]) as server:
        yield server


@pytest.fixture(autouse=True)
def no_proxy_for_loopback(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def nightly(portal, db, only: str, **settings):
    urls = [f"ca_ag={portal.base_url('/ca')}", f"me_ag={portal.base_url('/me')}"]
    options = ["--only", only] + [x for url in urls for x in ("--base-url", url)]
    result = scrapy_command(["nightly", *options], db, timeout=300, settings=settings)
    assert result.returncode == 0, result
    return result


def feed_entries(path) -> list[dict]:
    root = ET.parse(path).getroot()  # well-formed, or this raises
    assert root.tag == f"{ATOM}feed"
    return [
        {"id": e.findtext(f"{ATOM}id"), "title": e.findtext(f"{ATOM}title"),
         "summary": e.findtext(f"{ATOM}summary")}
        for e in root.findall(f"{ATOM}entry")
    ]  # fmt: skip


def test_feed_and_webhook_tell_new_incidents_and_states_gained(portal, receiver, tmp_path):
    db, atom = tmp_path / "b.db", tmp_path / "feed.atom"
    settings = {"BREACH_FEED_PATH": atom, "BREACH_FEED_ENTRIES": 50,
                "BREACH_WEBHOOK_URL": receiver.url}  # fmt: skip
    nightly(portal, db, "ca_ag", **settings)
    (first,) = receiver.bodies
    assert first["type"].startswith("application/json")
    incidents = {r["id"] for r in rows(db, "select id from incidents")}
    assert {e["incident_id"] for e in first["json"]["entries"]} == incidents
    assert {e["change"] for e in first["json"]["entries"]} == {"new"}
    assert len(feed_entries(atom)) == 50  # the newest 50 kept

    # Maine's notices arrive: some join CA incidents (they gain ME), others are new.
    nightly(portal, db, "ca_ag,me_ag", **settings)
    second = receiver.bodies[1]["json"]["entries"]
    touched = rows(db, "select incident_id, group_concat(source) sources from notices "
                   "where incident_id in (select incident_id from notices where source = 'me_ag') "
                   "group by incident_id")  # fmt: skip
    assert {e["incident_id"] for e in second} == {r["incident_id"] for r in touched}
    kinds = {r["incident_id"]: "updated" if "ca_ag" in r["sources"] else "new" for r in touched}
    assert {e["incident_id"]: e["change"] for e in second} == kinds
    updated = [e for e in second if e["change"] == "updated"]
    assert updated, "no CA incident gained Maine"
    assert all("ME" in e["new_states"] for e in updated)
    assert any(e["change"] == "new" for e in second)
    entries = feed_entries(atom)
    assert len(entries) == 50
    top = sorted(second, key=lambda e: e["change"] != "updated")[0]
    titles = [e["title"] for e in entries[: len(second)]]
    assert any(top["entity"] in title for title in titles)
    assert any(t.startswith("Update: ") and "now also notified to ME" in t for t in titles)

    # Nothing new: no webhook call, the feed keeps what it had.
    nightly(portal, db, "ca_ag,me_ag", **settings)
    assert len(receiver.bodies) == 2
    assert feed_entries(atom) == entries
    log = rows(db, "select channel, entries, status from notifications order by id")
    assert log == [
        {"channel": "feed", "entries": len(incidents), "status": "ok"},
        {"channel": "webhook", "entries": len(incidents), "status": "ok"},
        {"channel": "feed", "entries": len(second), "status": "ok"},
        {"channel": "webhook", "entries": len(second), "status": "ok"},
        {"channel": "feed", "entries": 0, "status": "ok"},
    ]


def test_a_watchlist_narrows_what_is_told(portal, receiver, tmp_path):
    db, watchlist = tmp_path / "b.db", tmp_path / "watch.txt"
    nightly(portal, db, "ca_ag", BREACH_FEED_PATH="off")
    watchlist.write_text("# entities we follow\nosmose utilities\n\nNobody Here Inc\n")
    nightly(portal, db, "ca_ag,me_ag", BREACH_FEED_PATH=tmp_path / "f.atom",
            BREACH_WEBHOOK_URL=receiver.url, BREACH_WATCHLIST=watchlist)  # fmt: skip
    (body,) = receiver.bodies
    assert [e["entity"] for e in body["json"]["entries"]] == ["Osmose Utilities Services, Inc."]
    assert len(feed_entries(tmp_path / "f.atom")) == 1
    assert not (tmp_path / "feed.atom").exists()  # "off" in the first run: no feed


def test_a_failing_webhook_is_retried_recorded_and_never_fails_the_crawl(portal, tmp_path):
    hook = Receiver(status=503)
    db = tmp_path / "b.db"
    started = time.monotonic()
    try:
        nightly(portal, db, "ca_ag", BREACH_WEBHOOK_URL=hook.url, BREACH_WEBHOOK_ATTEMPTS=3,
                BREACH_WEBHOOK_BACKOFF=0.2, BREACH_WEBHOOK_TIMEOUT=2)  # fmt: skip
    finally:
        hook.close()
    assert len(hook.bodies) == 3
    (record,) = rows(db, "select * from notifications where channel = 'webhook'")
    assert (record["status"], record["attempts"], record["detail"]) == ("failed", 3, "HTTP 503")
    assert json.loads(record["payload"]) == hook.bodies[0]["json"]
    assert rows(db, "select count(*) n from notices") != [{"n": 0}]
    assert len(feed_entries(tmp_path / "feed.atom")) > 0  # next to the database by default
    assert time.monotonic() - started < 120


def test_a_feed_that_cannot_be_written_is_recorded_and_told_again_next_time(portal, tmp_path):
    db, folder = tmp_path / "b.db", tmp_path / "feed-is-a-folder"
    folder.mkdir()
    nightly(portal, db, "ca_ag", BREACH_FEED_PATH=folder)  # exit 0 is checked by nightly()
    (record,) = rows(db, "select channel, status, detail from notifications")
    assert (record["channel"], record["status"]) == ("feed", "failed")
    assert record["detail"]
    assert rows(db, "select count(*) n from notify_state") == [{"n": 0}]
    atom = tmp_path / "f.atom"
    nightly(portal, db, "ca_ag", BREACH_FEED_PATH=atom)
    (count,) = rows(db, "select count(*) n from incidents")
    assert len(feed_entries(atom)) == min(count["n"], 100)  # the first night's news, not lost


def test_webhook_delivery_is_bounded_when_nobody_listens():
    hook = Receiver()
    url = hook.url
    hook.close()  # the port is closed: connection refused
    pauses = []
    delivery = post_json(url, b"{}", attempts=4, timeout=1, backoff=2, sleep=pauses.append)
    assert not delivery.ok
    assert delivery.attempts == 4
    assert "ConnectionRefusedError" in delivery.detail or "refused" in delivery.detail.lower()
    assert pauses == [2, 4, 8]


def test_a_client_error_is_not_retried():
    hook = Receiver(status=404)
    try:
        delivery = post_json(hook.url, b"{}", attempts=4, sleep=lambda s: None)
    finally:
        hook.close()
    assert (delivery.ok, delivery.attempts, delivery.detail) == (False, 1, "HTTP 404")


def test_feed_keeps_the_newest_entries_and_survives_a_broken_file(tmp_path):
    path = tmp_path / "feed.atom"
    path.write_text("<feed><entry>not closed")
    entry = {"change": "new", "incident_id": "inc-1", "entity": "Acme & Sons <Ltd>",
             "first_reported_date": "2026-01-02", "breach_start": "2025-12-01",
             "breach_end": "2025-12-03", "states": ["CA"], "new_states": [],
             "total_affected": 1200, "previous_total_affected": None,
             "residents_by_state": {"CA": 30}, "sources": ["ca_ag"], "notice_count": 1,
             "notice_urls": ["https://oag.ca.gov/ecrime/databreach/reports/sb24-1"]}  # fmt: skip
    assert feed.write_feed(path, [entry], "2026-01-03T00:00:00+00:00", keep=2) == 1
    assert (tmp_path / "feed.atom.broken").read_text() == "<feed><entry>not closed"
    grown = {**entry, "change": "updated", "new_states": ["ME"], "states": ["CA", "ME"],
             "total_affected": 5000, "previous_total_affected": 1200}  # fmt: skip
    feed.write_feed(path, [grown], "2026-01-04T00:00:00+00:00", keep=2)
    feed.write_feed(path, [entry], "2026-01-05T00:00:00+00:00", keep=2)
    entries = feed_entries(path)
    assert [e["id"][-25:] for e in entries] == ["2026-01-05T00:00:00+00:00",
                                               "2026-01-04T00:00:00+00:00"]  # fmt: skip
    assert entries[0]["title"] == "New breach: Acme & Sons <Ltd> (CA; 1,200 affected)"
    assert entries[1]["title"] == (
        "Update: Acme & Sons <Ltd>: now also notified to ME; 5,000 affected (was 1,200)"
    )
    assert "Residents affected: CA: 30" in entries[0]["summary"]
