"""Validate stage: a record that cannot be a notice is rejected, counted and recorded.

A rejected record raises `DropItem`; the store stage listens to `item_dropped` and writes
it with its reason to `rejected_notices`, so nothing the source published is silently lost.
"""

from scrapy.exceptions import DropItem

# (column, reason) pairs checked in order; the first missing one is the reason.
REQUIRED = (
    ("source_id", "no_source_id"),
    ("entity_name", "no_entity_name"),
    ("reported_date", "no_reported_date"),
)


class RejectedNotice(DropItem):
    def __init__(self, reason: str, record: dict):
        super().__init__(f"rejected notice ({reason}): {record.get('url') or record.get('id')}")
        self.reason = reason


# Aggregators publish no filing date of their own (CSIDB has none at all); they retell a
# notice. They still need some date, or nothing can place them in time.
AGGREGATOR_DATES = ("reported_date", "breach_dates", "discovered_date", "notification_dates")


def rejection_reason(record: dict) -> str | None:
    """Why `record` cannot be stored as a notice, or None when it can."""
    aggregator = record.get("source_kind") == "aggregator"
    for column, reason in REQUIRED:
        if column == "reported_date" and aggregator:
            if not any(record.get(c) for c in AGGREGATOR_DATES):
                return "no_date"
            continue
        if not record.get(column):
            if f"unparsed:{column}" in (record.get("flags") or []):
                return f"unreadable_{column}"  # published, but not as a date we can read
            return reason
    return None


class ValidatePipeline:
    def __init__(self, crawler=None):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, record: dict) -> dict:
        reason = rejection_reason(record)
        if reason is None:
            return record
        if self.crawler is not None:
            self.crawler.stats.inc_value(f"breach/rejected/{reason}")
        raise RejectedNotice(reason, record)
