"""From the links within one block of notices to incidents.

A block is a connected component of the link graph (every pair some rule links). Links can
chain: A-B and B-C would put A and C together even if their breaches are years apart, and
an undated repeat filing can sit within 90 days of two different breaches. So links are
accepted one at a time, strongest first, and a link is refused when it would put two
notices whose breach dates are clearly apart (`rules.clearly_apart`) into one incident.
Citations are certain and always accepted.

Undated links come after dated ones, and an undated notice whose window reaches two
incidents whose dates are clearly apart is ambiguous: it joins neither and both pairs go to
review, unless one of them was filed within a week of it and the others a month or more
away (a same-week filing in another state is the same notice; Yahoo's undated CA notice of
14 Dec 2016 and its Maine filing of that day), in which case it joins that one. The result depends only on the set of notices in the block, never on the order
they arrived in.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from crawler.matching.evidence import NO_STATS, KeyStats
from crawler.matching.kinship import REASON_UNRELATED, unrelated_pairs
from crawler.matching.rules import (
    RULE_AMENDS,
    RULE_CITES,
    RULE_DATE_TYPO,
    RULE_RANK,
    Match,
    NoticeFacts,
    clearly_apart,
)

FOUNDER_RULE = "founder"


@dataclass(frozen=True)
class Link:
    """Why a notice is in its incident: the accepted link to `matched_notice_id`."""

    notice_id: str
    rule: str
    score: float
    matched_notice_id: str | None


@dataclass(frozen=True)
class Review:
    """A close call for a person: the pair was not joined (or joined only by another path)."""

    notice_id: str
    candidate_notice_id: str
    rule: str
    score: float
    reason: str


@dataclass
class Group:
    """The notices of one incident, founder first, with the link that explains each."""

    founder: str
    members: list[str]
    links: dict[str, Link] = field(default_factory=dict)


class _Clusters:
    """Union-find that keeps the dated members of each cluster for the apart test."""

    def __init__(self, facts: dict[str, NoticeFacts], stats: KeyStats = NO_STATS):
        self.facts = facts
        self.stats = stats
        self.parent = {notice_id: notice_id for notice_id in facts}
        # A breach dated after the notice's own report is a typo somewhere: such dates do not
        # keep incidents apart.
        self.dated = {
            nid: [f] if f.dated and "breach_after_report" not in f.date_flags else []
            for nid, f in facts.items()
        }
        # Pairs joined by `date_typo`: their dates are apart by the typo, not by the facts.
        self.reconciled: set[frozenset] = set()
        self.members = {nid: [f] for nid, f in facts.items()}
        self.ties: dict[str, list[tuple[str, str]]] = {nid: [] for nid in facts}

    def find(self, notice_id: str) -> str:
        root = notice_id
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[notice_id] != root:
            self.parent[notice_id], notice_id = root, self.parent[notice_id]
        return root

    def conflict(self, root_a: str, root_b: str) -> bool:
        return any(
            clearly_apart(x, y) and frozenset((x.id, y.id)) not in self.reconciled
            for x in self.dated[root_a]
            for y in self.dated[root_b]
        )

    def strangers(self, root_a: str, root_b: str) -> bool:
        """True when the two clusters would hold main names with no evidence between them."""
        mains_a = {f.keys[0] for f in self.members[root_a] if f.keys}
        mains_b = {f.keys[0] for f in self.members[root_b] if f.keys}
        if mains_a == mains_b and len(mains_a) <= 1:
            return False
        members = self.members[root_a] + self.members[root_b]
        ties = self.ties[root_a] + self.ties[root_b]
        sides = (mains_a - mains_b, mains_b - mains_a)
        return bool(unrelated_pairs(members, ties, self.stats, sides=sides))

    def union(self, root_a: str, root_b: str, tie: tuple[str, str] | None = None) -> None:
        # The smaller id becomes the root so the structure itself is order-independent.
        keep, drop = sorted((root_a, root_b))
        self.parent[drop] = keep
        self.dated[keep].extend(self.dated.pop(drop))
        self.members[keep].extend(self.members.pop(drop))
        self.ties[keep].extend(self.ties.pop(drop))
        if tie is not None:
            self.ties[keep].append(tie)


def _edge_order(edge: tuple[str, str, Match]) -> tuple:
    a, b, match = edge
    return (RULE_RANK[match.rule], -match.score, match.distance, a, b)


def _tie(facts, a: str, b: str) -> tuple[str, str] | None:
    if facts[a].keys and facts[b].keys:
        return (facts[a].keys[0], facts[b].keys[0])
    return None


def cluster_block(
    facts: dict[str, NoticeFacts],
    edges: list[tuple[str, str, Match]],
    stats: KeyStats = NO_STATS,
) -> tuple[list[Group], list[Review]]:
    """Split one block of notices into incidents.

    Args:
        facts: every notice of the block, by id.
        edges: the `link` matches within the block as (id, id, Match), each pair once.
        stats: key and word counts of the stored notices (for the strangers test).

    Returns:
        The groups (one per incident) and the review rows the clustering raised.
    """
    clusters = _Clusters(facts, stats)
    accepted: list[tuple[str, str, Match]] = []
    reviews: list[Review] = []
    # A notice that names the notice it amends is placed by that, not by a date window.
    named = (RULE_CITES, RULE_AMENDS)
    dated_edges = [e for e in edges if e[2].dated or e[2].rule in named]
    undated_edges = [e for e in edges if not (e[2].dated or e[2].rule in named)]

    for a, b, match in sorted(dated_edges, key=_edge_order):
        root_a, root_b = clusters.find(a), clusters.find(b)
        if root_a == root_b:
            continue
        if match.rule == RULE_DATE_TYPO:
            clusters.reconciled.add(frozenset((a, b)))
        if match.rule == RULE_CITES:
            clusters.union(root_a, root_b, _tie(facts, a, b))
            accepted.append((a, b, match))
        elif clusters.conflict(root_a, root_b):
            continue
        elif clusters.strangers(root_a, root_b):
            reviews.append(_review(facts, a, b, match, REASON_UNRELATED))
        else:
            clusters.union(root_a, root_b)
            accepted.append((a, b, match))

    undated_edges.sort(key=_edge_order)
    # A filing placed by the notice it names is not also placed by a date window.
    placed = {x for a, b, m in accepted if m.rule == RULE_AMENDS for x in (a, b) if facts[x].amends}
    ambiguous, nearest = _ambiguous_undated(facts, undated_edges, clusters)
    for a, b, match in undated_edges:
        if (a in placed and not facts[a].dated) or (b in placed and not facts[b].dated):
            reviews.append(_review(facts, a, b, match, "placed by the notice it amends"))
            continue
        if any(
            side in ambiguous and clusters.dated[clusters.find(other)]
            for side, other in ((a, b), (b, a))
        ):
            reason = "undated notice within the window of incidents whose breach dates are apart"
            reviews.append(_review(facts, a, b, match, reason))
            continue
        if any(
            side in nearest and clusters.find(other) != clusters.find(nearest[side])
            for side, other in ((a, b), (b, a))
        ):
            reasons = "undated notice joined an incident filed the same week instead"
            reviews.append(_review(facts, a, b, match, reasons))
            continue
        root_a, root_b = clusters.find(a), clusters.find(b)
        if root_a == root_b or clusters.conflict(root_a, root_b):
            continue
        if clusters.strangers(root_a, root_b):
            reviews.append(_review(facts, a, b, match, REASON_UNRELATED))
            continue
        clusters.union(root_a, root_b)
        accepted.append((a, b, match))
    return _groups(facts, clusters, accepted), reviews


# An undated notice filed within this many days of one incident, and at least
# FAR_FILING_DAYS from every other it could join, belongs to the near one.
NEAR_FILING_DAYS = 7
FAR_FILING_DAYS = 30


def _ambiguous_undated(facts, undated_edges, clusters: _Clusters) -> tuple[set[str], dict]:
    """Undated notices whose links reach dated incidents that are clearly apart.

    Returns the ambiguous notices, and for the ones a same-week filing resolves, the notice
    of the incident they join.
    """
    reach: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    for a, b, match in undated_edges:
        for undated, other in ((a, b), (b, a)):
            root = clusters.find(other)
            if not facts[undated].dated and clusters.dated[root]:
                best = reach[undated].get(root)
                candidate = (match.distance, other)
                if best is None or candidate < best:
                    reach[undated][root] = candidate
    ambiguous, nearest = set(), {}
    for notice_id, roots in reach.items():
        ordered = sorted(roots)
        if not any(
            clusters.conflict(x, y) for i, x in enumerate(ordered) for y in ordered[i + 1 :]
        ):
            continue
        by_distance = sorted(roots.values())
        if by_distance[0][0] <= NEAR_FILING_DAYS and by_distance[1][0] >= FAR_FILING_DAYS:
            nearest[notice_id] = by_distance[0][1]
        else:
            ambiguous.add(notice_id)
    return ambiguous, nearest


def _review(facts, a: str, b: str, match: Match, reason: str) -> Review:
    later, earlier = sorted((facts[a], facts[b]), key=lambda f: f.order_key, reverse=True)
    return Review(later.id, earlier.id, match.rule, match.score, reason)


def _groups(facts, clusters: _Clusters, accepted) -> list[Group]:
    members: dict[str, list[str]] = defaultdict(list)
    for notice_id in facts:
        members[clusters.find(notice_id)].append(notice_id)
    adjacency: dict[str, list[tuple[str, Match]]] = defaultdict(list)
    for a, b, match in accepted:
        adjacency[a].append((b, match))
        adjacency[b].append((a, match))
    groups = []
    for ids in members.values():
        ordered = sorted(ids, key=lambda nid: facts[nid].order_key)
        founder = ordered[0]
        group = Group(founder, ordered, {founder: Link(founder, FOUNDER_RULE, 1.0, None)})
        # Walk the accepted links out from the founder, so each notice is explained by the
        # link through which it reaches the founder (strongest link first on ties).
        frontier = [founder]
        while frontier:
            current = frontier.pop(0)
            neighbours = sorted(
                adjacency[current], key=lambda n: (RULE_RANK[n[1].rule], -n[1].score, n[0])
            )
            for other, match in neighbours:
                if other not in group.links:
                    group.links[other] = Link(other, match.rule, match.score, current)
                    frontier.append(other)
        groups.append(group)
    groups.sort(key=lambda g: facts[g.founder].order_key)
    return groups
