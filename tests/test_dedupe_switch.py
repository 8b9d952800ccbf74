"""When the dedupe stage stops attaching notice by notice (crawler/store/attaching.py): a crawl
whose notices arrive at full speed switches to the close pass within about a second; one whose
notices come a few a second (a live portal's pages) keeps every notice matched as it arrives.
Either way the incidents at the close are a rebuild's."""

import time
from datetime import date

from crawler.items import BreachNotice
from crawler.matching.incidents import rebuild_incidents
from crawler.store import attaching
from crawler.store.attaching import IncidentAttacher
from crawler.store.db import connect
from crawler.store.notices import NoticeStore
from pipelines.clean import CleanPipeline
from tests.test_incidents import snapshot

CLEAN = CleanPipeline(today=date(2026, 1, 1))
# Repeat filings of a few organisations, so that incidents hold several notices.
NAMES = ["HealthEquity, Inc.", "HealthEquity Inc", "DoorDash, Inc.", "Rand McNally", "Acme LLC"]


def record(number: int) -> dict:
    name = NAMES[number % len(NAMES)]
    item = BreachNotice(
        source="ca_ag", source_id=f"sb24-{number}",
        url=f"https://oag.ca.gov/ecrime/databreach/reports/sb24-{number}", entity_name=name,
        breach_dates=[f"03/{1 + number % 3:02d}/2024"], reported_date="05/16/2024",
        raw={"Organization Name": name},
    )  # fmt: skip
    return CLEAN.process_item(item)


def crawl(path, count: int, pause: float, **rules) -> tuple[IncidentAttacher, list[str], dict]:
    """Store and attach `count` notices `pause` seconds apart, as the pipeline does."""
    store = NoticeStore(connect(path), batch_size=50)
    attacher = IncidentAttacher(store, **{"bulk_after": 0, "bulk_seconds": 1.0, **rules})
    done = []
    for number in range(count):
        rec = record(number)
        done.append(attacher.attach(rec["id"], store.save(rec)))
        time.sleep(pause)
    return attacher, done, attacher.finish()


def rebuilt_snapshot(path) -> dict:
    db = connect(path)
    rebuild_incidents(db)
    return snapshot(db)


def test_notices_at_full_speed_are_matched_together_at_the_close(tmp_path, monkeypatch):
    monkeypatch.setattr(attaching, "RATE_WINDOW_SECONDS", 0.2)
    attacher, done, result = crawl(tmp_path / "fast.db", 300, 0.002, bulk_rate=50.0)
    assert attacher.deferred
    assert "now_deferred" in done
    assert done[-1] == "deferred"
    # Switched by the rate, long before per-notice matching cost its second.
    assert attacher.matching_seconds < 1.0
    assert "rebuilt" in result  # the deferred notices are most of the database
    db = attacher.db
    assert db.execute("select count(*) from notices where incident_id is null").fetchone() == (0,)
    assert snapshot(db) == rebuilt_snapshot(tmp_path / "fast.db")


def test_notices_a_few_a_second_are_matched_as_they_arrive(tmp_path, monkeypatch):
    monkeypatch.setattr(attaching, "RATE_WINDOW_SECONDS", 0.2)
    # 10 notices a second against a rate of 50: a polite crawl, scaled down.
    attacher, done, result = crawl(tmp_path / "polite.db", 15, 0.1, bulk_rate=50.0)
    assert not attacher.deferred
    assert done == ["attached"] * 15
    assert result == {"orphans": 0}
    assert snapshot(attacher.db) == rebuilt_snapshot(tmp_path / "polite.db")


def test_a_rate_of_zero_keeps_attaching_each_notice(tmp_path, monkeypatch):
    monkeypatch.setattr(attaching, "RATE_WINDOW_SECONDS", 0.2)
    _, done, _ = crawl(tmp_path / "each.db", 150, 0.002, bulk_rate=0.0, bulk_seconds=60)
    assert set(done) == {"attached"}


def test_the_crawl_of_a_few_notices_into_a_big_database_attaches_them_at_the_close(tmp_path):
    # A database already matched, then a crawl deferred from its first notice: the close
    # pass attaches the crawl's notices alone, not every stored notice.
    path = tmp_path / "big.db"
    store = NoticeStore(connect(path), batch_size=500)
    for number in range(200):
        store.save(record(number))
    store.flush()
    rebuild_incidents(store.db)
    store.db.conn.close()
    store = NoticeStore(connect(path), batch_size=50)
    attacher = IncidentAttacher(store, bulk_after=1, bulk_seconds=1.0, bulk_rate=0.0)
    for number in range(200, 215):
        rec = record(number)
        attacher.attach(rec["id"], store.save(rec))
    result = attacher.finish()
    assert result["bulk"].notices == 14  # the first was attached on its own
    assert snapshot(store.db) == rebuilt_snapshot(path)


def test_more_notices_than_two_list_pages_at_full_speed_switch_before_the_window(tmp_path):
    # The default window of a second: 300 notices at full speed switch once more than
    # RATE_MIN_NOTICES have arrived, not a second in.
    attacher, done, result = crawl(tmp_path / "fast.db", 300, 0.0005, bulk_rate=50.0)
    assert done.index("now_deferred") == attaching.RATE_MIN_NOTICES
    assert attacher.attached == attaching.RATE_MIN_NOTICES
    assert "rebuilt" in result
    assert snapshot(attacher.db) == rebuilt_snapshot(tmp_path / "fast.db")


def test_two_list_pages_of_rows_at_once_are_not_a_crawl_at_full_speed(tmp_path):
    # A live list-first crawl: a page's 50 rows stored at once, the next page's a while later.
    store = NoticeStore(connect(tmp_path / "pages.db"), batch_size=50)
    attacher = IncidentAttacher(store, bulk_after=0, bulk_seconds=60.0, bulk_rate=50.0)
    done = []
    for page in range(2):
        for number in range(page * 50, page * 50 + 50):
            rec = record(number)
            done.append(attacher.attach(rec["id"], store.save(rec)))
        time.sleep(0.3)
    assert set(done) == {"attached"}
    assert not attacher.deferred
