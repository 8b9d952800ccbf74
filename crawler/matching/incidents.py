"""Incidents in the database: attach one stored notice, or rebuild all from the notices.

Both paths share one definition of the answer: the incidents are what `cluster_block` makes
of each block (connected component of the links between notices), and an incident's id is
derived from its founding notice, the first by (reported date, state before aggregator, id). So attaching notices one
by one, in any order, gives the incidents a rebuild gives.

`attach_notice` recomputes only the block around the notice: the notices it links to, the
notices those link to, and so on, plus everything in the incidents they were in before. A
notice that bridges two incidents therefore merges them, with the id the rebuild would give.

Notices removed at the source stay in their incidents (they are still evidence);
`incidents.active_notice_count` and `incidents.status` show it when those columns exist.
"""

import gc
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from crawler.matching.blocking import MatchIndex
from crawler.matching.clustering import Group, Review, cluster_block
from crawler.matching.entities import amended_notice_date, entity_keys
from crawler.matching.rules import Match, NoticeFacts, compare, day
from crawler.store.db import now_iso
from crawler.textparse.dates import PRECISION_RANK

NOTICE_COLUMNS = (
    "id", "source", "source_kind", "entity_name", "breach_start", "breach_end",
    "breach_precision", "reported_date", "notification_dates", "cites", "status",
    "total_affected", "residents_affected", "residents_state", "first_seen_at", "raw",
)  # fmt: skip
INCIDENT_COLUMNS = (
    "id", "display_name", "entity_key", "breach_start", "breach_end", "breach_precision",
    "first_reported_date", "states", "total_affected", "residents_by_state", "notice_count",
    "source_count", "sources", "first_seen_at", "updated_at",
)  # fmt: skip
# Written only when a migration has added them (see the report to the lead).
OPTIONAL_INCIDENT_COLUMNS = ("active_notice_count", "status")
REMOVED = "removed_at_source"
_INDEX_ATTRIBUTE = "_breach_match_index"


@dataclass
class RebuildStats:
    """What a rebuild did."""

    notices: int
    incidents: int
    multi_notice_incidents: int
    reviews: int


def incident_id_for(founder_notice_id: str) -> str:
    """The stable incident id for an incident founded by `founder_notice_id`."""
    return "inc-" + hashlib.sha1(founder_notice_id.encode()).hexdigest()[:12]


def _json_list(value) -> list:
    if not value:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return list(value) if isinstance(value, list | tuple) else []


def facts_from_row(row: dict) -> NoticeFacts:
    """The matcher's view of one `notices` row (JSON columns encoded or decoded)."""
    reported = day(row.get("reported_date"))
    notified = [day(text) for text in _json_list(row.get("notification_dates"))]
    notice_days = tuple(sorted({d for d in [reported, *notified] if d is not None}))
    start, end = day(row.get("breach_start")), day(row.get("breach_end"))
    if start is not None and end is not None and end < start:
        start, end = end, start  # tolerate a swapped pair rather than lose the dates
    return NoticeFacts(
        id=row["id"],
        source=row.get("source") or "",
        source_kind=row.get("source_kind") or "",
        entity_name=row.get("entity_name") or "",
        keys=entity_keys(row.get("entity_name")),
        breach_start=start,
        breach_end=end if end is not None else start,
        breach_precision=row.get("breach_precision"),
        reported=reported,
        notice_days=notice_days,
        cites=tuple(str(c) for c in _json_list(row.get("cites"))),
        status=row.get("status") or "active",
        reported_iso=row.get("reported_date"),
        breach_start_iso=row.get("breach_start") if start is not None else None,
        breach_end_iso=row.get("breach_end") or row.get("breach_start")
        if start is not None
        else None,
        total_affected=row.get("total_affected"),
        residents_affected=row.get("residents_affected"),
        residents_state=row.get("residents_state"),
        first_seen_at=row.get("first_seen_at"),
        # Searched as JSON text: the marker may sit in any published field.
        amends=day(
            amended_notice_date(row.get("entity_name")) or amended_notice_date(row.get("raw"))
        ),
    )


def _select(where: str = "", params: Iterable = ()) -> tuple[str, list]:
    sql = f"select rowid as _rowid, {', '.join(NOTICE_COLUMNS)} from notices {where}"
    return sql, list(params)


def _read_notices(db: sqlite_utils.Database, where: str = "", params: Iterable = ()):
    sql, args = _select(where, params)
    cursor = db.execute(sql, args)
    names = [d[0] for d in cursor.description]
    for values in cursor:
        yield dict(zip(names, values, strict=True))


def _cached_index(db: sqlite_utils.Database) -> MatchIndex:
    """The match index for `db`, brought up to date with notices stored since last use.

    Notices are never deleted and rowids only grow, so reading rows past the last rowid seen
    is enough to catch up; a notice changed in place is re-read by `attach_notice` itself.
    """
    cached = getattr(db, _INDEX_ATTRIBUTE, None)
    if cached is None:
        cached = (MatchIndex(), 0)
    index, last_rowid = cached
    for row in _read_notices(db, "where rowid > ? order by rowid", [last_rowid]):
        index.add(facts_from_row(row))
        last_rowid = max(last_rowid, row["_rowid"])
    setattr(db, _INDEX_ATTRIBUTE, (index, last_rowid))
    return index


def forget_index(db: sqlite_utils.Database) -> None:
    """Drop the cached match index of `db` (after notices were changed behind its back)."""
    if hasattr(db, _INDEX_ATTRIBUTE):
        delattr(db, _INDEX_ATTRIBUTE)


# --- Incident rows --------------------------------------------------------------------------


def _state_of_source(facts: NoticeFacts) -> str | None:
    # State portals are named "<state>_ag" (and "<state>_ag_archive"): the state is the prefix.
    prefix = facts.source.split("_", 1)[0]
    if facts.source_kind == "state" and len(prefix) == 2 and prefix.isalpha():
        return prefix.upper()
    return None


def incident_row(group: Group, facts: dict[str, NoticeFacts]) -> dict:
    """The `incidents` row for one group of notices."""
    members = [facts[nid] for nid in group.members]
    founder = facts[group.founder]
    state_notices = [f for f in members if f.source_kind == "state"]
    display = (state_notices[0] if state_notices else founder).entity_name or founder.entity_name
    dated = [f for f in members if f.breach_start_iso]
    start = end = precision = None
    if dated:
        # The finest precision any notice gives wins: "2020-09-14" says more than "2020-09".
        finest = min(PRECISION_RANK.get(f.breach_precision or "day", 0) for f in dated)
        best = [f for f in dated if PRECISION_RANK.get(f.breach_precision or "day", 0) == finest]
        start = min(f.breach_start_iso for f in best)
        end = max(f.breach_end_iso for f in best)
        precision = next(p for p, rank in PRECISION_RANK.items() if rank == finest)
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
    }


# --- Blocks ---------------------------------------------------------------------------------


@dataclass
class _Block:
    facts: dict[str, NoticeFacts]
    edges: dict[tuple[str, str], Match]
    reviews: dict[tuple[str, str], Match]


def _expand_block(index: MatchIndex, seeds: Iterable[str], block: _Block) -> None:
    """Grow `block` to the connected component of links around `seeds`."""
    queue = [s for s in seeds if s in index and s not in block.facts]
    block.facts.update((s, index.facts[s]) for s in queue)
    while queue:
        current = index.facts[queue.pop()]
        for other_id, match in index.matches(current):
            pair = tuple(sorted((current.id, other_id)))
            if match.kind == "review":
                block.reviews[pair] = match
                continue
            block.edges[pair] = match
            if other_id not in block.facts:
                block.facts[other_id] = index.facts[other_id]
                queue.append(other_id)


def _review_rows(
    groups: list[Group], reviews: list[Review], fuzzy: dict, facts: dict, created: str
) -> list[dict]:
    incident_of = {nid: g.founder for g in groups for nid in g.members}
    rows = {}
    for (a, b), match in fuzzy.items():
        if a in incident_of and b in incident_of and incident_of[a] == incident_of[b]:
            continue  # joined through another path: nothing left to decide
        later, earlier = sorted((facts[a], facts[b]), key=lambda f: f.order_key, reverse=True)
        reason = f"similar names ({match.score:.2f}) below the join threshold, dates agree"
        rows[(later.id, earlier.id)] = (match.rule, match.score, reason)
    for review in reviews:
        rows[(review.notice_id, review.candidate_notice_id)] = (
            review.rule,
            review.score,
            review.reason,
        )
    return [
        {
            "notice_id": a,
            "candidate_notice_id": b,
            "rule": rule,
            "score": score,
            "reason": reason,
            "created_at": created,
        }
        for (a, b), (rule, score, reason) in sorted(rows.items())
    ]


def _incident_columns(db: sqlite_utils.Database) -> tuple[str, ...]:
    present = set(db["incidents"].columns_dict)
    return INCIDENT_COLUMNS + tuple(c for c in OPTIONAL_INCIDENT_COLUMNS if c in present)


def _write(db, groups, facts, review_rows, linked_at: str) -> None:
    columns = _incident_columns(db)
    incident_rows = [incident_row(g, facts) for g in groups]
    db.conn.executemany(
        f"insert or replace into incidents ({', '.join(columns)}) "
        f"values ({', '.join('?' for _ in columns)})",
        [[row[c] for c in columns] for row in incident_rows],
    )
    link_rows = []
    for group, row in zip(groups, incident_rows, strict=True):
        for notice_id in group.members:
            link = group.links[notice_id]
            link_rows.append(
                (notice_id, row["id"], link.rule, link.score, link.matched_notice_id, linked_at)
            )
    db.conn.executemany(
        "insert or replace into incident_links "
        "(notice_id, incident_id, rule, score, matched_notice_id, linked_at) values (?,?,?,?,?,?)",
        link_rows,
    )
    db.conn.executemany(
        "update notices set incident_id = ? where id = ?", [(r[1], r[0]) for r in link_rows]
    )
    db.conn.executemany(
        "insert into incident_review (notice_id, candidate_notice_id, rule, score, reason, "
        "created_at) values (:notice_id, :candidate_notice_id, :rule, :score, :reason, :created_at)",
        review_rows,
    )


# --- Public API -----------------------------------------------------------------------------


def attach_notice(db: sqlite_utils.Database, notice_id: str) -> str:
    """Attach a stored notice to its incident, creating or merging incidents as needed.

    Call it after the notice row is written (new or changed). Idempotent.

    Args:
        db: the database (from `crawler.store.db.connect`).
        notice_id: `notices.id`, e.g. "ca_ag:sb24-195323".

    Returns:
        The id of the incident the notice is now in.

    Raises:
        KeyError: when no notice has that id.
    """
    index = _cached_index(db)
    rows = list(_read_notices(db, "where id = ?", [notice_id]))
    if not rows:
        raise KeyError(notice_id)
    index.add(facts_from_row(rows[0]))  # re-read: the row may have changed since indexed

    block = _Block({}, {}, {})
    seeds = {notice_id}
    while seeds:
        _expand_block(index, seeds, block)
        # Everything in the incidents these notices were in before is recomputed too, so an
        # old incident is never left half-updated.
        ids = sorted(block.facts)
        marks = ",".join("?" for _ in ids)
        previous = [r[0] for r in db.execute(
            f"select distinct incident_id from incident_links where notice_id in ({marks})", ids
        )]  # fmt: skip
        seeds = set()
        if previous:
            marks = ",".join("?" for _ in previous)
            members = db.execute(
                f"select notice_id from incident_links where incident_id in ({marks})", previous
            )
            seeds = {r[0] for r in members if r[0] not in block.facts}

    # Statuses change in place (removed_at_source) without a new rowid: read them fresh.
    ids = sorted(block.facts)
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        marks = ",".join("?" for _ in chunk)
        for nid, status in db.execute(
            f"select id, status from notices where id in ({marks})", chunk
        ):
            block.facts[nid].status = status or "active"

    edges = [(a, b, m) for (a, b), m in sorted(block.edges.items())]
    groups, reviews = cluster_block(block.facts, edges)
    review_rows = _review_rows(groups, reviews, block.reviews, index.facts, now_iso())
    with db.atomic():  # a savepoint inside the store's open batch, never its commit
        marks = ",".join("?" for _ in ids)
        old = [r[0] for r in db.execute(
            f"select distinct incident_id from incident_links where notice_id in ({marks})", ids
        )]  # fmt: skip
        if old:
            db.execute(f"delete from incidents where id in ({','.join('?' for _ in old)})", old)
        db.execute(f"delete from incident_links where notice_id in ({marks})", ids)
        db.execute(
            f"delete from incident_review where notice_id in ({marks}) "
            f"or candidate_notice_id in ({marks})",
            ids + ids,
        )
        _write(db, groups, index.facts, review_rows, now_iso())
    return next(incident_id_for(g.founder) for g in groups if notice_id in g.members)


def attach_notices(db: sqlite_utils.Database, notice_ids: Iterable[str]) -> dict[str, str]:
    """`attach_notice` for several notices; returns notice id -> incident id."""
    return {notice_id: attach_notice(db, notice_id) for notice_id in notice_ids}


def rebuild_incidents(db: sqlite_utils.Database) -> RebuildStats:
    """Recompute every incident, link and review row from the notices.

    Order-independent: the same notices always give the same incidents, ids included.

    Args:
        db: the database (from `crawler.store.db.connect`).

    Returns:
        Counts of what was written.
    """
    # The rebuild allocates a few objects per notice and frees none until the end; the
    # cyclic collector would rescan them all again and again (superlinear time at 100k).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _rebuild(db)
    finally:
        if was_enabled:
            gc.enable()


def _rebuild(db: sqlite_utils.Database) -> RebuildStats:
    index = MatchIndex()
    last_rowid = 0
    for row in _read_notices(db):
        index.add(facts_from_row(row))
        last_rowid = max(last_rowid, row["_rowid"])
    facts = index.facts

    parent = {nid: nid for nid in facts}

    def find(nid: str) -> str:
        while parent[nid] != nid:
            parent[nid] = parent[parent[nid]]
            nid = parent[nid]
        return nid

    edges_by_root: dict[str, list] = defaultdict(list)
    all_edges: list[tuple[str, str, Match]] = []
    fuzzy_reviews: dict[tuple[str, str], Match] = {}
    for notice_id in sorted(facts):
        current = facts[notice_id]
        for other_id in sorted(c for c in index.candidates(current) if c > notice_id):
            match = compare(current, facts[other_id])
            if match is None:
                continue
            if match.kind == "review":
                fuzzy_reviews[(notice_id, other_id)] = match
                continue
            all_edges.append((notice_id, other_id, match))
            root_a, root_b = find(notice_id), find(other_id)
            if root_a != root_b:
                parent[max(root_a, root_b)] = min(root_a, root_b)

    blocks: dict[str, list[str]] = defaultdict(list)
    for nid in facts:
        blocks[find(nid)].append(nid)
    for a, b, match in all_edges:
        edges_by_root[find(a)].append((a, b, match))

    groups: list[Group] = []
    reviews: list[Review] = []
    for root, members in blocks.items():
        block_groups, block_reviews = cluster_block(
            {nid: facts[nid] for nid in members}, edges_by_root.get(root, [])
        )
        groups.extend(block_groups)
        reviews.extend(block_reviews)
    review_rows = _review_rows(groups, reviews, fuzzy_reviews, facts, now_iso())

    with db.atomic():
        db.execute("delete from incidents")
        db.execute("delete from incident_links")
        db.execute("delete from incident_review")
        db.execute("update notices set incident_id = null where incident_id is not null")
        _write(db, groups, facts, review_rows, now_iso())
    setattr(db, _INDEX_ATTRIBUTE, (index, last_rowid))
    return RebuildStats(
        notices=len(facts),
        incidents=len(groups),
        multi_notice_incidents=sum(1 for g in groups if len(g.members) > 1),
        reviews=len(review_rows),
    )
