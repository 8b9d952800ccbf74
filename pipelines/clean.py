"""Clean stage: a notice's published text becomes a typed record, with its text kept.

Input: a `BreachNotice` item (text as published). Output: a plain dict whose keys are
`notices` columns, holding only the columns the source published (so the store stage
never overwrites a stored value with "not published this time"). Nothing is dropped here:
dates that cannot be read or cannot be true are kept and flagged, never discarded.
"""

from datetime import UTC, date, datetime, timedelta

from itemadapter import ItemAdapter

from crawler import sources
from crawler.textparse import UNPARSED
from crawler.textparse.counts import parse_count
from crawler.textparse.dates import PartialDate, breach_bounds, parse_date, parse_dates
from crawler.textparse.text import clean_text

# A date this far past the crawl day is a typo, not a prediction.
FUTURE_TOLERANCE = timedelta(days=1)


def _clean_list(values) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    cleaned = (clean_text(v) for v in values)
    return [v for v in cleaned if v]


def _sorted_unique(dates: list[PartialDate]) -> list[PartialDate]:
    return sorted(set(dates), key=lambda d: (d.first_day, d.last_day, d.iso))


class CleanPipeline:
    """Turns text into typed columns; counts what it could not read under breach/clean/."""

    def __init__(self, crawler=None, today: date | None = None):
        self.crawler = crawler
        self._today = today

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def today(self) -> date:
        return self._today or datetime.now(UTC).date()

    def _inc(self, key: str) -> None:
        if self.crawler is not None:
            self.crawler.stats.inc_value(f"breach/clean/{key}")

    def process_item(self, item):
        notice = ItemAdapter(item)
        flags: list[str] = list(notice.get("flags") or [])
        source, source_id = notice.get("source"), clean_text(notice.get("source_id"))
        record: dict = {
            "id": f"{source}:{source_id}" if source and source_id else None,
            "source": source,
            "source_id": source_id,
            "source_kind": notice.get("source_kind") or sources.kind_of(source),
            "raw": dict(notice.get("raw") or {}),
        }
        for text_field in (
            "url",
            "entity_name",
            "residents_state",
            "entity_address",
            "organization_type",
        ):
            if text_field in notice:
                record[text_field] = clean_text(notice[text_field])

        def unparsed(field: str) -> None:
            flags.append(f"unparsed:{field}")
            self._inc(f"unparsed/{field}")

        if "breach_dates" in notice:
            parsed = parse_dates(notice["breach_dates"])
            if parsed.status == UNPARSED:
                unparsed("breach_dates")
            dates = _sorted_unique(parsed.value)
            record["breach_dates"] = [d.iso for d in dates]
            record["breach_start"], record["breach_end"], record["breach_precision"] = (
                breach_bounds(dates)
            )

        for single in ("reported_date", "discovered_date"):
            if single in notice:
                parsed = parse_date(notice[single])
                if parsed.status == UNPARSED or (parsed.value is None and parsed.status != "none"):
                    unparsed(single)
                record[single] = parsed.value.iso if parsed.value else None

        if "notification_dates" in notice:
            parsed = parse_dates(notice["notification_dates"])
            if parsed.status == UNPARSED:
                unparsed("notification_dates")
            record["notification_dates"] = [d.iso for d in _sorted_unique(parsed.value)]

        for count_field in ("total_affected", "residents_affected"):
            if count_field in notice:
                text = notice[count_field]
                parsed = parse_count(text)
                if parsed.status == UNPARSED:
                    unparsed(count_field)
                record[count_field] = parsed.value
                record[f"{count_field}_raw"] = clean_text(str(text)) if text is not None else None

        if "notice_urls" in notice:
            urls = _clean_list(notice["notice_urls"])
            record["notice_urls"] = list(dict.fromkeys(urls))
            record["notice_url"] = urls[0] if urls else None
        for list_field in ("data_types", "cites"):
            if list_field in notice:
                record[list_field] = list(dict.fromkeys(_clean_list(notice[list_field])))
        if "id_theft_service" in notice:
            service = notice["id_theft_service"] or {}
            record["id_theft_service"] = {
                k: clean_text(v) if isinstance(v, str) else v for k, v in service.items()
            } or None

        flags.extend(self._impossible_dates(record))
        record["flags"] = sorted(set(flags))
        return record

    def _impossible_dates(self, record: dict) -> list[str]:
        """Flags for dates that cannot be true: kept as published, never dropped."""
        flags = []
        horizon = (self.today + FUTURE_TOLERANCE).isoformat()
        for field in ("breach_start", "reported_date", "discovered_date"):
            value = record.get(field)
            if value and value > horizon:
                flags.append(f"future_date:{field}")
        if record.get("breach_end") and record["breach_end"] > horizon:
            flags.append("future_date:breach_end")
        reported = record.get("reported_date")
        if reported and record.get("breach_start") and record["breach_start"] > reported:
            flags.append("breach_after_report")
        for flag in flags:
            self._inc(f"flagged/{flag}")
        return flags
