"""The joins a person makes by eye, each a named rule (see `rules` for the order).

- `same_name_without_spaces`: "TaskRabbit" / "Task Rabbit Inc.", "ColeTaylorBank" / "Cole
  Taylor Bank"; then the usual date rules. Word order matters ("First Community Bank" is not
  "Community First Bank").
- `date_typo`: the same entity, and dates that agree once one field of one date is corrected:
  the year or the month differs and the rest is equal ("06/01/2018" vs "2016-06-01"), or day
  and month are swapped. Only when the typo is provable: the notice's breach starts after its
  own report (flagged `breach_after_report`, the flag stays on the notice), or the two notices
  are filings to two states within `TYPO_FILED_TOGETHER_DAYS`. After the correction the dates
  may differ by `BREACH_GAP_DAYS` ("11/20/2020" reported 05/01/2020 vs "11/19/2019").
- `same_day_shared_word`: identical day-precision breach dates, filed within
  `FILED_TOGETHER_DAYS` of each other, and a distinctive word both names lead with, the
  shared words covering most of the shorter name (`evidence.shared_distinctive_words`):
  "R.T. Jones Capital Management Equities" / "R.T. Jones Capital Equities Management", but
  not two customers of one vendor breached the same day ("Jones Law Firm" / "Jones Medical
  Center", the MOVEit and Blackbaud pattern).

Two more only ask for review (`rules` explains when): `shared_trade_name_only` and
`leads_a_list_of_entities`.
"""

from datetime import date

from crawler.matching import kinship as _kinship
from crawler.matching.evidence import KeyStats, lead_words, same_words, shared_distinctive_words
from crawler.matching.rules import (
    BREACH_GAP_DAYS,
    FILED_TOGETHER_DAYS,
    RULE_DATE_TYPO,
    RULE_LIST_LEAD,
    RULE_SAME_DAY_WORD,
    RULE_SPACES,
    Match,
    NoticeFacts,
    notice_gap,
    outcome,
    same_entity_dates,
)

# Filings of one breach to two states are at most this far apart to be compared for a typo.
TYPO_FILED_TOGETHER_DAYS = 30
# A notice whose breach starts after its own report (an impossible date) is compared with
# notices filed this close (the repeat-filing window of the date rules).
TYPO_FILED_WITHIN_DAYS = 90
# A year typo is off by at most this many years ("2016" for "2018").
TYPO_MAX_YEARS = 2


def name_variants(a: NoticeFacts, b: NoticeFacts, stats: KeyStats) -> Match | None:
    """Space-insensitive names with agreeing (or provably mistyped) dates; else same day."""
    if not a.variants.isdisjoint(b.variants):
        for key_a in a.keys:
            for key_b in b.keys:
                if key_a != key_b and same_words(key_a, key_b) and not stats.common(key_a):
                    return same_entity_dates(a, b, RULE_SPACES) or date_typo(a, b)
    return same_day_word(a, b, stats)


def _corrections(x: date, y: date) -> list[date]:
    """`x` with one field changed toward `y`: the year, the month, or day and month swapped."""
    found = []
    for fields in (
        {"year": y.year} if 0 < abs(x.year - y.year) <= TYPO_MAX_YEARS else None,
        {"month": y.month} if x.month != y.month else None,
        {"month": x.day, "day": x.month} if x.day <= 12 and x.day != x.month else None,
    ):
        if fields is None:
            continue
        try:
            found.append(x.replace(**fields))
        except ValueError:
            continue  # 29 February, or a day the month does not have
    return found


def _one_field_apart(x: date, y: date) -> bool:
    """Dates that agree (within BREACH_GAP_DAYS) once one field of `x` is corrected."""
    if abs((x - y).days) <= BREACH_GAP_DAYS:
        return False  # they agree as published: no typo to speak of
    return any(abs((c - y).days) <= BREACH_GAP_DAYS for c in _corrections(x, y))


def _day_dates(facts: NoticeFacts) -> list[date]:
    if facts.breach_start is None or (facts.breach_precision or "day") != "day":
        return []
    days = {facts.breach_start, facts.breach_end or facts.breach_start}
    return [date.fromordinal(d) for d in sorted(days)]


def _after_own_report(facts: NoticeFacts) -> bool:
    return (
        facts.reported is not None
        and facts.breach_start is not None
        and (facts.breach_start > facts.reported)
    )


def date_typo(a: NoticeFacts, b: NoticeFacts) -> Match | None:
    """Two notices of one entity whose dates agree once one date's typo is corrected."""
    days_a, days_b = _day_dates(a), _day_dates(b)
    if not days_a or not days_b:
        return None
    filed_apart = notice_gap(a, b)
    if filed_apart is None:
        return None
    together = a.source != b.source and filed_apart <= TYPO_FILED_TOGETHER_DAYS
    provable = together or (
        filed_apart <= TYPO_FILED_WITHIN_DAYS and (_after_own_report(a) or _after_own_report(b))
    )
    if not provable:
        return None
    for x in days_a:
        for y in days_b:
            if _one_field_apart(x, y) or _one_field_apart(y, x):
                return outcome(RULE_DATE_TYPO, 0.9, "link", True, filed_apart)
    return None


def same_day_word(a: NoticeFacts, b: NoticeFacts, stats: KeyStats) -> Match | None:
    """Identical day-precision breach dates, filed within a week, a distinctive shared word."""
    days_a, days_b = _day_dates(a), _day_dates(b)
    if not days_a or days_a != days_b:
        return None
    filed_apart = notice_gap(a, b)
    if filed_apart is None or filed_apart > FILED_TOGETHER_DAYS:
        return None
    if not shared_distinctive_words(a.keys[0], b.keys[0], stats):
        return None
    return outcome(RULE_SAME_DAY_WORD, 0.8, "link", True, BREACH_GAP_DAYS + filed_apart)


def list_lead(a: NoticeFacts, b: NoticeFacts) -> Match | None:
    """One notice's name is the first of a list of entity names another notice gives, and
    the dates agree: a person decides (the list may be one name)."""
    if a.list_lead != b.keys[0] and b.list_lead != a.keys[0]:
        return None
    match = same_entity_dates(a, b)
    if match is None:
        return None
    return outcome(RULE_LIST_LEAD, match.score, "review", match.dated, match.distance)


def trade_name_only(a: NoticeFacts, b: NoticeFacts, shared: list[str], stats: KeyStats) -> bool:
    """Only trade names are shared, under main names that are not one entity's."""
    main_a, main_b = a.keys[0], b.keys[0]
    if main_a == main_b or any(k in (main_a, main_b) for k in shared):
        return False
    if any(k in a.former or k in b.former for k in shared):
        return False  # a renaming: the old name is this entity's own
    if lead_words(main_a) and lead_words(main_a) == lead_words(main_b):
        return False  # "Piech Sales Company dba X" / "Piech Slaes Company dba X": a typo
    return not _kinship.names_close(main_a, main_b, stats)
