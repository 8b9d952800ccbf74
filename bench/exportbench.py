"""`scrapy export` benchmark for bench/runner.py: a database of N incidents (1-3 notices each,
real CA names) filled by direct inserts, then the whole incidents and notices tables exported.
"""

import json
import random
import sqlite3
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from crawls import PY, ROOT, run_measured


# --- Export ---------------------------------------------------------------------------------
def fill_incidents(db_path: Path, count: int) -> None:
    """`count` incidents (and 1-3 notices each) with realistic values, by direct inserts."""
    sys.path.insert(0, str(ROOT))
    from crawler.store.db import connect
    from localportal.ca import load_real_rows

    connect(db_path).conn.close()  # schema
    names = [r["name"] for r in load_real_rows()]
    rng = random.Random(7)
    conn = sqlite3.connect(db_path)
    incidents, notices = [], []
    states = ("CA", "ME", "TX", "WA", "NY", "MA")
    for i in range(count):
        name = names[i % len(names)] + ("" if i < len(names) else f" ({i // len(names)})")
        start = date(2012, 1, 1) + timedelta(days=rng.randrange(13 * 365))
        end = start + timedelta(days=rng.choice((0, 0, 3, 30)))
        reported = end + timedelta(days=rng.randint(20, 200))
        seen = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=i * 7)
        n = rng.choice((1, 1, 1, 2, 2, 3))
        sources = rng.sample(("ca_ag", "me_ag", "agg_rankiteo", "agg_csidb"), min(n, 4))
        iid = f"inc-{i:07d}"
        st = sorted({"CA" if s == "ca_ag" else "ME" for s in sources if not s.startswith("agg")}
                    or {rng.choice(states)})  # fmt: skip
        incidents.append((iid, name, name.casefold(), start.isoformat(), end.isoformat(), "day",
                          reported.isoformat(), json.dumps(st), rng.choice((None, 120, 4521, 2_100_000)),
                          json.dumps({s: rng.randint(1, 5000) for s in st}), n, len(sources),
                          json.dumps(sorted(sources)), seen.isoformat(), seen.isoformat()))  # fmt: skip
        for k, source in enumerate(sources):
            nid = f"{source}:b{i}-{k}"
            notices.append((nid, source, "aggregator" if source.startswith("agg") else "state",
                            f"b{i}-{k}", f"https://example.org/{source}/{i}/{k}", name,
                            reported.isoformat(), "active", seen.isoformat(), seen.isoformat(), iid))  # fmt: skip
    with conn:
        conn.executemany("insert into incidents (id, display_name, entity_key, breach_start, "
                         "breach_end, breach_precision, first_reported_date, states, total_affected, "
                         "residents_by_state, notice_count, source_count, sources, first_seen_at, "
                         "updated_at) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", incidents)  # fmt: skip
        conn.executemany("insert into notices (id, source, source_kind, source_id, url, entity_name, "
                         "reported_date, status, first_seen_at, last_seen_at, incident_id) "
                         "values (?,?,?,?,?,?,?,?,?,?,?)", notices)  # fmt: skip
    conn.close()


def export_bench(tmp: Path, count: int) -> dict | None:
    if not (ROOT / "crawler" / "commands" / "export.py").exists():
        return None
    db = tmp / "export.db"
    fill_incidents(db, count)
    out = {}
    for kind in ("incidents", "notices"):
        csv_path = tmp / f"{kind}.csv"
        r = run_measured([PY, "-m", "scrapy", "export", "--kind", kind, "--since", "2000-01-01",
                          "-o", str(csv_path)], env={"BREACH_DB_PATH": str(db)})  # fmt: skip
        rows = (
            max(0, sum(1 for _ in csv_path.open(encoding="utf-8")) - 1) if csv_path.exists() else 0
        )
        out[kind] = {
            **r,
            "rows": rows,
            "mb": csv_path.stat().st_size / 1e6 if csv_path.exists() else 0,
        }
    # Python start-up + Scrapy command loading, for reference: `scrapy version`.
    out["startup"] = run_measured([PY, "-m", "scrapy", "version"], env={"BREACH_DB_PATH": str(db)})
    conn = sqlite3.connect(db)
    out["incidents"]["n"], out["notices"]["n"] = (
        conn.execute("select count(*) from incidents").fetchone()[0],
        conn.execute("select count(*) from notices").fetchone()[0],
    )
    conn.close()
    return out
