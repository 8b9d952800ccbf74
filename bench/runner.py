"""The crawl benchmark behind `bench/run`: every figure of bench/RESULTS.md, in one run.

1. The server alone: `localportal.server.PortalServer` vs the pre-rendered copy (bench/portal.py).
2. Per size (default 10k and 50k CA notices; Maine gets a fifth, Rankiteo a post per 20 CA
   notices): a large copy served from memory in its own process; for each source a bare
   Scrapy crawl (bench/bare_spider.py) and our full crawl (`scrapy crawl <spider> -a
   mode=backfill`, every pipeline, SQLite, the FEEDS jsonl archive on), each a subprocess
   (wall time, CPU time and peak RSS from wait4); then the nightly re-run of the unchanged
   copy into the same database.
3. A py-spy profile of the full CA crawl at the smallest size, summarised by stage.
4. Dedupe rebuild (bench/bench_dedupe.py, by the dedupe helper) at 10k/50k/100k notices.
5. `scrapy export` of 100k incidents, from a database filled by direct inserts.

Machine load is recorded: other work on the machine inflates wall times, not CPU times, so
the ratios are given for both.
"""

import argparse
import json
import os
import platform
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
PY = str(ROOT / ".venv" / "bin" / "python")
SOURCES = (("ca", "ca_ag"), ("me", "me_ag"), ("rankiteo", "agg_rankiteo"))
FEED = '{"%s/runs/%%(name)s/%%(time)s.jsonl": {"format": "jsonlines", "encoding": "utf8", "store_empty": false}}'


def log(*args) -> None:
    print(time.strftime("%H:%M:%S"), *args, flush=True)


def run(cmd: list[str], env: dict | None = None, cwd: Path = ROOT, timeout: float = 1800) -> dict:
    """Run `cmd`: wall seconds, exit code, output (no resource figures)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    wall = time.perf_counter() - started
    return {"wall": wall, "rc": proc.returncode, "out": out.decode("utf-8", "replace")}


def run_measured(cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> dict:
    """Run `cmd`; wall seconds, CPU seconds and peak RSS (MB) of that process alone (wait4)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall": time.perf_counter() - started,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "rc": proc.returncode,
        "out": out.decode("utf-8", "replace"),
    }


class Copy:
    """A served copy (bench/portal.py serve) in its own process."""

    def __init__(self, ca: int):
        self.proc = subprocess.Popen(
            [PY, str(BENCH / "portal.py"), "serve", "--ca", str(ca)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        line = self.proc.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"portal did not start: {line!r}")
        _, self.root, counts = line.split(" ", 2)
        self.counts = json.loads(counts)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- Crawls ---------------------------------------------------------------------------------
def bare(copy: Copy, prefix: str, tmp: Path) -> dict:
    stats_file = tmp / f"bare-{prefix}.json"
    result = run_measured([PY, str(BENCH / "bare_spider.py"), "--source", prefix,
                           "--base", copy.root + "/" + prefix, "--stats", str(stats_file)])  # fmt: skip
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    result.update(requests=stats.get("downloader/request_count", 0),
                  elapsed=stats.get("elapsed_time_seconds"), items=0)  # fmt: skip
    return result


def full(copy: Copy, prefix: str, spider: str, db: Path, mode: str, feeds: bool = True,
         extra: list[str] | None = None, profile: Path | None = None) -> dict:  # fmt: skip
    cmd = [PY, "-m", "scrapy", "crawl", spider, "-a", f"mode={mode}",
           "-a", f"base_url={copy.root}/{prefix}", "-s", "LOG_LEVEL=WARNING",
           "-s", "FEEDS=" + (FEED % db.parent if feeds else "{}"), *(extra or [])]  # fmt: skip
    if profile:
        cmd = [str(ROOT / ".venv" / "bin" / "py-spy"), "record", "-r", "100", "-f", "raw",
               "-o", str(profile), "--", *cmd]  # fmt: skip
    result = run_measured(cmd, env={"BREACH_DB_PATH": str(db)})
    conn = sqlite3.connect(db)
    row = conn.execute(
        "select requests, notices_new + notices_updated + notices_unchanged, source_status, "
        "status_reason, stats from crawl_runs where spider = ? order by id desc limit 1",
        (spider,),
    ).fetchone()
    conn.close()
    stats = json.loads(row[4])
    result.update(requests=row[0], items=row[1], status=row[2], why=row[3],
                  elapsed=stats.get("elapsed_time_seconds"))  # fmt: skip
    if result["rc"] not in (0,) or row[2] != "ok":
        log(f"  WARNING {spider} {mode}: exit {result['rc']} status {row[2]} {row[3]}")
        log(result["out"][-2000:])
    return result


# --- Profile summary ------------------------------------------------------------------------
STAGES = (  # (label, frame substring): first match in a stack wins, most specific first
    ("store: commit (fsync)", "Database.atomic"),
    ("store: commit (fsync)", "NoticeStore.flush"),
    ("store: SQL and encoding", "StorePipeline.process_item"),
    ("clean stage", "CleanPipeline.process_item"),
    ("validate stage", "ValidatePipeline.process_item"),
    ("dedupe stage", "DedupePipeline.process_item"),
    ("feed export (jsonl)", "FeedExporter"),
    ("spider: detail page parsing", "CaAgSpider.parse_detail"),
    ("spider: list page parsing", "CaAgSpider.parse "),
    ("spider: CSV export + completeness", "CaAgSpider.parse_export"),
    ("spider: CSV export + completeness", "_check_completeness"),
    ("run log, stats, signals", "RunLogExtension"),
    ("Scrapy: download (HTTP client, Twisted)", "Downloader"),
    ("Scrapy: download (HTTP client, Twisted)", "HTTP11"),
    ("Scrapy: download (HTTP client, Twisted)", "_readOrWrite"),
    ("Scrapy: scheduler", "Scheduler"),
    ("imports and start-up", "<frozen importlib"),
    ("imports and start-up", "_bootstrap"),
)


def summarise_profile(raw: Path) -> list[tuple[str, float]]:
    counts: Counter = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit() or "Thread._bootstrap" in stack:  # idle thread-pool threads
            continue
        total += int(n)
        for label, needle in STAGES:
            if needle in stack:
                counts[label] += int(n)
                break
        else:
            counts["Scrapy engine, middlewares, asyncio loop (rest)"] += int(n)
    return [(k, 100 * v / total) for k, v in counts.most_common()] if total else []


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


# --- Report ---------------------------------------------------------------------------------
def fmt(x, digits=1):
    return "-" if x is None else f"{x:,.{digits}f}"


def machine() -> list[str]:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import scrapy
    import twisted

    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {mem:.1f} GiB RAM, {platform.platform()}",
        f"- Python {platform.python_version()}, Scrapy {scrapy.__version__}, "
        f"Twisted {twisted.__version__}, SQLite {sqlite3.sqlite_version}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="crawl benchmark -> bench/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="2k and 5k notices, ~2 minutes")
    parser.add_argument("--sizes", type=int, nargs="+", help="CA notices per copy")
    parser.add_argument("--no-dedupe", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--feeds-off", action="store_true",
                        help="also run the full CA crawl with FEEDS={}")  # fmt: skip
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    sizes = args.sizes or ([2_000, 5_000] if args.quick else [10_000, 50_000])
    dedupe_sizes = ["10000"] if args.quick else ["10000", "50000", "100000"]
    export_count = 20_000 if args.quick else 100_000
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="breach-bench-"))
    loads = [load()]
    lines = ["# Crawl benchmark", "", *machine(), ""]
    sys.path.insert(0, str(ROOT))
    from crawler import settings as project_settings

    pipelines = ", ".join(k.rsplit(".", 1)[1] for k, _ in
                          sorted(project_settings.ITEM_PIPELINES.items(), key=lambda kv: kv[1]))  # fmt: skip
    lines += [f"- Full crawl: `scrapy crawl <spider> -a mode=backfill -a base_url=<copy>`, pipelines "
              f"{pipelines}, extension RunLog, SQLite (WAL), FEEDS jsonl archive on; "
              "`LOG_LEVEL=WARNING`. Bare crawl: bench/bare_spider.py, same concurrency "
              "(CONCURRENT_REQUESTS 32, 16 per domain, no delay, no AutoThrottle, no robots.txt).",
              "- Command: `" + " ".join(["bench/run", *sys.argv[1:]]) + "`", ""]  # fmt: skip

    # 1. The server alone.
    log("server check")
    sys.path.insert(0, str(BENCH))
    import portal

    server = portal.measure(min(sizes[0], 10_000), 0, 600 if args.quick else 1500)
    lines += [
        "## The server alone",
        "",
        f"{server['requests']} requests (CA detail pages and 1 list page per 50), "
        f"{server['concurrency']} keep-alive connections, copy of {server['ca_notices']:,} CA notices, "
        "server in its own process:",
        "",
        "| server | requests/s |",
        "|---|---:|",
        f"| localportal.server.PortalServer (renders per request, linear detail lookup) | "
        f"{server['portalserver_req_per_s']:,} |",
        f"| bench/portal.py pre-rendered, asyncio (dict lookup + one write) | "
        f"{server['prerendered_req_per_s']:,} |",
        "",
        f"Rendering all {server['pages']:,} pages up front took {server['render_all_s']} s. "
        "PortalServer would cap a crawl at its rate (lower still at 50k: the detail lookup is "
        "O(N)), so every crawl below runs against the pre-rendered server; it serves far faster "
        "than Scrapy fetches, so it is not the bottleneck.",
        "",
    ]
    log(f"  {server}")

    # 2. Crawls.
    results: dict = {}
    profile_rows = None
    for size in sizes:
        log(f"copy of {size:,} CA notices")
        copy = Copy(size)
        db = tmp / f"full-{size}" / "breaches.db"
        db.parent.mkdir()
        results[size] = {"counts": copy.counts}
        try:
            for prefix, spider in SOURCES:
                b = bare(copy, prefix, tmp)
                f = full(copy, prefix, spider, db, "backfill")
                log(f"  {spider}: bare {b['wall']:.1f}s/{b['requests']} req, full {f['wall']:.1f}s/"
                    f"{f['requests']} req/{f['items']} items, {f['rss_mb']:.0f} MB")  # fmt: skip
                n = full(copy, prefix, spider, db, "nightly")
                log(f"  {spider} nightly: {n['requests']} requests, {n['wall']:.1f}s")
                results[size][spider] = {"bare": b, "full": f, "nightly": n}
            if args.feeds_off:
                db2 = tmp / f"nofeed-{size}" / "breaches.db"
                db2.parent.mkdir()
                results[size]["ca_nofeeds"] = full(
                    copy, "ca", "ca_ag", db2, "backfill", feeds=False
                )
            if (
                size == sizes[0]
                and not args.no_profile
                and shutil.which(str(ROOT / ".venv" / "bin" / "py-spy"))
            ):
                log("  profile (py-spy) of the full CA crawl")
                db3 = tmp / f"profile-{size}" / "breaches.db"
                db3.parent.mkdir()
                raw = tmp / "ca.raw"
                full(copy, "ca", "ca_ag", db3, "backfill", profile=raw)
                profile_rows = summarise_profile(raw) if raw.exists() else None
                shutil.copy(raw, tmp / f"ca-{size}.pyspy.raw") if raw.exists() else None
        finally:
            copy.stop()
        loads.append(load())

    lines += ["## Bare Scrapy vs our full crawl (backfill of the whole copy)", ""]
    for size in sizes:
        c = results[size]["counts"]
        lines += [
            f"### Copy of {size:,} CA notices ({c['ca_list_pages']} list pages), "
            f"{c['me_notices']:,} Maine notices, {c['rankiteo_posts']:,} Rankiteo posts",
            "",
            "| source | crawl | requests | notices | wall (s) | crawl time (s) | pages/s | notices/s "
            "| CPU (s) | peak RSS (MB) |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for _, spider in SOURCES:
            r = results[size][spider]
            rows = [("bare", r["bare"]), ("full", r["full"])]
            if spider == "ca_ag" and "ca_nofeeds" in results[size]:
                rows.append(("full, FEEDS off", results[size]["ca_nofeeds"]))
            for label, x in rows:
                el = x["elapsed"] or x["wall"]
                lines.append(
                    f"| {spider} | {label} | {x['requests']:,} | {x['items']:,} | {fmt(x['wall'])} "
                    f"| {fmt(el)} | {fmt(x['requests'] / el, 0)} "
                    f"| {fmt(x['items'] / el, 0) if x['items'] else '-'} | {fmt(x['cpu'])} "
                    f"| {fmt(x['rss_mb'], 0)} |"
                )
        lines += ["", "| source | full / bare, wall | full / bare, crawl time | full / bare, CPU |",
                  "|---|---:|---:|---:|"]  # fmt: skip
        for _, spider in SOURCES:
            b, f = results[size][spider]["bare"], results[size][spider]["full"]
            lines.append(f"| {spider} | {f['wall'] / b['wall']:.2f}x "
                         f"| {(f['elapsed'] or 0) / (b['elapsed'] or 1):.2f}x | {f['cpu'] / b['cpu']:.2f}x |")  # fmt: skip
        lines.append("")
    lines += [
        "Wall = the whole process (Python start-up, imports, opening the database included); "
        "crawl time = Scrapy's `elapsed_time_seconds` (engine start to close); CPU = user + "
        "system time of the crawling process (the server runs in another process).",
        "",
        "## Nightly re-run of the unchanged copy",
        "",
        "Same database, right after the backfill, `-a mode=nightly`:",
        "",
        "| copy (CA notices) | source | requests | notices re-read | wall (s) | crawl time (s) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for size in sizes:
        for _, spider in SOURCES:
            n = results[size][spider]["nightly"]
            lines.append(f"| {size:,} | {spider} | {n['requests']} | {n['items']} | {fmt(n['wall'])} "
                         f"| {fmt(n['elapsed'], 2)} |")  # fmt: skip
    lines.append("")

    if profile_rows:
        lines += [
            "## Where the time goes (py-spy, full CA crawl)",
            "",
            f"py-spy record at 100 Hz of `scrapy crawl ca_ag -a mode=backfill` on the "
            f"{sizes[0]:,}-notice copy; share of the samples of the crawling thread:",
            "",
            "| stage | share |",
            "|---|---:|",
            *[f"| {label} | {share:.1f}% |" for label, share in profile_rows],
            "",
        ]

    # 4. Dedupe.
    dedupe = BENCH / "bench_dedupe.py"
    if not args.no_dedupe and dedupe.exists():
        log("dedupe rebuild (bench/bench_dedupe.py)")
        out = tmp / "RESULTS-dedupe.md"
        r = run([PY, str(dedupe), "--sizes", *dedupe_sizes, "--out", str(out)])
        lines += ["## Dedupe rebuild (bench/bench_dedupe.py)", ""]
        if r["rc"] == 0 and out.exists():
            table = [ln for ln in out.read_text().splitlines() if ln.startswith("|")]
            lines += [f"`bench/bench_dedupe.py --sizes {' '.join(dedupe_sizes)}` "
                      f"({r['wall']:.0f} s in all):", "", *table, ""]  # fmt: skip
        else:
            lines += [f"bench/bench_dedupe.py failed (exit {r['rc']}):", "", "```",
                      r["out"][-1500:], "```", ""]  # fmt: skip
    elif not args.no_dedupe:
        lines += ["## Dedupe rebuild", "", "Pending: bench/bench_dedupe.py does not exist yet.", ""]

    # 5. Export.
    log("export")
    ex = export_bench(tmp, export_count)
    lines += ["## `scrapy export`", ""]
    if ex is None:
        lines += ["Pending: `scrapy export` (crawler/commands/export.py) does not exist yet.", ""]
    else:
        lines += [
            f"Database filled by direct inserts: {ex['incidents']['n']:,} incidents, "
            f"{ex['notices']['n']:,} notices linked to them (real CA names, 1-3 notices each). "
            "`scrapy export --kind K --since 2000-01-01 -o FILE`, the whole table:",
            "",
            "| kind | rows | CSV (MB) | wall (s) | CPU (s) | peak RSS (MB) | exit |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for kind in ("incidents", "notices"):
            x = ex[kind]
            lines.append(f"| {kind} | {x['rows']:,} | {x['mb']:.1f} | {x['wall']:.2f} | "
                         f"{x['cpu']:.2f} | {x['rss_mb']:.0f} | {x['rc']} |")  # fmt: skip
        s = ex["startup"]
        lines += [
            "",
            f"For reference, `scrapy version` (start-up alone) takes {s['wall']:.2f} s.",
            "",
        ]
        log(f"  incidents {ex['incidents']['wall']:.2f}s notices {ex['notices']['wall']:.2f}s")

    total = time.perf_counter() - t0
    lines += [
        "## Run",
        "",
        f"- Load average (1, 5, 15 min) at start and after each copy: {' | '.join(loads)} "
        f"(2 CPUs: anything above ~1 means other work shared the machine and wall times grew).",
        f"- Total benchmark time: {total / 60:.1f} min. Scratch files: {tmp}",
        "",
    ]
    (tmp / "results.json").write_text(json.dumps(
        {str(k): {s: v if not isinstance(v, dict) else {kk: {x: y for x, y in vv.items() if x != "out"}
                  if isinstance(vv, dict) else vv for kk, vv in v.items()} for s, v in r.items()}
         for k, r in results.items()}, default=str, indent=1))  # fmt: skip
    text = "\n".join(lines) + "\n"
    if args.out.exists():
        old = args.out.read_text()
        marker = "<!-- analysis -->"
        if marker in old:  # keep the hand-written analysis below the marker
            text += "\n" + old[old.index(marker) :]
    args.out.write_text(text, encoding="utf-8")
    log(f"-> {args.out} ({total / 60:.1f} min)")


if __name__ == "__main__":
    main()
