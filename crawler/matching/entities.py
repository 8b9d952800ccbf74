"""Entity names as published -> comparison keys.

A key is lower-case ASCII-ish words separated by single spaces, with the noise that differs
between filings of one organisation removed: Unicode look-alikes, invisible characters,
punctuation, `&`/`and`, a leading "The", trailing legal forms (Inc., L.L.C., N.A., ...),
street addresses appended to the name (the Maine legacy log), update markers and channel
tags wherever they sit ("Supplement to A", "UPDATE - A", "A (update)", "A - email", see
`markers`) and subsidiary clauses. A placeholder ("Unknown", "N/A", "Not provided", "-") has
no key, so it joins nothing. A name can have several keys: "A d/b/a B",
"A formerly known as B" and `A ("B")` give both A and B, so either spelling finds the other;
a parenthesised part counts only when it names this entity (`shortnames`: never "(email)").

The alias table (`aliases.tsv`) holds what no rule can derive: abbreviations ("Mt." ->
"mount") and acronyms ("MDUSD").
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from crawler.matching.addresses import strip_address
from crawler.matching.markers import PLACEHOLDER_KEYS, strip_markers
from crawler.matching.shortnames import clean_short_name, names_entity
from crawler.textparse.text import clean_text

# Read through importlib.resources: works from an installed wheel or a zipped egg (Scrapyd).
ALIASES_RESOURCE = ("crawler.matching", "aliases.tsv")

# Legal forms, as word sequences after punctuation is removed ("L.L.C." -> "llc", "N.A." ->
# "na"). Only stripped at the end of a key, repeatedly ("Foo Co., Inc." -> "foo").
LEGAL_FORMS = tuple(
    tuple(form.split())
    for form in (
        "inc", "incorporated", "incorp", "llc", "l l c", "lc", "corp", "corporation", "co",
        "company", "companies", "ltd", "limited", "lp", "l p", "llp", "l l p", "lllp", "plc",
        "na", "n a", "pc", "p c", "pllc", "pa", "p a", "sc", "gmbh", "ag", "sa", "bv", "nv",
        "lda", "ltda", "srl", "sarl", "pty", "ulc", "dba", "national association",
    )
)  # fmt: skip
# Country qualifiers after the name ("T-Mobile USA", "Toyota Motor Sales, U.S.A."): the same
# company files with and without them.
TRAILING_COUNTRY = (("usa",), ("us",), ("u", "s", "a"), ("u", "s"))

# "A d/b/a B", "A a/k/a B", "A f/k/a B": both names are the entity's. The "formerly" forms
# (f/k/a, k/n/a "known now as", n/k/a, "formerly knwon as" as published) mark a renaming.
_FORMERLY = (
    r"f\s*/\s*k\s*/\s*a|fka|k\s*/\s*n\s*/\s*a|n\s*/\s*k\s*/\s*a|now known as"
    r"|formerly\s+k\w*\s+as|formerly"
)
_ALSO_KNOWN_AS = re.compile(
    r"\s*[,;]?\s*\b(?:d\s*/\s*b\s*/\s*a|d\.b\.a\.?|dba|a\s*/\s*k\s*/\s*a|aka|operating as"
    rf"|doing business as|also known as|{_FORMERLY})\b[.:]?\s*",
    re.IGNORECASE,
)
_FORMERLY_START = re.compile(rf"^\s*(?:{_FORMERLY})\b", re.IGNORECASE)
# Clauses after which the text is not the entity's own name.
_CUT_CLAUSES = re.compile(
    r"\s*[,;(]?\s*\b(?:a\s+)?(?:wholly[- ]owned\s+)?subsidiary\s+of\b.*$"
    r"|\s*[,;(]?\s*\bon behalf of\b.*$"
    r"|\s*[,;(]?\s*\band\s*/\s*or\s+its\s+(?:affiliates|subsidiaries)\b.*$"
    r"|\s*[,;(]?\s*\band\s+its\s+(?:affiliates|subsidiaries)\b.*$",
    re.IGNORECASE,
)
# A parenthesised or quoted short name: `("HSHS")`, `(“Lockton”)`, `(AXP)`.
_PAREN = re.compile(r"\(([^()]*)\)")
_QUOTES = "\"'“”‘’«»„‟`´"
_NON_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class AliasTable:
    """Replacements that no rule derives: single words and whole keys."""

    tokens: dict[str, str]
    names: dict[str, str]


@lru_cache(maxsize=1)
def load_aliases(text: str | None = None) -> AliasTable:
    """Read the alias table (tab-separated `kind`, `from`, `to`; `#` starts a comment).

    Args:
        text: the table's text; the packaged `aliases.tsv` when None.

    Raises:
        ValueError: on a line that is not a valid entry, so a bad edit fails loudly.
    """
    if text is None:
        package, name = ALIASES_RESOURCE
        text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    tokens: dict[str, str] = {}
    names: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[0] not in ("token", "name"):
            raise ValueError(f"aliases.tsv:{number}: expected 'token|name<TAB>from<TAB>to'")
        kind, source, target = (part.strip() for part in parts)
        (tokens if kind == "token" else names)[source] = target
    return AliasTable(tokens, names)


def _fold(text: str) -> str:
    """NFKC, invisible characters out, case folded, accents removed."""
    text = clean_text(unicodedata.normalize("NFKC", text)) or ""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    # Dots join initials ("N.A." -> "na", "L.L.C." -> "llc"); apostrophes join a word
    # ("See's" -> "sees"); every other non-word character separates words.
    text = re.sub(r"[.'’‘`´]", "", text)
    text = text.replace("&", " and ").replace("+", " and ")
    return [word for word in _NON_WORD.sub(" ", text).replace("_", " ").split() if word]


def _strip_trailing(words: list[str], forms) -> list[str]:
    changed = True
    while changed and words:
        changed = False
        for form in forms:
            size = len(form)
            if len(words) > size and tuple(words[-size:]) == form:
                words = words[:-size]
                changed = True
                break
    return words


def _key_from_words(words: list[str], aliases: AliasTable) -> str:
    words = [aliases.tokens.get(word, word) for word in words]
    words = " ".join(words).split()  # a token alias may expand into several words
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    words = _strip_trailing(words, LEGAL_FORMS)
    if len(words) > 2:
        words = _strip_trailing(words, TRAILING_COUNTRY)
    # "County of Cumberland" and "Cumberland County" are one county.
    if len(words) > 2 and words[0] == "county" and words[1] == "of":
        words = [*words[2:], "county"]
    key = " ".join(words)
    return aliases.names.get(key, key)


def _name_key(text: str, aliases: AliasTable) -> str:
    return _key_from_words(_words(text), aliases)


@dataclass(frozen=True)
class EntityNames:
    """The comparison keys of one published name.

    `keys`: the main name's key first, then other names of the entity (d/b/a, formerly,
    accepted short names, the name without a campus/place). `former`: the keys that came
    from a "formerly"/f/k/a/k/n/a clause (a renamed entity), so a join through one of them
    can be named as such.
    """

    keys: tuple[str, ...]
    former: frozenset[str] = frozenset()


def entity_keys(name: str | None) -> tuple[str, ...]:
    """Every comparison key of an entity name, the main name's key first.

    Args:
        name: the entity name as published (any Unicode, any noise).

    Returns:
        Distinct non-empty keys: the main name, then names after d/b/a-like markers, then
        parenthesised or quoted short names that name this entity (see `shortnames`).
        Empty for a blank name.
    """
    return entity_names(name).keys


def entity_names(name: str | None) -> EntityNames:
    """`EntityNames` of a published name (empty for a blank name)."""
    if not name:
        return EntityNames(())
    return _entity_names(name)


def _key_of_part(part: str, aliases: AliasTable) -> list[str]:
    plain, with_place = strip_address(part.strip(" ,;" + _QUOTES))
    keys = [_name_key(plain, aliases)]
    if with_place:
        keys.append(_name_key(with_place, aliases))
    return keys


@lru_cache(maxsize=200_000)
def _entity_names(name: str) -> EntityNames:
    aliases = load_aliases()
    text = _fold(name).replace("[", "(").replace("]", ")")  # "[email]" is a tag like "(email)"
    text = strip_markers(text)
    inners = [inner for inner in _PAREN.findall(text) if inner.strip()]
    text = _PAREN.sub(" ", text)
    text = _CUT_CLAUSES.sub("", text)
    keys: list[str] = []
    former: set[str] = set()

    def add(key: str, is_former: bool = False) -> None:
        if key in PLACEHOLDER_KEYS:
            return
        if key and key not in keys:
            keys.append(key)
        if key and is_former:
            former.add(key)

    pieces = _ALSO_KNOWN_AS.split(text)
    markers = _ALSO_KNOWN_AS.findall(text)
    for number, part in enumerate(pieces):
        if not part.strip(" ,;"):
            continue
        renamed = number > 0 and bool(_FORMERLY_START.match(markers[number - 1].lstrip(" ,;")))
        for key in _key_of_part(part, aliases):
            add(key, renamed)
    # The names before any parenthesised part: what a short name must be a name of.
    own = list(keys)
    for inner in inners:
        if _ALSO_KNOWN_AS.match(inner):
            renamed = bool(_FORMERLY_START.match(inner.strip()))
            for part in _ALSO_KNOWN_AS.split(inner):
                if part.strip(" ,;"):
                    for key in _key_of_part(part, aliases):
                        add(key, renamed)
            continue
        short, quoted = clean_short_name(inner)
        # Short names only: a sentence in parentheses is a remark, not a name.
        if not short or len(short.split()) > 4:
            continue
        raw_key = _key_from_words(_words(short), AliasTable({}, {}))
        key = _name_key(short, aliases)
        if names_entity(key, short, quoted, own, aliased=key != raw_key):
            add(key)
    if former and len(former) == len(keys):
        former = set()  # nothing but former names: treat them as the name itself
    return EntityNames(tuple(keys), frozenset(former))


_SINGLE_LEGAL_FORMS = frozenset(form[0] for form in LEGAL_FORMS if len(form) == 1)


def _segment_words(segment: str) -> list[str]:
    """A list item's words without the legal form or "and" it starts with (", Inc. and B")."""
    words = _words(segment)
    while words and (words[0] in _SINGLE_LEGAL_FORMS or words[0] == "and"):
        words = words[1:]
    return words


@lru_cache(maxsize=200_000)
def leading_entity_key(name: str | None) -> str | None:
    """The key of the first entity of a comma-separated list of entity names, else None.

    "COLORADO WEST CONSTRUCTION, NEXT LEVEL CONSTRUCTION SERVICES & 4 CORNERS REPAIR &
    RESTORATION" names three companies: the first may file alone too. Only when every item
    has at least two words: "Smith, Jones & Co." and "Musick, Peeler & Garrett LLP" are one
    firm each, "California State University, Fresno" one campus; an address, contact person
    or legal form after a comma ("Tatcha, LLC, 350 Rhode Island Street") is no item. Used
    for review only (`rules.RULE_LIST_LEAD`), never as a key: the list might be one name.
    """
    if not name or "," not in name:
        return None
    text = _PAREN.sub(" ", _fold(name))
    text = _ALSO_KNOWN_AS.split(_CUT_CLAUSES.sub("", text))[0]
    plain, _ = strip_address(text.strip(" ,;" + _QUOTES))
    items = [_segment_words(part) for part in re.split(r"[,;]", plain)]
    items = [words for words in items if words]
    if len(items) < 2 or any(len(words) < 2 for words in items):
        return None
    if any(words[0] in ("jr", "sr", "ii", "iii") for words in items[1:]):
        return None  # "M. Arthur Gensler, Jr. & Associates": a person's name, one firm
    if all(word in _SINGLE_LEGAL_FORMS for words in items[1:] for word in words):
        return None
    lead = _key_from_words(items[0], load_aliases())
    whole = entity_keys(name)
    return lead if lead and lead not in PLACEHOLDER_KEYS and lead not in whole else None


def normalise_entity(name: str | None) -> str:
    """The main comparison key of an entity name ("" for a blank name).

    >>> normalise_entity("The Hospital Sisters Health Systems (\\"HSHS\\"), Inc.")
    'hospital sisters health systems'
    """
    keys = entity_keys(name)
    return keys[0] if keys else ""
