"""Dates in a sentence with the role the sentence gives them: occurred, discovered, notified
(people told) or reported (a regulator told).

Dates joined by "and", "to", "through", "until" or "and continued until" are one period
("unauthorised access began on X and continued until Y": both are breach dates) and take one
role. A role comes from the verb nearest the period: the last cue before it, else the first
after it; nouns naming the event ("breach", "unauthorized access") and hedges ("on or about")
count only where no verb says more.
"""

import re

from crawler.textparse.regulators import REGULATOR_NOUN, STATE

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_ORD = r"(?:st|nd|rd|th)?"
_TO = (
    r"\s*(?:-|–|—|\s(?:and|to|through|thru|until|till)\s"
    r"|\sand\s+(?:continued|lasted|persisted|ended|ran)\s+(?:until|till|to|through|on)\s)\s*"
)
# Month names are matched capitalised only, so the verb "may" is never a month.
PROSE_DATE = re.compile(
    # A period whose start borrows the year of its end is one date text ("January 5-9, 2023",
    # "January 5 and January 9, 2023"), read as two dates by crawler/textparse/dates.py.
    rf"\b{_MONTH}\s+\d{{1,2}}{_ORD}{_TO}(?:{_MONTH}\s+)?\d{{1,2}}{_ORD},?\s+\d{{4}}\b"
    rf"|\b{_MONTH}\s+\d{{1,2}}{_ORD},?\s+\d{{4}}\b"
    # UK order: "3 March 2021", "3rd of March, 2021"
    rf"|\b\d{{1,2}}{_ORD}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}\b"
    r"|\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{4}-\d{2}-\d{2}\b"
    rf"|\b{_MONTH},?\s+(?:of\s+)?\d{{4}}\b"
)

# The regulator itself, possibly "the Maine Attorney General's office" or "the Attorney
# General of Maine": what a passive verb after it has as its subject.
_REGULATOR_SUBJECT = (
    rf"{REGULATOR_NOUN}(?:\s+of\s+(?:the\s+(?:state|commonwealth)\s+of\s+)?{STATE})?"
    r"(?:'s)?(?:\s+office)?(?:\s*\([^)]{0,20}\))?"
)
_TOLD = r"(?:informed|notified|contacted|alerted|advised|told|made\s+aware|sent|provided)"
_ADVERB = r"(?:(?:also|formally|officially|subsequently|then|promptly|first|later|duly|not)\s+)"
# (role, pattern): strong cues are verbs that say what happened on the date. A tie (two cues
# ending, or starting, at one place) goes to the one listed first, so "the Attorney General
# was notified" is a report, not a notification of people.
_STRONG_CUES = [
    (
        "reported",
        # active: "reported the breach to the Maine AG", "notified the Maine Attorney General"
        r"\b(?:report\w*|submit\w*|fil(?:ed|ing)|notif\w*|informed|disclos\w*|alert\w*"
        rf"|contact\w*|sent|provided|lodged)\b[^.;]{{0,80}}?{REGULATOR_NOUN}"
        # passive, the regulator the subject: "the Maine Attorney General was informed"
        rf"|{_REGULATOR_SUBJECT}\s+(?:was|were|(?:has|had|have)\s+been|got)\s+{_ADVERB}?{_TOLD}\b"
        # "... and the Attorney General on <date>"
        rf"|{_REGULATOR_SUBJECT}\s+on(?:\s+or\s+(?:about|around))?\s*$",
    ),
    (
        "occurred",
        r"\boccurr\w*|\btook\s+place\b|\bexperienc\w*|\bsuffered\b|\bbegan\b|\bstarted\b"
        r"|\b(?:had|gained|obtained)\s+(?:unauthori[sz]ed\s+)?access\b"
        r"|\b(?:was|were)\s+(?:accessed|encrypted|compromised|infected|breached|attacked|hacked|stolen)\b",
    ),
    (
        "discovered",
        r"\bdiscover\w*|\bidentif\w*|\bdetect\w*|\bbecame\s+aware\b|\blearned\b"
        r"|\bnoticed\b|\buncovered\b|\b(?:was|were)\s+found\b",
    ),
    ("notified", r"\bnotif\w*|\bletters?\b|\bmail\w*|\binformed\b"),
]
# Weak cues: nouns naming the event and hedges; they count only where no verb says more.
_WEAK_CUES = [
    (
        "occurred",
        r"\b(?:breach|incident|attack|intrusion|compromise|unauthori[sz]ed\s+access)\b"
        r"|\bon\s+or\s+(?:about|around)\b",
    )
]
_STRONG = [(role, re.compile(p, re.IGNORECASE)) for role, p in _STRONG_CUES]
_WEAK = [(role, re.compile(p, re.IGNORECASE)) for role, p in _WEAK_CUES]
# A period written "between X and Y" with nothing else said happened then.
_BETWEEN = re.compile(r"\bbetween\b[^.;]{0,25}$", re.IGNORECASE)

# Text between two dates that makes the second one end a period begun by the first.
_CONTINUATION = re.compile(
    r"^\W*(?:and\s+)?(?:(?:it\s+|which\s+|that\s+|was\s+)?"
    r"(?:continu(?:ed|ing)|last(?:ed|ing)|persist(?:ed|ing)|r(?:a|u)n(?:ning)?|end(?:ed|ing)"
    r"|conclud(?:ed|ing)|extend(?:ed|ing)|stopp(?:ed|ing))\s+)?"
    r"(?:(?:on|until|till|til|to|through|thru)\s+)?(?:(?:on\s+or\s+(?:about|around)|about|around"
    r"|approximately)\s+)?\W*$"
    r"|^\W*(?:-|–|—)\W*$",
    re.IGNORECASE,
)


def _last_cue(segment: str, cues) -> str | None:
    best: tuple[int, str] | None = None
    for role, pattern in cues:
        for match in pattern.finditer(segment):
            if best is None or match.end() > best[0]:
                best = (match.end(), role)
    return best[1] if best else None


def _first_cue(segment: str, cues) -> str | None:
    best: tuple[int, str] | None = None
    for role, pattern in cues:
        match = pattern.search(segment)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), role)
    return best[1] if best else None


def _periods(sentence: str) -> list[list[re.Match]]:
    """The dates of a sentence, those that continue a period grouped with its start."""
    periods: list[list[re.Match]] = []
    for match in PROSE_DATE.finditer(sentence):
        if periods and _CONTINUATION.match(sentence[periods[-1][-1].end() : match.start()]):
            periods[-1].append(match)
        else:
            periods.append([match])
    return periods


def dated_roles(sentence: str) -> list[tuple[str | None, str]]:
    """`(role, date text)` for each date in a sentence; role None when the sentence is silent."""
    found: list[tuple[str | None, str]] = []
    periods = _periods(sentence)
    for i, period in enumerate(periods):
        before = sentence[periods[i - 1][-1].end() if i else 0 : period[0].start()]
        after = sentence[
            period[-1].end() : periods[i + 1][0].start() if i + 1 < len(periods) else None
        ]
        role = (
            _last_cue(before, _STRONG)
            or _first_cue(after, _STRONG)
            or ("occurred" if len(period) > 1 and _BETWEEN.search(before) else None)
            or _last_cue(before, _WEAK)
            or _first_cue(after, _WEAK)
        )
        found.extend((role, match.group(0)) for match in period)
    return found
