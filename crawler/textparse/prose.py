"""Facts from prose: dates with the role the sentence gives them, people counts, regulators.

Moved as-is from the CSIDB reader (crawler/pages/agg_csidb.py), whose incident pages carry
their day-level dates, counts and regulator only in rewritten prose. Each value keeps the
sentence it came from as evidence.
"""

import re
from dataclasses import dataclass, field

from crawler.textparse.numberwords import TENS, UNITS, WORD_SCALES, words_to_int

# --- Sentences ---------------------------------------------------------------------------------

_ABBREVIATIONS = re.compile(
    r"\b(?:Inc|Co|Corp|Ltd|LLC|Rd|St|Ave|Blvd|Dr|Mr|Mrs|Ms|No|Jr|Sr|approx|e\.g|i\.e|U\.S|vs)\.$"
)


def sentences(text: str) -> list[str]:
    """Prose split into sentences; abbreviations such as "Rd." or "Inc." do not end one."""
    pieces = re.split(r"(?<=[.!?])\s+(?=[\"'(]?[A-Z0-9])|(?<=[a-z]{2}\.)(?=[A-Z][a-z])", text)
    merged: list[str] = []
    for piece in pieces:
        if merged and _ABBREVIATIONS.search(merged[-1]):
            merged[-1] += " " + piece
        else:
            merged.append(piece)
    return [s.strip() for s in merged if s.strip()]


# --- Dates with their role -----------------------------------------------------------------

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# Month names are matched capitalised only, so the verb "may" is never a month.
PROSE_DATE = re.compile(
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
    r"|\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{4}-\d{2}-\d{2}\b"
    rf"|\b{_MONTH},?\s+(?:of\s+)?\d{{4}}\b"
)

_REGULATOR_NOUN = (
    r"(?:attorneys?\s+general|\bAG\b|regulators?|authorit(?:y|ies)|department\s+of\s+justice)"
)
# (role, pattern): strong cues are verbs that say what happened on the date.
_STRONG_CUES = [
    (
        "reported",
        rf"\b(?:report\w*|submit\w*|fil(?:ed|ing)|notif\w*|informed)\b[^.;]{{0,80}}?{_REGULATOR_NOUN}",
    ),
    (
        "occurred",
        r"\bon\s+or\s+(?:about|around)\b|\boccurr\w*|\btook\s+place\b|\bexperienc\w*"
        r"|\bsuffered\b|\bbegan\b|\bstarted\b|\bbetween\b"
        r"|\b(?:was|were)\s+(?:accessed|encrypted|compromised|infected|breached|attacked|hacked|stolen)\b",
    ),
    (
        "discovered",
        r"\bdiscover\w*|\bidentif\w*|\bdetect\w*|\bbecame\s+aware\b|\blearned\b"
        r"|\bnoticed\b|\buncovered\b",
    ),
    ("notified", r"\bnotif\w*|\bletters?\b|\bmail\w*|\binformed\b"),
]
# Weak cues: nouns naming the event; they count only where no verb says more.
_WEAK_CUES = [("occurred", r"\b(?:breach|incident|attack|intrusion|compromise)\b")]
# Text between two dates that makes the second one continue the first ("between A and B").
_CONTINUATION = re.compile(r"^\W*(?:and|to|through|until|till|-|–)\W*$", re.IGNORECASE)


def _last_cue(segment: str, cues) -> str | None:
    best: tuple[int, str] | None = None
    for role, pattern in cues:
        for match in re.finditer(pattern, segment, re.IGNORECASE):
            if best is None or match.end() > best[0]:
                best = (match.end(), role)
    return best[1] if best else None


def _first_cue(segment: str, cues) -> str | None:
    best: tuple[int, str] | None = None
    for role, pattern in cues:
        match = re.search(pattern, segment, re.IGNORECASE)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), role)
    return best[1] if best else None


def dated_roles(sentence: str) -> list[tuple[str | None, str]]:
    """`(role, date text)` for each date in a sentence; role None when the sentence is silent.

    A date takes the cue closest before it (back to the previous date); failing that, the
    first cue after it; verbs outrank nouns such as "breach".
    """
    found: list[tuple[str | None, str]] = []
    matches = list(PROSE_DATE.finditer(sentence))
    for i, match in enumerate(matches):
        before = sentence[matches[i - 1].end() if i else 0 : match.start()]
        after = sentence[match.end() : matches[i + 1].start() if i + 1 < len(matches) else None]
        if i and _CONTINUATION.match(before):
            role = found[-1][0]
        else:
            role = (
                _last_cue(before, _STRONG_CUES)
                or _first_cue(after, _STRONG_CUES)
                or _last_cue(before, _WEAK_CUES)
                or _first_cue(after, _WEAK_CUES)
            )
        found.append((role, match.group(0)))
    return found


# --- Counts ------------------------------------------------------------------------------------

_WORD = "|".join(sorted([*UNITS, *TENS], key=len, reverse=True))
_NUMBER = re.compile(
    r"(?<![\w$.,])(?P<digits>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s+(?P<scale>thousand|million))?(?![\w%]|,\d)"
    rf"|\b(?P<words>(?:{_WORD})(?:[\s-]+(?:and\s+)?(?:{_WORD}|hundred|thousand|million))*)\b",
    re.IGNORECASE,
)
# A number followed by one of these is a duration or a measure, never a count of people.
_NOT_PEOPLE = re.compile(
    r"^[\s-]*(?:(?:calendar|business)\s+)?(?:days?|weeks?|months?|years?|hours?|minutes?|percent|times?)\b",
    re.IGNORECASE,
)
_PEOPLE = (
    r"(?:individuals|persons|people|customers|patients|employees|students|consumers|members"
    r"|users|clients|residents|families|victims)"
)
_AFFECT = re.compile(
    r"\b(?:affect\w*|impact\w*|compromis\w*|expos\w*|involv\w*|notif\w*)", re.IGNORECASE
)
_TOTAL_BEFORE = re.compile(
    r"\b(?:total|number)\b[^.;]{0,80}?\b(?:was|were|is|are|of|totall?ed|reached|:)\s*"
    r"(?:approximately|about|roughly|nearly|over|more\s+than|at\s+least|an\s+estimated)?\s*$"
    r"|\b(?:affect\w*|impact\w*)\s+(?:approximately|about|roughly|nearly|over|more\s+than|at\s+least|an\s+estimated)?\s*$",
    re.IGNORECASE,
)


def _number_value(match: re.Match) -> int | None:
    if match["words"]:
        return words_to_int(match["words"])
    value = float(match["digits"].replace(",", ""))
    if match["scale"]:
        value *= WORD_SCALES[match["scale"].casefold()]
    return round(value)


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
_STATE = "(?:" + "|".join(sorted(US_STATES, key=len, reverse=True)) + ")"
_RESIDENTS_AFTER = re.compile(
    rf"^[^.;:\d]{{0,70}}?\b(?:(?P<a>{_STATE})\s+residents?\b"
    rf"|residents?\s+of\s+(?:the\s+(?i:state|commonwealth)\s+of\s+)?(?P<b>{_STATE})\b)"
)
_RESIDENTS_BEFORE = re.compile(
    rf"\b(?P<state>{_STATE})\s+residents?\b[^.;\d]{{0,40}}?\b(?:was|were|is|are|totall?ed|numbered|:)\s*$"
)
REGULATOR = re.compile(
    rf"(?:Office\s+of\s+the\s+)?(?P<a>{_STATE})(?:'s)?\s+(?:Office\s+of\s+(?:the\s+)?)?Attorney\s+General(?:'s\s+Office)?"
    rf"|Attorney\s+General\s+of\s+(?:the\s+(?:State|Commonwealth)\s+of\s+)?(?P<b>{_STATE})"
    rf"|(?P<c>{_STATE})\s+(?:AG|Department\s+of\s+Justice)\b"
)


@dataclass
class CountFound:
    value: int
    text: str
    sentence: str
    state: str | None = None  # two-letter code for a state-resident count
    says_total: bool = False  # the sentence calls it the total


def counts_in(sentence: str) -> list[CountFound]:
    """People counts in a sentence: state-resident counts and totals; other numbers ignored."""
    date_free = PROSE_DATE.sub(lambda m: " " * len(m.group(0)), sentence)
    numbers = [
        m for m in _NUMBER.finditer(date_free) if not _NOT_PEOPLE.match(date_free[m.end() :])
    ]
    found: list[CountFound] = []
    for i, match in enumerate(numbers):
        value = _number_value(match)
        if value is None:
            continue
        before = date_free[numbers[i - 1].end() if i else 0 : match.start()]
        after = date_free[match.end() : numbers[i + 1].start() if i + 1 < len(numbers) else None]
        state = None
        if resident := _RESIDENTS_AFTER.match(after):
            state = resident["a"] or resident["b"]
        elif resident := _RESIDENTS_BEFORE.search(before):
            state = resident["state"]
        if state:
            found.append(CountFound(value, match.group(0), sentence, US_STATES[_title(state)]))
            continue
        if re.match(r"^\s*of\s+(?:them|whom|those)\b", after, re.IGNORECASE):
            continue  # a subset whose scope the sentence does not name
        people_after = re.match(rf"^\s*(?:\w+\s+){{0,2}}?{_PEOPLE}\b", after, re.IGNORECASE)
        total_before = _TOTAL_BEFORE.search(before)
        if total_before or (people_after and _AFFECT.search(sentence)):
            says_total = bool(re.search(r"\btotal\b", sentence, re.IGNORECASE))
            found.append(CountFound(value, match.group(0), sentence, None, says_total))
    return found


def _title(state: str) -> str:
    """A state name as matched, in the spelling of US_STATES ("new york" -> "New York")."""
    lookup = {name.casefold(): name for name in US_STATES}
    return lookup[" ".join(state.split()).casefold()]


# --- Everything the prose says -----------------------------------------------------------------


@dataclass
class ProseFacts:
    dates: dict[str, list[dict]] = field(default_factory=dict)  # role -> [{value, sentence}]
    total: CountFound | None = None
    residents: CountFound | None = None
    regulators: list[dict] = field(default_factory=list)  # [{value, state, sentence}]
    conflicts: list[str] = field(default_factory=list)  # fields with disagreeing values

    def evidence(self) -> dict:
        """What was extracted, each value with the sentence it came from (for `raw`)."""
        extracted: dict = {role: list(items) for role, items in self.dates.items()}
        if self.total:
            extracted["total_affected"] = {
                "value": self.total.text,
                "sentence": self.total.sentence,
            }
        if self.residents:
            extracted["residents_affected"] = {
                "value": self.residents.text,
                "state": self.residents.state,
                "sentence": self.residents.sentence,
            }
        if self.regulators:
            extracted["regulators"] = self.regulators
        return extracted


def extract_facts(paragraphs: list[str]) -> ProseFacts:
    """Dates by role, the total and state-resident counts, and the regulators in prose.

    Earlier paragraphs are listed first, so pass the Description before the Summary: the
    first count of a kind found wins, a sentence that calls its number the total beats one
    that does not, and a different value elsewhere is recorded as a conflict.
    """
    facts = ProseFacts()
    totals: list[CountFound] = []
    residents: list[CountFound] = []
    seen_dates: set[tuple[str, str]] = set()
    for paragraph in paragraphs:
        for sentence in sentences(paragraph):
            for role, text in dated_roles(sentence):
                role = role or "unassigned"
                if (role, text) not in seen_dates:
                    seen_dates.add((role, text))
                    facts.dates.setdefault(role, []).append({"value": text, "sentence": sentence})
            for count in counts_in(sentence):
                (residents if count.state else totals).append(count)
            for match in REGULATOR.finditer(sentence):
                state = US_STATES[_title(match["a"] or match["b"] or match["c"])]
                if all(r["value"] != match.group(0) for r in facts.regulators):
                    facts.regulators.append(
                        {"value": match.group(0), "state": state, "sentence": sentence}
                    )
    if totals:
        facts.total = next((t for t in totals if t.says_total), totals[0])
        if len({t.value for t in totals}) > 1:
            facts.conflicts.append("total_affected")
    if residents:
        facts.residents = residents[0]
        if len({(r.value, r.state) for r in residents}) > 1:
            facts.conflicts.append("residents_affected")
    return facts
