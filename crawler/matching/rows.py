"""`notices` rows -> the matcher's `NoticeFacts`, and reading them from the database."""

import json
import sys
import weakref
from collections.abc import Iterable, Iterator
from functools import lru_cache

import sqlite_utils

from crawler.matching.entities import entity_names, leading_entity_key
from crawler.matching.evidence import compact, variants
from crawler.matching.markers import amended_notice_date
from crawler.matching.rules import NoticeFacts, day

NOTICE_COLUMNS = (
    "id", "source", "source_kind", "entity_name", "breach_start", "breach_end",
    "breach_precision", "reported_date", "notification_dates", "cites", "status",
    "total_affected", "residents_affected", "residents_state", "first_seen_at", "raw", "flags", "discovered_date",
)  # fmt: skip
# Flags of the clean stage that cast doubt on a notice's dates (pipelines/clean.py): an
# impossible date, or a date cell only partly read ("4/29/2016, 12/31/206" keeps 2016-04-29
# and is flagged `unparsed:breach_dates`). Unread counts are not date doubts.
DATE_FLAG_PREFIXES = (
    "future_date:",
    "breach_after_report",
    "unparsed:breach_dates",
    "unparsed:reported_date",
    "unparsed:discovered_date",
    "unparsed:notification_dates",
)


def json_list(value) -> list:
    if not value:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return list(value) if isinstance(value, list | tuple) else []


def date_flags(row: dict, start: int | None, reported: int | None) -> tuple[str, ...]:
    """The notice's date doubts: stored flags, plus a breach after the notice's own report
    (rows written without the clean stage, e.g. the evaluation set, carry no flags)."""
    flags = {str(f) for f in json_list(row.get("flags")) if str(f).startswith(DATE_FLAG_PREFIXES)}
    if start is not None and reported is not None and start > reported:
        flags.add("breach_after_report")
    return tuple(sorted(flags))


def _shared(value):
    """One copy of a text many notices carry (a source, a status, a date, a repeated name):
    the index keeps every notice's facts, 50,000 in a big database."""
    return sys.intern(value) if isinstance(value, str) else value


@lru_cache(maxsize=200_000)  # as `entities`' name cache: notices of one name share one set
def _spellings(keys: tuple[str, ...], lead: str | None) -> frozenset[str]:
    return variants(keys) | ({compact(lead)} if lead else set())


def facts_from_row(row: dict) -> NoticeFacts:
    """The matcher's view of one `notices` row (JSON columns encoded or decoded)."""
    reported_iso = _shared(row.get("reported_date"))
    reported = day(reported_iso)
    notified = [day(text) for text in json_list(row.get("notification_dates"))]
    notice_days = tuple(sorted({d for d in [reported, *notified] if d is not None}))
    start_iso, end_iso = _shared(row.get("breach_start")), _shared(row.get("breach_end"))
    start, end = day(start_iso), day(end_iso)
    if start is not None and end is not None and end < start:
        start, end = end, start  # tolerate a swapped pair rather than lose the dates
    # Interned before the name caches of `entities` see it: they keep the same copy.
    entity_name = _shared(row.get("entity_name"))
    names = entity_names(entity_name)
    lead = leading_entity_key(entity_name)
    return NoticeFacts(
        id=row["id"],
        source=_shared(row.get("source") or ""),
        source_kind=_shared(row.get("source_kind") or ""),
        entity_name=entity_name or "",
        keys=names.keys,
        breach_start=start,
        breach_end=end if end is not None else start,
        breach_precision=_shared(row.get("breach_precision")),
        reported=reported,
        notice_days=notice_days,
        cites=tuple(str(c) for c in json_list(row.get("cites"))),
        status=_shared(row.get("status") or "active"),
        reported_iso=reported_iso,
        breach_start_iso=start_iso if start is not None else None,
        breach_end_iso=(end_iso or start_iso) if start is not None else None,
        total_affected=row.get("total_affected"),
        residents_affected=row.get("residents_affected"),
        residents_state=_shared(row.get("residents_state")),
        first_seen_at=_shared(row.get("first_seen_at")),
        # Searched as JSON text: the marker may sit in any published field.
        amends=day(amended_notice_date(entity_name) or amended_notice_date(row.get("raw"))),
        former=names.former,
        date_flags=date_flags(row, start, reported),
        discovered=day(row.get("discovered_date")),
        # The list's first entity is indexed like a spelling, so the two are compared.
        variants=_spellings(names.keys, lead),
        list_lead=lead,
    )


def read_notices(
    db: sqlite_utils.Database, where: str = "", params: Iterable = ()
) -> Iterator[dict]:
    """`notices` rows (the matcher's columns plus `_rowid`) as dicts."""
    present = _present(db)
    columns = [c for c in NOTICE_COLUMNS if c in present]
    sql = f"select rowid as _rowid, {', '.join(columns)} from notices {where}"
    cursor = db.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    for values in cursor:
        yield dict(zip(names, values, strict=True))


# The columns of `notices` per open database, with the schema version they were read at. A
# crawl reads notices thousands of times (PRAGMA table_info through sqlite-utils each time was
# 0.8 s of a 3,000-notice crawl); `PRAGMA schema_version` changes with every ALTER TABLE, on
# any connection, so a column added after the first read is never left out.
_COLUMNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _present(db: sqlite_utils.Database) -> frozenset[str]:
    version = db.conn.execute("pragma schema_version").fetchone()[0]
    cached = _COLUMNS.get(db)
    if cached is None or cached[0] != version:
        cached = (version, frozenset(db["notices"].columns_dict))
        _COLUMNS[db] = cached
    return cached[1]
