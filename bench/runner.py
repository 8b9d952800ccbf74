"""The crawl benchmark behind `bench/run`: every figure of bench/RESULTS.md, in one run.

1. The server alone: bench/realistic.py's requests/s with the crawl's page mix.
2. Per size (default 10k and 50k CA notices; Maine 3k and 10k; Rankiteo a post per 20 CA
   notices): the copy served by the realistic server (bench/realistic.py: a thread per
   connection, HTTP/1.0, 10 ms a page, backlog 256) in its own process; for each source a
   bare Scrapy crawl (bench/bare_spider.py) and our full crawl (`scrapy crawl <spider> -a
   mode=backfill`, every pipeline, SQLite, the FEEDS jsonl archive on), interleaved, each a
   subprocess, `--repeat` times (each repetition into a fresh database; the median is
   reported); then the nightly re-run of the unchanged copy into the same database.
3. A py-spy profile of the full CA and Maine crawls at the smallest size, by stage.
4. Dedupe rebuild (bench/bench_dedupe.py, by the dedupe helper) at 10k/50k/100k notices.
5. `scrapy export` of 100k incidents, from a database filled by direct inserts.

Machine load (1-minute load average around each crawl) is recorded beside every figure:
other work on the machine inflates wall times much more than CPU times.
"""

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import memory
import report
import stages
from crawls import (
    BENCH,
    PY,
    PYSPY,
    ROOT,
    Copy,
    bare,
    full,
    load,
    log,
    run,
    summarise_profile,
)

SOURCES = (("ca", "ca_ag"), ("me", "me_ag"), ("rankiteo", "agg_rankiteo"))


def machine() -> list[str]:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import scrapy
    import twisted

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {mem:.1f} GiB RAM, {platform.platform()}",
        f"- Python {platform.python_version()}, Scrapy {scrapy.__version__}, "
        f"Twisted {twisted.__version__}, SQLite {sqlite3.sqlite_version}",
    ]


def me_size(size: int, given: list[int] | None, i: int) -> int:
    if given:
        return given[min(i, len(given) - 1)]
    return max(size // 5, min(size, 3_000))


def crawl_size(args, size: int, me: int, tmp: Path) -> dict:
    """Bare and full crawls of every source on one copy, interleaved, `repeat` times."""
    copy = Copy(size, me, args.server, args.server_ms)
    out: dict = {"counts": copy.counts, "runs": {}}
    sources = [s for s in SOURCES if s[0] in args.sources]
    try:
        for rep in range(args.repeat):
            for prefix, spider in sources:
                # Each source into a fresh database: the backfill the targets are about. The
                # crawl into a database that already holds the CA copy is measured below.
                db = tmp / f"full-{size}-{rep}-{spider}" / "breaches.db"
                db.parent.mkdir()
                pair = {}
                # Alternate the order so a drift in machine load does not favour one side.
                order = ("bare", "full") if rep % 2 == 0 else ("full", "bare")
                for kind in order:
                    if kind == "bare":
                        pair["bare"] = bare(copy, prefix, tmp)
                    else:
                        pair["full"] = full(copy, prefix, spider, db, "backfill")
                b, f = pair["bare"], pair["full"]
                log(f"  {spider} #{rep + 1}: bare {b['wall']:.1f}s/{b['requests']} req, full "
                    f"{f['wall']:.1f}s/{f['requests']} req/{f['items']} items, {f['rss_mb']:.0f} MB, "
                    f"ratio {f['wall'] / b['wall']:.2f}x, load {f['load']:.2f}")  # fmt: skip
                out["runs"].setdefault(spider, []).append(pair)
                if rep == args.repeat - 1 and not args.no_nightly:
                    n = full(copy, prefix, spider, db, "nightly")
                    log(f"  {spider} nightly: {n['requests']} requests, {n['wall']:.1f}s")
                    out.setdefault("nightly", {})[spider] = n
        if "ca" in args.sources and not args.no_big_db:
            out["into_ca_db"] = into_ca_database(copy, sources, tmp, size, args.repeat)
            if size == args.sizes[-1] and "me" in args.sources and not args.no_memory:
                out["memory"] = big_maine_backfill(tmp, size)
        if "ca" in args.sources and not args.no_list_first:
            # The live path at full speed: every notice written from its list row, then
            # completed by its detail page (crawler/spiders/details.py).
            db2 = tmp / f"listfirst-{size}" / "breaches.db"
            db2.parent.mkdir()
            lf = full(copy, "ca", "ca_ag", db2, "backfill", extra=["-s", "BREACH_LIST_FIRST=1"])
            log(f"  ca_ag list-first: {lf['wall']:.1f}s, {lf['rss_mb']:.0f} MB")
            out["ca_list_first"] = lf
        if size == args.sizes[0] and args.stages:
            out["stages"] = {}
            for prefix, spider in sources:
                if prefix in args.stages:
                    log(f"  stages of the full {spider} crawl (bench/stages.py)")
                    out["stages"][spider] = stages.measure(copy, prefix, spider, tmp / "stages")
        if size == args.sizes[0] and not args.no_profile and PYSPY.exists():
            out["profile"] = {}
            for prefix, spider in sources:
                if prefix not in args.profile:
                    continue
                log(f"  profile (py-spy) of the full {spider} crawl")
                db3 = tmp / f"profile-{size}-{spider}" / "breaches.db"
                db3.parent.mkdir()
                raw = tmp / f"{spider}-{size}.pyspy.raw"
                full(copy, prefix, spider, db3, "backfill", profile=raw)
                if raw.exists():
                    out["profile"][spider] = summarise_profile(raw)
    finally:
        copy.stop()
    return out


def into_ca_database(copy: Copy, sources, tmp: Path, size: int, repeat: int) -> dict:
    """Maine and Rankiteo backfilled into a copy of the CA crawl's database (~size notices):
    the incident matching then works against every stored notice, and memory with it."""
    ca_db = tmp / f"full-{size}-{repeat - 1}-ca_ag" / "breaches.db"
    big = tmp / f"big-{size}" / "breaches.db"
    big.parent.mkdir()
    with sqlite3.connect(ca_db) as src, sqlite3.connect(big) as dst:
        src.backup(dst)  # the WAL's pages included
    stored = sqlite3.connect(big).execute("select count(*) from notices").fetchone()[0]
    result = {"stored_before": stored}
    for prefix, spider in sources:
        if prefix == "ca":
            continue
        r = full(copy, prefix, spider, big, "backfill")
        log(f"  {spider} into the CA database ({stored:,} notices): {r['wall']:.1f}s, "
            f"{r['rss_mb']:.0f} MB")  # fmt: skip
        result[spider] = r
        stored += r["items"] or 0
    return result


def big_maine_backfill(tmp: Path, size: int) -> dict:
    """A Maine backfill as big as the CA copy into the big database (bench/memory.py): the
    memory target's hardest case. The copy's first Maine notices are the stored ones."""
    big = tmp / f"big-{size}" / "breaches.db"
    work = tmp / f"memory-{size}" / "breaches.db"
    work.parent.mkdir()
    with sqlite3.connect(big) as src, sqlite3.connect(work) as dst:
        src.backup(dst)
    stored = sqlite3.connect(work).execute("select count(*) from notices").fetchone()[0]
    log(f"  memory: Maine {size:,} into the big database ({stored:,} notices), bench/memory.py")
    r = memory.measure(work, size, [], None)
    r.pop("out", None)
    r["stored_before"] = stored
    r["timeline"] = r["timeline"][:: max(1, len(r["timeline"]) // 40)]
    log(f"  memory: peak RSS {r['rss_mb']:.0f} MB, {r['wall']:.1f}s, {r['items']} notices")
    return r


def median_run(pairs: list[dict], kind: str) -> dict:
    """The repetition with the median wall time (a real run, not a blend of figures)."""
    runs = sorted((p[kind] for p in pairs), key=lambda r: r["wall"])
    return runs[(len(runs) - 1) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description="crawl benchmark -> bench/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="2k and 5k notices, ~3 minutes")
    parser.add_argument("--sizes", type=int, nargs="+", help="CA notices per copy")
    parser.add_argument("--me", type=int, nargs="+", help="Maine notices per copy")
    parser.add_argument("--sources", nargs="+", default=["ca", "me", "rankiteo"])
    parser.add_argument("--server", choices=("realistic", "fast"), default="realistic")
    parser.add_argument("--server-ms", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=1, help="bare/full pairs per source")
    parser.add_argument("--profile", nargs="*", default=["ca", "me"], help="sources to profile")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--no-nightly", action="store_true")
    parser.add_argument("--no-list-first", action="store_true",
                        help="skip the extra CA crawl with BREACH_LIST_FIRST=1")  # fmt: skip
    parser.add_argument("--no-big-db", action="store_true",
                        help="skip Maine and Rankiteo crawled into the CA crawl's database")  # fmt: skip
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the Maine backfill as big as the largest copy into its "
                        "big database (bench/memory.py)")  # fmt: skip
    parser.add_argument("--stages", nargs="*", default=["ca", "me"],
                        help="sources whose stages are measured one at a time (none: skip)")  # fmt: skip
    parser.add_argument("--no-dedupe", action="store_true")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--no-live", action="store_true", help="skip the live time model")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    args.argv = sys.argv[1:]
    args.sizes = args.sizes or ([2_000, 5_000] if args.quick else [10_000, 50_000])
    dedupe_sizes = ["10000"] if args.quick else ["10000", "50000", "100000"]
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="breach-bench-"))
    loads = [load()]
    from crawler import settings as project_settings

    lines = ["# Crawl benchmark", "", *machine(), ""]
    lines += report.setup(args, project_settings)

    # 1. The server alone.
    log("server check")
    import portal
    import realistic

    raw = portal.prerender(portal.build_copy(min(args.sizes[0], 10_000), 0, rankiteo=False))
    server = realistic.measure(raw, args.server_ms, 600 if args.quick else 1500)
    del raw
    log(f"  {server}")
    lines += report.server(server)

    # 2. Crawls.
    results: dict = {}
    for i, size in enumerate(args.sizes):
        me = me_size(size, args.me, i)
        log(f"copy of {size:,} CA notices, {me:,} Maine notices ({args.server} server)")
        results[size] = crawl_size(args, size, me, tmp)
        results[size]["me"] = me
        loads.append(load())
    lines += report.crawls(args, results, SOURCES, median_run)

    # 3. Live time model (list-first backfill at a scaled polite delay).
    live = BENCH / "live.py"
    if not args.no_live and live.exists():
        log("live time model (bench/live.py)")
        r = run(
            [PY, str(live), "--out", str(tmp / "live.json")] + (["--quick"] if args.quick else [])
        )
        lines += report.live(r, tmp / "live.json")

    # 4. Dedupe.
    dedupe = BENCH / "bench_dedupe.py"
    if not args.no_dedupe and dedupe.exists():
        log("dedupe rebuild (bench/bench_dedupe.py)")
        out = tmp / "RESULTS-dedupe.md"
        r = run([PY, str(dedupe), "--sizes", *dedupe_sizes, "--out", str(out)])
        lines += report.dedupe(r, out, dedupe_sizes)

    # 5. Export.
    if not args.no_export:
        import exportbench

        log("export")
        ex = exportbench.export_bench(tmp, 20_000 if args.quick else 100_000)
        lines += report.export(ex)

    total = time.perf_counter() - t0
    lines += [
        "## Run",
        "",
        "- Load average (1, 5, 15 min) at start and after each copy: "
        + " | ".join(" ".join(f"{x:.2f}" for x in la) for la in loads)
        + " (2 CPUs: above ~1 other work shared the machine with the crawl and its server).",
        f"- Total benchmark time: {total / 60:.1f} min. Scratch files: {tmp}",
        "",
    ]

    def clean(x):
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items() if k not in ("out", "stats")}
        if isinstance(x, list):
            return [clean(v) for v in x]
        return x

    (tmp / "results.json").write_text(json.dumps(clean(results), default=str, indent=1))
    text = "\n".join(lines) + "\n"
    if args.out.exists():
        old = args.out.read_text()
        marker = "<!-- analysis -->"
        if marker in old:  # keep the hand-written analysis below the marker
            text += "\n" + old[old.index(marker) :]
    args.out.write_text(text, encoding="utf-8")
    shutil.copy(tmp / "results.json", args.out.with_suffix(".json"))
    log(f"-> {args.out} ({total / 60:.1f} min); raw figures in {tmp}/results.json")


if __name__ == "__main__":
    main()
