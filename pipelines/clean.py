"""Clean stage: a notice's published text becomes a typed record, with its text kept.

Input: a `BreachNotice` item (text as published). Output: a plain dict whose keys are
`notices` columns, holding only the columns the source published (so the store stage
never overwrites a stored value with "not published this time"). Nothing is lost here:
a date that cannot be true is kept and flagged; a date that cannot be read (status
`unparsed`) stores no value, only its flag, and its text stays in `raw` (a half-read
"O4/02/2020" must not become a wrong month); a link that is not http(s) (`javascript:`,
`data:`) is not stored as a URL, since Datasette and the Atom feed render URLs as links.
"""

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import Item

from crawler import sources
from crawler.textparse import UNPARSED
from crawler.textparse.counts import parse_count
from crawler.textparse.dates import PartialDate, breach_bounds, parse_date, parse_dates
from crawler.textparse.decoding import misdecoded_fields
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


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host: the only links stored (and so rendered)."""
    # The usual link, read without urlsplit (~5 us a new URL, two a notice): printable ASCII
    # (urlsplit drops tabs and newlines first) starting "http://" or "https://", no brackets
    # (an IPv6 host, which urlsplit checks); its host is what follows "//" up to "/", "?", "#".
    if url.isascii() and url.isprintable() and url.startswith(_WEB) and not _BRACKET.search(url):
        host = url.partition("//")[2]
        return bool(host) and host[0] not in "/?#"
    return _parsed_web_url(url)


_WEB = ("http://", "https://")
_BRACKET = re.compile(r"[\[\]]")


def _parsed_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _keep_raw(record: dict, field: str, text) -> None:
    """Keep a published text in `raw` when its column stores no value, unless a page label
    already holds it."""
    parts = text if isinstance(text, list | tuple) else [text]
    text = "; ".join(t for p in parts if p is not None and (t := clean_text(str(p))))
    if text and text not in record["raw"].values():
        record["raw"][field] = text


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
        # A plain dict of the item's fields: read many times below, and an adapter's every
        # `in` and `get` goes through its generic Mapping methods.
        notice = dict(item) if isinstance(item, dict | Item) else dict(ItemAdapter(item).items())
        flags: list[str] = list(notice.get("flags") or [])
        # Text decoded with the wrong charset ("Ã©", U+FFFD) is kept, never passed as clean:
        # flagged here, on the fields as the spider yielded them.
        if bad := misdecoded_fields(notice):
            flags.extend(f"misdecoded:{name}" for name in bad if f"misdecoded:{name}" not in flags)
            if self.crawler is not None:
                self.crawler.stats.inc_value("breach/misdecoded", len(bad))
        source, source_id = notice.get("source"), clean_text(notice.get("source_id"))
        record: dict = {
            "id": f"{source}:{source_id}" if source and source_id else None,
            "source": source,
            "source_id": source_id,
            "source_kind": notice.get("source_kind") or sources.kind_of(source),
            "raw": dict(notice.get("raw") or {}),
        }
        for text_field in ("entity_name", "residents_state", "entity_address", "organization_type"):
            if text_field in notice:
                record[text_field] = clean_text(notice[text_field])

        def unparsed(field: str) -> None:
            flags.append(f"unparsed:{field}")
            self._inc(f"unparsed/{field}")
            _keep_raw(record, field, notice[field])

        def unsafe(field: str, url: str) -> None:
            flags.append(f"unsafe_url:{field}")
            self._inc(f"unsafe_url/{field}")
            _keep_raw(record, field, url)

        if "url" in notice:
            record["url"] = clean_text(notice["url"])
            if record["url"] and not is_web_url(record["url"]):
                unsafe("url", record["url"])
                record["url"] = None

        if "breach_dates" in notice:
            parsed = parse_dates(notice["breach_dates"])
            dates = _sorted_unique(parsed.value)
            if parsed.status == UNPARSED:
                unparsed("breach_dates")
                dates = []
            record["breach_dates"] = [d.iso for d in dates]
            record["breach_start"], record["breach_end"], record["breach_precision"] = (
                breach_bounds(dates)
            )

        for single in ("reported_date", "discovered_date"):
            if single in notice:
                parsed = parse_date(notice[single])
                failed = parsed.status == UNPARSED
                if failed or (parsed.value is None and parsed.status != "none"):
                    unparsed(single)
                record[single] = parsed.value.iso if parsed.value and not failed else None

        if "notification_dates" in notice:
            parsed = parse_dates(notice["notification_dates"])
            dates = _sorted_unique(parsed.value)
            if parsed.status == UNPARSED:
                unparsed("notification_dates")
                dates = []
            record["notification_dates"] = [d.iso for d in dates]

        for count_field in ("total_affected", "residents_affected"):
            if count_field in notice:
                text = notice[count_field]
                parsed = parse_count(text)
                if parsed.status == UNPARSED:
                    unparsed(count_field)
                record[count_field] = parsed.value if parsed.status != UNPARSED else None
                record[f"{count_field}_raw"] = clean_text(str(text)) if text is not None else None

        if "notice_urls" in notice:
            urls = []
            for url in dict.fromkeys(_clean_list(notice["notice_urls"])):
                if is_web_url(url):
                    urls.append(url)
                else:
                    unsafe("notice_urls", url)
            record["notice_urls"] = urls
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
