"""CSV exports of fresh records: incidents or notices first seen in a window, safely written.

- Window: first seen on or after `--since`, or after the named cursor's last export; always
  before the export's start time, and before the start of any crawl still running (its rows
  may not all be committed yet), so a row is never skipped: at worst it waits for the next
  export. The cursor (`export_cursors`) moves only after the file is complete.
- Incidents are in order of first reported date (the window still selects by first seen).
- Cells: UTF-8 (with a byte order mark for Excel when asked), standard CSV quoting (Python's csv module, `excel` dialect, CRLF line ends).
  A text cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
  apostrophe, so a spreadsheet shows it as text instead of running it as a formula.
- Files are written to a temporary file in the target folder and moved into place with
  os.replace: a reader sees the old file or the new one, never half of one.
"""

import csv
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from crawler.store.db import now_iso

KINDS = ("incidents", "notices")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A crawl row left at "running" by a killed process stops holding exports back after this.
RUNNING_CRAWL_HORIZON = timedelta(hours=24)
# The store commits a batch within BREACH_STORE_BATCH_SECONDS (1 s) of its first notice; a
# row stamped just before an export may still be uncommitted. A minute's margin means every
# row stamped before the window's end is committed when the export reads, however long the
# crawl that wrote it has been running.
COMMIT_MARGIN = timedelta(seconds=60)

# (column, meaning) of each export; the order is the file's column order.
INCIDENT_COLUMNS = (
    ("incident_id", "incident id (same on every rebuild; see docs/OPERATIONS.md)"),
    ("entity", "entity name as the state notices give it"),
    ("first_reported_date", "earliest date a regulator received or published a notice"),
    ("breach_period", "when the breach happened, as precise as the notices say: "
                      "'2024-01-02', '2024-01-02 to 2024-02-10', '2024-03' (a month)"),
    ("breach_start", "first day the breach may have started (YYYY-MM-DD)"),
    ("breach_end", "last day it may have ended (YYYY-MM-DD)"),
    ("breach_precision", "day, month or year: how precise the breach dates are"),
    ("states", "two-letter states notified, '; '-separated"),
    ("total_affected", "largest total of people affected any notice states (never a sum)"),
    ("residents_by_state", "residents affected per state, e.g. 'CA: 120; ME: 30'"),
    ("data_types", "kinds of personal data the notices name, '; '-separated"),
    ("organization_type", "type of organisation as the notices give it, '; '-separated"),
    ("notice_count", "notices in the incident"),
    ("sources", "sources with a notice, '; '-separated"),
    ("notice_urls", "the notices' pages at their sources, space-separated"),
    ("letter_urls", "the notice letters (PDFs) the sources link, space-separated"),
    ("flags", "data-quality flags of its notices, '; '-separated (e.g. amends_earlier_notice)"),
    ("first_seen_at", "when the crawler first stored a notice of it (UTC)"),
    ("updated_at", "when it last gained a notice (UTC)"),
)  # fmt: skip
# Incident columns gathered from its notices, and how their values are joined.
NOTICE_FACTS = {"notice_urls": " ", "letter_urls": " ", "data_types": "; ",
                "organization_type": "; ", "flags": "; "}  # fmt: skip
NOTICE_COLUMNS = (
    ("notice_id", "<source>:<source_id>"),
    ("source", "spider name, e.g. ca_ag"),
    ("source_kind", "state (AG portal) or aggregator"),
    ("source_id", "the source's own id"),
    ("entity", "entity name as published"),
    ("reported_date", "date the regulator received or published it (YYYY-MM-DD)"),
    ("breach_start", "first day the breach may have started"),
    ("breach_end", "last day it may have ended"),
    ("breach_precision", "day, month or year"),
    ("breach_dates", "dates as published, parsed, '; '-separated (may be YYYY-MM or YYYY)"),
    ("discovered_date", "when the entity discovered the breach"),
    ("notification_dates", "dates people were notified, '; '-separated"),
    ("total_affected", "total people affected, as a number"),
    ("total_affected_raw", "that count as published"),
    ("residents_affected", "residents of residents_state affected"),
    ("residents_state", "two-letter state of residents_affected"),
    ("url", "the notice's page at the source"),
    ("notice_urls", "the notice letters, space-separated"),
    ("organization_type", "as published"),
    ("data_types", "kinds of personal data, '; '-separated"),
    ("status", "active or removed_at_source"),
    ("removed_at", "day it vanished from the source"),
    ("flags", "data-quality flags, '; '-separated"),
    ("incident_id", "the incident it belongs to (empty until matched)"),
    ("first_seen_at", "when the crawler first stored it (UTC)"),
    ("last_seen_at", "when the crawler last saw it (UTC)"),
)
COLUMNS = {"incidents": INCIDENT_COLUMNS, "notices": NOTICE_COLUMNS}


class ExportError(ValueError):
    pass


@dataclass
class Window:
    since: str | None  # inclusive lower bound on first_seen_at (None: from the beginning)
    until: str  # exclusive upper bound
    held_back_by: list[str]  # running crawls that moved `until` earlier


@dataclass
class ExportResult:
    kind: str
    rows: int
    window: Window
    path: str  # "-" for stdout


def neutralise(value):
    """A cell value as written: formulas defused, lists and None made plain text."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _json_list(text: str | None, sep: str = "; ") -> str:
    values = json.loads(text) if text else []
    return sep.join(str(v) for v in values)


def _by_state(text: str | None) -> str:
    counts = json.loads(text) if text else {}
    return "; ".join(f"{state}: {count}" for state, count in sorted(counts.items()))


def fetch_window(
    db, since: str | None, now: str | None = None, *, moves_cursor: bool = True
) -> Window:
    """The export window: [since, now), cut back to the start of crawls still running
    (started in the last RUNNING_CRAWL_HORIZON), and by COMMIT_MARGIN when a cursor will
    move past it (a `--since` export moves none, so it loses nothing and goes up to now)."""
    until = now or now_iso()
    horizon = (datetime.fromisoformat(until) - RUNNING_CRAWL_HORIZON).isoformat()
    if moves_cursor:
        until = (datetime.fromisoformat(until) - COMMIT_MARGIN).isoformat(timespec="seconds")
    running = db.execute(
        "select id, spider, started_at from crawl_runs where source_status = 'running' "
        "and started_at >= ? and started_at < ? order by started_at",
        [horizon, until],
    ).fetchall()
    held = [f"run {rid} ({spider}) since {started}" for rid, spider, started in running]
    if running:
        until = min(until, running[0][2])
    if since and until < since:  # never move a cursor backwards: that would export twice
        until = since
    return Window(since, until, held)


def _first_seen_in(db, table: str, window: Window, order: str = "first_seen_at, id"):
    """Rows of `table` (incidents or notices) first seen in the window, in `order`."""
    sql = f"select * from {table} where first_seen_at < ?"
    params = [window.until]
    if window.since:
        sql += " and first_seen_at >= ?"
        params.append(window.since)
    cursor = db.execute(f"{sql} order by {order}", params)
    names = [d[0] for d in cursor.description]
    for values in cursor:
        yield dict(zip(names, values, strict=True))


def breach_period(start: str | None, end: str | None, precision: str | None) -> str:
    """The breach dates as precise as the notices give them: a day, a month, a year, or a
    range of those ("2024-01-02 to 2024-02-10")."""
    if not start:
        return ""
    width = {"year": 4, "month": 7}.get(precision or "day", 10)
    first, last = start[:width], (end or start)[:width]
    return first if first == last else f"{first} to {last}"


def _notice_facts(db) -> dict[str, dict[str, list[str]]]:
    """Per incident, from its notices in order of report date, each value once: their pages
    (notice_urls), letters (letter_urls), data_types, organization_type and flags."""
    facts: dict[str, dict[str, list[str]]] = {}
    for incident_id, *values in db.execute(
        "select incident_id, json_array(url), notice_urls, data_types, "
        "json_array(organization_type), flags from notices where incident_id is not null "
        "order by reported_date, id"
    ):
        entry = facts.setdefault(incident_id, {key: [] for key in NOTICE_FACTS})
        for key, value in zip(NOTICE_FACTS, values, strict=True):
            entry[key].extend(v for v in json.loads(value or "[]") if v and v not in entry[key])
    return facts


def incident_rows(db, window: Window):
    """Incidents first seen in the window, in order of first reported date, as export rows."""
    facts = _notice_facts(db)
    order = "first_reported_date is null, first_reported_date, id"
    for row in _first_seen_in(db, "incidents", window, order):
        known = facts.get(row["id"], {})
        yield {
            **{name: row.get(name) for name, _ in INCIDENT_COLUMNS},
            **{key: sep.join(known.get(key, [])) for key, sep in NOTICE_FACTS.items()},
            "incident_id": row["id"],
            "entity": row["display_name"],
            "breach_period": breach_period(
                row["breach_start"], row["breach_end"], row["breach_precision"]
            ),
            "states": _json_list(row["states"]),
            "residents_by_state": _by_state(row["residents_by_state"]),
            "sources": _json_list(row["sources"]),
        }


def notice_rows(db, window: Window):
    """Notices first seen in the window, oldest first, as export rows."""
    for row in _first_seen_in(db, "notices", window):
        yield {
            **{name: row.get(name) for name, _ in NOTICE_COLUMNS},
            "notice_id": row["id"],
            "entity": row["entity_name"],
            "breach_dates": _json_list(row["breach_dates"]),
            "notification_dates": _json_list(row["notification_dates"]),
            "notice_urls": _json_list(row["notice_urls"], sep=" "),
            "data_types": _json_list(row["data_types"]),
            "flags": _json_list(row["flags"]),
        }


def write_csv(handle, kind: str, rows) -> int:
    names = [name for name, _ in COLUMNS[kind]]
    writer = csv.writer(handle)  # excel dialect: quotes only where needed, CRLF line ends
    writer.writerow(names)
    count = 0
    for row in rows:
        writer.writerow([neutralise(row[name]) for name in names])
        count += 1
    return count


def write_atomically(path: Path, kind: str, rows, *, excel: bool = False) -> int:
    """Write the CSV to a temporary file beside `path`, then move it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding(excel), newline="") as handle:
            count = write_csv(handle, kind, rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return count


def encoding(excel: bool) -> str:
    # Excel reads a CSV without a byte order mark in the system's code page, which turns
    # UTF-8 punctuation into mojibake; with the mark it reads UTF-8.
    return "utf-8-sig" if excel else "utf-8"


def read_cursor(db, name: str) -> dict | None:
    rows = list(db.query("select * from export_cursors where name = ?", [name]))
    return rows[0] if rows else None


def export(
    db,
    kind: str,
    output: str,
    *,
    since: str | None = None,
    name: str | None = None,
    excel: bool = False,
) -> ExportResult:
    """Export `kind` rows to `output` ("-" for stdout): from `since`, or from cursor `name`.

    With `name`, the window starts where the cursor's last export ended (the beginning for a
    new cursor), and the cursor moves to the window's end once the file is complete.
    `excel` starts the file with a UTF-8 byte order mark (for stdout, the caller sets the
    stream's encoding with `encoding(excel)`).
    """
    if kind not in KINDS:
        raise ExportError(f"kind must be one of {KINDS}, not {kind!r}")
    if since is not None and name is not None:
        raise ExportError("give --since or a cursor --name, not both")
    cursor = read_cursor(db, name) if name else None
    if cursor and cursor["kind"] != kind:
        raise ExportError(f"export cursor {name!r} is for {cursor['kind']}, not {kind}")
    if name is None:
        window = fetch_window(db, since, moves_cursor=False)
    else:
        window = fetch_window(db, (cursor or {}).get("exported_until"))
    rows = incident_rows(db, window) if kind == "incidents" else notice_rows(db, window)
    if output == "-":
        count = write_csv(sys.stdout, kind, rows)
        sys.stdout.flush()
    else:
        count = write_atomically(Path(output), kind, rows, excel=excel)
    if name is not None:
        with db.conn:
            db["export_cursors"].upsert(
                {"name": name, "kind": kind, "exported_until": window.until,
                 "file": output, "rows": count},
                pk="name",
            )  # fmt: skip
    return ExportResult(kind, count, window, output)


def parse_day(text: str) -> str:
    """`YYYY-MM-DD` checked, as the lower bound it stands for."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise ExportError(f"--since wants YYYY-MM-DD, not {text!r}") from None
