"""Prose split into sentences, abbreviations and initials kept inside their sentence.

Each fact read from prose keeps its sentence as evidence, so the sentence must be whole:
"5241 N. Maple Ave., Fresno", "Suite 4, Ste. 200", "J. R. Smith Co.", "the U.S. office" and
"Sept. 5, 2021" do not end one.
"""

import re

# A period ends a sentence before a capital, a digit or an opening quote; a run-on
# "undisclosed.The incident" (no space, as some aggregators print) ends one too.
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"'(]?[A-Z0-9])|(?<=[a-z]{2}\.)(?=[A-Z][a-z])")

_WORDS = (
    # companies and people
    "Inc|Co|Corp|Ltd|LLC|Bros|Assn|Dept|Univ|Intl|Mfg|Mr|Mrs|Ms|Dr|Jr|Sr|Prof|Hon|Gov|Sen|Rep"
    "|Gen|Lt|Col|Capt|Sgt|Esq|St|Mt|Ft"
    # addresses
    "|Rd|Ave|Blvd|Ste|Apt|Bldg|Fl|Hwy|Pkwy|Ln|Ct|Pl|Sq|Cir|Ter|Rte"
    # months (a date "Sept. 5, 2021" goes on)
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
    # others
    "|approx|vs|etc|al|e\\.g|i\\.e"
)
# Case matters: "N." is an initial or a compass point, "n." is not.
_ABBREVIATION = re.compile(rf"(?:\b(?:{_WORDS})|(?<![\w.])[A-Z]|\b(?:[A-Za-z]\.){{1,}}[A-Za-z])\.$")
# "No." abbreviates "number" only before one: "Store No. 4" but "... said No. Then".
_NUMBER_ABBREVIATION = re.compile(r"\bNos?\.$")


def _goes_on(previous: str, piece: str) -> bool:
    if _ABBREVIATION.search(previous):
        return True
    return bool(_NUMBER_ABBREVIATION.search(previous) and piece[:1].isdigit())


def sentences(text: str) -> list[str]:
    """Prose split into sentences; abbreviations such as "Rd." or "Inc." do not end one."""
    merged: list[str] = []
    for piece in _BOUNDARY.split(text):
        if merged and _goes_on(merged[-1], piece):
            merged[-1] += " " + piece
        else:
            merged.append(piece)
    return [s.strip() for s in merged if s.strip()]
