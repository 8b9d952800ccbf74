"""Candidate search: which stored notices could match a notice, without comparing all pairs.

Notices are indexed under
- each of their entity keys (exact-key rules),
- pairs of the three longest words of their main key (the first five characters of the key
  for names of one or two words), per breach year and per reported year. Fuzzy rule: two
  near-identical names differ in about one word, so they still share a pair of the others;
  long words are the distinctive ones, so buckets stay small without counting frequencies.
  The year narrows a bucket to notices whose dates can agree,
- each key without spaces (`same_name_without_spaces`),
- their breach day, for day-precision single dates (`same_day_shared_word`),
- the notice ids they cite (citation rule).

The index also keeps `evidence.KeyStats` (how many main names carry each key and word).

Every index entry depends on the notice alone, never on the rest of the data, so the
candidates of a pair are the same whatever else is stored and in whatever order it came:
incremental attachment and rebuild see the same pairs.
"""

from collections.abc import Iterable, Iterator
from datetime import date
from itertools import combinations

from crawler.matching.evidence import KeyStats, variants
from crawler.matching.rules import FUZZY_MIN_LENGTH, Match, NoticeFacts, compare

AFFIX_LENGTH = 5
BLOCKING_WORDS = 3
# Breach periods longer than this many years are indexed under their first years only: a
# decade-long "breach" is noise, and each year is one more bucket to scan.
MAX_INDEXED_YEARS = 10


def _year(ordinal: int) -> int:
    return date.fromordinal(ordinal).year


def _breach_years(facts: NoticeFacts, margin: int) -> range:
    first = _year(facts.breach_start)
    last = _year(facts.breach_end if facts.breach_end is not None else facts.breach_start)
    last = min(last, first + MAX_INDEXED_YEARS)
    return range(first - margin, last + margin + 1)


def _name_blocks(key: str) -> list[tuple]:
    words = sorted(set(key.split()), key=lambda w: (-len(w), w))[:BLOCKING_WORDS]
    if len(words) < BLOCKING_WORDS:
        return [("p", key[:AFFIX_LENGTH])]
    return [("w", *sorted(pair)) for pair in combinations(words, 2)]


def _fuzzy_buckets(facts: NoticeFacts, margin: int) -> Iterator[tuple]:
    if not facts.keys or len(facts.keys[0]) < FUZZY_MIN_LENGTH:
        return
    for affix in _name_blocks(facts.keys[0]):
        if facts.breach_start is not None:
            for year in _breach_years(facts, margin):
                yield ("b", *affix, year)
        if facts.reported is not None:
            reported_year = _year(facts.reported)
            for year in range(reported_year - margin, reported_year + margin + 1):
                yield ("r", *affix, year)


def _variant_keys(facts: NoticeFacts) -> frozenset[str]:
    return facts.variants or variants(facts.keys)


def _day_bucket(facts: NoticeFacts) -> int | None:
    single = facts.breach_end is None or facts.breach_end == facts.breach_start
    if facts.breach_start is None or not single or (facts.breach_precision or "day") != "day":
        return None
    return facts.breach_start


# Ids under one index entry are kept in a tuple up to this many, in a list beyond.
SMALL_POSTINGS = 8


class _Postings(dict):
    """Entry -> the notice ids under it: the id itself while it is alone, a tuple while they
    are few, a list beyond. Most entries hold a notice or two (repeat filings of one name), and
    a set costs 216 bytes even for two; 50,000 notices fill about 200,000 entries. A big entry
    (a common word, a big filer's bucket) as a list costs 8 bytes an id, as a set about 30.
    A list is never searched: `MatchIndex._index` puts a notice under each entry once (its
    entries are distinct, and an indexed notice is dropped before it is put again)."""

    __slots__ = ()

    def put(self, entry, notice_id: str) -> None:
        held = self.get(entry)
        if held is None:
            self[entry] = notice_id
        elif isinstance(held, str):
            if held != notice_id:
                self[entry] = (held, notice_id)
        elif isinstance(held, tuple):
            if notice_id not in held:
                grown = (*held, notice_id)
                self[entry] = grown if len(grown) <= SMALL_POSTINGS else list(grown)
        else:
            held.append(notice_id)

    def drop(self, entry, notice_id: str) -> None:
        held = self.get(entry)
        if held is None:
            return
        if isinstance(held, str):
            if held == notice_id:
                del self[entry]
        elif isinstance(held, tuple):
            if notice_id in held:
                left = tuple(i for i in held if i != notice_id)
                self[entry] = left[0] if len(left) == 1 else left
        elif notice_id in held:  # a big list shrinks in place (a changed notice is re-added)
            held.remove(notice_id)
            if not held:
                del self[entry]

    def into(self, entry, found: set[str]) -> None:
        """Add the ids under `entry` to `found`."""
        held = self.get(entry)
        if held is None:
            return
        if isinstance(held, str):
            found.add(held)
        else:
            found.update(held)


class MatchIndex:
    """An in-memory index of notices for candidate search."""

    def __init__(self) -> None:
        self.facts: dict[str, NoticeFacts] = {}
        self._by_key = _Postings()
        self._by_bucket = _Postings()
        self._cited_by = _Postings()
        self._by_variant = _Postings()
        self._by_day = _Postings()
        self._by_word = _Postings()
        self.stats = KeyStats()

    def __len__(self) -> int:
        return len(self.facts)

    def __contains__(self, notice_id: str) -> bool:
        return notice_id in self.facts

    def add(self, facts: NoticeFacts) -> set[str]:
        """Index a notice, replacing any earlier entry with the same id.

        Returns the ids of notices whose matches may have changed beyond this notice's own:
        those carrying a key or word that this notice made common.
        """
        if facts.id in self.facts:
            self.remove(facts.id)
        self.facts[facts.id] = facts
        self._index(facts, _Postings.put)
        new_keys, new_words = self.stats.add(facts.keys)
        affected: set[str] = set()
        for key in new_keys:
            self._by_key.into(key, affected)
        for word in new_words:
            self._by_word.into(word, affected)
        return affected

    def _index(self, facts: NoticeFacts, change) -> None:
        """`change` (put or drop) the notice under each of its entries."""
        notice_id = facts.id
        for key in dict.fromkeys(facts.keys):
            change(self._by_key, key, notice_id)
        for bucket in _fuzzy_buckets(facts, margin=0):
            change(self._by_bucket, bucket, notice_id)
        for cited in dict.fromkeys(facts.cites):
            change(self._cited_by, cited, notice_id)
        for variant in _variant_keys(facts):
            change(self._by_variant, variant, notice_id)
        if (bucket := _day_bucket(facts)) is not None:
            change(self._by_day, bucket, notice_id)
        for word in set(facts.keys[0].split()) if facts.keys else ():
            change(self._by_word, word, notice_id)

    def add_all(self, notices: Iterable[NoticeFacts]) -> None:
        for facts in notices:
            self.add(facts)

    def remove(self, notice_id: str) -> None:
        facts = self.facts.pop(notice_id, None)
        if facts is None:
            return
        self._index(facts, _Postings.drop)
        self.stats.add(facts.keys, step=-1)

    def candidates(self, facts: NoticeFacts) -> set[str]:
        """Ids of indexed notices that some rule could match with `facts` (never itself)."""
        found: set[str] = set()
        for key in facts.keys:
            self._by_key.into(key, found)
        # Buckets are queried one year either side: dates that agree can straddle a new year.
        for bucket in _fuzzy_buckets(facts, margin=1):
            self._by_bucket.into(bucket, found)
        for variant in _variant_keys(facts):
            self._by_variant.into(variant, found)
        if (bucket := _day_bucket(facts)) is not None:
            self._by_day.into(bucket, found)
        self._cited_by.into(facts.id, found)
        found.update(cited for cited in facts.cites if cited in self.facts)
        found.discard(facts.id)
        return found

    def matches(self, facts: NoticeFacts) -> list[tuple[str, Match]]:
        """Every (other notice id, Match) for `facts` among the indexed notices, sorted by id."""
        found = []
        for other_id in sorted(self.candidates(facts)):
            match = compare(facts, self.facts[other_id], self.stats)
            if match is not None:
                found.append((other_id, match))
        return found
