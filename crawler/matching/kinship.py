"""No chains of strangers: do the notices of two clusters name related entities?

Every pair of main names across the two clusters must be related: the same name, names one
notice gives together (an alias, d/b/a, acronym or "formerly" clause, through keys that are
not common), names a citation ties together, the same name without spaces, near-identical
names, or names sharing a distinctive word. A chain A-B-C of links, each with its own
evidence, does not make A and C one entity by itself.
"""

from rapidfuzz.distance import Indel

from crawler.matching.evidence import (
    KeyStats,
    compact,
    lead_words,
    same_words,
    shared_distinctive_words,
)
from crawler.matching.rules import FUZZY_LINK_SCORE, NoticeFacts

REASON_UNRELATED = "names unrelated: no alias, d/b/a, acronym or formerly link between them"


def names_close(main_a: str, main_b: str, stats: KeyStats) -> bool:
    """Two main names that are evidently one entity's, whatever else is known."""
    if main_a == main_b or same_words(main_a, main_b):
        return True
    if Indel.normalized_similarity(main_a, main_b) * 100 >= FUZZY_LINK_SCORE:
        return True
    return bool(shared_distinctive_words(main_a, main_b, stats))


def _alias_components(members: list[NoticeFacts], ties, stats: KeyStats) -> dict[str, str]:
    """Union-find over keys (without spaces): keys one notice gives together, and cited
    pairs' main names."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        key = compact(key)  # "coffee am" and the d/b/a "CoffeeAM" are one name
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(x: str, y: str) -> None:
        root_x, root_y = find(x), find(y)
        if root_x != root_y:
            parent[max(root_x, root_y)] = min(root_x, root_y)

    mains = {f.keys[0] for f in members if f.keys}
    # A trade name that two different main names carry, and no notice files under, ties
    # nothing: two franchisees "X LLC d/b/a Dunkin'" and "Y Inc. d/b/a Dunkin'".
    carriers: dict[str, set[str]] = {}
    for facts in members:
        for key in facts.keys[1:]:
            carriers.setdefault(key, set()).add(facts.keys[0])
    for facts in members:
        if not facts.keys:
            continue
        main = facts.keys[0]
        find(main)
        for key in facts.keys[1:]:
            if stats.common(key) or (key not in mains and not _one_lead(carriers[key])):
                continue
            join(main, key)
    for x, y in ties:
        join(x, y)
    return {key: find(key) for facts in members for key in facts.keys}


def _one_lead(mains: set[str]) -> bool:
    """One main name, or names that all lead with the same words (a typo of one name)."""
    leads = {lead_words(main) for main in mains}
    return len(mains) == 1 or (len(leads) == 1 and () not in leads)


def unrelated_pairs(
    members: list[NoticeFacts], ties, stats: KeyStats, sides: tuple[set, set] | None = None
) -> list[tuple[str, str]]:
    """Pairs of main names in `members` with no evidence of being one entity.

    Args:
        members: the notices of one (would-be) incident.
        ties: (main, main) pairs tied by a citation.
        stats: key and word counts of the stored notices.
        sides: when given, only pairs with one name in each of the two sets.
    """
    mains = sorted({f.keys[0] for f in members if f.keys})
    if len(mains) < 2:
        return []
    component = _alias_components(members, ties, stats)
    found = []
    for i, x in enumerate(mains):
        for y in mains[i + 1 :]:
            if sides is not None and not (
                (x in sides[0] and y in sides[1]) or (y in sides[0] and x in sides[1])
            ):
                continue
            if component[x] == component[y] or names_close(x, y, stats):
                continue
            found.append((x, y))
    return found
