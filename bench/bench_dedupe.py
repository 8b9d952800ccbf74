"""Benchmark: full incident rebuild on 10k / 50k / 100k synthesised notices; and the close
pass of a crawl (`--crawl N`: the last N notices stored after the rest were matched, then
attached in one pass by crawler/matching/bulk.py, with no index cached, as after a crawl that
deferred from its first notice).

Notices are synthesised from the real entity names of the CA export and the Maine workbooks
(localportal/data), with the variants real filings show: legal forms added or dropped,
upper case, a leading "The", an address appended, d/b/a names, a transposed-letter typo;
breach dates at day or month precision, several dates, or none; repeat filings within days
to months. Each size runs in a fresh process so the peak memory (max RSS) is its own.

Run: .venv/bin/python bench/bench_dedupe.py [--sizes 10000 50000 100000] [--crawl 3000]
     [--out bench/RESULTS-dedupe.md]
"""

import argparse
import csv
import json
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.matching.bulk import attach_notices_bulk  # noqa: E402
from crawler.matching.incidents import forget_index, rebuild_incidents  # noqa: E402
from crawler.matching.loading import insert_notices, notice_row  # noqa: E402
from crawler.store.db import connect  # noqa: E402

CA_CSV = ROOT / "localportal" / "data" / "ca" / "list-export-2025-06-18.csv"
PLACES = ("Ohio", "Texas", "Boston", "Denver", "Atlanta", "Fresno", "Maine", "Tampa", "Reno",
          "Austin", "Omaha", "Tulsa", "Salem", "Dayton", "Provo", "Akron", "Macon", "Ogden")  # fmt: skip
FORMS = ("", ", Inc.", " LLC", ", L.L.C.", " Corp.", " Co.", ", N.A.", " Ltd.")
SOURCES = ("ca_ag", "me_ag", "me_ag_archive", "agg_rankiteo", "agg_csidb")


def real_names() -> list[str]:
    with CA_CSV.open(encoding="utf-8-sig", newline="") as handle:
        names = {row["Organization Name"].strip() for row in csv.DictReader(handle)}
    return sorted(n for n in names if n)


def variant(name: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.15:
        name = name.upper()
    elif roll < 0.25:
        name = "The " + name
    elif roll < 0.35:
        name = f"{name}, {rng.randint(1, 9999)} Main Street, Springfield, IL 6{rng.randint(1000, 9999)}"
    elif roll < 0.40 and len(name) > 10:
        i = rng.randrange(3, len(name) - 3)
        name = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    elif roll < 0.45:
        name = f"{name} d/b/a {name.split()[0]} Services"
    return name + rng.choice(FORMS)


def synthesise(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    names = real_names()
    rows: list[dict] = []
    entity = 0
    while len(rows) < count:
        base = names[entity % len(names)]
        clone = entity // len(names)
        # Beyond the real list, new organisations: the first words of one real name joined to
        # the last words of another (and a place), so they are as varied as the real names.
        if clone:
            other = names[rng.randrange(len(names))].split()
            head = base.split()
            name = " ".join([*head[: max(1, len(head) // 2)], *other[len(other) // 2 :]])
            name = f"{name} {PLACES[rng.randrange(len(PLACES))]}"
        else:
            name = base
        entity += 1
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            start = date(2012, 1, 1) + timedelta(days=rng.randrange(0, 13 * 365))
            end = start + timedelta(days=rng.choice((0, 0, 3, 20, 90)))
            reported = end + timedelta(days=rng.randint(20, 200))
            for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
                kind = rng.random()
                if kind < 0.1:
                    dates = []
                elif kind < 0.25:
                    dates = [start.isoformat()[:7]]
                else:
                    dates = sorted({start.isoformat(), end.isoformat()})
                filed = reported + timedelta(days=rng.choice((0, 0, 1, 5, 30, 80)))
                source = rng.choice(SOURCES)
                rows.append(notice_row(f"{source}:n{len(rows)}", variant(name, rng),
                                       breach_dates=dates, reported_date=filed.isoformat()))  # fmt: skip
                if len(rows) >= count:
                    break
    return rows


def run_one(count: int, crawl: int = 0) -> dict:
    rows = synthesise(count)
    # The crawl's notices are a random draw (a source's filings are spread over all names).
    random.Random(14).shuffle(rows)
    cut = len(rows) - crawl
    earlier, crawled = rows[:cut], rows[cut:]
    with tempfile.TemporaryDirectory() as tmp:
        db = connect(Path(tmp) / "bench.db")
        insert_notices(db, earlier)
        if crawl:
            rebuild_incidents(db)
            forget_index(db)
            insert_notices(db, crawled)
        del rows, earlier
        started = time.perf_counter()
        if crawl:
            stats = attach_notices_bulk(db, [r["id"] for r in crawled])
            db.conn.commit()
        else:
            stats = rebuild_incidents(db)
        elapsed = time.perf_counter() - started
        db.conn.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"notices": count, "crawl": crawl, "seconds": round(elapsed, 2),
              "peak_rss_mb": round(peak_mb), "incidents": stats.incidents}  # fmt: skip
    if crawl:
        return {**result, "recomputed": stats.recomputed, "reviews": stats.reviews}
    return {**result, "multi": stats.multi_notice_incidents, "reviews": stats.reviews}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS-dedupe.md")
    parser.add_argument("--crawl", type=int, default=0,
                        help="time the close pass of a crawl of this many notices instead")  # fmt: skip
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.crawl)))
        return
    results = []
    for size in args.sizes:
        command = [sys.executable, __file__, "--one", str(size), "--crawl", str(args.crawl)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(results[-1])
    if args.crawl:
        lines = [
            f"# Dedupe benchmark: the close pass of a crawl of {args.crawl:,} notices",
            "",
            "`bench/bench_dedupe.py --crawl` (crawler/matching/bulk.py, no index cached: it "
            "reads every stored notice once).",
            "",
            "| stored notices | close pass (s) | re-clustered | peak RSS (MB) |",
            "|---:|---:|---:|---:|",
            *(f"| {r['notices']:,} | {r['seconds']} | {r['recomputed']:,} | {r['peak_rss_mb']} |"
              for r in results),
        ]  # fmt: skip
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"-> {args.out}")
        return
    lines = [
        "# Dedupe benchmark: full rebuild of incidents",
        "",
        f"`bench/bench_dedupe.py` on {platform.machine()}, Python {platform.python_version()}, "
        f"{__import__('os').cpu_count()} CPUs. Time is `rebuild_incidents` alone (read notices, "
        "match, cluster, write incidents/links/reviews); the peak is the max RSS of the process, "
        "which also holds the synthesised rows.",
        "",
        "| notices | rebuild (s) | s per 10k | peak RSS (MB) | incidents | multi-notice | review rows |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r['notices']:,} | {r['seconds']} | {r['seconds'] / r['notices'] * 10_000:.2f} "
                     f"| {r['peak_rss_mb']} | {r['incidents']:,} | {r['multi']:,} | {r['reviews']:,} |")  # fmt: skip
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
