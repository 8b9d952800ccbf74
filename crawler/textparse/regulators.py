"""US states and the regulators prose names: "the Maine Attorney General", "the Attorney
General of Maine", "the California Office of the Attorney General", "the Massachusetts AG"."""

import re

US_STATES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC",
    "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL",
    "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY",
    "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR",
    "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
}  # fmt: skip
STATE = "(?:" + "|".join(sorted(US_STATES, key=len, reverse=True)) + ")"
_BY_FOLDED = {name.casefold(): code for name, code in US_STATES.items()}

# A regulator named with its state; case-sensitive, so "attorney general" in passing is not one.
REGULATOR = re.compile(
    rf"(?:Office\s+of\s+the\s+)?(?P<a>{STATE})(?:'s)?\s+(?:Office\s+of\s+(?:the\s+)?)?Attorney\s+General(?:'s\s+Office)?"
    rf"|Attorney\s+General\s+of\s+(?:the\s+(?:State|Commonwealth)\s+of\s+)?(?P<b>{STATE})"
    rf"|(?P<c>{STATE})\s+(?:AG|Department\s+of\s+Justice)\b"
)
# The kind of body a report goes to, named with or without its state (case-insensitive use).
REGULATOR_NOUN = (
    # Police, the FBI and "law enforcement authorities" are told of a crime, not filed with: a date
    # they were told is no reported date.
    r"(?:attorneys?\s+general|\bAG\b|regulators?|(?<!enforcement\s)(?<!police\s)authorit(?:y|ies)"
    r"|department\s+of\s+justice)"
)


def state_code(name: str) -> str:
    """The two-letter code of a state as matched ("new  york" -> "NY")."""
    return _BY_FOLDED[" ".join(name.split()).casefold()]


def regulator_state(match: re.Match) -> str:
    """The state code of a REGULATOR match."""
    return state_code(match["a"] or match["b"] or match["c"])
