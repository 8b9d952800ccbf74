"""What the two local aggregator copies share: the real texts' folder and small formatters."""

import html
import re
import uuid
from datetime import date, datetime
from pathlib import Path

from localportal.server import Page

REAL = Path(__file__).resolve().parent / "data" / "aggregators"
RANKITEO_LIVE = "https://blog.rankiteo.com"
E = html.escape
_UUID_NAMESPACE = uuid.UUID("2f6c1f0e-59a4-4c55-9d0e-6a3c1b1f7a10")


def _day(text: str) -> date:
    """A day written as MM/DD/YYYY (CA style) or YYYY-MM-DD."""
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a day: {text!r} (use MM/DD/YYYY or YYYY-MM-DD)")


def _long(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def _xml(body: str) -> Page:
    return Page(body.encode(), content_type="application/xml; charset=utf-8")


def _html(body: str) -> Page:
    return Page(body.encode())


def _breach_days(notice: dict) -> list[date]:
    dates = notice.get("breach_dates") or [notice.get("breach_date")]
    return [_day(d) for d in dates if d]
