"""Running crawls for bench/runner.py: the served copy, bare and full crawls, the profile.

Each crawl is its own subprocess; wall time, CPU time (user+system) and peak RSS come from
`os.wait4` for that process alone (the server runs in another process); requests and crawl
time from Scrapy's stats (bare) or the crawl_runs row (ours).
"""

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
PY = str(ROOT / ".venv" / "bin" / "python")
PYSPY = ROOT / ".venv" / "bin" / "py-spy"
FEED = '{"%s/runs/%%(name)s/%%(time)s.jsonl": {"format": "jsonlines", "encoding": "utf8", "store_empty": false}}'


def log(*args) -> None:
    print(time.strftime("%H:%M:%S"), *args, flush=True)


def load() -> tuple[float, float, float]:
    return os.getloadavg()


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
    load_before = load()[0]
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
        "load": (load_before + load()[0]) / 2,  # 1-min load average around the crawl
        "out": out.decode("utf-8", "replace"),
    }


class Copy:
    """A served copy in its own process: bench/realistic.py (default) or bench/portal.py."""

    def __init__(self, ca: int, me: int, server: str = "realistic", server_ms: float = 10.0):
        script = "realistic.py" if server == "realistic" else "portal.py"
        cmd = [PY, str(BENCH / script), "serve", "--ca", str(ca), "--me", str(me)]
        if server == "realistic":
            cmd += ["--server-ms", str(server_ms)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"portal did not start: {line!r}")
        _, self.root, counts = line.split(" ", 2)
        self.counts = json.loads(counts)
        self.server, self.server_ms = server, server_ms

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def bare(copy: Copy, prefix: str, tmp: Path, extra: list[str] | None = None) -> dict:
    stats_file = tmp / f"bare-{prefix}.json"
    stats_file.unlink(missing_ok=True)
    result = run_measured([PY, str(BENCH / "bare_spider.py"), "--source", prefix,
                           "--base", copy.root + "/" + prefix, "--stats", str(stats_file),
                           *(extra or [])])  # fmt: skip
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    result.update(requests=stats.get("downloader/request_count", 0),
                  elapsed=stats.get("elapsed_time_seconds"), items=0)  # fmt: skip
    if result["rc"] != 0:
        log(f"  WARNING bare {prefix}: exit {result['rc']}\n{result['out'][-2000:]}")
    return result


def full(copy: Copy, prefix: str, spider: str, db: Path, mode: str, feeds: bool = True,
         extra: list[str] | None = None, profile: Path | None = None) -> dict:  # fmt: skip
    cmd = [PY, "-m", "scrapy", "crawl", spider, "-a", f"mode={mode}",
           "-a", f"base_url={copy.root}/{prefix}", "-s", "LOG_LEVEL=WARNING",
           "-s", "FEEDS=" + (FEED % db.parent if feeds else "{}"), *(extra or [])]  # fmt: skip
    if profile:
        cmd = [str(PYSPY), "record", "-r", "100", "-f", "raw", "-o", str(profile), "--", *cmd]
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
                  elapsed=stats.get("elapsed_time_seconds"), stats=stats)  # fmt: skip
    if result["rc"] not in (0,) or row[2] != "ok":
        log(f"  WARNING {spider} {mode}: exit {result['rc']} status {row[2]} {row[3]}")
        log(result["out"][-2000:])
    return result


# --- Profile summary ------------------------------------------------------------------------
# A sample is charged to the innermost frame of our own code on its stack (so parsel and lxml
# called from a page parser count as parsing); samples with none of our frames to Scrapy.
OURS = (  # (label, path substring of the frame's file), most specific first
    ("store: commit (fsync)", "crawler/store/session.py"),
    ("store: SQL and encoding", "crawler/store/"),
    ("store: SQL and encoding", "pipelines/store.py"),
    ("clean stage", "pipelines/clean.py"),
    ("validate stage", "pipelines/validate.py"),
    ("dedupe stage (matching)", "crawler/matching/"),
    ("dedupe stage (matching)", "pipelines/dedupe.py"),
    ("date and text parsing", "crawler/textparse/"),
    ("page parsing (crawler/pages, crawler/platforms)", "crawler/pages/"),
    ("page parsing (crawler/pages, crawler/platforms)", "crawler/platforms/"),
    ("spider callbacks", "crawler/spiders/"),
    ("run log, stats, signals", "crawler/extensions.py"),
    ("other project code", "(crawler/"),
)
SCRAPY = (
    ("feed export (jsonl)", "feedexport"),
    ("feed export (jsonl)", "exporters.py"),
    ("Scrapy: download (HTTP client, Twisted)", "core/downloader/"),
    ("Scrapy: download (HTTP client, Twisted)", "twisted/web/"),
    ("Scrapy: download (HTTP client, Twisted)", "_readOrWrite"),
    ("Scrapy: download (HTTP client, Twisted)", "twisted/internet/tcp.py"),
    ("Scrapy: scheduler", "scheduler.py"),
    ("imports and start-up", "<frozen importlib"),
)


def summarise_profile(raw: Path) -> tuple[list[tuple[str, float]], float]:
    """Share of samples per stage, and the share spent inside parsel's CSS-to-XPath layer."""
    counts: Counter = Counter()
    total = css = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit() or "Thread._bootstrap" in stack:  # idle thread-pool threads
            continue
        n = int(n)
        total += n
        if "cssselect" in stack or "csstranslator" in stack:
            css += n
        frames = stack.split(";")
        label = None
        for frame in reversed(frames):  # innermost first
            if "crawler/commands/" in frame:  # `scrapy crawl` itself: under every sample
                continue
            for name, needle in OURS:
                if needle in frame:
                    label = name
                    break
            if label:
                break
        if label is None:
            label = next((name for name, needle in SCRAPY if needle in stack),
                         "Scrapy engine, middlewares, asyncio loop (rest)")  # fmt: skip
        counts[label] += n
    rows = [(k, 100 * v / total) for k, v in counts.most_common()] if total else []
    return rows, (100 * css / total if total else 0.0)
