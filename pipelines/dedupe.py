"""Dedupe stage (priority 950): attach each stored notice to its incident.

Runs after the store stage (900) has written the notice row, and reads that row back by
its id, "<source>:<source_id>", through the store's own connection: the store commits in
batches, and a second connection would not see the notices of the open batch. The matching itself lives in `crawler.matching`; this stage
only calls `attach_notice` and counts outcomes under `breach/incidents/...`.
"""

from itemadapter import ItemAdapter

from crawler.matching.incidents import attach_notice


def notice_id_of(item) -> str | None:
    """The `notices.id` of an item: its `id` if the clean stage set one, else source:source_id."""
    adapter = ItemAdapter(item)
    if adapter.get("id"):
        return adapter["id"]
    if adapter.get("source") and adapter.get("source_id"):
        return f"{adapter['source']}:{adapter['source_id']}"
    return None


class DedupePipeline:
    """Attach every stored notice to an incident as the crawl goes."""

    uses_store_connection = True  # read by pipelines.store: batching stays on

    def __init__(self, crawler):
        self.crawler = crawler
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        store = getattr(self.crawler, "breach_store", None)
        if store is None:
            raise RuntimeError("DedupePipeline needs pipelines.store.StorePipeline before it")
        self.db = store.db

    def process_item(self, item):
        notice_id = notice_id_of(item)
        stats = self.crawler.stats
        if notice_id is None:
            stats.inc_value("breach/incidents/no_notice_id")
            return item
        try:
            attach_notice(self.db, notice_id)
        except KeyError:
            # The store stage did not write it (e.g. it was rejected): nothing to attach.
            stats.inc_value("breach/incidents/notice_not_stored")
            return item
        stats.inc_value("breach/incidents/attached")
        return item

    def close_spider(self):
        self.db = None  # the store stage owns (and closes) the connection
