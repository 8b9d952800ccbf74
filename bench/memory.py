"""Peak memory of a big backfill into a big database, with one command.

The case of bench/RESULTS.md's one-off check: a Maine backfill of 50,000 notices into a
database of ~62,500 (49,990 CA + 10,000 Maine + 2,503 Rankiteo; the copy's first 10,000 Maine
notices are the stored ones, so 40,000 are new). Issue target: under 400 MB peak RSS.

    bench/memory.py                         # builds the big database, then measures (~15 min)
    bench/memory.py --db /tmp/big.db        # a database built before (copied, never changed)
    bench/memory.py --db big.db --keep /tmp/after.db   # keep the crawled copy
    bench/memory.py --db big.db -s ITEM_PIPELINES='{...}'   # extra scrapy settings
    bench/memory.py --source ca --ca 50000 --me-stored 60000   # CA 50k into 60k Maine notices

The crawl is one subprocess: peak RSS and CPU from `os.wait4`, and its RSS sampled every
0.2 s from /proc (the timeline's peak and when it came, beside the crawl's own log lines).
Each served copy is bench/realistic.py in its own process.
"""

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawls import PY, Copy, full, log

PEAK_TARGET_MB = 400


SPIDERS = {"ca": "ca_ag", "me": "me_ag", "rankiteo": "agg_rankiteo"}


def build_big_database(path: Path, ca: int, me: int, sources=("ca", "me", "rankiteo")) -> None:
    """CA, then Maine, then Rankiteo backfilled into one database, as bench/run's big one."""
    copy = Copy(ca, me)
    try:
        for prefix, spider in ((p, SPIDERS[p]) for p in sources):
            r = full(copy, prefix, spider, path, "backfill", feeds=False)
            log(f"  built: {spider} {r['items']:,} notices, {r['wall']:.0f} s")
    finally:
        copy.stop()


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Sampler(threading.Thread):
    """RSS of the newest `scrapy crawl` child every 0.2 s: (seconds since start, MB)."""

    def __init__(self, spider: str = "me_ag") -> None:
        super().__init__(daemon=True)
        self.spider = spider.encode()
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()
        self.started = time.monotonic()

    def _crawl_pid(self) -> int | None:
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    cmd = (proc / "cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                # This worktree's interpreter: another checkout's crawls are not ours.
                if cmd[:5] == [PY.encode(), b"-m", b"scrapy", b"crawl", self.spider]:
                    return int(proc.name)
        return None

    def run(self) -> None:
        pid = None
        while not self.stop.wait(0.2):
            pid = pid or self._crawl_pid()
            rss = _rss_mb(pid) if pid else None
            if rss is not None:
                self.samples.append((time.monotonic() - self.started, rss))


class Served:
    """A copy someone else serves (`--base`): nothing to stop."""

    def __init__(self, root: str) -> None:
        self.root = root

    def stop(self) -> None:
        pass


def measure(db: Path, me: int, settings: list[str], base: str | None, source: str = "me",
            ca: int = 10) -> dict:  # fmt: skip
    """The backfill of `source` (Maine `me` notices, or CA `ca`) into `db`, its memory sampled."""
    copy = (
        Served(base) if base else Copy(ca if source == "ca" else 10, me if source == "me" else 10)
    )
    try:
        sampler = Sampler(SPIDERS[source])
        sampler.start()
        extra = []
        for setting in settings:
            extra += ["-s", setting]
        result = full(copy, source, SPIDERS[source], db, "backfill", feeds=True, extra=extra)
        sampler.stop.set()
    finally:
        copy.stop()
    peak_at, peak = max(sampler.samples, key=lambda s: s[1], default=(0.0, 0.0))
    result["timeline"] = sampler.samples
    result["sampled_peak"] = (round(peak_at, 1), round(peak))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="the big database to copy (else built)")
    parser.add_argument("--source", choices=("me", "ca"), default="me",
                        help="the source backfilled: Maine (default) or CA")  # fmt: skip
    parser.add_argument("--ca", type=int, default=50_000,
                        help="CA notices of a built database (--source ca: CA notices backfilled)")  # fmt: skip
    parser.add_argument("--me-stored", type=int, default=10_000,
                        help="Maine notices stored (--source ca: the whole built database)")  # fmt: skip
    parser.add_argument("--me", type=int, default=50_000, help="Maine notices backfilled")
    parser.add_argument(
        "--base",
        help="a copy served already (bench/realistic.py serve "
        "--ca 10 --me 50000 --no-rankiteo): its READY URL",
    )
    parser.add_argument("--log", type=Path, help="write the crawl's output here")
    parser.add_argument("--keep", type=Path, help="keep the crawled database here")
    parser.add_argument("-s", dest="settings", action="append", default=[], help="KEY=VALUE")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="breach-memory-") as tmp:
        work = Path(tmp) / "breaches.db"
        if args.db:
            with sqlite3.connect(args.db) as src, sqlite3.connect(work) as dst:
                src.backup(dst)
        elif args.source == "ca":
            log(f"building the big database: Maine {args.me_stored:,}")
            build_big_database(work, 10, args.me_stored, sources=("me",))
        else:
            log(f"building the big database: CA {args.ca:,}, Maine {args.me_stored:,}, Rankiteo")
            build_big_database(work, args.ca, args.me_stored)
        stored = sqlite3.connect(work).execute("select count(*) from notices").fetchone()[0]
        count = args.ca if args.source == "ca" else args.me
        log(f"{SPIDERS[args.source]} {count:,} into {stored:,} stored notices")
        r = measure(work, args.me, args.settings, args.base, args.source, args.ca)
        if args.keep:
            shutil.copy(work, args.keep)
    if args.log:
        args.log.write_text(r["out"])
    verdict = "under" if r["rss_mb"] < PEAK_TARGET_MB else "NOT under"
    log(f"peak RSS {r['rss_mb']:.0f} MB ({verdict} {PEAK_TARGET_MB}), CPU {r['cpu']:.1f} s, "
        f"wall {r['wall']:.1f} s, notices {r['items']:,}, status {r['status']}; sampled peak "
        f"{r['sampled_peak'][1]} MB at {r['sampled_peak'][0]} s; dedupe CPU "
        f"{r['stats'].get('breach/incidents/cpu_seconds')} s")  # fmt: skip
    every = max(1, len(r["timeline"]) // 40)
    print("RSS timeline (s, MB):", [(round(t), round(m)) for t, m in r["timeline"][::every]])
    if args.json:
        r.pop("out", None)
        args.json.write_text(json.dumps({"stored_before": stored, **r}, indent=1, default=str))


if __name__ == "__main__":
    main()
