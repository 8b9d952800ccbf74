"""A check of incidents that does not use the matcher's own evidence.

`kinship.unrelated_pairs` asks whether the matcher's evidence (keys, aliases, shared
distinctive words) relates the names of an incident: it cannot see a mistake in that evidence.
This module asks a plainer question, with its own cleaning and no entity keys: are the names
of an incident's notices alike as text? Two published names pass when

- their word sets overlap (Jaccard at least `MIN_JACCARD`), or
- they share a rare word (one that at most `RARE_NAMES` different cleaned names in the
  database use, at least `MIN_RARE_LENGTH` letters long), or
- one is the other plus more words (every word of the shorter name, at least two or a rare
  one, is in the longer: "Delta Dental of Illinois (on behalf of the groups ...)"), or
- one, without spaces, is inside the other without spaces, at least `MIN_INSIDE` letters
  ("TaskRabbit" / "Task Rabbit Inc.", "Coffee AM" / "CJGO Fulfillment, Inc. DBA CoffeeAM"), or
- they differ by a typo (`difflib` ratio of the joined words at least `MIN_RATIO`:
  "Stethescope.com" / "Stethoscope.com").

An incident passes when its distinct names are connected by passing pairs. The incidents that
do not are listed by `scrapy check_incidents` for a person to read: an alias, d/b/a or
renaming can be right and still fail here (Rentpath / Primedia), so the list is a reading
list, not an error count.
"""

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from difflib import SequenceMatcher

MIN_JACCARD = 0.5
RARE_NAMES = 5
MIN_RARE_LENGTH = 4
MIN_INSIDE = 6
MIN_RATIO = 0.9
# Words that say nothing about which organisation it is (legal forms, connectives, places in
# an address, placeholders for a name not given). Deliberately short: this check should not share the matcher's word lists.
_NOISE = frozenset(
    [
        "the",
        "and",
        "of",
        "inc",
        "llc",
        "ltd",
        "corp",
        "co",
        "company",
        "corporation",
        "incorporated",
        "limited",
        "lp",
        "llp",
        "pc",
        "pa",
        "na",
        "group",
        "holdings",
        "services",
        "dba",
        "d",
        "b",
        "a",
        "usa",
        "us",
        "street",
        "st",
        "ave",
        "avenue",
        "road",
        "rd",
        "suite",
        "ste",
        "floor",
        "blvd",
        "drive",
        "dr",
        "po",
        "box",
        "email",
        "paper",
        "update",
        "unknown",
        "none",
        "n",
        "not",
        "provided",
        "available",
        "applicable",
    ]
)


def clean_words(name: str | None) -> tuple[str, ...]:
    """Lower-case ASCII words of a published name, without noise words and numbers."""
    text = unicodedata.normalize("NFKD", (name or "").casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[.'’]", "", text)
    words = re.findall(r"[a-z0-9]+", text)
    return tuple(w for w in words if w not in _NOISE and not w.isdigit())


class WordCounts:
    """How many different cleaned names use each word."""

    def __init__(self, names: Iterable[str | None]) -> None:
        distinct = {clean_words(name) for name in names}
        self._names = Counter(word for words in distinct for word in set(words))

    def rare(self, word: str) -> bool:
        return len(word) >= MIN_RARE_LENGTH and self._names.get(word, 0) <= RARE_NAMES


def names_alike(a: str | None, b: str | None, counts: WordCounts) -> bool:
    """Whether two published names pass the independent test."""
    words_a, words_b = clean_words(a), clean_words(b)
    if not words_a or not words_b:
        return False
    joined_a, joined_b = "".join(words_a), "".join(words_b)
    short, long = sorted((joined_a, joined_b), key=len)
    if len(short) >= MIN_INSIDE and short in long:
        return True
    set_a, set_b = set(words_a), set(words_b)
    shared = set_a & set_b
    if len(shared) / len(set_a | set_b) >= MIN_JACCARD:
        return True
    if any(counts.rare(word) for word in shared):
        return True
    smaller = min(set_a, set_b, key=len)
    if smaller <= shared and (len(smaller) >= 2 or any(counts.rare(w) for w in smaller)):
        return True
    return SequenceMatcher(None, joined_a, joined_b).ratio() >= MIN_RATIO


def unlike_groups(names: Iterable[str | None], counts: WordCounts) -> list[list[str]]:
    """The names of one incident split into groups connected by passing pairs; one group
    (or none) when the incident passes."""
    distinct = sorted({name for name in names if name})
    groups: list[list[str]] = []
    for name in distinct:
        joined = [g for g in groups if any(names_alike(name, other, counts) for other in g)]
        merged = [name] + [n for g in joined for n in g]
        groups = [g for g in groups if g not in joined] + [sorted(merged)]
    return sorted(groups)
