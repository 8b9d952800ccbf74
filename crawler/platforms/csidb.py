"""CSIDB incident pages (www.csidb.net/csidb/incidents/<uuid>/): page -> BreachNotice.

The public part of a page is a heading "Cyber Incident Victim: <name>" (the name links to
the organisation page), `Date:` at month precision ("Jul 2023"), `Location:` (a country), a
short Summary and a long Description rewritten from the state notice. The day-level dates,
the counts and the regulator are only in the Description's prose, so they are extracted
sentence by sentence, each with the role the sentence gives it (occurred / discovered /
notified / reported to a regulator) and with the sentence kept as evidence.
"""

import re
from dataclasses import dataclass, field

import lxml.html

from crawler.items import BreachNotice
from crawler.platforms.rankiteo import page_lines
from crawler.textparse.numberwords import TENS, UNITS, WORD_SCALES, words_to_int

# --- The page ----------------------------------------------------------------------------------

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
INCIDENT_PATH = re.compile(rf"/csidb/incidents/(?P<uuid>{_UUID})/?", re.IGNORECASE)
ORGANISATION_PATH = re.compile(rf"/csidb/organisations/(?P<uuid>{_UUID})/?", re.IGNORECASE)
VICTIM_HEADING = "Cyber Incident Victim"
# Section headings of an incident page, as shown; a section runs until the next of these.
_SECTION_HEADINGS = ("summary", "description", "sources", "cia posture", "threat actors")
# Lines inside the Description that are captions, not prose.
_NOT_PROSE = re.compile(r"^(cyber incident image|image|figure)\b", re.IGNORECASE)


@dataclass
class CsidbIncident:
    name: str | None
    organisation_href: str | None
    date_text: str | None  # "Jul 2023"
    location: str | None
    summary: str | None
    description: list[str] = field(default_factory=list)  # paragraphs


_NEXT_LABEL = re.compile(r"\s+(?:Date|Location)\s*:", re.IGNORECASE)


def _label_value(lines: list[str], label: str) -> str | None:
    """The value of a `Label:` field: on the label's line or on the next one.

    A label starting a line wins; one inside a short line ("Date: Jul 2023 Location: ...")
    is the fallback, so prose that happens to say "location:" is not read as the field.
    """
    at_start = re.compile(rf"^{label}\s*:\s*(?P<value>.*)$", re.IGNORECASE)
    inside = re.compile(rf"\s{label}\s*:\s*(?P<value>.*)$", re.IGNORECASE)
    for pattern, longest in ((at_start, None), (inside, 120)):
        for i, line in enumerate(lines):
            if longest and len(line) > longest:
                continue
            if match := pattern.search(line):
                if match["value"]:
                    # Labels on one line: the value runs up to the next label.
                    return _NEXT_LABEL.split(match["value"])[0].strip()
                return lines[i + 1] if i + 1 < len(lines) else None
    return None


def _is_heading(line: str) -> bool:
    folded = line.casefold().rstrip(":")
    return (
        any(folded == h or folded.startswith(h + " ") for h in _SECTION_HEADINGS) and len(line) < 80
    )


def _section(lines: list[str], heading: str) -> list[str]:
    """The prose lines after a section heading, up to the next heading."""
    inline = re.compile(rf"^{heading}\s*:?\s+(?P<rest>.{{40,}})$", re.IGNORECASE)
    for i, line in enumerate(lines):
        # The heading on its own line, or run into the first paragraph ("Description On ...").
        starts_inline = inline.match(line)
        if line.casefold().rstrip(":") == heading or starts_inline:
            body = [starts_inline["rest"]] if starts_inline else []
            for following in lines[i + 1 :]:
                if _is_heading(following):
                    break
                if not _NOT_PROSE.match(following):
                    body.append(following)
            return body
    return []


def parse_incident_page(html: str) -> CsidbIncident | None:
    """The public fields of an incident page; None when there is no victim heading."""
    root = lxml.html.fromstring(html)
    headings = root.xpath(f"//h1[contains(., '{VICTIM_HEADING}')]")
    if not headings:
        return None
    heading = headings[0]
    link = heading.xpath(".//a[@href]")
    if link:
        name = " ".join(link[0].text_content().split())
        href = link[0].get("href").strip()
    else:
        name = " ".join(heading.text_content().split()).split(":", 1)[-1].strip()
        href = None
    # The whole <main>: the heading, the labels and the prose are siblings in it.
    lines = page_lines(html, xpaths=("//main",))
    summary = _section(lines, "summary")
    return CsidbIncident(
        name=name or None,
        organisation_href=href,
        date_text=_label_value(lines, "Date"),
        location=_label_value(lines, "Location"),
        summary=" ".join(summary) or None,
        description=_section(lines, "description"),
    )


def incident_links(html: str) -> list[str]:
    """Hrefs of incident pages linked from a page (an organisation's incident list)."""
    root = lxml.html.fromstring(html)
    hrefs = (h.strip() for h in root.xpath("//a/@href"))
    return list(dict.fromkeys(h for h in hrefs if INCIDENT_PATH.search(h)))


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


# --- Page -> notice ----------------------------------------------------------------------------


def incident_notice(incident: CsidbIncident, source_id: str, url: str, source: str) -> BreachNotice:
    """The notice a CSIDB incident page gives, with prose-derived values flagged.

    CSIDB publishes no date of the report to a regulator, so `reported_date` is set only when
    the prose states one ("reported to the Maine Attorney General on ..."); it is never
    borrowed from the consumer notification date, a different event.
    """
    prose = [*incident.description, *([incident.summary] if incident.summary else [])]
    facts = extract_facts(prose)
    flags: list[str] = []
    notice = BreachNotice(
        source=source,
        source_id=source_id,
        url=url,
        entity_name=incident.name,
        raw={
            "Cyber Incident Victim": incident.name,
            "Date": incident.date_text,
            "Location": incident.location,
            "Summary": incident.summary,
            "Description": "\n\n".join(incident.description) or None,
            "organisation": incident.organisation_href,
            "extracted": facts.evidence(),
        },
        flags=flags,
    )
    if occurred := facts.dates.get("occurred"):
        notice["breach_dates"] = [d["value"] for d in occurred]
        flags.append("from_prose:breach_dates")
    elif incident.date_text:
        notice["breach_dates"] = [incident.date_text]
    if discovered := facts.dates.get("discovered"):
        notice["discovered_date"] = discovered[0]["value"]
        flags.append("from_prose:discovered_date")
    if notified := facts.dates.get("notified"):
        notice["notification_dates"] = [d["value"] for d in notified]
        flags.append("from_prose:notification_dates")
    if reported := facts.dates.get("reported"):
        notice["reported_date"] = reported[0]["value"]
        flags.append("from_prose:reported_date")
    else:
        flags.append("no_reported_date_at_source")
    if facts.total:
        notice["total_affected"] = f"{facts.total.value:,}"
        flags.append("from_prose:total_affected")
    regulator_states = list(dict.fromkeys(r["state"] for r in facts.regulators))
    if facts.residents:
        # A number written in words ("seven") is given as digits: the clean stage reads digits.
        notice["residents_affected"] = f"{facts.residents.value:,}"
        notice["residents_state"] = facts.residents.state
        flags.append("from_prose:residents_affected")
    elif len(regulator_states) == 1:
        notice["residents_state"] = regulator_states[0]
        flags.append("from_prose:residents_state")
    flags.extend(f"conflicting_prose:{name}" for name in facts.conflicts)
    return notice
