"""`scrapy crawl`, with an exit code that tells whether the source was healthy.

Exit codes: 0 the source was healthy; 1 it broke (errors, a changed layout, a crawl stopped
early); 2 it reported itself offline, or the command was used wrongly (an unknown spider, a
mode the source does not have, a base URL without scheme or host). Usage errors are one line
on stderr and happen before the crawl starts, so no run is recorded. Scrapy's own crawl exits
0 in all of these cases, which would let a scheduled job fail silently.
"""

import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import AsyncCrawlerProcess, CrawlerProcess
from scrapy.exceptions import UsageError

from crawler import sources
from crawler.extensions import STATUS_EXIT_CODES
from crawler.spiders.base import SpiderArgumentError
from crawler.store.checks import refusal

USAGE_EXIT_CODE = 2


class Command(ScrapyCrawlCommand):
    # The crawler process (and its start-up log) is made in run(), once the usage is checked.
    requires_crawler_process = False

    def short_desc(self) -> str:
        return "Run a spider; exit 0 if the source was healthy, 1 if it broke, 2 if offline"

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        try:
            source = sources.source_info(args[0], self.settings)
            source.spider_class.check_arguments(**opts.spargs)
        except (sources.UnknownSourceError, SpiderArgumentError) as error:
            print(f"scrapy crawl: {error}", file=sys.stderr)
            self.exitcode = USAGE_EXIT_CODE
            return
        if refused := refusal(self.settings.get("BREACH_DB_PATH")):  # crawler/store/checks.py
            self.exitcode, message = refused
            print(message, file=sys.stderr)
            return
        self.crawler_process = self._make_process()
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        status = getattr(crawler, "breach_status", "error")
        self.exitcode = STATUS_EXIT_CODES.get(status, 1)

    def _make_process(self):
        """The process scrapy.cmdline would have made (the asyncio reactor gets the async one)."""
        asyncio_reactor = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
        if (
            self.settings["TWISTED_REACTOR"] == asyncio_reactor
            and not self.settings.getbool("FORCE_CRAWLER_PROCESS")
        ) or not self.settings.getbool("TWISTED_REACTOR_ENABLED"):
            return AsyncCrawlerProcess(self.settings)
        return CrawlerProcess(self.settings)
