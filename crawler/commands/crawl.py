"""`scrapy crawl`, with an exit code that tells whether the source was healthy.

Exit codes: 0 the source was healthy; 1 it broke (errors, a changed layout, a crawl stopped
early); 2 it reported itself offline. Scrapy's own crawl exits 0 in all of these cases,
which would let a scheduled job fail silently.
"""

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.extensions import STATUS_EXIT_CODES
from crawler.store.checks import refusal


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider; exit 0 if the source was healthy, 1 if it broke, 2 if offline"

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        if refused := refusal(self.settings.get("BREACH_DB_PATH")):  # crawler/store/checks.py
            self.exitcode, message = refused
            print(message, file=sys.stderr)
            return
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        status = getattr(crawler, "breach_status", "error")
        self.exitcode = STATUS_EXIT_CODES.get(status, 1)
