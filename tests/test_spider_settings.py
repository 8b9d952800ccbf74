"""Live manners by default, full speed on a loopback copy, and oag.ca.gov's TLS needs."""

import importlib.util

import pytest
from OpenSSL import SSL
from scrapy.core.downloader.contextfactory import _load_context_factory_from_settings
from scrapy.crawler import Crawler
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from crawler import sources

# The registry is the spider classes themselves (crawler/sources.py).
SPIDERS = sources.names()


def crawler_for(name: str, **args) -> Crawler:
    """A crawler with its spider made from `args`, settings as the crawl would see them."""
    settings = get_project_settings()
    spider_cls = SpiderLoader.from_settings(settings).load(name)
    crawler = Crawler(spider_cls, settings)
    crawler.spider = spider_cls.from_crawler(crawler, **args)
    return crawler


def test_every_spider_is_registered_under_its_file_name():
    assert sorted(SpiderLoader.from_settings(get_project_settings()).list()) == sorted(SPIDERS)
    assert {"ca_ag", "me_ag", "me_ag_archive", "agg_rankiteo", "agg_csidb"} <= set(SPIDERS)
    for source in sources.all_sources():
        assert source.spider_class.__module__ == f"crawler.spiders.{source.name}"
        # Its page reader is named after it (crawler/pages/<spider>.py).
        assert importlib.util.find_spec(f"crawler.pages.{source.name}") is not None


@pytest.mark.parametrize("name", SPIDERS)
def test_every_source_declares_what_it_is(name):
    source = sources.source_info(name)
    assert source.kind in ("state", "aggregator")
    if source.kind == "state":
        assert len(source.jurisdiction or "") == 2
        assert source.jurisdiction.isupper()
    else:
        assert source.jurisdiction is None
    assert source.modes
    assert set(source.modes) <= {"nightly", "backfill"}
    assert source.live_base_url.startswith("https://")
    assert sources.kind_of(name) == source.kind
    assert sources.jurisdiction_of(name) == source.jurisdiction


def test_the_registry_knows_what_each_source_is():
    assert sources.jurisdiction_of("ca_ag") == "CA"
    assert sources.jurisdiction_of("me_ag_archive") == "ME"
    assert sources.kind_of("agg_rankiteo") == "aggregator"
    assert sources.jurisdiction_of("agg_csidb") is None
    assert [s.name for s in sources.nightly_sources()][:2] == ["ca_ag", "me_ag"]
    assert "me_ag_archive" not in [s.name for s in sources.nightly_sources()]
    with pytest.raises(sources.UnknownSourceError, match="known: "):
        sources.source_info("nosuch")


@pytest.mark.parametrize("name", SPIDERS)
def test_live_defaults_are_polite(name):
    settings = crawler_for(name).settings
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getfloat("DOWNLOAD_DELAY") >= 2
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert "breach-crawler" in settings.get("USER_AGENT")
    assert "+" in settings.get("USER_AGENT")  # a contact follows the "+"


@pytest.mark.parametrize("name", SPIDERS)
def test_a_loopback_copy_gets_no_politeness(name):
    crawler = crawler_for(name, base_url="http://127.0.0.1:8765/x")
    assert not crawler.settings.getbool("ROBOTSTXT_OBEY")
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 0
    assert not crawler.settings.getbool("AUTOTHROTTLE_ENABLED")
    assert crawler.spider.url("/a?b=1") == "http://127.0.0.1:8765/x/a?b=1"


def test_ca_honours_the_robots_crawl_delay_and_moves_urls_between_copies():
    crawler = crawler_for("ca_ag")
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 10
    local = crawler_for("ca_ag", base_url="http://127.0.0.1:8765/ca").spider
    live_link = "https://oag.ca.gov/ecrime/databreach/reports/sb24-1"
    assert local.rebase(live_link) == "http://127.0.0.1:8765/ca/ecrime/databreach/reports/sb24-1"
    assert local.canonical(local.rebase(live_link)) == live_link


def test_ca_tls_offers_the_one_cipher_and_allows_legacy_renegotiation():
    crawler = crawler_for("ca_ag")
    assert crawler.settings.get("DOWNLOADER_CLIENT_TLS_CIPHERS").startswith(
        "ECDHE-RSA-AES128-GCM-SHA256"
    )
    factory = _load_context_factory_from_settings(crawler)
    context = factory.getContext()
    op_legacy_server_connect = 0x4
    assert context.set_options(0) & op_legacy_server_connect
    assert isinstance(context, SSL.Context)


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        crawler_for("ca_ag", mode="weekly")
    with pytest.raises(ValueError, match="supports mode backfill"):
        crawler_for("me_ag_archive", mode="nightly")
    assert crawler_for("me_ag_archive").spider.mode == "backfill"
