"""Benchmark: `PRAGMA quick_check` (run before every crawl writes, and by `scrapy health`) on a
database of 100k notices written through the real write path, with their incidents.

Run: .venv/bin/python bench/bench_quick_check.py [--notices 100000] [--keep PATH]
Prints the database size and the time of quick_check (and of the full integrity_check, for
comparison). quick_check runs three times: first with the file dropped from the page cache
(posix_fadvise DONTNEED: a nightly hours after the last crawl), then warm.
"""

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_dedupe import synthesise  # noqa: E402

from crawler.matching.incidents import rebuild_incidents  # noqa: E402
from crawler.store.db import connect, immediate, loads  # noqa: E402
from crawler.store.notices import NoticeStore  # noqa: E402


def record(row: dict, rng: random.Random) -> dict:
    source, source_id = row["id"].split(":", 1)
    raw = {
        "Organization Name": row["entity_name"],
        "Date(s) of Breach": ", ".join(loads(row.get("breach_dates"), []) or []),
        "Reported Date": row["reported_date"],
        "What information was involved": " ".join(rng.choice(("names", "Social Security numbers",
            "dates of birth", "account numbers", "medical information")) for _ in range(12)),
        "Notice": f"https://example.org/{source}/{source_id}.pdf",
    }  # fmt: skip
    return {
        **row, "source": source, "source_id": source_id, "raw": raw, "flags": [],
        "source_kind": "aggregator" if source.startswith("agg") else "state",
        "breach_dates": loads(row.get("breach_dates"), []) if isinstance(row.get("breach_dates"), str) else row.get("breach_dates"),
        "url": f"https://example.org/{source}/{source_id}",
        "notice_urls": [f"https://example.org/{source}/{source_id}.pdf"],
        "total_affected": rng.choice((None, 120, 4521, 2_100_000)),
        "data_types": ["name", "ssn"],
    }  # fmt: skip


def timed(conn, pragma: str) -> tuple[float, list]:
    started = time.perf_counter()
    result = [r[0] for r in conn.execute(f"pragma {pragma}")]
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notices", type=int, default=100_000)
    parser.add_argument("--keep", help="write the database here instead of a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "qc.db"
        db = connect(path)
        store = NoticeStore(db, batch_size=5000, batch_seconds=3600)
        rng = random.Random(7)
        for row in synthesise(args.notices):
            store.save(record(row, rng))
        store.flush()
        with immediate(db):
            rebuild_incidents(db)
        db.conn.close()
        size = path.stat().st_size
        # Out of the page cache first (as on a box where the crawl ran hours ago).
        with path.open("rb") as handle:
            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        conn = sqlite3.connect(path)
        notices = conn.execute("select count(*) from notices").fetchone()[0]
        quick = [timed(conn, "quick_check") for _ in range(3)]
        full = timed(conn, "integrity_check")
        conn.close()
    print(f"{notices} notices, {size / 1e6:.0f} MB, sqlite {sqlite3.sqlite_version}")
    print("quick_check: " + ", ".join(f"{s:.2f} s" for s, _ in quick) + f" -> {quick[0][1][:1]}")
    print(f"integrity_check: {full[0]:.2f} s -> {full[1][:1]}")


if __name__ == "__main__":
    main()
