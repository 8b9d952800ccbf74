"""Store stage on a real SQLite file: upserts, first/last seen, versions, nothing deleted."""

import json
import sqlite3

import pytest

from crawler.store.db import connect
from crawler.store.notices import CONTENT_COLUMNS, NoticeStore
from crawler.store.statements import content_hash, encode_content, encode_row
from pipelines.validate import rejection_reason


@pytest.fixture
def store(tmp_path):
    return NoticeStore(connect(tmp_path / "t.db"), run_id=7)


def record(**changes) -> dict:
    base = {
        "id": "ca_ag:sb24-1", "source": "ca_ag", "source_kind": "state", "source_id": "sb24-1",
        "url": "https://oag.ca.gov/ecrime/databreach/reports/sb24-1", "entity_name": "Acme Inc.",
        "breach_dates": ["2024-01-02"], "breach_start": "2024-01-02", "breach_end": "2024-01-02",
        "breach_precision": "day", "reported_date": "2024-02-01", "raw": {"Organization Name": "Acme Inc."},
        "flags": [],
    }  # fmt: skip
    return {**base, **changes}


def notice(store):
    return next(store.db.query("select * from notices"))


def test_new_then_unchanged_moves_only_last_seen(store):
    assert store.save(record(), seen_at="2026-01-01T00:00:00+00:00") == "new"
    assert store.save(record(), seen_at="2026-01-02T00:00:00+00:00") == "unchanged"
    row = notice(store)
    assert (row["first_seen_at"], row["last_seen_at"]) == (
        "2026-01-01T00:00:00+00:00",
        "2026-01-02T00:00:00+00:00",
    )
    assert store.db["notice_versions"].count == 0
    assert store.db["notices"].count == 1


def test_changed_content_keeps_the_previous_version(store):
    store.save(record(), seen_at="2026-01-01T00:00:00+00:00")
    changed = record(breach_dates=["2024-01-02", "2024-01-09"], breach_end="2024-01-09")
    assert store.save(changed, seen_at="2026-01-05T00:00:00+00:00") == "updated"
    row = notice(store)
    assert json.loads(row["breach_dates"]) == ["2024-01-02", "2024-01-09"]
    assert row["first_seen_at"] == "2026-01-01T00:00:00+00:00"
    assert row["content_since"] == "2026-01-05T00:00:00+00:00"
    (version,) = store.db["notice_versions"].rows
    assert json.loads(version["content"])["breach_dates"] == ["2024-01-02"]
    assert (version["seen_from"], version["replaced_at"], version["run_id"]) == (
        "2026-01-01T00:00:00+00:00",
        "2026-01-05T00:00:00+00:00",
        7,
    )


def test_fields_not_published_this_time_are_not_erased(store):
    store.save(
        record(
            notice_url="https://x/a.pdf",
            notice_urls=["https://x/a.pdf"],
            raw={"Organization Name": "Acme Inc.", "Sample of Notice": ["a.pdf"]},
        )
    )
    list_only = record()
    del list_only["raw"]
    list_only["raw"] = {"Organization Name": "Acme Inc."}
    assert store.save(list_only) == "unchanged"
    row = notice(store)
    assert row["notice_url"] == "https://x/a.pdf"
    assert json.loads(row["raw"])["Sample of Notice"] == ["a.pdf"]


def test_removed_at_source_and_back(store):
    store.save(record())
    assert (
        store.mark_removed("ca_ag", {"sb24-1", "sb24-999"}, seen_at="2026-06-12T00:00:00+00:00")
        == 1
    )
    row = notice(store)
    assert (row["status"], row["removed_at"]) == ("removed_at_source", "2026-06-12")
    assert store.db["notices"].count == 1  # marked, never deleted
    store.save(record())
    assert notice(store)["status"] == "active"


def test_rejected_records_are_kept_with_their_reason(store):
    bad = record(entity_name=None)
    reason = rejection_reason(bad)
    store.reject(bad, reason)
    (row,) = store.db["rejected_notices"].rows
    assert (row["reason"], row["source_id"], row["run_id"]) == ("no_entity_name", "sb24-1", 7)
    assert store.db["notices"].count == 0


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"entity_name": ""}, "no_entity_name"),
        ({"reported_date": None}, "no_reported_date"),
        ({"source_id": None}, "no_source_id"),
        ({}, None),
        # Aggregators publish no filing date; any date places them in time.
        ({"source_kind": "aggregator", "reported_date": None}, None),
        ({"source_kind": "aggregator", "reported_date": None, "breach_dates": []}, "no_date"),
    ],
)
def test_validation_reasons(changes, reason):
    assert rejection_reason(record(**changes)) == reason


def test_hostile_text_is_stored_as_text(store):
    name = "Robert'); DROP TABLE notices;-- <script>alert(1)</script>" + "x" * 100_000
    store.save(record(entity_name=name))
    assert notice(store)["entity_name"] == name
    assert store.db.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_a_batch_is_committed_on_time_without_further_items(tmp_path):
    import sqlite3
    import time

    db_path = tmp_path / "t.db"
    # A second, not milliseconds: on a loaded machine the first flush_if_due below may come
    # tens of milliseconds after the save, and must still find the batch too young.
    store = NoticeStore(connect(db_path), batch_size=500, batch_seconds=1.0)
    store.save(record())
    other = sqlite3.connect(db_path)
    assert other.execute("select count(*) from notices").fetchone()[0] == 0  # still in the batch
    store.flush_if_due()  # too early: the batch stays open
    assert store.db.conn.in_transaction
    time.sleep(1.05)
    store.flush_if_due()  # what the pipeline's timer calls
    assert other.execute("select count(*) from notices").fetchone()[0] == 1


def test_an_unreadable_reported_date_has_its_own_reason():
    bad = record(reported_date=None, flags=["unparsed:reported_date"])
    assert rejection_reason(bad) == "unreadable_reported_date"


def test_a_refused_notice_is_rolled_back_alone_and_the_batch_goes_on(tmp_path):
    store = NoticeStore(connect(tmp_path / "t.db"), run_id=7, batch_size=10)
    store.save(record(), seen_at="2026-01-01T00:00:00+00:00")
    unbindable = {"not": "a text"}  # a dict in a text column: SQLite refuses the value
    with pytest.raises(sqlite3.Error):  # a new notice: its one INSERT is refused
        store.save(record(id="ca_ag:sb24-2", source_id="sb24-2", entity_name=unbindable))
    with pytest.raises(sqlite3.Error):  # an update: refused after its version was written
        store.save(record(entity_name=unbindable), seen_at="2026-01-02T00:00:00+00:00")
    store.save(record(id="ca_ag:sb24-3", source_id="sb24-3"))
    assert store.flush()
    assert not store.failures
    assert store.committed == {"new": 2}
    ids = [r["id"] for r in store.db.query("select id from notices order by id")]
    assert ids == ["ca_ag:sb24-1", "ca_ag:sb24-3"]
    assert store.db["notice_versions"].count == 0  # the refused update's version went with it
    row = store.db["notices"].get("ca_ag:sb24-1")
    assert (row["entity_name"], row["last_seen_at"]) == ("Acme Inc.", "2026-01-01T00:00:00+00:00")


def test_a_new_notice_is_encoded_and_hashed_as_its_content_is():
    # The insert builds the hash from the columns' JSON (crawler/store/statements.py): it must
    # be the hash of the content, as an update computes it, whatever the content holds.
    samples = [
        {},
        {"entity_name": "Café \"Müller\" \\ O’Reilly", "total_affected": 12, "raw": {"b": [1, None], "a": "é"}},
        {"breach_dates": [], "raw": {}, "id_theft_service": {"offered": "Yes", "z": None},
         "notice_urls": ["https://x.test/a?b=1&c=2"], "residents_affected": 0, "cites": None},
        {"reported_date": "2024-01-02", "flags_not_content": True, "data_types": ["SSN", "东京 💥"]},
    ]  # fmt: skip
    for sample in samples:
        content = {k: sample.get(k) for k in CONTENT_COLUMNS}
        assert encode_content(content) == (encode_row(content), content_hash(content))
