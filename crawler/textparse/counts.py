"""Counts of affected people, from the free text filers type."""

import re

from crawler.textparse import NONE, OK, UNPARSED, Parsed
from crawler.textparse.text import clean_text

NONE_MARKERS = re.compile(
    r"^(n/?a|none|unknown|not known|not provided|not specified|undisclosed|not yet (known|determined)"
    r"|tbd|to be determined|unk|\?+|-+)\.?$",
    re.IGNORECASE,
)
_MULTIPLIERS = {"thousand": 1_000, "k": 1_000, "million": 1_000_000, "m": 1_000_000,
                "billion": 1_000_000_000}
# The first number in the text, with an optional scale word: "7.5 million", "1,650,500".
_NUMBER = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?P<scale>thousand|million|billion|k|m)?\b",
    re.IGNORECASE,
)


def parse_count(text: str | int | None) -> Parsed:
    """`Parsed(int | None, status)` for a count such as "Approximately 2,921" or "7.5 million"."""
    if isinstance(text, int):
        return Parsed(text, OK)
    cleaned = clean_text(text)
    if cleaned is None or NONE_MARKERS.match(cleaned):
        return Parsed(None, NONE)
    match = _NUMBER.search(cleaned)
    if not match:
        return Parsed(None, UNPARSED)
    number = float(match["num"].replace(",", ""))
    if match["scale"]:
        number *= _MULTIPLIERS[match["scale"].casefold()]
    return Parsed(int(round(number)), OK)
