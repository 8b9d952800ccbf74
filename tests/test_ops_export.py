"""`scrapy export`: fresh records, a cursor moved only after a complete file, safe cells."""

import csv
import io
import json
import time
from datetime import date, datetime

import pytest
from helpers import rows, scrapy_command

from crawler import exporting
from crawler.items import BreachNotice
from crawler.store.db import connect
from crawler.store.notices import NoticeStore
from pipelines.clean import CleanPipeline

HOSTILE_NAMES = {
    "sb24-1": '=HYPERLINK("http://evil.example","click")',
    "sb24-2": "+1+cmd|' /C calc'!A0",
    "sb24-3": "-2+3",
    "sb24-4": "@SUM(A1:A9)",
    "sb24-5": "\tTabbed Corp",
    "sb24-6": "Robert'); DROP TABLE notices;--",
    "sb24-7": "<script>alert('x')</script> &amp; Co",
    "sb24-8": "Long " + "x" * 100_000,
    "sb24-9": 'Control\x01\x02\x7f chars, "quoted", and, commas\nnewline',
}


def store_notice(db, source_id: str, name: str, seen_at: str, **fields) -> None:
    """A notice through the clean stage and the store, as a crawl would write it."""
    item = BreachNotice(
        source="ca_ag",
        source_id=source_id,
        url=f"https://oag.ca.gov/ecrime/databreach/reports/{source_id}",
        entity_name=name,
        breach_dates=["01/02/2024"],
        reported_date="03/04/2024",
        raw={"Organization Name": name},
        **fields,
    )
    record = CleanPipeline(today=date(2026, 1, 1)).process_item(item)
    NoticeStore(db).save(record, seen_at=seen_at)


def read_csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def export(db_path, *options):
    return scrapy_command(["export", *options], db_path)


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "b.db"
    db = connect(path)
    for i, (source_id, name) in enumerate(HOSTILE_NAMES.items()):
        store_notice(db, source_id, name, seen_at=f"2026-01-0{i + 1}T10:00:00+00:00")
    db.conn.close()
    return path


def test_notices_export_has_the_documented_columns_and_defuses_formulas(db_path, tmp_path):
    out = tmp_path / "out" / "notices.csv"
    result = export(db_path, "--kind", "notices", "--since", "2026-01-01", "-o", str(out))
    assert result.returncode == 0, result
    assert "9 notices (first seen 2026-01-01" in result.log
    exported = read_csv(out)
    assert list(exported[0]) == [name for name, _ in exporting.NOTICE_COLUMNS]
    stored = {r["source_id"]: r["entity_name"] for r in rows(db_path, "select * from notices")}
    for row in exported:
        name = stored[row["source_id"]]
        if name.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert row["entity"] == "'" + name  # shown as text, never run
        else:
            assert row["entity"] == name  # SQL, HTML, controls: stored and exported as text
    assert len(next(r for r in exported if r["source_id"] == "sb24-8")["entity"]) > 100_000
    assert rows(db_path, "select count(*) n from notices") == [{"n": 9}]
    assert rows(db_path, "pragma integrity_check") == [{"integrity_check": "ok"}]


def test_cursor_exports_each_notice_once_and_moves_only_after_a_complete_file(db_path, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert export(db_path, "--kind", "notices", "--name", "daily", "-o", str(first)).returncode == 0
    assert len(read_csv(first)) == 9
    assert (
        export(db_path, "--kind", "notices", "--name", "daily", "-o", str(second)).returncode == 0
    )
    assert read_csv(second) == []  # nothing new: an empty file with its header
    assert second.read_text(encoding="utf-8").startswith("notice_id,source,")

    db = connect(db_path)
    resumed_from = exporting.read_cursor(db, "daily")["exported_until"]
    store_notice(db, "sb24-10", "Fresh Corp", seen_at=resumed_from)  # the window includes it
    db.conn.close()

    def window_end() -> str:  # the export window ends COMMIT_MARGIN before "now"
        now = datetime.fromisoformat(exporting.now_iso())
        return (now - exporting.COMMIT_MARGIN).isoformat(timespec="seconds")

    while window_end() <= resumed_from:
        time.sleep(0.05)
    result = export(db_path, "--kind", "notices", "--name", "daily", "-o", "-")
    assert result.returncode == 0, result
    assert "Fresh Corp" in result.log
    (cursor,) = rows(db_path, "select * from export_cursors where name = 'daily'")
    assert (cursor["kind"], cursor["rows"], cursor["file"]) == ("notices", 1, "-")


@pytest.mark.parametrize(
    ("value", "written"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("Acme = Co", "Acme = Co"), (None, ""), (-5, -5)],
)  # fmt: skip
def test_cells_that_a_spreadsheet_would_run_get_an_apostrophe(value, written):
    assert exporting.neutralise(value) == written


def test_a_failed_export_keeps_the_previous_file_and_the_cursor(db_path, tmp_path, monkeypatch):
    out = tmp_path / "notices.csv"
    out.write_text("the previous good export\n", encoding="utf-8")
    real_write = exporting.write_csv

    def write_then_fail(handle, kind, rows_):
        real_write(handle, kind, list(rows_)[:3])
        raise OSError("disk full")

    monkeypatch.setattr(exporting, "write_csv", write_then_fail)
    db = connect(db_path)
    with pytest.raises(OSError, match="disk full"):
        exporting.export(db, "notices", str(out), name="daily")
    assert out.read_text(encoding="utf-8") == "the previous good export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    assert exporting.read_cursor(db, "daily") is None
    db.conn.close()


def test_incidents_export_flattens_states_counts_and_urls(tmp_path):
    db_path = tmp_path / "b.db"
    db = connect(db_path)
    store_notice(db, "sb24-100", "Acme Corp", seen_at="2026-02-01T00:00:00+00:00")
    store_notice(db, "sb24-101", "=Acme Corp", seen_at="2026-02-02T00:00:00+00:00")
    with db.conn:
        db.execute("update notices set incident_id = 'inc-acme'")
        db["incidents"].insert(
            {"id": "inc-acme", "display_name": "=Acme Corp", "entity_key": "acme",
             "breach_start": "2024-01-02", "breach_end": "2024-01-02", "breach_precision": "day",
             "first_reported_date": "2024-03-04", "states": json.dumps(["CA", "ME"]),
             "total_affected": 5000, "residents_by_state": json.dumps({"ME": 30, "CA": 7}),
             "notice_count": 2, "source_count": 1, "sources": json.dumps(["ca_ag"]),
             "first_seen_at": "2026-02-01T00:00:00+00:00",
             "updated_at": "2026-02-02T00:00:00+00:00"}
        )  # fmt: skip
    db.conn.close()
    out = tmp_path / "incidents.csv"
    result = export(db_path, "-o", str(out))  # default kind: incidents; default cursor
    assert result.returncode == 0, result
    (row,) = read_csv(out)
    assert list(row) == [name for name, _ in exporting.INCIDENT_COLUMNS]
    assert row["entity"] == "'=Acme Corp"
    assert (row["states"], row["residents_by_state"]) == ("CA; ME", "CA: 7; ME: 30")
    assert row["total_affected"] == "5000"
    assert row["notice_urls"].split(" ") == [
        "https://oag.ca.gov/ecrime/databreach/reports/sb24-100",
        "https://oag.ca.gov/ecrime/databreach/reports/sb24-101",
    ]
    assert rows(db_path, "select name, kind, rows from export_cursors") == [
        {"name": "incidents", "kind": "incidents", "rows": 1}
    ]


def test_export_without_incidents_writes_a_header_and_says_0(db_path, tmp_path):
    out = tmp_path / "i.csv"
    result = export(db_path, "-o", str(out))
    assert result.returncode == 0, result
    assert "0 incidents" in result.log
    assert read_csv(out) == []


def test_a_crawl_still_running_holds_the_cursor_back(db_path):
    db = connect(db_path)
    started = "2026-01-05T00:00:00+00:00"
    with db.conn:
        db["crawl_runs"].insert({"spider": "ca_ag", "started_at": started,
                                 "source_status": "running"})  # fmt: skip
    buffer = io.StringIO()
    window = exporting.fetch_window(db, None, now="2026-01-06T00:00:00+00:00")
    assert window.until == started
    assert window.held_back_by == [f"run 1 (ca_ag) since {started}"]
    count = exporting.write_csv(buffer, "notices", exporting.notice_rows(db, window))
    assert count == 4  # seen 1 to 4 January; the rest waits for the next export
    db.conn.close()


@pytest.mark.parametrize(
    "options",
    [["--since", "2026-13-01"], ["--since", "2026-01-01", "--name", "x"], ["--kind", "people"]],
)
def test_export_usage_errors_exit_2(options, db_path):
    assert export(db_path, *options, "-o", "-").returncode == 2


def test_a_cursor_cannot_change_kind(db_path):
    assert export(db_path, "--kind", "notices", "--name", "n", "-o", "-").returncode == 0
    result = export(db_path, "--kind", "incidents", "--name", "n", "-o", "-")
    assert result.returncode == 2, result
    assert "is for notices" in result.log


def test_a_cursor_export_says_how_many_rows_wait_for_the_next_one(db_path, tmp_path):
    # Two notices stored just now, inside the commit margin: the cursor stops before them,
    # and the summary says so instead of leaving them unexplained.
    db = connect(db_path)
    now = datetime.now().astimezone().isoformat(timespec="seconds")
    store_notice(db, "sb24-20", "Fresh One Inc", seen_at=now)
    store_notice(db, "sb24-21", "Fresh Two Inc", seen_at=now)
    db.conn.close()
    out = tmp_path / "n.csv"
    result = export(db_path, "--kind", "notices", "--name", "nightly", "-o", str(out))
    assert result.returncode == 0, result
    assert len(read_csv(out)) == len(HOSTILE_NAMES)
    assert "2 notices first seen in the last minute wait for the next export" in result.log
    # `--since` moves no cursor and reads up to now: nothing waits.
    result = export(db_path, "--kind", "notices", "--since", "2026-01-01", "-o", str(out))
    assert len(read_csv(out)) == len(HOSTILE_NAMES) + 2
    assert "wait for the next export" not in result.log
