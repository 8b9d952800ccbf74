"""RunLog: one `crawl_runs` row per crawl, opened when the spider opens, closed when it closes.

The run's `source_status` is what a person needs to know about the source tonight:
- `offline`: the source said it is offline (Maine since June 2026);
- `layout_changed`: pages no longer look like the portal we parse;
- `error`: requests failed after retries, the spider raised, or the crawl stopped early;
- `ok`: none of those.
A crawl killed outright leaves its row at `running`: that, too, is the truth.
"""

import json

from scrapy import signals

from crawler.store.db import connect, dumps, now_iso

STATUS_EXIT_CODES = {"ok": 0, "error": 1, "layout_changed": 1, "offline": 2}


def run_status(stats: dict, finish_reason: str) -> tuple[str, str]:
    """(source_status, reason) from a finished crawl's stats."""
    if stats.get("breach/source_offline"):
        return "offline", "the source reports that it is offline"
    if stats.get("breach/layout_changed"):
        return "layout_changed", f"{stats['breach/layout_changed']} page(s) had an unknown layout"
    errors = stats.get("log_count/ERROR", 0)
    if finish_reason != "finished":
        return "error", f"crawl stopped early: {finish_reason}"
    if errors:
        return "error", f"{errors} error(s) logged"
    return "ok", ""


class RunLogExtension:
    def __init__(self, crawler):
        self.crawler = crawler
        self.db = None
        self.run_id = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        self.db = connect(self.crawler.settings.get("BREACH_DB_PATH"))
        with self.db.conn:
            table = self.db["crawl_runs"].insert(
                {
                    "spider": spider.name,
                    "mode": getattr(spider, "mode", None),
                    "base_url": getattr(spider, "base_url", None),
                    "started_at": now_iso(),
                    "source_status": "running",
                }
            )
        self.run_id = table.last_pk
        self.crawler.stats.set_value("breach/run_id", self.run_id)

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats.get_stats()
        status, why = run_status(stats, reason)
        self.crawler.stats.set_value("breach/source_status", status)
        self.crawler.breach_status = status  # read by the commands for their exit code
        row = {
            "finished_at": now_iso(),
            "finish_reason": reason,
            "source_status": status,
            "status_reason": why,
            "requests": stats.get("downloader/request_count", 0),
            "responses": stats.get("downloader/response_count", 0),
            "notices_new": stats.get("breach/notices/new", 0),
            "notices_updated": stats.get("breach/notices/updated", 0),
            "notices_unchanged": stats.get("breach/notices/unchanged", 0),
            "notices_rejected": sum(
                v for k, v in stats.items() if k.startswith("breach/rejected/")
            ),
            "notices_removed": stats.get("breach/notices/removed", 0),
            "errors": stats.get("log_count/ERROR", 0),
            "details": dumps(getattr(spider, "run_details", None) or None),
            "stats": json.dumps(stats, default=str, sort_keys=True),
        }
        with self.db.conn:
            self.db["crawl_runs"].update(self.run_id, row)
        self.db.conn.close()
        log = spider.logger.info if status == "ok" else spider.logger.error
        log("Run %s of %s: %s %s", self.run_id, spider.name, status, why)
