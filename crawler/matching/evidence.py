"""Entity evidence: when do two published names stand for the same organisation?

Dates alone never join notices: every link needs evidence that the two notices are about one
entity. The evidence, strongest first:

- a shared key that identifies an entity (`KeyStats.usable`): a key that the stored notices
  show under many different main names ("email" from the legacy log's channel tags, a brand
  many franchisees trade under) no longer joins on its own;
- the same name written with or without spaces ("TaskRabbit" / "Task Rabbit"); word order
  matters: "First Community Bank" and "Community First Bank" are two banks;
- near-identical names (the fuzzy rule's score);
- a shared distinctive word (`KeyStats.distinctive`) that both names lead with, the words
  both share making up most of the shorter name (`MIN_SHARED_COVERAGE`), only together with
  identical breach dates (see `hardjoins`): "R.T. Jones Capital Management Equities" / "R.T.
  Jones Capital Equities Management", never "Jones Law Firm" / "Jones Medical Center" hit
  on one day by one vendor.

`KeyStats` is measured over the notices in the index, so it changes as notices arrive. Counts
only grow (notices are not deleted), so a key or word can only go from usable to common; when
one does, `incidents` re-clusters every notice carrying it, which keeps incremental attachment
equal to a rebuild.
"""

from collections import defaultdict

from crawler.matching.shortnames import GENERIC_WORDS

# A key carried by this many different main names is common: it joins nothing on its own.
COMMON_KEY_NAMES = 3
# A word of main names is distinctive while at most this many different main names have it.
DISTINCTIVE_WORD_NAMES = 3
# The words two names share must be more than this share of the shorter name's words.
MIN_SHARED_COVERAGE = 0.5
# Words shorter than this are never distinctive (initials, "co", "of").
MIN_DISTINCTIVE_LENGTH = 4
# Words that many unrelated organisations use: never distinctive, whatever the counts say.
ORGANISATION_WORDS = GENERIC_WORDS | frozenset(
    [
        "bank",
        "health",
        "healthcare",
        "medical",
        "center",
        "centre",
        "hospital",
        "services",
        "service",
        "university",
        "college",
        "school",
        "district",
        "county",
        "city",
        "state",
        "national",
        "international",
        "american",
        "financial",
        "insurance",
        "management",
        "capital",
        "holdings",
        "solutions",
        "systems",
        "partners",
        "associates",
        "group",
        "family",
        "foundation",
        "credit",
        "union",
        "community",
        "care",
        "clinic",
        "dental",
        "corporation",
        "company",
        "incorporated",
        "limited",
        "technologies",
        "technology",
        "energy",
        "resources",
        "global",
        "north",
        "south",
        "east",
        "west",
        "new",
        "unified",
        "public",
        "regional",
        "memorial",
        "saint",
        "mount",
        "fort",
        "lake",
        "valley",
        "river",
        "county",
    ]
)


class KeyStats:
    """How many different main names carry each key, and each word of a main name."""

    def __init__(self) -> None:
        self._names_by_key: dict[str, dict[str, int]] = defaultdict(dict)
        self._names_by_word: dict[str, dict[str, int]] = defaultdict(dict)

    @staticmethod
    def _count(table: dict, item: str, name: str, step: int) -> bool:
        """Change the count; True when `item` crossed its threshold upwards."""
        names = table[item]
        before = len(names)
        names[name] = names.get(name, 0) + step
        if names[name] <= 0:
            del names[name]
        return before < len(names)

    def add(self, keys: tuple[str, ...], step: int = 1) -> tuple[set[str], set[str]]:
        """Count a notice's keys (step -1 to uncount). Returns keys and words that became
        common with this notice."""
        if not keys:
            return set(), set()
        main = keys[0]
        new_keys, new_words = set(), set()
        for key in set(keys):
            grew = self._count(self._names_by_key, key, main, step)
            if grew and len(self._names_by_key[key]) == COMMON_KEY_NAMES:
                new_keys.add(key)
        for word in set(main.split()):
            grew = self._count(self._names_by_word, word, main, step)
            if grew and len(self._names_by_word[word]) == DISTINCTIVE_WORD_NAMES + 1:
                new_words.add(word)
        return new_keys, new_words

    def common(self, key: str) -> bool:
        return len(self._names_by_key.get(key, ())) >= COMMON_KEY_NAMES

    def distinctive(self, word: str) -> bool:
        return (
            len(word) >= MIN_DISTINCTIVE_LENGTH
            and word not in ORGANISATION_WORDS
            and not word.isdigit()
            and len(self._names_by_word.get(word, ())) <= DISTINCTIVE_WORD_NAMES
        )

    def usable(self, key: str, a_keys: tuple[str, ...], b_keys: tuple[str, ...]) -> bool:
        """A shared key joins when it is not common, or is the main name of one side."""
        return not self.common(key) or key == a_keys[0] or key == b_keys[0]

    def top_shared_keys(self, limit: int) -> list[tuple[str, int]]:
        """The keys carried by the most different main names."""
        counted = [(key, len(names)) for key, names in self._names_by_key.items() if names]
        counted.sort(key=lambda item: (-item[1], item[0]))
        return counted[:limit]


NO_STATS = KeyStats()


def compact(key: str) -> str:
    """The key without spaces: "task rabbit" -> "taskrabbit"."""
    return key.replace(" ", "")


def variants(keys: tuple[str, ...]) -> frozenset[str]:
    """Every key without spaces: equal variants mean `same_words`."""
    return frozenset(compact(key) for key in keys)


def same_words(key_a: str, key_b: str) -> bool:
    """Equal without spaces ("task rabbit" / "taskrabbit"), the words in the same order."""
    return compact(key_a) == compact(key_b)


def lead_words(key: str) -> tuple[str, ...]:
    """The words of a key up to its first that could tell it apart (long enough, not
    generic): ("rt", "jones") for "rt jones capital ...", () when there is none."""
    words = key.split()
    for index, word in enumerate(words):
        if len(word) >= MIN_DISTINCTIVE_LENGTH and word not in ORGANISATION_WORDS:
            return tuple(words[: index + 1])
    return ()


def shared_distinctive_words(key_a: str, key_b: str, stats: KeyStats) -> set[str]:
    """The distinctive word both names lead with ("jones" in "rt jones capital ..."), if any.

    Both names must start with the same words up to it ("first community bank" does not lead
    like "community first bank"), and the words they share must make up most of the shorter
    name. A word shared further along ("unified" in two school districts) tells nothing.
    """
    lead = lead_words(key_a)
    if not lead or lead != lead_words(key_b):
        return set()
    head = lead[-1]
    words_a, words_b = set(key_a.split()), set(key_b.split())
    if not stats.distinctive(head) and not (len(lead) > 1 and words_a == words_b):
        # A common word ("jones") says nothing, unless the names lead with the same words and
        # have the same words ("rt jones capital management equities" / "... equities
        # management", among many other Joneses).
        return set()
    shorter = min(words_a, words_b, key=len)
    if len(words_a & words_b) <= MIN_SHARED_COVERAGE * len(shorter):
        return set()  # "jones law firm" / "jones medical center": one word of three
    return {head}
