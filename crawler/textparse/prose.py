"""Facts from prose: dates with the role the sentence gives them, people counts, regulators.

Moved from the CSIDB reader (crawler/pages/agg_csidb.py), whose incident pages carry their
day-level dates, counts and regulator only in rewritten prose. Each value keeps the sentence
it came from as evidence. Sentences are split in crawler/textparse/sentences.py, dates get
their role in crawler/textparse/dateroles.py, regulators are named in
crawler/textparse/regulators.py; this module reads the counts and puts it all together.
"""

import re
from dataclasses import dataclass, field

from crawler.textparse.dateroles import PROSE_DATE, dated_roles
from crawler.textparse.numberwords import TENS, UNITS, WORD_SCALES, words_to_int
from crawler.textparse.regulators import REGULATOR, STATE, US_STATES, regulator_state, state_code
from crawler.textparse.sentences import sentences

__all__ = [
    "PROSE_DATE",
    "REGULATOR",
    "US_STATES",
    "counts_in",
    "dated_roles",
    "extract_facts",
    "sentences",
]

# --- Counts ------------------------------------------------------------------------------------

_PEOPLE_SINGULAR = (
    r"(?:individual|person|customer|patient|employee|student|consumer|member|user|client"
    r"|resident|family|victim)"
)
# Singular too: "one individual", "one Maine resident".
_PEOPLE = rf"(?:{_PEOPLE_SINGULAR}s?|people|families)"
_WORD = "|".join(sorted([*UNITS, *TENS], key=len, reverse=True))
_NUMBER = re.compile(
    r"(?<![\w$.,])(?P<digits>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s+(?P<scale>thousand|million))?(?![\w%]|,\d)"
    rf"|\b(?P<words>(?:{_WORD})(?:[\s-]+(?:and\s+)?(?:{_WORD}|hundred|thousand|million))*)\b"
    # "a single individual", "one single person": 1, but only before a word for people
    r"|\b(?P<single>(?:a|one)\s+single|a\s+lone|only\s+an?)\b(?=\s+(?:\w+\s+){0,2}?"
    + _PEOPLE_SINGULAR
    + r"\b)",
    re.IGNORECASE,
)
# A number followed by one of these is a duration or a measure, never a count of people.
_NOT_PEOPLE = re.compile(
    r"^[\s-]*(?:(?:calendar|business)\s+)?(?:days?|weeks?|months?|years?|hours?|minutes?|percent|times?)\b",
    re.IGNORECASE,
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
    if match["single"]:
        return 1
    if match["words"]:
        return words_to_int(match["words"])
    value = float(match["digits"].replace(",", ""))
    if match["scale"]:
        value *= WORD_SCALES[match["scale"].casefold()]
    return round(value)


_RESIDENTS_AFTER = re.compile(
    rf"^[^.;:\d]{{0,70}}?\b(?:(?P<a>{STATE})\s+residents?\b"
    rf"|residents?\s+of\s+(?:the\s+(?i:state|commonwealth)\s+of\s+)?(?P<b>{STATE})\b)"
)
_RESIDENTS_BEFORE = re.compile(
    rf"\b(?P<state>{STATE})\s+residents?\b[^.;\d]{{0,40}}?\b(?:was|were|is|are|totall?ed|numbered|:)\s*$"
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
            found.append(CountFound(value, match.group(0), sentence, state_code(state)))
            continue
        if re.match(r"^\s*of\s+(?:them|whom|those)\b", after, re.IGNORECASE):
            continue  # a subset whose scope the sentence does not name
        people_after = re.match(rf"^\s*(?:\w+\s+){{0,2}}?{_PEOPLE}\b", after, re.IGNORECASE)
        total_before = _TOTAL_BEFORE.search(before)
        if total_before or (people_after and _AFFECT.search(sentence)):
            says_total = bool(re.search(r"\btotal\b", sentence, re.IGNORECASE))
            found.append(CountFound(value, match.group(0), sentence, None, says_total))
    return found


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


def _told(regulators: list[re.Match], at: int) -> dict:
    """The regulator a reported date went to: of those the sentence names, the nearest one
    before the date, else the first after it."""
    before = [m for m in regulators if m.start() < at]
    match = before[-1] if before else regulators[0]
    return {"regulator": match.group(0), "state": regulator_state(match)}


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
            regulators = list(REGULATOR.finditer(sentence))
            for role, text in dated_roles(sentence):
                role = role or "unassigned"
                if (role, text) not in seen_dates:
                    seen_dates.add((role, text))
                    found = {"value": text, "sentence": sentence}
                    if role == "reported" and regulators:
                        found |= _told(regulators, sentence.find(text))
                    facts.dates.setdefault(role, []).append(found)
            for count in counts_in(sentence):
                (residents if count.state else totals).append(count)
            for match in regulators:
                if all(r["value"] != match.group(0) for r in facts.regulators):
                    facts.regulators.append(
                        {
                            "value": match.group(0),
                            "state": regulator_state(match),
                            "sentence": sentence,
                        }
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
