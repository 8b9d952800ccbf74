"""One incident's row from its notices: display name, bounds, states, counts, doubts.

A notice whose dates are doubtful (a flag such as `future_date:breach_end` or
`breach_after_report`, see `rows.DATE_FLAG_PREFIXES`) does not set the incident's breach
bounds while another notice gives dates; when only flagged notices give dates, the bounds
come from them and `date_flags` says so. `date_flags` is NULL for an incident without doubts.
"""

import hashlib
import json
from functools import cache

from crawler import sources
from crawler.matching.clustering import Group
from crawler.matching.rules import NoticeFacts
from crawler.textparse.dates import PRECISION_RANK

INCIDENT_COLUMNS = (
    "id", "display_name", "entity_key", "breach_start", "breach_end", "breach_precision",
    "first_reported_date", "states", "total_affected", "residents_by_state", "notice_count",
    "source_count", "sources", "first_seen_at", "updated_at",
)  # fmt: skip
# Written only when a migration has added them (crawler/store/db.py m003, m004).
OPTIONAL_INCIDENT_COLUMNS = ("active_notice_count", "status", "date_flags")
REMOVED = "removed_at_source"


def incident_id_for(founder_notice_id: str) -> str:
    """The stable incident id for an incident founded by `founder_notice_id`."""
    return "inc-" + hashlib.sha1(founder_notice_id.encode()).hexdigest()[:12]


def _state_of_source(facts: NoticeFacts) -> str | None:
    """The state a state portal's notice was filed in, as its spider declares it."""
    return _jurisdiction(facts.source) if facts.source_kind == "state" else None


@cache
def _jurisdiction(source: str) -> str | None:
    # The spider class is the only registry (crawler/sources.py); a source that no longer
    # exists (notices kept from a retired spider) has no state to give.
    try:
        return sources.jurisdiction_of(source)
    except sources.UnknownSourceError:
        return None


def _bounds(dated: list[NoticeFacts]) -> tuple[str | None, str | None, str | None]:
    if not dated:
        return None, None, None
    # The finest precision any notice gives wins: "2020-09-14" says more than "2020-09".
    finest = min(PRECISION_RANK.get(f.breach_precision or "day", 0) for f in dated)
    best = [f for f in dated if PRECISION_RANK.get(f.breach_precision or "day", 0) == finest]
    precision = next(p for p, rank in PRECISION_RANK.items() if rank == finest)
    return min(f.breach_start_iso for f in best), max(f.breach_end_iso for f in best), precision


def _date_flags(members: list[NoticeFacts], used_flagged: bool) -> str | None:
    flagged = {f.id: list(f.date_flags) for f in members if f.date_flags}
    if not flagged:
        return None
    reported = [f for f in members if f.reported_iso]
    first = min(reported, key=lambda f: f.reported_iso) if reported else None
    fields = []
    if used_flagged:
        fields += ["breach_start", "breach_end"]
    if first is not None and any(x.startswith("future_date:reported") for x in first.date_flags):
        fields.append("first_reported_date")
    doubts = {"flagged_fields": fields, "notices": flagged, "bounds_from_flagged": used_flagged}
    return json.dumps(doubts, sort_keys=True)


def incident_row(group: Group, facts: dict[str, NoticeFacts]) -> dict:
    """The `incidents` row for one group of notices."""
    members = [facts[nid] for nid in group.members]
    founder = facts[group.founder]
    state_notices = [f for f in members if f.source_kind == "state"]
    display = (state_notices[0] if state_notices else founder).entity_name or founder.entity_name
    dated = [f for f in members if f.breach_start_iso]
    trusted = [f for f in dated if not f.date_flags]
    start, end, precision = _bounds(trusted or dated)
    states = {s for f in members for s in (_state_of_source(f), f.residents_state) if s}
    residents: dict[str, int] = {}
    for f in members:
        if f.residents_state and f.residents_affected is not None:
            # Largest stated count per state: later filings revise, they do not add.
            residents[f.residents_state] = max(
                residents.get(f.residents_state, 0), f.residents_affected
            )
    totals = [f.total_affected for f in members if f.total_affected is not None]
    reported = [f.reported_iso for f in members if f.reported_iso]
    seen = [f.first_seen_at for f in members if f.first_seen_at]
    sources = sorted({f.source for f in members})
    active = sum(1 for f in members if f.status != REMOVED)
    return {
        "id": incident_id_for(group.founder),
        "display_name": display,
        "entity_key": founder.keys[0] if founder.keys else "",
        "breach_start": start,
        "breach_end": end,
        "breach_precision": precision,
        "first_reported_date": min(reported) if reported else None,
        "states": json.dumps(sorted(states)),
        "total_affected": max(totals) if totals else None,
        "residents_by_state": json.dumps(residents, sort_keys=True),
        "notice_count": len(members),
        "source_count": len(sources),
        "sources": json.dumps(sources),
        "first_seen_at": min(seen) if seen else None,
        # When the incident last gained a notice: derived from the data, so a rebuild keeps it.
        "updated_at": max(seen) if seen else None,
        "active_notice_count": active,
        "status": "active" if active else REMOVED,
        "date_flags": _date_flags(members, used_flagged=bool(dated) and not trusted),
    }
