"""Writing notice rows for the matcher without a crawl: tests, the evaluation set, benchmarks.

`notice_row` fills the derived columns the clean stage would fill (breach_start/end and
precision from the ISO breach dates), so a test states only the facts it is about.
"""

import json
from collections.abc import Iterable

import sqlite_utils

from crawler import sources
from crawler.textparse.dates import PartialDate, breach_bounds

DEFAULT_SEEN_AT = "2026-01-01T00:00:00+00:00"


def iso_breach_bounds(breach_dates: Iterable[str]) -> tuple[str | None, str | None, str | None]:
    """(breach_start, breach_end, breach_precision) for ISO reduced-precision dates."""
    return breach_bounds(PartialDate(text) for text in breach_dates if text)


def notice_row(notice_id: str, entity_name: str | None, **fields) -> dict:
    """A `notices` row with the id split into source/source_id and breach bounds derived.

    Args:
        notice_id: "<source>:<source_id>".
        entity_name: the cleaned entity name.
        **fields: any other `notices` column; lists and dicts are JSON-encoded.
    """
    source, source_id = notice_id.split(":", 1)
    breach_dates = list(fields.pop("breach_dates", None) or [])
    start, end, precision = iso_breach_bounds(breach_dates)
    row = {
        "id": notice_id,
        "source": source,
        "source_id": source_id,
        "source_kind": sources.kind_of(source),
        "entity_name": entity_name,
        "breach_dates": json.dumps(breach_dates),
        "breach_start": start,
        "breach_end": end,
        "breach_precision": precision,
        "status": "active",
        "first_seen_at": DEFAULT_SEEN_AT,
        "last_seen_at": DEFAULT_SEEN_AT,
    }
    for column, value in fields.items():
        row[column] = json.dumps(value) if isinstance(value, list | dict) else value
    return row


def insert_notices(db: sqlite_utils.Database, rows: Iterable[dict]) -> None:
    """Insert (or replace) notice rows as they are, in one transaction."""
    with db.conn:
        db["notices"].insert_all(rows, pk="id", replace=True, batch_size=1000)
