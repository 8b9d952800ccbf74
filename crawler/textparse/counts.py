"""Counts of affected people, from the free text filers type.

The count is the first number in the text, with its scale word ("7.5 million", "~22 million",
"Approx. 4.28M"); words around it and comments in brackets do not matter ("Approximately
2,921 individuals", "2,091 (previously 11)", "60842 in the United States").

Decisions for ambiguous text (all from the Maine archive workbooks); each keeps the text and
is either read as stated or left `unparsed` for a person, never guessed:
- "17.748": a period before exactly three digits, with no scale word, is a thousands
  separator (17,748); a count of people cannot be 17.748. "24.2" without a scale word cannot
  be a count either and is `unparsed`.
- "Approximately 70,60" and "483,11006": broken digit grouping, so 7,060 and 70,600 are both
  possible: `unparsed`.
- "2, 35, 4, 1, 1, 3" and "3, 382": a list of numbers (per state, per site?) or a mistyped
  3,382: `unparsed`.
- "Fewer than 10", "less than 1000": a bound, not a count: `unparsed`.
- "Unknown (less than 1000)", "Not provided (This is a supplement to 11/1/18 notice)": the
  text opens by saying there is no value: `none`.
- "See prior notice", "See Exhibit 1": the value is elsewhere: `unparsed`.
- Dates inside the text are not counts: "See 10/18/18 notice" never gives 10.
- "one", "two" ... "twenty" are read when no digits are present ("one additional Maine
  resident").
"""

import re

from crawler.textparse import NONE, OK, UNPARSED, Parsed
from crawler.textparse.novalue import starts_with_no_value
from crawler.textparse.numberwords import TENS, UNITS
from crawler.textparse.text import clean_text

_SCALES = {
    "thousand": 1_000,
    "k": 1_000,
    "million": 1_000_000,
    "m": 1_000_000,
    "billion": 1_000_000_000,
}
# The number, with an optional scale: a word after a space, or k/M stuck to the digits.
_NUMBER = re.compile(
    r"(?<![\d.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:\.\d{3})+(?![\d.])|\d+(?:\.\d+)?)"
    r"(?:\s*(?P<word>thousand|million|billion)\b|(?P<letter>[km])\b)?",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b")
_LIST_OF_NUMBERS = re.compile(r"\d\s*,\s+\d")
_BROKEN_GROUPING = re.compile(r"^,\d")
_BOUND = re.compile(r"\b(?:fewer|less|under|below)\s+than\b|\bunder\s+\d", re.IGNORECASE)
_REFERENCE = re.compile(r"^\W*see\b", re.IGNORECASE)
# Number words on their own ("seven"), up to twenty: larger counts are written in digits.
_WORDS = {**UNITS, "twenty": TENS["twenty"]}
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.IGNORECASE)


# Plain ASCII digits up to this long read as the rules below read them (through a float, exact
# below 2**53): the common case skips them.
_PLAIN_DIGITS = 15


def _to_int(match: re.Match) -> int | None:
    digits = match["num"]
    scale = match["word"] or match["letter"]
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", digits) and not scale:
        digits = digits.replace(".", "")  # "17.748": a European thousands separator
    number = float(digits.replace(",", ""))
    if scale:
        number *= _SCALES[scale.casefold()]
    if number != int(number):
        return None  # "24.2" people
    return int(number)


def parse_count(text: str | int | None) -> Parsed:
    """`Parsed(int | None, status)` for a count such as "Approximately 2,921" or "7.5 million"."""
    if isinstance(text, bool):
        return Parsed(None, UNPARSED)
    if isinstance(text, int | float):
        if text < 0 or text != int(text):
            return Parsed(None, UNPARSED)
        return Parsed(int(text), OK)
    if isinstance(text, str) and len(text) <= _PLAIN_DIGITS and text.isascii() and text.isdigit():
        return Parsed(int(text), OK)  # the usual "2,921"-free count: what the rules below give
    cleaned = clean_text(text)
    if cleaned is None or starts_with_no_value(cleaned):
        return Parsed(None, NONE)
    if _REFERENCE.match(cleaned) or _BOUND.search(cleaned):
        return Parsed(None, UNPARSED)
    without_dates = _DATE_LIKE.sub(" ", cleaned)
    if _LIST_OF_NUMBERS.search(without_dates):
        return Parsed(None, UNPARSED)
    match = _NUMBER.search(without_dates)
    if match is None:
        word = _WORD_NUMBER.search(without_dates)
        return Parsed(_WORDS[word[1].casefold()], OK) if word else Parsed(None, UNPARSED)
    if _BROKEN_GROUPING.match(without_dates[match.end("num") :]):
        return Parsed(None, UNPARSED)
    number = _to_int(match)
    return Parsed(number, OK) if number is not None else Parsed(None, UNPARSED)
