"""The pairwise matching rules: when do two notices tell of the same breach?

`compare(a, b)` tries the rules in order and returns the first that applies, as a `Match`
with the rule's name and a score in [0, 1], or None. A match is either a `link` (the pair
is joined) or a `review` (a close call, written to `incident_review` for a person).
Rules, in order:

1. `cites`: an aggregator notice names the other notice's id (certain).
2. `same_entity_breach_dates`: a shared entity key and breach periods that overlap or lie at
   most `BREACH_GAP_DAYS` apart (`FILED_TOGETHER_GAP_DAYS` for notices filed within
   `FILED_TOGETHER_DAYS` of each other). Periods respect precision: a month-only date covers the
   whole month.
3. `same_entity_reported_window`: a shared entity key, no breach dates on one side (or both),
   and reported/notification dates at most `REPORT_WINDOW_DAYS` apart.
4. `fuzzy_name_dates`: keys that differ but are near-identical (rapidfuzz ratio at least
   `FUZZY_LINK_SCORE`) and agreeing dates. Scores in [`FUZZY_REVIEW_SCORE`,
   `FUZZY_LINK_SCORE`) with agreeing dates are close calls (review, not joined).
5. The hard joins a person makes by eye (`hardjoins`): `formerly_known_as` (the shared key
   comes from a renaming clause), `same_name_without_spaces` ("TaskRabbit" / "Task Rabbit"),
   `date_typo` (a provable year or month typo), `same_day_shared_word`.

A shared key counts only when it identifies an entity (`evidence.KeyStats.usable`). A key
that is a trade name (d/b/a, short name) on both sides, under two different main names with
nothing else in common ("X LLC d/b/a Dunkin'" / "Y Inc. d/b/a Dunkin'": two franchisees),
does not join on its own: the pair goes to review (`shared_trade_name_only`). A name that is
the first of another notice's list of entity names ("COLORADO WEST CONSTRUCTION" and
"COLORADO WEST CONSTRUCTION, NEXT LEVEL CONSTRUCTION SERVICES & ...") with agreeing dates
goes to review too (`leads_a_list_of_entities`), unless another rule joins them.

The rules are symmetric (`compare(a, b)` and `compare(b, a)` agree), which is what lets
incremental attachment and a full rebuild reach the same incidents.
"""

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from rapidfuzz.distance import Indel

from crawler.matching.evidence import NO_STATS, KeyStats

# Two filings of one breach give overlapping periods or dates a few days apart. Serial filers
# (Intuit, Ameriprise: one notice per account takeover) file breaches a week or two apart, so
# a wider gap is accepted only for filings made at the same time (to several states at once).
BREACH_GAP_DAYS = 3
FILED_TOGETHER_GAP_DAYS = 30
FILED_TOGETHER_DAYS = 7
# Breach periods further apart than this are different incidents: never put into one
# incident, whatever chain of links would join them.
APART_DAYS = 60
# The window for repeat filings without breach dates (the best public rule uses 90 days).
REPORT_WINDOW_DAYS = 90
# When neither notice has breach dates nothing anchors them: a shorter window (Yahoo filed
# for two different breaches 83 days apart, both without dates in CA).
BOTH_UNDATED_WINDOW_DAYS = 30
# Near-identical names: ratio (0-100) of the keys. Joined only when very close, and only with
# agreeing dates; the band below goes to review.
FUZZY_LINK_SCORE = 92.0
FUZZY_REVIEW_SCORE = 85.0
# Keys shorter than this are too short for a fuzzy score to mean anything ("abc" vs "abd").
FUZZY_MIN_LENGTH = 8
# Fuzzy matching with no breach dates needs reported dates this close.
FUZZY_REPORT_WINDOW_DAYS = 30

RULE_CITES = "cites"
RULE_AMENDS = "amends_dated_notice"
# How far the named date may be from the amended notice's reported date.
AMENDS_TOLERANCE_DAYS = 3
RULE_BREACH_DATES = "same_entity_breach_dates"
RULE_REPORTED_WINDOW = "same_entity_reported_window"
RULE_FUZZY = "fuzzy_name_dates"
RULE_FORMERLY = "formerly_known_as"
RULE_SPACES = "same_name_without_spaces"
RULE_DATE_TYPO = "date_typo"
RULE_SAME_DAY_WORD = "same_day_shared_word"
RULE_TRADE_NAME = "shared_trade_name_only"  # review only, never a link
RULE_LIST_LEAD = "leads_a_list_of_entities"  # review only, never a link
RULE_ORDER = (
    RULE_CITES, RULE_AMENDS, RULE_BREACH_DATES, RULE_FORMERLY, RULE_SPACES, RULE_FUZZY,
    RULE_DATE_TYPO, RULE_SAME_DAY_WORD, RULE_REPORTED_WINDOW, RULE_TRADE_NAME, RULE_LIST_LEAD,
)  # fmt: skip
RULE_RANK = {rule: rank for rank, rule in enumerate(RULE_ORDER)}


@dataclass(slots=True)
class NoticeFacts:
    """What the matcher needs of one notice. Dates are proleptic ordinals (date.toordinal)."""

    id: str
    source: str
    source_kind: str
    entity_name: str
    keys: tuple[str, ...]
    breach_start: int | None
    breach_end: int | None
    breach_precision: str | None
    reported: int | None
    # Reported date and consumer-notification dates together: when the notice went out.
    notice_days: tuple[int, ...]
    cites: tuple[str, ...]
    status: str = "active"
    # Carried for the incident summary only; the rules do not read them.
    reported_iso: str | None = None
    breach_start_iso: str | None = None
    breach_end_iso: str | None = None
    total_affected: int | None = None
    residents_affected: int | None = None
    residents_state: str | None = None
    first_seen_at: str | None = None
    # The reported day of the earlier notice this one says it updates ("Update to 12/23/15").
    amends: int | None = None
    # Keys that came from a "formerly"/f/k/a/k/n/a clause (entities.EntityNames.former).
    former: frozenset = field(default_factory=frozenset)
    # Doubts about the notice's dates ("breach_after_report", "future_date:breach_end").
    date_flags: tuple[str, ...] = ()
    # When the entity discovered the breach (ordinal), if published.
    discovered: int | None = None
    # The keys without spaces (evidence.variants), for the spacing rule.
    variants: frozenset = field(default_factory=frozenset)
    # The first entity's key of a list of entity names (entities.leading_entity_key).
    list_lead: str | None = None

    @property
    def dated(self) -> bool:
        return self.breach_start is not None

    @property
    def order_key(self) -> tuple:
        """The deterministic order of notices: reported date (unknown last), state notices
        before the aggregator posts that retell them, then id."""
        reported = self.reported if self.reported is not None else 10**7
        return (reported, 0 if self.source_kind == "state" else 1, self.id)


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome of one rule for one pair."""

    rule: str
    score: float
    kind: str  # "link" | "review"
    # True when both notices have breach dates: such links are trusted before undated ones.
    dated: bool
    # Days between the two notices by the rule's own measure (breaks ties deterministically).
    distance: int


@lru_cache(maxsize=1 << 16)
def outcome(rule: str, score: float, kind: str, dated: bool, distance: int) -> Match:
    """The `Match` of these values, one shared object per distinct outcome: a close pass or a
    rebuild holds every link of its blocks at once (724,449 for a Maine backfill of 40,000
    notices into 62,493), and their outcomes repeat (a rule, a gap of a few days)."""
    return Match(rule, score, kind, dated, distance)


@lru_cache(maxsize=1 << 16)  # one int per day for every notice of it (~400,000 dates at 100k)
def day(iso: str | None) -> int | None:
    """ISO date (day precision) -> ordinal, None for None or malformed text."""
    if not iso:
        return None
    try:
        return date.fromisoformat(iso[:10]).toordinal()
    except ValueError:
        return None


def breach_gap(a: NoticeFacts, b: NoticeFacts) -> int | None:
    """Days between two breach periods (0 when they overlap); None if either is undated."""
    if a.breach_start is None or b.breach_start is None:
        return None
    a_end = a.breach_end if a.breach_end is not None else a.breach_start
    b_end = b.breach_end if b.breach_end is not None else b.breach_start
    return max(0, a.breach_start - b_end, b.breach_start - a_end)


def clearly_apart(a: NoticeFacts, b: NoticeFacts) -> bool:
    """True when both notices have breach dates and those are more than APART_DAYS apart."""
    gap = breach_gap(a, b)
    return gap is not None and gap > APART_DAYS


def notice_gap(a: NoticeFacts, b: NoticeFacts) -> int | None:
    """The smallest distance in days between the notices' reported/notification dates."""
    if not a.notice_days or not b.notice_days:
        return None
    return min(abs(x - y) for x in a.notice_days for y in b.notice_days)


def _reported_after_breach(undated: NoticeFacts, dated: NoticeFacts) -> bool:
    # A filing cannot report a breach that starts after it was filed.
    return (
        undated.reported is None
        or dated.breach_start is None
        or (undated.reported >= dated.breach_start)
    )


def _discovered_after_report(undated: NoticeFacts, other: NoticeFacts) -> bool:
    # A breach discovered after the other notice was filed is not the breach it told of.
    return (
        not undated.dated
        and undated.discovered is not None
        and other.reported is not None
        and undated.discovered > other.reported
    )


def breach_dates_agree(a: NoticeFacts, b: NoticeFacts, gap: int) -> bool:
    """Breach periods `gap` days apart tell of one breach (see BREACH_GAP_DAYS)."""
    if gap <= BREACH_GAP_DAYS:
        return True
    # Filings to two different states at the same time: the same breach, dated differently.
    # One source filing twice within days is a serial filer reporting two breaches.
    filed_apart = notice_gap(a, b)
    return (
        a.source != b.source
        and gap <= FILED_TOGETHER_GAP_DAYS
        and filed_apart is not None
        and filed_apart <= FILED_TOGETHER_DAYS
    )


def _dates_agree(a: NoticeFacts, b: NoticeFacts, report_window: int) -> tuple[bool, int, bool]:
    """(agree, distance, dated) under the same-entity date rules."""
    gap = breach_gap(a, b)
    if gap is not None:
        return breach_dates_agree(a, b, gap), gap, True
    distance = notice_gap(a, b)
    if not a.dated and not b.dated:
        report_window = min(report_window, BOTH_UNDATED_WINDOW_DAYS)
    if distance is None or distance > report_window:
        return False, distance or 0, False
    if _discovered_after_report(a, b) or _discovered_after_report(b, a):
        return False, distance, False
    if a.dated and not _reported_after_breach(b, a):
        return False, distance, False
    if b.dated and not _reported_after_breach(a, b):
        return False, distance, False
    return True, distance, False


def compare(a: NoticeFacts, b: NoticeFacts, stats: KeyStats = NO_STATS) -> Match | None:
    """The first rule that joins (or flags for review) notices `a` and `b`, or None.

    Args:
        a: one notice.
        b: another notice.
        stats: how common keys and words are among the stored notices.

    Returns:
        A `Match` naming the rule, or None when no rule applies.
    """
    if b.id in a.cites or a.id in b.cites:
        return outcome(RULE_CITES, 1.0, "link", a.dated and b.dated, 0)
    if not a.keys or not b.keys:
        return None
    shared = [k for k in set(a.keys) & set(b.keys) if stats.usable(k, a.keys, b.keys)]
    if shared:
        if _amends(a, b) or _amends(b, a):
            return outcome(RULE_AMENDS, 1.0, "link", a.dated and b.dated, 0)
        renamed = all(k in a.former or k in b.former for k in shared) and a.keys[0] != b.keys[0]
        match = same_entity_dates(a, b, RULE_FORMERLY if renamed else None)
        match = match or _hardjoins.date_typo(a, b)
        if match is not None and _hardjoins.trade_name_only(a, b, shared, stats):
            return outcome(RULE_TRADE_NAME, match.score, "review", match.dated, match.distance)
        return match
    return _hardjoins.name_variants(a, b, stats) or _fuzzy(a, b) or _hardjoins.list_lead(a, b)


def same_entity_dates(a: NoticeFacts, b: NoticeFacts, rule: str | None = None) -> Match | None:
    """The date rules for two notices of one entity; `rule` names the link instead."""
    gap = breach_gap(a, b)
    if gap is not None:
        if not breach_dates_agree(a, b, gap):
            return None
        score = round(1 - gap / (FILED_TOGETHER_GAP_DAYS + 1), 4)
        return outcome(rule or RULE_BREACH_DATES, score, "link", True, gap)
    agree, distance, _ = _dates_agree(a, b, REPORT_WINDOW_DAYS)
    if not agree:
        return None
    score = round(1 - distance / (REPORT_WINDOW_DAYS + 1), 4)
    return outcome(rule or RULE_REPORTED_WINDOW, score, "link", False, distance)


def _amends(update: NoticeFacts, earlier: NoticeFacts) -> bool:
    """`update` names `earlier` by its date: "Supplement to 11/14/17 Notice"."""
    if update.amends is None or earlier.reported is None:
        return False
    return abs(update.amends - earlier.reported) <= AMENDS_TOLERANCE_DAYS


def fuzzy_score(key_a: str, key_b: str) -> float:
    """Similarity of two keys, 0-100 (rapidfuzz normalised Indel similarity)."""
    return Indel.normalized_similarity(key_a, key_b) * 100


def _fuzzy(a: NoticeFacts, b: NoticeFacts) -> Match | None:
    """Near-identical main keys with agreeing dates."""
    key_a, key_b = a.keys[0], b.keys[0]
    if min(len(key_a), len(key_b)) < FUZZY_MIN_LENGTH:
        return None
    # Cheap date test first: most candidate pairs fail it, and rapidfuzz is the costly part.
    agree, distance, dated = _dates_agree(a, b, FUZZY_REPORT_WINDOW_DAYS)
    if not agree:
        return None
    score = fuzzy_score(key_a, key_b)
    if score >= FUZZY_LINK_SCORE:
        return outcome(RULE_FUZZY, round(score / 100, 4), "link", dated, distance)
    if score >= FUZZY_REVIEW_SCORE:
        return outcome(RULE_FUZZY, round(score / 100, 4), "review", dated, distance)
    return None


# The hard joins build on the definitions above; imported last so both modules can load.
from crawler.matching import hardjoins as _hardjoins  # noqa: E402
