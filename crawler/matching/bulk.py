"""Attaching many stored notices at once: the close of a crawl that deferred its matching.

`attach_notices_bulk` gives what `attach_notice` for each notice would give, and so what a
rebuild gives (tests/test_incidents_bulk.py), in one pass whose cost follows the notices of
the crawl, not the database: the index is loaded (or the cached one caught up) once, every
notice is added, and the blocks re-clustered are the connected components around them, the
notices carrying a key or word they made common (`evidence.KeyStats`), and everything in the
incidents those were in before. Each pair is compared once, oriented as the rebuild orients
it, and each component is clustered on its own, as the rebuild does.
"""

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlite_utils

from crawler.matching.blocking import MatchIndex
from crawler.matching.cache import INDEX_CACHE
from crawler.matching.clustering import Group, Review, cluster_block
from crawler.matching.rows import facts_from_row, read_notices
from crawler.matching.rules import Match, compare
from crawler.matching.writing import delete_for_notices, review_rows, write
from crawler.store.db import now_iso

CHUNK = 400  # ids per `in (...)` list, under SQLite's 999 host parameters (twice in a query)


@dataclass
class BulkStats:
    """What a bulk attach did."""

    notices: int  # the notices asked for
    recomputed: int  # the notices of the blocks re-clustered
    incidents: int
    reviews: int


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _index_with(db: sqlite_utils.Database, ids: set[str]) -> tuple[MatchIndex, set[str]]:
    """The index of every stored notice, with `ids` added last; and the notices whose matches
    those additions changed."""
    read_before = INDEX_CACHE.last_rowid(db)
    if read_before is None:
        # Built from the notices already matched, then the crawl's added, so that adding them
        # says which keys and words they made common, as attaching one by one would.
        index, affected, last_rowid, later = MatchIndex(), set(), 0, []
        for row in read_notices(db):
            last_rowid = max(last_rowid, row["_rowid"])
            if row["id"] in ids:
                later.append(facts_from_row(row))
            else:
                index.add(facts_from_row(row))
        for facts in later:
            affected |= index.add(facts)
        INDEX_CACHE.store(db, index, last_rowid)
        return index, affected
    # Caught up with the rows stored since its last use (the crawl's new notices among them);
    # notices it had read before may have changed in place since: those are re-read.
    index, affected = INDEX_CACHE.index_for(db)
    for chunk in _chunks(sorted(ids)):
        marks = ",".join("?" for _ in chunk)
        query = f"where id in ({marks}) and rowid <= ? order by rowid"
        for row in read_notices(db, query, [*chunk, read_before]):
            affected |= index.add(facts_from_row(row))
    return index, affected


def previous_members(db, ids: list[str], known) -> set[str]:
    """Notices of the incidents that `ids` were in before, not yet in `known`."""
    found: set[str] = set()
    for chunk in _chunks(ids):
        marks = ",".join("?" for _ in chunk)
        members = db.execute(
            f"select l.notice_id from incident_links l where l.incident_id in (select "
            f"incident_id from incident_links where notice_id in ({marks}))",
            chunk,
        )
        found |= {r[0] for r in members if r[0] not in known}
    return found


class _Block:
    """The notices to re-cluster, their links (each pair compared once) and fuzzy calls.

    Links and fuzzy calls are kept flat (`a, b, match, a, b, match, ...`): a big close pass
    holds ~720,000 links and ~270,000 calls at once, and a tuple each cost 72 bytes more than
    three list slots (the Match objects are shared, `rules.outcome`)."""

    def __init__(self, index: MatchIndex) -> None:
        self.index = index
        self.facts: dict = {}
        self.edges: list = []
        self.reviews: list = []
        self._done: set[str] = set()  # notices whose candidates were all compared

    def expand(self, seeds: Iterable[str]) -> None:
        """Grow the block to the connected components of links around `seeds`."""
        index = self.index
        queue = [s for s in seeds if s in index and s not in self.facts]
        self.facts.update((s, index.facts[s]) for s in queue)
        while queue:
            current = queue.pop()
            for other in index.candidates(index.facts[current]):
                if other in self._done:
                    continue  # compared when `other` was expanded
                a, b = (current, other) if current < other else (other, current)
                match = compare(index.facts[a], index.facts[b], index.stats)
                if match is None:
                    continue
                if match.kind == "review":
                    self.reviews += (a, b, match)
                    continue
                self.edges += (a, b, match)
                if other not in self.facts:
                    self.facts[other] = index.facts[other]
                    queue.append(other)
            self._done.add(current)

    def fuzzy_calls(self) -> Iterator[tuple[str, str, Match]]:
        flat = self.reviews
        return zip(flat[0::3], flat[1::3], flat[2::3], strict=True)

    def components(self) -> Iterator[tuple[list[str], list]]:
        """Each connected component: its notice ids and its links as (a, b, match). The
        block's flat links are handed out component by component and let go."""
        parent = {nid: nid for nid in self.facts}

        def find(nid: str) -> str:
            while parent[nid] != nid:
                parent[nid] = parent[parent[nid]]
                nid = parent[nid]
            return nid

        flat = self.edges
        for i in range(0, len(flat), 3):
            root_a, root_b = find(flat[i]), find(flat[i + 1])
            if root_a != root_b:
                parent[max(root_a, root_b)] = min(root_a, root_b)
        members: dict[str, list[str]] = defaultdict(list)
        edges: dict[str, list] = defaultdict(list)
        for nid in self.facts:
            members[find(nid)].append(nid)
        for i in range(0, len(flat), 3):
            edges[find(flat[i])] += flat[i : i + 3]
        self.edges = flat = []
        for root in list(members):
            ids, mine = members.pop(root), edges.pop(root, [])
            yield ids, list(zip(mine[0::3], mine[1::3], mine[2::3], strict=True))


def attach_notices_bulk(db: sqlite_utils.Database, notice_ids: Iterable[str]) -> BulkStats:
    """Attach every notice of `notice_ids` (stored, new or changed) in one pass; ids with no
    stored notice are skipped. Call it inside a write transaction."""
    was_enabled = gc.isenabled()
    gc.disable()  # as in the rebuild: many objects allocated, none freed until the end
    try:
        return _attach(db, set(notice_ids))
    finally:
        if was_enabled:
            gc.enable()


def _attach(db: sqlite_utils.Database, ids: set[str]) -> BulkStats:
    index, affected = _index_with(db, ids)
    block = _Block(index)
    seeds, asked = ids | affected, set()
    while seeds:
        block.expand(seeds)
        # Everything in the incidents these notices were in before is recomputed too, so an
        # old incident is never left half-updated.
        new = sorted(set(block.facts) - asked)
        asked.update(new)
        seeds = previous_members(db, new, block.facts)

    members = sorted(block.facts)
    # Statuses change in place (removed_at_source) without a new rowid: read them fresh.
    for chunk in _chunks(members):
        marks = ",".join("?" for _ in chunk)
        for nid, status in db.execute(
            f"select id, status from notices where id in ({marks})", chunk
        ):
            block.facts[nid].status = status or "active"

    groups: list[Group] = []
    reviews: list[Review] = []
    for component, edges in block.components():
        found, raised = cluster_block({n: block.facts[n] for n in component}, edges, index.stats)
        groups.extend(found)
        reviews.extend(raised)
    rows_for_review = review_rows(groups, reviews, block.fuzzy_calls(), index.facts, now_iso())
    block.reviews = []
    with db.atomic():  # a savepoint inside the caller's transaction
        for chunk in _chunks(members):
            delete_for_notices(db, chunk)
        write(db, groups, index.facts, rows_for_review, now_iso())
    return BulkStats(
        notices=len(ids), recomputed=len(members), incidents=len(groups),
        reviews=len(rows_for_review),
    )  # fmt: skip
