"""Dates as the portals write them, to ISO 8601 with their precision.

A date is a `PartialDate`: `iso` is `YYYY-MM-DD` (day precision), `YYYY-MM` (month) or
`YYYY` (year), so "Jul 2023" is never mistaken for 1 July 2023. `parse_dates` scans free
text for every date in it (range endpoints included) in the order written.

Filers type these fields freely (the Maine form and the Maine archive log are the worst), so
beyond the plain forms the parser reads:
- ranges written with "-", "–", "to", "through", "&": "7/12/2020 – 8/8/2020",
  "June 22-25, 2020", "4/23-24/2016", "April 6 - April 9, 2020";
- endpoints that borrow their year from the next date: "7/21-9/9/17", "Feb-Dec 2016",
  "Between November and December 2019" (a date that cannot get a year is `unparsed`);
- Excel serial day numbers (43404 = 2018-10-31) when a whole cell is one, and date objects;
- two typos the Maine viewer is known for: "03/17/2-26" ("-" typed for the "0" next to it on
  the keyboard, read as 2026) and "03132026" (MMDDYYYY without separators).

Text about another event is not a date of this field and is skipped: "(discovered 9/22/15)",
"Update to 11/21/17 notice", "(Supplement to 11/22/16 notice)", "See 10/31/17 notice". For
`parse_date` (one date: a reported or discovered date) discovery phrases are kept, since there
the discovery date is usually the value itself.

The status is `unparsed` whenever some digits were left unexplained ("4/29/2016, 12/31/206"
gives 2016-04-29 and `unparsed`), so nothing is silently half-read. Three-digit years
("5/28/215") and years outside 1900-2100 ("05/30/3019") are not guessed at.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache

from crawler.textparse import NONE, OK, UNPARSED, Parsed
from crawler.textparse.novalue import says_no_value
from crawler.textparse.text import clean_text

MONTHS = {
    name.casefold(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
MONTHS["sept"] = 9

MIN_YEAR, MAX_YEAR = 1900, 2100
# Excel's day 0 is 1899-12-30 (it counts the fictitious 1900-02-29).
EXCEL_EPOCH = date(1899, 12, 30)
# Serials from 1950 to 2100: a five-digit cell outside this is not a date.
_SERIAL_RANGE = (18264, 73415)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?"
)
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_ORD = r"(?:st|nd|rd|th)?"
# A four-digit year, or "2-26" for 2026 (see the module docstring).
_YEAR4 = r"(?:\d{4}|2-\d{2})(?!\d)"
_YEAR = r"(?:\d{4}|2-\d{2}|\d{2})(?![\d/])"
_RANGE_WORD = r"(?:-|&|and|to|through|thru)"

# One alternation, most specific first: at each position the first alternative that
# matches wins, and scanning resumes after it.
_DATE_TOKEN = re.compile(
    rf"(?P<iso>\b(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})(?:T[\d:.+-]+Z?)?(?!\d))"
    # 4/23-24/2016, 2/10&11/18, 3/21 & 23/2016: one month, two days, one year
    rf"|(?P<mdd>\b(?P<dm>\d{{1,2}})/(?P<dd1>\d{{1,2}})\s*(?:-|&)\s*(?P<dd2>\d{{1,2}})(?:/|,\s*)(?P<dy>{_YEAR}))"
    rf"|(?P<mdy>\b(?P<m>\d{{1,2}})\s*/\s*(?P<d>\d{{1,2}})\s*/\s*(?P<y>{_YEAR}))"
    rf"|(?P<mdy_sep>\b(?P<sm_>\d{{1,2}})(?P<sep>[.-])(?P<sd_>\d{{1,2}})(?P=sep)(?P<sy_>{_YEAR}))"
    rf"|(?P<compact>\b(?P<cm>[01]\d)(?P<cd>[0-3]\d)(?P<cy>(?:19|20)\d{{2}})\b)"
    # June 22-25, 2020: one month, two days, one year
    rf"|(?P<long_range>\b(?P<rmon>{_MONTH})\s*(?P<rd1>\d{{1,2}}){_ORD}\s*{_RANGE_WORD}\s*"
    rf"(?P<rd2>\d{{1,2}}){_ORD},?\s+(?P<ry>{_YEAR4}))"
    rf"|(?P<long>\b{_WEEKDAY}(?P<lmon>{_MONTH})\s*(?P<ld>\d{{1,2}}){_ORD}(?:[,.]\s*|\s+)(?P<ly>{_YEAR4}))"
    # 3 March 2021, 3rd of March, 2021 (UK order, as some aggregators write)
    rf"|(?P<dmy>\b(?P<xd>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<xmon>{_MONTH}),?\s+(?P<xy>{_YEAR4}))"
    # April 6 (- April 9, 2020): the year comes from a later date
    rf"|(?P<month_day>\b(?P<pmon>{_MONTH})\s*(?P<pd>\d{{1,2}}){_ORD}\b(?![,.]?\s*\d))"
    rf"|(?P<my>\b(?P<mmon>{_MONTH}),?\s+(?:of\s+)?(?P<my_y>\d{{4}})(?!\d))"
    rf"|(?P<bare_month>\b(?P<bmon>{_MONTH}))"
    # After "/" a number is the tail of a date whose head was not read ("O4/02/2020" with a
    # letter O): never a month/year or month/day of its own.
    rf"|(?P<slash_my>(?<!/)\b(?P<smm>\d{{1,2}})\s*/\s*(?P<smy>\d{{4}})(?!\d))"
    # 7/21 (-9/9/17): the year comes from a later date
    rf"|(?P<md>(?<!/)\b(?P<pm>\d{{1,2}})/(?P<pdd>\d{{1,2}})\b(?!\s*/))"
    r"|(?P<year>(?<!/)\b(?:19|20)\d{2}\b)",
    re.IGNORECASE,
)
_TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\b\.?)?", re.IGNORECASE)
_DASHES = re.compile("[\u2010-\u2015\u2212]")
_EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_DIGIT = re.compile(r"\d")

# Fragments about another event (discovery, an earlier notice): never a date of this field.
_REFERENCE = (
    r"update[sd]?|supplement(?:al)?|suppletment|follow[- ]?up|f/u|see|rec'?d|received"
    r"|notified|informed|completed|law enf"
)
_DISCOVERY = r"(?:breach(?:ed)?\s+)?discover(?:ed|y)|informed of|notified of|learned of"
_OTHER_EVENT = re.compile(
    rf"\(\s*(?:this is (?:an? )?)?(?:{_DISCOVERY}|{_REFERENCE})(?![a-z])[^)]*\)?"
    rf"|\b(?:{_DISCOVERY})(?![a-z]).*$"
    r"|\b(?:update[sd]?|supplement(?:al)?|suppletment|follow[- ]?up|f/u)\s+(?:to|from)\b"
    r"[^;)]*?(?:\bnotice\b|$)"
    r"|\bsee\b[^;)]*?\bnotice\b",
    re.IGNORECASE,
)
# The same, minus discovery phrases: for a single reported or discovered date.
_OTHER_NOTICE = re.compile(
    rf"\(\s*(?:this is (?:an? )?)?(?:{_REFERENCE})(?![a-z])[^)]*\)?"
    r"|\b(?:update[sd]?|supplement(?:al)?|suppletment|follow[- ]?up|f/u)\s+(?:to|from)\b"
    r"[^;)]*?(?:\bnotice\b|$)"
    r"|\bsee\b[^;)]*?\bnotice\b",
    re.IGNORECASE,
)


# Finer to coarser: a notice's breach precision is its coarsest date's.
PRECISION_RANK = {"day": 0, "month": 1, "year": 2}


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date known to day, month or year precision.

    The derived values are cached on the instance (it still compares and hashes by `iso`
    alone): parsed dates are shared through the parse cache and sorted and bounded often."""

    iso: str

    @cached_property
    def precision(self) -> str:
        return {10: "day", 7: "month", 4: "year"}[len(self.iso)]

    @cached_property
    def first_day(self) -> date:
        parts = [int(p) for p in self.iso.split("-")] + [1, 1]
        return date(parts[0], parts[1], parts[2])

    @cached_property
    def last_day(self) -> date:
        year, *rest = (int(p) for p in self.iso.split("-"))
        if self.precision == "day":
            return self.first_day
        month = rest[0] if rest else 12
        return date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class _YearLess:
    """A month (and maybe day) whose year is taken from the next date in the same text."""

    month: int | None
    day: int | None = None


def breach_bounds(dates) -> tuple[str | None, str | None, str | None]:
    """(breach_start, breach_end, breach_precision) of some PartialDates: the first day any
    may mean, the last day any may mean, and the coarsest precision; Nones for no dates."""
    dates = list(dates)
    if not dates:
        return None, None, None
    start = min(d.first_day for d in dates).isoformat()
    end = max(d.last_day for d in dates).isoformat()
    return start, end, max((d.precision for d in dates), key=PRECISION_RANK.__getitem__)


def _full_year(text: str) -> int:
    text = text.replace("-", "0")  # "2-26" -> 2026
    year = int(text)
    if len(text) == 2:
        # Two-digit years in breach filings are this century until the 1970s show up.
        year += 2000 if year < 70 else 1900
    return year


def _make(year: int, month: int | None = None, day: int | None = None) -> PartialDate | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        if day is not None:
            return PartialDate(date(year, month, day).isoformat())
        if month is not None:
            date(year, month, 1)
            return PartialDate(f"{year:04d}-{month:02d}")
        return PartialDate(f"{year:04d}")
    except (ValueError, TypeError):
        return None


def _month(name: str) -> int | None:
    return MONTHS.get(name.casefold().rstrip("."))


def _token_dates(match: re.Match) -> list[PartialDate | _YearLess | None]:
    """The date(s) one token stands for; None for a token that is not a real date."""
    g = match.groupdict()
    if g["iso"]:
        return [_make(int(g["iy"]), int(g["im"]), int(g["id"]))]
    if g["mdd"]:
        year, month = _full_year(g["dy"]), int(g["dm"])
        return [_make(year, month, int(g["dd1"])), _make(year, month, int(g["dd2"]))]
    if g["mdy"]:
        return [_make(_full_year(g["y"]), int(g["m"]), int(g["d"]))]
    if g["mdy_sep"]:
        return [_make(_full_year(g["sy_"]), int(g["sm_"]), int(g["sd_"]))]
    if g["compact"]:
        return [_make(int(g["cy"]), int(g["cm"]), int(g["cd"]))]
    if g["long_range"]:
        year, month = _full_year(g["ry"]), _month(g["rmon"])
        return [_make(year, month, int(g["rd1"])), _make(year, month, int(g["rd2"]))]
    if g["long"]:
        return [_make(_full_year(g["ly"]), _month(g["lmon"]), int(g["ld"]))]
    if g["dmy"]:
        return [_make(_full_year(g["xy"]), _month(g["xmon"]), int(g["xd"]))]
    if g["month_day"]:
        return [_YearLess(_month(g["pmon"]), int(g["pd"]))]
    if g["my"]:
        return [_make(int(g["my_y"]), _month(g["mmon"]))]
    if g["bare_month"]:
        return [_YearLess(_month(g["bmon"]))]
    if g["slash_my"]:
        return [_make(int(g["smy"]), int(g["smm"]))]
    if g["md"]:
        return [_YearLess(int(g["pm"]), int(g["pdd"]))]
    return [_make(int(g["year"]))]


def _resolve_years(
    dates: list[PartialDate | _YearLess | None],
) -> list[PartialDate | None]:
    """Give each year-less date the year of the next full date (the year before if it would
    otherwise come after that date: "Dec 20 - Jan 5, 2020")."""
    resolved: list[PartialDate | None] = []
    for index, value in enumerate(dates):
        if not isinstance(value, _YearLess):
            resolved.append(value)
            continue
        anchor = next((d for d in dates[index + 1 :] if isinstance(d, PartialDate)), None)
        if anchor is None or value.month is None:
            resolved.append(None)
            continue
        year = anchor.first_day.year
        candidate = _make(year, value.month, value.day)
        if candidate is not None and candidate.first_day > anchor.last_day:
            candidate = _make(year - 1, value.month, value.day)
        resolved.append(candidate)
    return resolved


def _from_object(value) -> PartialDate | None:
    if isinstance(value, datetime):
        return _make(value.year, value.month, value.day)
    if isinstance(value, date):
        return _make(value.year, value.month, value.day)
    return excel_serial_date(value)


def excel_serial_date(value: float | int | str) -> PartialDate | None:
    """The day an Excel serial number stands for (43404 -> 2018-10-31), or None."""
    try:
        serial = float(value)
    except (TypeError, ValueError):
        return None
    if not _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        return None
    day = EXCEL_EPOCH + timedelta(days=int(serial))
    return _make(day.year, day.month, day.day)


def _parse_part(part, skip: re.Pattern) -> tuple[tuple[PartialDate, ...], str]:
    if isinstance(part, date | int | float) and not isinstance(part, bool):
        found = _from_object(part)
        return ((found,), OK) if found else ((), UNPARSED)
    if isinstance(part, str):
        return _parse_text(part, skip)
    return _read_text(part, skip)


# Cached by text: real notices share their date texts (a day's filings share a reported date,
# one incident's notices their breach dates), and one notice's dates are read up to four times
# (its list row, its detail page, the list-to-export check, the clean stage). Results are
# immutable (tuples of frozen PartialDates), so no caller can change a cached value.
@lru_cache(maxsize=4096)
def _parse_text(text: str, skip: re.Pattern) -> tuple[tuple[PartialDate, ...], str]:
    return _read_text(text, skip)


def _read_text(part, skip: re.Pattern) -> tuple[tuple[PartialDate, ...], str]:
    cleaned = clean_text(part)
    if cleaned is None or says_no_value(cleaned):
        return (), NONE
    if _EXCEL_SERIAL.match(cleaned):
        found = excel_serial_date(cleaned)
        return ((found,), OK) if found else ((), UNPARSED)
    text = _DASHES.sub("-", cleaned)
    text = _TIME_OF_DAY.sub(" ", text)
    kept = skip.sub(" ", text)
    if not clean_text(kept) or says_no_value(kept) or (kept != text and not _DIGIT.search(kept)):
        # Only another event's date ("Update to previous notice of breach Discovered 6/4/14"),
        # or "Unknown (discovered 9/22/16)": no date of this field.
        return (), NONE
    text = kept
    matches = list(_DATE_TOKEN.finditer(text))
    # A lower-case month word ("may", "march") is prose, not a date.
    matches = [m for m in matches if not (m["bare_month"] and m.group()[0].islower())]
    dates = _resolve_years([d for m in matches for d in _token_dates(m)])
    leftover = text
    for m in reversed(matches):
        leftover = leftover[: m.start()] + " " + leftover[m.end() :]
    found = tuple(d for d in dates if d is not None)
    if not matches or None in dates or _DIGIT.search(leftover):
        return found, UNPARSED
    return found, OK


def parse_dates(text, *, keep_discovery: bool = False) -> Parsed:
    """Every date in `text` (a string, a date, an Excel serial, or a list of them), in order.

    Returns `Parsed(list[PartialDate], status)`: `none` for blank/"n/a"/"Unknown", `unparsed`
    when some date-like text could not be read (the dates that could are still returned).
    Dates of other events ("(discovered 9/22/15)", "Update to 11/21/17 notice") are skipped;
    `keep_discovery=True` keeps discovery dates (for a "date discovered" field).
    """
    parts = text if isinstance(text, list | tuple) else [text]
    skip = _OTHER_NOTICE if keep_discovery else _OTHER_EVENT
    found: list[PartialDate] = []
    status = NONE
    for part in parts:
        dates, part_status = _parse_part(part, skip)
        found.extend(dates)
        if part_status == UNPARSED or (part_status == OK and status == NONE):
            status = part_status
    return Parsed(found, status)


def parse_date(text) -> Parsed:
    """The first date in `text`, as `Parsed(PartialDate | None, status)`.

    For single-date fields (reported, discovered): a discovery phrase is read as the date.
    """
    parsed = parse_dates(text, keep_discovery=True)
    return Parsed(parsed.value[0] if parsed.value else None, parsed.status)
