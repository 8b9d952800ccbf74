"""Update markers, filing-channel tags and placeholders in published entity names.

A filing that updates an earlier one names the entity plus a marker, before or after it
("Supplement to Acme", "UPDATE - Acme", "Acme Inc. Amended", "Acme (Update)"), sometimes
with the date of the notice it amends ("Supplement to 11/14/17 Notice"); the Maine legacy log
appends the filing channel ("Acme - email", "Acme [paper]"). None of it is the entity's name.
"""

import re

from crawler.textparse.dates import parse_date

# Filings that update an earlier one name the entity plus a marker, before or after it:
# "Supplement to Acme", "UPDATE - Acme", "Supplemental Notice - Acme", "Acme Inc. Amended",
# "Acme (Update)", "Acme - Supplement to 11/14/17 Notice".
_MARKER_WORD = r"(?:update[ds]?|supplement(?:al)?|amend(?:ed|ment)|revised|addendum)"
_LEADING_UPDATE = re.compile(
    rf"^\s*{_MARKER_WORD}\s+to\s+|^\s*{_MARKER_WORD}(?:\s+notice)?\s*[-–—:]\s*",
    re.IGNORECASE,
)
# After a leading "Supplement to": the reference to the amended notice, not a name ("Aptos's
# 2/25/17 notice", "previous notice dated 10/8/15", "Feb 2 notice", "May 20, 2014 Notice").
_NOTICE_REFERENCE = re.compile(
    r"(?:['’]s\b)?\s*\b(?:\d{1,2}/\d{1,2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\.?\s+\d|previous\b|prior\b|earlier\b|original\b|our\b|(?:the\s+)?notice\b).*$",
    re.IGNORECASE,
)
_UPDATE_MARKERS = re.compile(
    rf"\(\s*(?:{_MARKER_WORD}|updated notice)[^)]*\)"
    rf"|\b{_MARKER_WORD}\s+(?:to|from)\b.*$"
    rf"|(?:[-–—:,]\s*|\s+){_MARKER_WORD}(?:\s+notice)?\s*$",
    re.IGNORECASE,
)
# The filing channel the Maine legacy log appends after a dash: "Acme - email".
_CHANNEL_TAG = re.compile(r"\s*[-–—:]\s*(?:e-?mail|paper|fax|letter|mail|online|web)\s*$", re.I)
# Names that stand for no entity: a blank cell written out. They never get a key.
PLACEHOLDER_KEYS = frozenset(
    ["unknown", "n a", "na", "none", "not provided", "not available", "not applicable",
     "not known", "unk", "tbd", "null", "nil", "not specified", "unspecified", "redacted",
     "withheld", "confidential", "anonymous"]
)  # fmt: skip
# "Update to 12/23/15 notice", "Supplement to Aptos's 2/25/17 notice", "Supplement to
# previous notice dated 10/8/15": the filing names the notice it amends by that notice's
# date (in the Maine legacy log this sits in the breach-date cell, not the name).
_UPDATE_OF_DATE = re.compile(
    r"\b(?:supplement(?:al)?|update|addendum|amendment)\s+(?:to|from)\s+(?:[\w'’.]+\s+){0,3}?"
    r"(\d{1,2}/\d{1,2}/\d{2,4}|[A-Z][a-z]+\.?\s+\d{1,2},\s+\d{4})",
    re.IGNORECASE,
)


def strip_markers(text: str) -> str:
    """`text` (folded, brackets as parentheses) without update markers and channel tags."""
    leading = _LEADING_UPDATE.match(text)
    if leading:
        text = _NOTICE_REFERENCE.sub("", text[leading.end() :])
    text = _UPDATE_MARKERS.sub(" ", text)
    return _CHANNEL_TAG.sub("", text)


# The words `_UPDATE_OF_DATE` needs one of. It is searched in a notice's whole raw fields, where
# scanning every position costs ~25 us; `casefold` keeps every character IGNORECASE would
# match to these letters (checked over every code point), so the gate never hides a match.
_UPDATE_WORDS = ("supplement", "update", "addendum", "amendment")


def amended_notice_date(text: str | None) -> str | None:
    """The ISO date of the earlier notice a filing says it updates, if `text` says so."""
    if not text:
        return None
    folded = text.casefold()
    if not any(word in folded for word in _UPDATE_WORDS):
        return None
    match = _UPDATE_OF_DATE.search(text)
    if not match:
        return None
    parsed = parse_date(match.group(1)).value
    return parsed.iso if parsed is not None and parsed.precision == "day" else None
