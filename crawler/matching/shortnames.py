"""Is a parenthesised or quoted part of a name another name of the same entity?

Filings add all sorts of things in parentheses: a short name the notice defines
(`("HSHS")`, `(“Lockton”)`), a brand or trade name (`("Boost Mobile")`, `(d/b/a Forever 21)`),
but also the filing channel the Maine legacy log appends (`(email)`, `(paper)`), remarks
(`(3rd party service provider, Convey Compliance Solutions)`, `(as data maintainer)`) and
places (`(US)`, `(California)`). Only the first kind may become an entity key: a key shared by
unrelated filers ("email") would join their notices.

A part is a name of the entity when it is
- introduced by d/b/a, a/k/a, f/k/a, "formerly" (handled by the caller's alias split),
- an acronym of the entity's name (its letters appear in order in the name, starting with the
  name's first letter: "PJ&A" in "Perry Johnson & Associates", "GBW" in "Gapbuster Worldwide"),
- a name in the alias table (e.g. "AXP"),
- or in quotation marks (a defined term: the notice names the entity so) or sharing a word
  with the name,
and never when it is only generic words (channel tags, "update", "the Company", places).
"""

import re

# Words that never make a name on their own: filing channels, update remarks, defined terms
# that stand for any filer, and qualifiers of place.
GENERIC_WORDS = frozenset(
    [
        "email",
        "e",
        "mail",
        "paper",
        "mail",
        "fax",
        "web",
        "online",
        "letter",
        "and",
        "update",
        "updated",
        "notice",
        "supplement",
        "supplemental",
        "the",
        "company",
        "firm",
        "fund",
        "group",
        "trust",
        "plan",
        "s",
        "us",
        "usa",
        "u",
        "a",
        "california",
        "collectively",
        "hereinafter",
        "referred",
        "to",
        "or",
    ]
)
# A part that starts like this is a remark about the filing, not a name.
_REMARK_START = re.compile(
    r"^(?:on behalf of|as data|including|a trade name|3rd party|third party|see |filing|"
    r"formerly|an? \w+ company|regarding|supplemental|collectively\b(?!,))",
    re.IGNORECASE,
)
_LEADING_FILLER = re.compile(
    r"^(?:collectively|hereinafter referred to(?: collectively)? as)\W*", re.I
)
_TRAILING_COMPANY = re.compile(r"\W+or\s+the\W+company\W*$", re.IGNORECASE)
_QUOTES = "\"'“”‘’«»„‟`´"


def clean_short_name(inner: str) -> tuple[str, bool]:
    """(the candidate short name, whether it was quoted) from a parenthesised part."""
    text = _LEADING_FILLER.sub("", inner.strip())
    text = _TRAILING_COMPANY.sub("", text)
    quoted = any(q in text for q in _QUOTES)
    return text.strip().strip(_QUOTES + " ,;").strip(), quoted


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def is_acronym_of(short: str, long_name: str) -> bool:
    """`short` is an acronym of `long_name`: its letters in order, first letter first."""
    letters, name = _letters(short), _letters(long_name)
    if len(letters) < 2 or not name or letters[0] != name[0]:
        return False
    position = 0
    for char in letters:
        position = name.find(char, position)
        if position < 0:
            return False
        position += 1
    return True


def names_entity(short_key: str, short_text: str, quoted: bool, name_keys, aliased: bool) -> bool:
    """Whether a parenthesised part (its key and text) is a name of the entity.

    Args:
        short_key: the part's comparison key.
        short_text: the part as published (after `clean_short_name`).
        quoted: the part was in quotation marks.
        name_keys: the keys of the entity's own names (main name, d/b/a names).
        aliased: the alias table maps this key to a full name.
    """
    if not short_key or _REMARK_START.match(short_text):
        return False
    words = short_key.split()
    if all(word in GENERIC_WORDS for word in words):
        return False
    if aliased:
        return True
    if any(is_acronym_of(short_key, key) for key in name_keys if key):
        return True
    own_words = {word for key in name_keys for word in key.split() if len(word) > 2}
    if own_words & {word for word in words if word not in GENERIC_WORDS}:
        return True
    return quoted and len(words) <= 4
