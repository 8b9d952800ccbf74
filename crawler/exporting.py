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

The columns and the rows themselves are crawler/export_rows.py's.
"""

import csv
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from crawler.atomicfile import atomic_write
from crawler.export_rows import COLUMNS, Window, incident_rows, notice_rows
from crawler.export_rows import INCIDENT_COLUMNS as INCIDENT_COLUMNS  # re-exported
from crawler.export_rows import NOTICE_COLUMNS as NOTICE_COLUMNS  # re-exported
from crawler.export_rows import breach_period as breach_period  # re-exported
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


class ExportError(ValueError):
    pass


@dataclass
class ExportResult:
    kind: str
    rows: int
    window: Window
    path: str  # "-" for stdout
    # Rows first seen at or after the window's end: left for the next export (stored within
    # COMMIT_MARGIN of now, or after the start of a crawl still running).
    after_window: int = 0


def neutralise(value):
    """A cell value as written: formulas defused, lists and None made plain text."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


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
    else:
        # Timestamps have whole seconds and the bound is exclusive: "up to now" includes
        # what was stored earlier in this very second.
        until = (datetime.fromisoformat(until) + timedelta(seconds=1)).isoformat(timespec="seconds")
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
    with atomic_write(path, "w", encoding=encoding(excel), newline="") as handle:
        count = write_csv(handle, kind, rows)
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
    (after,) = db.execute(f"select count(*) from {kind} where first_seen_at >= ?",
                          [window.until]).fetchone()  # fmt: skip
    return ExportResult(kind, count, window, output, after)


def parse_day(text: str) -> str:
    """`YYYY-MM-DD` checked, as the lower bound it stands for."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise ExportError(f"--since wants YYYY-MM-DD, not {text!r}") from None
