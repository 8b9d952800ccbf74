"""Which incidents are worth telling about: new ones, and ones that gained a state or a
larger count since the last notification round.

The last round's view of every incident is kept in `notify_state` (its states, its total,
its notice ids). An incident id can change when a notice reported earlier than all of an
incident's notices arrives (crawler/matching/incidents.py re-founds the incident); the
notice ids carry the old view over, so such an incident is not announced as new again.
"""

import json
import re
from dataclasses import dataclass, field

from crawler.store.db import dumps, loads, now_iso


@dataclass
class Change:
    kind: str  # "new" | "updated"
    incident: dict  # the incidents row, JSON columns decoded
    new_states: list[str] = field(default_factory=list)  # states it gained ("updated")
    previous_total: int | None = None  # its total before ("updated")
    notice_urls: list[str] = field(default_factory=list)


def _incidents(db) -> list[dict]:
    cursor = db.execute("select * from incidents order by first_reported_date, id")
    names = [d[0] for d in cursor.description]
    incidents = []
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        row["states"] = loads(row["states"], [])
        row["sources"] = loads(row["sources"], [])
        row["residents_by_state"] = loads(row["residents_by_state"], {})
        incidents.append(row)
    return incidents


def _notices_by_incident(db) -> dict[str, list[tuple[str, str | None]]]:
    notices: dict[str, list[tuple[str, str | None]]] = {}
    for incident_id, notice_id, url in db.execute(
        "select incident_id, id, url from notices where incident_id is not null "
        "order by reported_date, id"
    ):
        notices.setdefault(incident_id, []).append((notice_id, url))
    return notices


def find_changes(db, nightly_started: str | None) -> list[Change]:
    """Incidents new or grown since the last round. On the very first round there is no
    last view: incidents first seen since `nightly_started` (or since an earlier first
    round that could not write its feed) count as new, older ones are taken as already
    known (None: all known), so a first nightly does not announce the whole archive."""
    previous = {
        row[0]: {"states": set(loads(row[1], [])), "total": row[2]}
        for row in db.execute("select incident_id, states, total_affected from notify_state")
    }
    old_incident_of = {
        notice_id: incident_id
        for incident_id, ids in db.execute("select incident_id, notice_ids from notify_state")
        for notice_id in loads(ids, [])
    }
    if not previous:
        (failed,) = db.execute(
            "select min(round_started) from notifications where channel = 'feed' "
            "and status = 'failed'"
        ).fetchone()
        nightly_started = min(filter(None, (nightly_started, failed)), default=None)
    notices = _notices_by_incident(db)
    changes = []
    for incident in _incidents(db):
        own = notices.get(incident["id"], [])
        urls = [url for _, url in own if url]
        if not previous:
            if nightly_started and (incident["first_seen_at"] or "") >= nightly_started:
                changes.append(Change("new", incident, notice_urls=urls))
            continue
        olds = [previous[incident["id"]]] if incident["id"] in previous else []
        olds += [previous[old] for n, _ in own if (old := old_incident_of.get(n)) in previous]
        if not olds:
            changes.append(Change("new", incident, notice_urls=urls))
            continue
        old_states = set().union(*(old["states"] for old in olds))
        totals = [old["total"] for old in olds if old["total"] is not None]
        old_total = max(totals) if totals else None
        gained = sorted(set(incident["states"]) - old_states)
        total = incident["total_affected"]
        larger = total is not None and (old_total is None or total > old_total)
        if gained or larger:
            changes.append(Change("updated", incident, gained, old_total, urls))
    return changes


def record_state(db) -> None:
    """Make the current incidents the view the next round compares with."""
    notices = _notices_by_incident(db)
    stamp = now_iso()
    with db.conn:
        db.execute("delete from notify_state")
        db.conn.executemany(
            "insert into notify_state (incident_id, states, total_affected, notice_ids, "
            "recorded_at) values (?, ?, ?, ?, ?)",
            [
                (row["id"], dumps(row["states"]), row["total_affected"],
                 dumps([n for n, _ in notices.get(row["id"], [])]), stamp)
                for row in _incidents(db)
            ],
        )  # fmt: skip


def _words(text: str) -> str:
    return " " + " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split()) + " "


def read_watchlist(text: str) -> list[str]:
    """Entity names, one a line; blank lines and lines starting with # are ignored."""
    names = [line.strip() for line in text.splitlines()]
    return [name for name in names if name and not name.startswith("#")]


def watched(change: Change, names: list[str], notice_names: list[str]) -> bool:
    """Whether the incident's name, or a name one of its notices gives, contains one of
    `names` as whole words, ignoring case and punctuation ("t mobile" finds T-Mobile USA)."""
    candidates = [_words(change.incident["display_name"] or ""), *map(_words, notice_names)]
    wanted = [w for w in (_words(name) for name in names) if w.strip()]
    return any(w in c for w in wanted for c in candidates)


def notice_names(db) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for incident_id, name in db.execute(
        "select incident_id, entity_name from notices where incident_id is not null"
    ):
        names.setdefault(incident_id, []).append(name or "")
    return names


def as_json(change: Change) -> dict:
    """One change as the webhook sends it and the feed describes it."""
    i = change.incident
    return {
        "change": change.kind,
        "incident_id": i["id"],
        "entity": i["display_name"],
        "first_reported_date": i["first_reported_date"],
        "breach_start": i["breach_start"],
        "breach_end": i["breach_end"],
        "states": i["states"],
        "new_states": change.new_states,
        "total_affected": i["total_affected"],
        "previous_total_affected": change.previous_total,
        "residents_by_state": i["residents_by_state"],
        "sources": i["sources"],
        "notice_count": i["notice_count"],
        "notice_urls": change.notice_urls,
    }


def dumps_payload(entries: list[dict], generated_at: str) -> bytes:
    return json.dumps(
        {"generated_at": generated_at, "entries": entries}, ensure_ascii=False, sort_keys=True
    ).encode("utf-8")
