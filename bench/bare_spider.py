"""The baseline: a bare Scrapy crawl of the same pages our spiders fetch, doing nothing else.

No-op callbacks that only follow the same links (CA: `li.next` and the detail links of each
list page, plus the CSV export as backfill fetches it; Maine: the detail link of every list
row; Rankiteo: sitemap index -> posts sitemap -> posts), with Scrapy's defaults otherwise:
no item pipelines, no extensions or middlewares of ours, no feed export, no database.
Concurrency and politeness are the same as our spiders get on a loopback copy
(crawler/settings.py BREACH_LOCAL_SETTINGS), as are the reactor, cookies and log level.

Run standalone (not through the project settings):
    python bench/bare_spider.py --source ca --base http://127.0.0.1:PORT/ca [--stats FILE]
The crawl's Scrapy stats are written as JSON to --stats.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.settings import BREACH_LOCAL_SETTINGS as LOCAL_SETTINGS  # noqa: E402

SETTINGS = {
    **LOCAL_SETTINGS,
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    "USER_AGENT": "breach-crawler-bench/0.1",
    "DOWNLOAD_TIMEOUT": 90,
}
# `--our-process-settings`: the two settings of our crawl that make Scrapy itself cheaper
# (crawler/settings.py), for the stage table's "how much of the gap is the collector" row.
OUR_PROCESS_SETTINGS = {
    "EXTENSIONS": {"crawler.gcfreeze.GcFreeze": 0},
    "WARN_ON_GENERATOR_RETURN_VALUE": False,
}
LIVE_HOSTS = re.compile(r"^https?://(www\.)?(oag\.ca\.gov|blog\.rankiteo\.com|maine\.gov)")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, source: str, base: str, **kwargs):
        super().__init__(**kwargs)
        self.source, self.base = source, base.rstrip("/")

    def local(self, response, href: str) -> str:
        """Live absolute or root-relative links moved onto the copy (as our spiders do)."""
        href = LIVE_HOSTS.sub("", href.strip())
        if href.startswith("/"):
            return self.base + href
        return response.urljoin(href)

    async def start(self):
        if self.source == "ca":
            yield scrapy.Request(self.base + "/privacy/databreach/list", callback=self.ca_list)
            yield scrapy.Request(self.base + "/privacy/databreach/list-export", self.noop)
        elif self.source == "me":
            path = "/agviewer/content/ag/985235c7-cb95-4be2-8792-a1252b4f8318/list.html"
            yield scrapy.Request(self.base + path, callback=self.me_list)
        elif self.source == "rankiteo":
            yield scrapy.Request(self.base + "/sitemap.xml", callback=self.sitemap)

    def ca_list(self, response):
        for href in response.css("tbody tr td a::attr(href)").getall():
            if "/reports/" in href:
                yield scrapy.Request(self.local(response, href), callback=self.noop)
        next_href = response.css("ul.pagination li.next a::attr(href)").get()
        if next_href:
            yield scrapy.Request(self.local(response, next_href), callback=self.ca_list)

    def me_list(self, response):
        for href in response.css("table tbody tr a::attr(href)").getall():
            yield scrapy.Request(self.local(response, href), callback=self.noop)

    def sitemap(self, response):
        response.selector.remove_namespaces()
        for loc in response.xpath("//sitemap/loc/text()").getall():
            if "sitemap-posts" in loc:
                yield scrapy.Request(self.local(response, loc), callback=self.sitemap)
        for loc in response.xpath("//url/loc/text()").getall():
            yield scrapy.Request(self.local(response, loc), callback=self.noop)

    def noop(self, response):
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", choices=("ca", "me", "rankiteo"), required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--stats")
    parser.add_argument("--our-process-settings", action="store_true")
    args = parser.parse_args()
    process = CrawlerProcess(
        {**SETTINGS, **(OUR_PROCESS_SETTINGS if args.our_process_settings else {})}
    )
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, source=args.source, base=args.base)
    process.start()
    if args.stats:
        Path(args.stats).write_text(json.dumps(crawler.stats.get_stats(), default=str))


if __name__ == "__main__":
    main()
