"""The live backfill time model: a CA backfill at a scaled polite delay against a local copy.

oag.ca.gov asks for 10 s between requests (robots.txt Crawl-delay). This runs the real
`scrapy crawl ca_ag` against bench/realistic.py with that delay scaled down (default 0.1 s
standing for 10 s, one request at a time, the live CONCURRENT_REQUESTS), and records:

- from the server's request log: the order of list, export and detail requests (is every
  list page fetched before any detail page?);
- from the database, polled while the crawl runs: when every notice of the copy is stored
  (listed) and when every detail page has been read (no notice flagged `detail_pending`);
- the same with a per-run time budget (`BREACH_RUN_BUDGET_SECONDS`, scaled): the backfill
  lists everything and reads details until the budget is spent; then nightlies, each spending
  what is left of its budget on waiting detail pages, until none is left;
- requests of a nightly on the unchanged copy afterwards.

Times are reported in requests (scale-free) and in live time (requests x 10 s), measured on
the copy and projected to the live list's size (106 list pages, 5,295 reports, counted on
oag.ca.gov on 2026-09-05).

    python bench/live.py [--ca 600] [--delay 0.1] [--budget-requests 360] [--out live.json]
"""

import argparse
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawls import BENCH, PY, ROOT, log

LIVE_DELAY = 10.0  # oag.ca.gov robots.txt Crawl-delay
LIVE_NOTICES, LIVE_LIST_PAGES = 5_295, 106


class Server:
    def __init__(self, ca: int, log_path: Path):
        cmd = [PY, str(BENCH / "realistic.py"), "serve", "--ca", str(ca), "--me", "0",
               "--no-rankiteo", "--server-ms", "1", "--log", str(log_path)]  # fmt: skip
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"server did not start: {line!r}")
        self.root = line.split(" ")[1]
        self.log_path = log_path

    def requests(self, since: float = 0.0) -> list[tuple[float, str]]:
        out = []
        for line in self.log_path.read_text().splitlines():
            t, _, path = line.split(" ", 2)
            if float(t) >= since:
                out.append((float(t), path))
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def kind(path: str) -> str:
    if "/reports/" in path:
        return "detail"
    if "list-export" in path:
        return "export"
    return "list" if "/databreach/list" in path else "other"


def counts(db: Path) -> tuple[int, int]:
    """(notices stored, notices waiting for their detail page), read-only."""
    if not db.exists():
        return 0, 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        row = conn.execute(
            "select count(*), coalesce(sum(flags like '%detail_pending%'), 0) from notices"
            " where source = 'ca_ag'"
        ).fetchone()
        conn.close()
        return row
    except sqlite3.OperationalError:  # not created yet
        return 0, 0


def crawl(server: Server, db: Path, mode: str, delay: float, budget_s: float | None) -> dict:
    """One crawl at the scaled delay; the database polled every delay/2 while it runs."""
    cmd = [PY, "-m", "scrapy", "crawl", "ca_ag", "-a", f"mode={mode}",
           "-a", f"base_url={server.root}/ca", "-s", "LOG_LEVEL=WARNING", "-s", "FEEDS={}",
           "-s", f"DOWNLOAD_DELAY={delay}", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False",
           "-s", "CONCURRENT_REQUESTS=8", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
           "-s", "AUTOTHROTTLE_ENABLED=False",
           "-s", f"BREACH_STORE_BATCH_SECONDS={max(delay * 5, 0.05)}"]  # fmt: skip
    if budget_s is not None:
        cmd += ["-s", f"BREACH_RUN_BUDGET_SECONDS={budget_s}"]
    samples: list[tuple[float, int, int]] = []
    done = threading.Event()

    def poll():
        while not done.is_set():
            samples.append((time.time(), *counts(db)))
            done.wait(delay / 2)

    started = time.time()
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "BREACH_DB_PATH": str(db)},
                          capture_output=True, text=True)  # fmt: skip
    done.set()
    poller.join()
    samples.append((time.time(), *counts(db)))
    if proc.returncode != 0:
        log(proc.stdout[-1500:], proc.stderr[-1500:])
    reqs = server.requests(since=started)
    return {"started": started, "samples": samples, "requests": reqs, "rc": proc.returncode}


def first_time(samples, cond) -> float | None:
    return next((t for t, n, p in samples if cond(n, p)), None)


def requests_before(reqs, t: float | None) -> int | None:
    return None if t is None else sum(1 for rt, _ in reqs if rt <= t)


def analyse(run: dict, total: int, delay: float) -> dict:
    reqs, samples = run["requests"], run["samples"]
    kinds = [kind(p) for _, p in reqs]
    last_list = max((i for i, k in enumerate(kinds) if k == "list"), default=-1)
    first_detail = next((i for i, k in enumerate(kinds) if k == "detail"), None)
    t_listed = first_time(samples, lambda n, p: n >= total)
    t_details = first_time(samples, lambda n, p: n >= total and p == 0)
    return {
        "requests": len(reqs),
        "list": kinds.count("list"),
        "detail": kinds.count("detail"),
        "export": kinds.count("export"),
        "list_first": first_detail is None or first_detail > last_list,
        "requests_to_all_listed": requests_before(reqs, t_listed),
        "requests_to_all_details": requests_before(reqs, t_details),
        "seconds_to_all_listed": None if t_listed is None else t_listed - run["started"],
        "seconds_to_all_details": None if t_details is None else t_details - run["started"],
        "notices": samples[-1][1],
        "pending": samples[-1][2],
        "rc": run["rc"],
        "delay": delay,
    }


def hours(requests: float | None) -> str:
    if requests is None:
        return "-"
    s = requests * LIVE_DELAY
    if s < 120:
        return f"{s:.0f} s"
    return f"{s / 3600:.1f} h" if s >= 3600 else f"{s / 60:.0f} min"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ca", type=int, default=600, help="CA notices in the copy")
    parser.add_argument("--delay", type=float, default=0.1, help=f"standing for {LIVE_DELAY} s")
    parser.add_argument("--budget-requests", type=int, default=360,
                        help="per-run budget, in requests at the polite rate (360 = 1 h live)")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="300 notices")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.quick:
        args.ca, args.budget_requests = 300, 180
    tmp = Path(tempfile.mkdtemp(prefix="breach-live-"))
    server = Server(args.ca, tmp / "requests.log")
    lists = math.ceil(args.ca / 50)
    result: dict = {"ca": args.ca, "list_pages": lists, "delay": args.delay}
    try:
        log(f"live model: {args.ca} notices, {args.delay} s standing for {LIVE_DELAY:g} s")
        one = crawl(server, tmp / "one.db", "backfill", args.delay, None)
        result["one_run"] = analyse(one, args.ca, args.delay)
        nightly = crawl(server, tmp / "one.db", "nightly", args.delay, None)
        result["nightly_after"] = len(nightly["requests"])
        # With a budget: the backfill, then nightlies until every detail page is read.
        budget_s = args.budget_requests * args.delay
        runs = [analyse(crawl(server, tmp / "budget.db", "backfill", args.delay, budget_s),
                        args.ca, args.delay)]  # fmt: skip
        while runs[-1]["pending"] and len(runs) < 20:
            runs.append(analyse(crawl(server, tmp / "budget.db", "nightly", args.delay, budget_s),
                                args.ca, args.delay))  # fmt: skip
        result["budget_runs"] = runs
    finally:
        server.stop()
    result["markdown"] = markdown(result, args.budget_requests)
    text = json.dumps(result, indent=1, default=str)
    (args.out or tmp / "live.json").write_text(text)
    print("\n".join(result["markdown"]))


def markdown(r: dict, budget_requests: int) -> list[str]:
    one, n, lists = r["one_run"], r["ca"], r["list_pages"]
    scale = LIVE_NOTICES / n  # projection: requests grow with the notices
    to_listed = one["requests_to_all_listed"]
    to_details = one["requests_to_all_details"]
    lines = [
        f"`bench/live.py`: `scrapy crawl ca_ag -a mode=backfill` of a {n:,}-notice CA copy "
        f"({lists} list pages) with DOWNLOAD_DELAY {r['delay']:g} s standing for the live "
        f"{LIVE_DELAY:g} s (one request at a time; 8 concurrent requests allowed, as live). "
        "Requests are counted in the server's log; notices in the database, polled while the "
        "crawl runs.",
        "",
        f"Every list page fetched before any detail page: **{'yes' if one['list_first'] else 'no'}** "
        f"({one['list']} list pages, {one['export']} CSV export, {one['detail']} detail pages).",
        "",
        "| | requests | on the copy (s) | live, this copy | live, 5,295 notices |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, req, sec in (
        ("every notice listed (stored from its list row)", to_listed, one["seconds_to_all_listed"]),
        ("every detail page read", to_details, one["seconds_to_all_details"]),
    ):
        projected = None if req is None else req * scale
        lines.append(f"| {label} | {req if req is not None else '-'} "
                     f"| {'-' if sec is None else f'{sec:.1f}'} | {hours(req)} | {hours(projected)} |")  # fmt: skip
    lines += [
        f"| nightly on the unchanged copy afterwards | {r['nightly_after']} | | "
        f"{hours(r['nightly_after'])} | {hours(r['nightly_after'])} |",
        "",
        f"With a per-run budget of {budget_requests} requests at the polite rate "
        f"(`BREACH_RUN_BUDGET_SECONDS` = {budget_requests * r['delay']:g} s here, "
        f"{hours(budget_requests)} live): ",
        "",
        "| run | mode | requests | list pages | detail pages | notices stored | details still waiting |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for i, run in enumerate(r["budget_runs"]):
        lines.append(f"| {i + 1} | {'backfill' if i == 0 else 'nightly'} | {run['requests']} "
                     f"| {run['list']} | {run['detail']} | {run['notices']} | {run['pending']} |")  # fmt: skip
    live_runs = 1 + math.ceil(max(0, LIVE_NOTICES - (budget_requests - LIVE_LIST_PAGES - 1))
                              / max(1, budget_requests - 1))  # fmt: skip
    if not one["list_first"]:
        return [*lines, "", "Live projection: as in the first table (no budget in this code)."]
    lines += [
        "",
        f"Live projection (5,295 notices, {LIVE_LIST_PAGES} list pages, 10 s a request, "
        f"{hours(budget_requests)} a run): every notice listed after "
        f"{hours(LIVE_LIST_PAGES + 1)}; every detail page read after about {live_runs} runs "
        f"(the backfill, then nightlies of one list page plus {budget_requests - 1} detail pages); "
        "afterwards a nightly costs 1 request plus the detail pages of new notices.",
    ]
    return lines


if __name__ == "__main__":
    main()
