"""Scrapy settings for the breach crawler.

Defaults are for the live portals: polite, identified, retrying. A spider pointed at a
loopback copy (`-a base_url=http://127.0.0.1:...`) drops the politeness settings itself
(crawler/platforms/base.py), so tests and benchmarks run at full speed.
"""

import os

BOT_NAME = "breach-crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- Identity -------------------------------------------------------------------------------
# Who to contact about this crawler; set BREACH_CONTACT to your own URL or e-mail address.
BREACH_CONTACT = os.environ.get(
    "BREACH_CONTACT", "https://github.com/breach-crawler/breach-crawler"
)
USER_AGENT = f"breach-crawler/0.1 (+{BREACH_CONTACT}; open data-breach notice archive)"

# --- Manners on live portals ----------------------------------------------------------------
# robots.txt rules are obeyed; a portal's Crawl-delay (oag.ca.gov: 10 s, observed 2026-08-07)
# is set per spider as `live_crawl_delay`, because Scrapy does not read Crawl-delay.
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening ports on a crawler box
CONCURRENT_REQUESTS = 8
# Items are processed this many at a time per response; pages yield one notice each (list
# pages 50), and Scrapy 2.19 makes one task per slot for every callback's output.
CONCURRENT_ITEMS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2  # the floor AutoThrottle never goes below
# The CA CSV export was seen timing out on a 30 s read (PORTALS.md 1.2).
DOWNLOAD_TIMEOUT = 90
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 5
AUTOTHROTTLE_MAX_DELAY = 60
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# --- Resilience -----------------------------------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 3
# Scrapy's defaults; 403 is deliberately absent: it is a block (or Maine offline), not a glitch.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2  # seconds; doubles per attempt (Scrapy's exponential retry backoff)
RETRY_BACKOFF_MAX = 120
CLOSESPIDER_ERRORCOUNT = 50  # a crawl that errors this much is broken; stop hammering
# Redirects are followed, but the Maine spider inspects where it landed (offline notice page).
REDIRECT_ENABLED = True

# --- Storage --------------------------------------------------------------------------------
BREACH_DB_PATH = os.environ.get("BREACH_DB_PATH", "data/breaches.db")
# The store commits notices in batches of this many, or after this many seconds, whichever
# comes first (1 = one transaction per notice). A commit costs an fsync; a crash loses at most
# the batch in flight (crawler/store/notices.py, bench/RESULTS.md).
BREACH_STORE_BATCH_SIZE = 500
BREACH_STORE_BATCH_SECONDS = 1.0
# The dedupe stage attaches notices one by one until this many, or until matching has taken
# this many seconds in the crawl; then it rebuilds all incidents once at the end (same result,
# linear instead of quadratic: crawler/store/attaching.py).
BREACH_DEDUPE_BULK_AFTER = 1000
BREACH_DEDUPE_BULK_SECONDS = 5.0
# Per-run JSON-lines archive of every item after the pipelines: the database can be rebuilt
# from these. Empty runs write no file.
FEEDS = {
    "data/runs/%(name)s/%(time)s.jsonl": {
        "format": "jsonlines",
        "encoding": "utf8",
        "store_empty": False,
    }
}
FEED_EXPORT_ENCODING = "utf-8"

# Items pass clean -> validate -> store -> dedupe (docs/ARCHITECTURE.md, "Flow"). The store and
# dedupe stages and the run log share one connection, the crawl's StoreSession.
ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 200,
    "pipelines.validate.ValidatePipeline": 400,
    "pipelines.store.StorePipeline": 900,
    "pipelines.dedupe.DedupePipeline": 950,
}
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's retry, plus a wait between attempts (crawler/middlewares.py).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
}
# The run log: one crawl_runs row per crawl (crawler/extensions.py). `scrapy backfill` adds
# crawler.extensions.BackfillProgress, which logs a line every BACKFILL_PROGRESS_SECONDS.
EXTENSIONS = {
    "crawler.extensions.RunLogExtension": 500,
}
BACKFILL_PROGRESS_SECONDS = 60.0

# --- Scrapy housekeeping --------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = os.environ.get("BREACH_LOG_LEVEL", "INFO")
LOG_FORMATTER = "crawler.logformatter.BreachLogFormatter"
