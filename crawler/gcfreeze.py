"""Scrapy extension: move every object alive when the spider opens out of the collector's way.

A crawl allocates and frees container objects (requests, responses, items, Deferreds) by the
hundred thousand, and CPython's cyclic collector periodically rescans every tracked object,
the modules, classes and tables loaded at start-up included. On a 10,000-page backfill that
rescanning was ~2 s of CPU in our crawl and ~4 s in a bare Scrapy crawl of the same pages
(bench/RESULTS.md). `gc.freeze()` at spider open puts what exists then into a permanent
generation that the collector skips; everything created later is collected as before. The
cost: start-up objects that later become cyclic garbage are never freed (there are few).
The benchmark's bare crawl runs without it; its stage tables show a bare crawl with it too.
"""

import gc

from scrapy import signals


class GcFreeze:
    @classmethod
    def from_crawler(cls, crawler):
        extension = cls()
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self) -> None:
        gc.collect()  # what is garbage already goes now, not into the permanent generation
        gc.freeze()
