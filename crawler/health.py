"""How each source is doing, from its rows in `crawl_runs`.

Per source: the last successful run, the last failure (any run not `ok`, offline included)
and its reason, how many runs in a row were not ok, and the notices each recent run returned. A run's "notices" are the notices it
stored (new + updated + unchanged); a source whose latest ok run returned less than
LOW_YIELD_SHARE of the median of its previous ok runs is flagged: a parser that quietly
reads half a page is a failure nobody sees otherwise.

Only finished nightly-mode runs count, by default only those against the live sites (a test
or demo crawl of a local copy says nothing about the live source). A source with local runs
only is `local_only`, with a note saying so; it fails the check only when the database also
holds live runs (a production database where that source never ran live), not after a demo.
A run still `running` is reported, not counted; one whose process is gone is closed as
`killed` by the command first (crawler/store/runs.py) and counts as a failure.
"""

import json
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice

from crawler.spiders.base import is_loopback

LOW_YIELD_SHARE = 0.5
MEDIAN_RUNS = 14
FAILED = ("error", "layout_changed", "killed")
# Health states, worst first, with the exit code each gives the command (`local_only`: see
# exit_code).
STATE_EXIT_CODES = {
    "failing": 1, "stale": 1, "low_yield": 3, "offline": 2, "ok": 0, "no_runs": 1,
    "local_only": 0,
}  # fmt: skip


@dataclass
class SourceHealth:
    source: str
    state: str = "no_runs"  # ok | failing | offline | low_yield | stale | no_runs | local_only
    last_ok: str | None = None
    last_failure: str | None = None
    last_failure_reason: str | None = None
    consecutive_failures: int = 0
    recent_notices: list[int] = field(default_factory=list)  # newest first
    median_notices: float | None = None
    stuck_running: list[str] = field(default_factory=list)
    note: str = ""


def unchanged(run: dict) -> bool:
    """The source answered "not modified" (a 304) and nothing was listed: a quiet night, not a
    low yield, and no figure for the median."""
    stats = json.loads(run.get("stats") or "{}")
    return not stats.get("breach/listed") and any(
        key.endswith("/not_modified") and value for key, value in stats.items()
    )


def stored(run: dict) -> int:
    """Rows the source listed in the run (`breach/listed`), or, for runs recorded before
    spiders counted that, the notices it stored. A quiet night lists as much as a busy one."""
    stats = json.loads(run.get("stats") or "{}")
    if "breach/listed" in stats:
        return int(stats["breach/listed"])
    return sum(run.get(k) or 0 for k in ("notices_new", "notices_updated", "notices_unchanged"))


def all_runs_of(db, source: str) -> list[dict]:
    """Every nightly run of `source`, newest first, local copies included."""
    cursor = db.execute(
        "select * from crawl_runs where spider = ? and mode = 'nightly' order by id desc",
        [source],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor]


def runs_of(db, source: str, include_local: bool) -> list[dict]:
    runs = all_runs_of(db, source)
    if not include_local:
        runs = [r for r in runs if not is_loopback(r["base_url"] or "")]
    return runs


def has_live_runs(db) -> bool:
    return any(not is_loopback(r[0] or "") for r in db.execute("select base_url from crawl_runs"))


def local_only(source: str, local_runs: list[dict]) -> SourceHealth:
    """The report of a source whose nightly runs were all against local copies."""
    latest = local_runs[0]
    where = sorted({r["base_url"] or "" for r in local_runs})
    return SourceHealth(
        source,
        state="local_only",
        note=(
            f"only local runs recorded: {len(local_runs)} run(s) against {', '.join(where[:2])}"
            f"{' ...' if len(where) > 2 else ''}, the latest {latest['source_status']} at "
            f"{latest['started_at']}; no run of the live site yet (--include-local judges them)"
        ),
    )


def assess(
    source: str,
    runs: list[dict],
    *,
    now: datetime | None = None,
    max_age: timedelta | None = None,
    show: int = 7,
) -> SourceHealth:
    """The health of one source from its nightly runs, newest first."""
    health = SourceHealth(source)
    now = now or datetime.now(UTC)
    health.stuck_running = [
        f"run {r['id']} since {r['started_at']}" for r in runs if r["source_status"] == "running"
    ]
    finished = [r for r in runs if r["source_status"] != "running"]
    if not finished:
        return health
    ok_runs = [r for r in finished if r["source_status"] == "ok"]
    failures = [r for r in finished if r["source_status"] != "ok"]  # offline included
    health.recent_notices = [stored(r) for r in finished[:show]]
    if ok_runs:
        health.last_ok = ok_runs[0]["started_at"]
    if failures:
        health.last_failure = failures[0]["started_at"]
        health.last_failure_reason = failures[0]["status_reason"]
    for run in finished:
        if run["source_status"] == "ok":
            break
        health.consecutive_failures += 1

    latest = finished[0]
    if latest["source_status"] in FAILED:
        health.state, health.note = "failing", latest["status_reason"] or ""
    elif latest["source_status"] == "offline":
        health.state, health.note = "offline", latest["status_reason"] or ""
    else:
        health.state = "ok"
        counted = (stored(r) for r in ok_runs[1:] if not unchanged(r))
        previous = list(islice(counted, MEDIAN_RUNS))  # the newest MEDIAN_RUNS, read no further
        if unchanged(latest):
            health.note = "unchanged since the last run (not modified)"
        elif previous:
            health.median_notices = statistics.median(previous)
            if stored(latest) < LOW_YIELD_SHARE * health.median_notices:
                health.state = "low_yield"
                health.note = (
                    f"{stored(latest)} notices, under {LOW_YIELD_SHARE:.0%} of the median "
                    f"{health.median_notices:g} of the previous {len(previous)} ok runs"
                )
    if max_age is not None and health.state != "failing":
        last_started = datetime.fromisoformat(latest["started_at"])
        if now - last_started > max_age:
            health.state = "stale"
            health.note = f"no finished nightly run since {latest['started_at']}"
    return health


def exit_code(report: list[SourceHealth], live_history: bool = True) -> int:
    """1 if a source fails (or is stale, or never ran), else 3 if one is flagged low-yield,
    else 2 if one is offline, else 0. A `local_only` source counts as never run (1) when the
    database holds live runs (`live_history`), and as nothing wrong in a demo or test database."""
    codes = {
        1 if h.state == "local_only" and live_history else STATE_EXIT_CODES[h.state] for h in report
    }
    for code in (1, 3, 2):
        if code in codes:
            return code
    return 0


COLUMNS = (
    "source", "state", "last ok", "last failure", "fails in a row", "notices (newest first)",
    "median",
)  # fmt: skip


def table(report: list[SourceHealth]) -> str:
    body = [
        [
            h.source,
            h.state,
            h.last_ok or "-",
            h.last_failure or "-",
            str(h.consecutive_failures),
            " ".join(map(str, h.recent_notices)) or "-",
            f"{h.median_notices:g}" if h.median_notices is not None else "-",
        ]
        for h in report
    ]
    widths = [max(len(x) for x in col) for col in zip(COLUMNS, *body, strict=False)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in [list(COLUMNS), *body]]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = []
    for h in report:
        if h.note:
            notes.append(f"{h.source}: {h.state}: {h.note}")
        if h.last_failure:
            notes.append(f"{h.source}: last failure ({h.last_failure}): {h.last_failure_reason}")
        for stuck in h.stuck_running:
            notes.append(f"{h.source}: {stuck} never closed (killed?)")
    return "\n".join(lines + (["", *notes] if notes else []))
