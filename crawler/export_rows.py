"""What an export holds: its columns (each with its meaning, the documentation of the
file) and the rows of incidents or notices first seen in a window, as plain text cells.

crawler/exporting.py chooses the window and writes the file; this module only reads.
"""

import json
from dataclasses import dataclass

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


@dataclass
class Window:
    since: str | None  # inclusive lower bound on first_seen_at (None: from the beginning)
    until: str  # exclusive upper bound
    held_back_by: list[str]  # running crawls that moved `until` earlier


def _json_list(text: str | None, sep: str = "; ") -> str:
    values = json.loads(text) if text else []
    return sep.join(str(v) for v in values)


def _by_state(text: str | None) -> str:
    counts = json.loads(text) if text else {}
    return "; ".join(f"{state}: {count}" for state, count in sorted(counts.items()))


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
