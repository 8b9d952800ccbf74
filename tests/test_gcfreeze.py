"""crawler/gcfreeze.py: objects alive at spider open leave the collector's rescans; later
garbage is still collected."""

import gc
import weakref

from scrapy import Spider, signals
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.gcfreeze import GcFreeze


class Cycle:
    def __init__(self):
        self.me = self


def test_spider_open_freezes_what_exists_and_later_cycles_are_still_freed():
    assert "crawler.gcfreeze.GcFreeze" in project_settings.EXTENSIONS
    crawler = get_crawler(Spider, {"EXTENSIONS": {"crawler.gcfreeze.GcFreeze": 0}})
    GcFreeze.from_crawler(crawler)
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        crawler.signals.send_catch_log(signals.spider_opened, spider=Spider("x"))
        assert gc.get_freeze_count() > 1000  # modules, classes, settings: frozen
        later = Cycle()
        alive = weakref.ref(later)
        del later
        gc.collect()
        assert alive() is None  # a cycle made after the freeze is collected as before
    finally:
        gc.unfreeze()
