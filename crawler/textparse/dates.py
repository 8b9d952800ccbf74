"""Dates as the portals write them, to ISO 8601 with their precision.

A date is a `PartialDate`: `iso` is `YYYY-MM-DD` (day precision), `YYYY-MM` (month) or
`YYYY` (year), so "Jul 2023" is never mistaken for 1 July 2023. `parse_dates` scans free
text for every date in it (range endpoints included) in the order written.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date

from crawler.textparse import NONE, OK, UNPARSED, Parsed
from crawler.textparse.text import clean_text

MONTHS = {
    name.casefold(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
MONTHS["sept"] = 9

# Text that means "no date was given" rather than "a date we cannot read".
NONE_MARKERS = re.compile(
    r"^(n/?a|none|unknown|not known|not applicable|not yet (known|determined)|tbd|to be determined"
    r"|unk|\?+|-+)\.?$",
    re.IGNORECASE,
)

_MONTH_NAME = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
# Alternatives are tried left to right at each position, most specific first.
_DATE_TOKEN = re.compile(
    r"(?P<iso>\b(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})(?:T[\d:.+-]+Z?)?\b)"
    r"|(?P<mdy>\b(?P<m>\d{1,2})[/.-](?P<d>\d{1,2})[/.-](?P<y>\d{4}|\d{2})\b)"
    r"|(?P<long>\b" + _WEEKDAY + _MONTH_NAME.replace("mon>", "lmon>") + r"\s+(?P<ld>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<ly>\d{4})\b)"
    r"|(?P<my>\b" + _MONTH_NAME.replace("mon>", "mmon>") + r",?\s+(?:of\s+)?(?P<my_y>\d{4})\b)"
    r"|(?P<slash_my>\b(?P<sm>\d{1,2})/(?P<sy>\d{4})\b)"
    r"|(?P<year>\b(?:19|20)\d{2}\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date known to day, month or year precision."""

    iso: str

    @property
    def precision(self) -> str:
        return {10: "day", 7: "month", 4: "year"}[len(self.iso)]

    @property
    def first_day(self) -> date:
        parts = [int(p) for p in self.iso.split("-")] + [1, 1]
        return date(parts[0], parts[1], parts[2])

    @property
    def last_day(self) -> date:
        year, *rest = (int(p) for p in self.iso.split("-"))
        if self.precision == "day":
            return self.first_day
        month = rest[0] if rest else 12
        return date(year, month, calendar.monthrange(year, month)[1])


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        # Two-digit years in breach filings are this century until the 1970s show up.
        year += 2000 if year < 70 else 1900
    return year


def _make(year: int, month: int | None = None, day: int | None = None) -> PartialDate | None:
    try:
        if day is not None:
            return PartialDate(date(year, month, day).isoformat())
        if month is not None:
            date(year, month, 1)
            return PartialDate(f"{year:04d}-{month:02d}")
        date(year, 1, 1)
        return PartialDate(f"{year:04d}")
    except (ValueError, TypeError):
        return None


def _token_to_date(match: re.Match) -> PartialDate | None:
    g = match.groupdict()
    if g["iso"]:
        return _make(int(g["iy"]), int(g["im"]), int(g["id"]))
    if g["mdy"]:
        return _make(_full_year(g["y"]), int(g["m"]), int(g["d"]))
    if g["long"]:
        return _make(int(g["ly"]), MONTHS.get(g["lmon"].casefold().rstrip(".")), int(g["ld"]))
    if g["my"]:
        return _make(int(g["my_y"]), MONTHS.get(g["mmon"].casefold().rstrip(".")))
    if g["slash_my"]:
        return _make(int(g["sy"]), int(g["sm"]))
    return _make(int(g["year"]))


def parse_dates(text: str | list[str] | None) -> Parsed:
    """Every date in `text` (a string or a list of strings), in the order written.

    Returns `Parsed(list[PartialDate], status)`: `none` for blank/"n/a"/"Unknown", `unparsed`
    when some date-like text could not be read (the dates that could are still returned).
    """
    parts = text if isinstance(text, list | tuple) else [text]
    found: list[PartialDate] = []
    status = NONE
    for part in parts:
        cleaned = clean_text(part)
        if cleaned is None or NONE_MARKERS.match(cleaned):
            continue
        matches = list(_DATE_TOKEN.finditer(cleaned))
        dates = [_token_to_date(m) for m in matches]
        found.extend(d for d in dates if d is not None)
        if not matches or None in dates:
            status = UNPARSED
        elif status == NONE:
            status = OK
    return Parsed(found, status)


def parse_date(text: str | None) -> Parsed:
    """The first date in `text`, as `Parsed(PartialDate | None, status)`."""
    parsed = parse_dates(text)
    return Parsed(parsed.value[0] if parsed.value else None, parsed.status)
