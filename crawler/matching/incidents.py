"""Incidents in the database: attach one stored notice, or rebuild all from the notices.

Both paths share one definition of the answer: the incidents are what `cluster_block` makes
of each block (connected component of the links between notices), and an incident's id is
derived from its founding notice, the first by (reported date, state before aggregator, id).
So attaching notices one by one, in any order, gives the incidents a rebuild gives.

`attach_notice` recomputes only the block around the notice: the notices it links to, the
notices those link to, and so on, plus everything in the incidents they were in before. A
notice that bridges two incidents therefore merges them, with the id the rebuild would give.
When the notice makes a key or word common (`evidence.KeyStats`), every notice carrying it is
recomputed too, since links through it may no longer hold.

Notices removed at the source stay in their incidents (they are still evidence);
`incidents.active_notice_count` and `incidents.status` show it when those columns exist.

The pieces: `rows` (notices -> facts), `blocking` (candidate index), `rules`/`hardjoins`
(pairs), `clustering`/`kinship` (incidents of a block), `summary` (incident rows), `writing`
(SQL), `cache` (the index kept between calls).
"""

import gc
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from crawler.matching.blocking import MatchIndex
from crawler.matching.bulk import previous_members
from crawler.matching.cache import INDEX_CACHE
from crawler.matching.clustering import Group, Review, cluster_block
from crawler.matching.rows import NOTICE_COLUMNS, facts_from_row, read_notices
from crawler.matching.rules import Match, compare
from crawler.matching.summary import (
    INCIDENT_COLUMNS,
    OPTIONAL_INCIDENT_COLUMNS,
    REMOVED,
    incident_id_for,
    incident_row,
)
from crawler.matching.writing import delete_all, delete_for_notices, review_rows, write
from crawler.store.db import now_iso

__all__ = [
    "INCIDENT_COLUMNS", "NOTICE_COLUMNS", "OPTIONAL_INCIDENT_COLUMNS", "REMOVED",
    "RebuildStats", "attach_notice", "attach_notices", "facts_from_row", "forget_index",
    "incident_id_for", "incident_row", "rebuild_incidents",
]  # fmt: skip


@dataclass
class RebuildStats:
    """What a rebuild did."""

    notices: int
    incidents: int
    multi_notice_incidents: int
    reviews: int


def forget_index(db: sqlite_utils.Database) -> None:
    """Drop the cached match index of `db` (after notices were changed behind its back)."""
    INDEX_CACHE.forget(db)


@dataclass
class _Block:
    facts: dict
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
    index, affected = INDEX_CACHE.index_for(db)
    rows = list(read_notices(db, "where id = ?", [notice_id]))
    if not rows:
        raise KeyError(notice_id)
    affected |= index.add(facts_from_row(rows[0]))  # re-read: the row may have changed

    block = _Block({}, {}, {})
    seeds = {notice_id} | affected
    while seeds:
        _expand_block(index, seeds, block)
        # Everything in the incidents these notices were in before is recomputed too, so an
        # old incident is never left half-updated.
        seeds = previous_members(db, sorted(block.facts), block.facts)

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
    groups, reviews = cluster_block(block.facts, edges, index.stats)
    fuzzy = ((a, b, m) for (a, b), m in block.reviews.items())
    rows_for_review = review_rows(groups, reviews, fuzzy, index.facts, now_iso())
    with db.atomic():  # a savepoint inside the store's open batch, never its commit
        for chunk_start in range(0, len(ids), 400):
            delete_for_notices(db, ids[chunk_start : chunk_start + 400])
        write(db, groups, index.facts, rows_for_review, now_iso())
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


def _components(index: MatchIndex):
    """Every link of the index, grouped by connected component; and the close fuzzy calls."""
    facts = index.facts
    parent = {nid: nid for nid in facts}

    def find(nid: str) -> str:
        while parent[nid] != nid:
            parent[nid] = parent[parent[nid]]
            nid = parent[nid]
        return nid

    all_edges: list[tuple[str, str, Match]] = []
    fuzzy_reviews: list[tuple[str, str, Match]] = []  # each pair once (ids in order)
    for notice_id in sorted(facts):
        current = facts[notice_id]
        for other_id in sorted(c for c in index.candidates(current) if c > notice_id):
            match = compare(current, facts[other_id], index.stats)
            if match is None:
                continue
            if match.kind == "review":
                fuzzy_reviews.append((notice_id, other_id, match))
                continue
            all_edges.append((notice_id, other_id, match))
            root_a, root_b = find(notice_id), find(other_id)
            if root_a != root_b:
                parent[max(root_a, root_b)] = min(root_a, root_b)
    blocks: dict[str, list[str]] = defaultdict(list)
    for nid in facts:
        blocks[find(nid)].append(nid)
    edges_by_root: dict[str, list] = defaultdict(list)
    for a, b, match in all_edges:
        edges_by_root[find(a)].append((a, b, match))
    return blocks, edges_by_root, fuzzy_reviews


def _rebuild(db: sqlite_utils.Database) -> RebuildStats:
    index = MatchIndex()
    last_rowid = 0
    for row in read_notices(db):
        index.add(facts_from_row(row))
        last_rowid = max(last_rowid, row["_rowid"])
    facts = index.facts
    blocks, edges_by_root, fuzzy_reviews = _components(index)

    groups: list[Group] = []
    reviews: list[Review] = []
    for root, members in blocks.items():
        block_groups, block_reviews = cluster_block(
            {nid: facts[nid] for nid in members}, edges_by_root.get(root, []), index.stats
        )
        groups.extend(block_groups)
        reviews.extend(block_reviews)
    rows_for_review = review_rows(groups, reviews, fuzzy_reviews, facts, now_iso())

    with db.atomic():
        delete_all(db)
        write(db, groups, facts, rows_for_review, now_iso())
    INDEX_CACHE.store(db, index, last_rowid)
    return RebuildStats(
        notices=len(facts),
        incidents=len(groups),
        multi_notice_incidents=sum(1 for g in groups if len(g.members) > 1),
        reviews=len(rows_for_review),
    )
