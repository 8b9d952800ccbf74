"""Scrapy settings for the breach crawler.

Defaults are for the live portals: polite, identified, retrying. A spider pointed at a
loopback copy (`-a base_url=http://127.0.0.1:...`) applies BREACH_LOCAL_SETTINGS instead
(crawler/spiders/base.py), so tests and benchmarks run at full speed.
"""

import os
from importlib.resources import files

BOT_NAME = "breach-crawler"  # Scrapy's name for the project (log lines, default user agent)
# Every spider module here is a source; crawler/sources.py reads the registry from them.
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"  # where `scrapy genspider` writes a new spider
COMMANDS_MODULE = "crawler.commands"  # our commands: nightly, backfill, health, demo, ...
# `scrapy genspider -t state_portal|aggregator NAME DOMAIN` templates (docs/ARCHITECTURE.md,
# "How to add a source"). Only `genspider` reads it, from a source checkout.
TEMPLATES_DIR = str(files("crawler") / "templates")

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
COOKIES_ENABLED = False  # public pages need no session; no tracking across requests
TELNETCONSOLE_ENABLED = False  # no listening ports on a crawler box
REMOTE_CONTROL_ENABLED = False  # no listening ports on a crawler box
CONCURRENT_REQUESTS = 8  # in total, across portals (each portal gets one at a time)
# Items are processed this many at a time per response; pages yield one notice each (list
# pages 50), and Scrapy 2.19 makes one task per slot for every callback's output.
CONCURRENT_ITEMS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1  # one request at a time to any one portal
DOWNLOAD_DELAY = 2  # the floor AutoThrottle never goes below
# The CA CSV export (several MB, generated on request) was seen timing out on a 30 s read.
DOWNLOAD_TIMEOUT = 90
# AutoThrottle slows down further when a portal answers slowly: a state portal is shared.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 5  # seconds before the first responses have been timed
AUTOTHROTTLE_MAX_DELAY = 60  # never wait longer than this between requests
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0  # one request in flight per portal on average

# A copy on this machine (base_url on 127.0.0.1, localhost or ::1) gets none of the live
# politeness: no robots.txt, no delays, quick retries. Applied by the spider at start-up.
BREACH_LOCAL_SETTINGS = {
    "ROBOTSTXT_OBEY": False,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "RETRY_BACKOFF_BASE": 0.05,
    "RETRY_BACKOFF_MAX": 1,
}

# --- Resilience -----------------------------------------------------------------------------
RETRY_ENABLED = True  # portals have bad minutes; a failed request is tried again
RETRY_TIMES = 3  # attempts after the first, with backoff (crawler/middlewares.py)
# Scrapy's defaults; 403 is deliberately absent: it is a block (or Maine offline), not a glitch.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2  # seconds; doubles per attempt (Scrapy's exponential retry backoff)
RETRY_BACKOFF_MAX = 120  # seconds; the longest wait before a retry (or Retry-After)
CLOSESPIDER_ERRORCOUNT = 50  # a crawl that errors this much is broken; stop hammering
# Redirects are followed, but the Maine spider inspects where it landed (offline notice page).
REDIRECT_ENABLED = True

# --- Storage --------------------------------------------------------------------------------
# The SQLite database notices, incidents and the run log are written to.
BREACH_DB_PATH = os.environ.get("BREACH_DB_PATH", "data/breaches.db")
# The store commits notices in batches of this many, or after this many seconds, whichever
# comes first (1 = one transaction per notice). A commit costs an fsync; a crash loses at most
# the batch in flight (crawler/store/notices.py, bench/RESULTS.md).
BREACH_STORE_BATCH_SIZE = 500
BREACH_STORE_BATCH_SECONDS = 1.0
# The dedupe stage attaches notices one by one as they are stored, until matching has cost
# BULK_SECONDS while taking more than BULK_SHARE of the crawl's time, or notices arrive at
# BULK_RATE a second (full speed): then the rest are attached together at the end (same
# result, linear instead of quadratic: crawler/store/attaching.py). A polite live crawl
# stays per notice. BULK_AFTER caps the per-notice phase by count (0 = no cap).
BREACH_DEDUPE_BULK_AFTER = 0
BREACH_DEDUPE_BULK_SECONDS = 1.0
BREACH_DEDUPE_BULK_SHARE = 0.1
BREACH_DEDUPE_BULK_RATE = 50.0  # 0 = never switch by rate
# CA on a live portal reads its list first (every notice stored from its list row, flagged
# detail_pending), then detail pages newest first until the run has lasted this many seconds
# (0 = no limit); later runs continue with what is still waiting (crawler/spiders/details.py).
# BREACH_LIST_FIRST: "auto" (when the crawl waits between requests), "1" or "0".
BREACH_RUN_BUDGET_SECONDS = 3600
BREACH_LIST_FIRST = "auto"
# Per-run JSON-lines archive of every item after the pipelines: the database can be rebuilt
# from these. Empty runs write no file.
FEEDS = {
    "data/runs/%(name)s/%(time)s.jsonl": {
        "format": "jsonlines",
        "encoding": "utf8",
        "store_empty": False,
    }
}
FEED_EXPORT_ENCODING = "utf-8"  # names stay readable in the archive (no \u escapes)

# --- Hearing what is new after `scrapy nightly` (crawler/notify; docs/OPERATIONS.md) ---------
# Each can be set here, with `-s NAME=value`, or by an environment variable of the same name
# (read below, so a scheduled job can set them without editing this file). "" means unset.
# The Atom feed file: "" = feed.atom next to the database; "off" = no feed.
BREACH_FEED_PATH = os.environ.get("BREACH_FEED_PATH", "")
# Entries the feed keeps, newest first.
BREACH_FEED_ENTRIES = os.environ.get("BREACH_FEED_ENTRIES", "100")
# Where to POST each round's entries as JSON; "" = no webhook.
BREACH_WEBHOOK_URL = os.environ.get("BREACH_WEBHOOK_URL", "")
# Attempts per delivery, seconds per attempt, first pause (doubling: 2, 4, 8 s): a dead
# receiver costs the night at most about a minute.
BREACH_WEBHOOK_ATTEMPTS = os.environ.get("BREACH_WEBHOOK_ATTEMPTS", "4")
BREACH_WEBHOOK_TIMEOUT = os.environ.get("BREACH_WEBHOOK_TIMEOUT", "10")
BREACH_WEBHOOK_BACKOFF = os.environ.get("BREACH_WEBHOOK_BACKOFF", "2")
# A file of entity names, one a line: only incidents whose name (or a notice's) contains one
# of them are told about; "" = every incident.
BREACH_WATCHLIST = os.environ.get("BREACH_WATCHLIST", "")

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
    # Nearer the downloader than the retry: a host that is down ends the crawl in seconds.
    "crawler.middlewares.HostDownMiddleware": 560,
}
# Attempts (first try + retries) of a host that fails DNS or refuses connections, with no
# answer from it yet, before the crawl ends with that cause (crawler/middlewares.py).
HOST_DOWN_ATTEMPTS = 2
# The run log: one crawl_runs row per crawl, the run's status and exit code
# (crawler/extensions.py). `scrapy backfill` adds crawler.extensions.BackfillProgress, which
# logs a line every BACKFILL_PROGRESS_SECONDS.
# crawler/gcfreeze.py: objects alive at spider open are left out of the cyclic collector's
# rescans (~5% of a local backfill's CPU).
EXTENSIONS = {
    "crawler.extensions.RunLogExtension": 500,
    "crawler.gcfreeze.GcFreeze": 0,
}
# Scrapy parses a generator callback's source on every call to warn about `return value`
# (its cache misses on bound methods): ~3% of a backfill's CPU, for a check ruff makes.
WARN_ON_GENERATOR_RETURN_VALUE = False
BACKFILL_PROGRESS_SECONDS = 60.0

# --- Scrapy housekeeping --------------------------------------------------------------------
# Spiders use `async def start()`; the asyncio reactor runs coroutines natively.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = os.environ.get("BREACH_LOG_LEVEL", "INFO")  # DEBUG shows tracebacks
# Dropped items are logged at INFO without the item dump (crawler/logformatter.py).
LOG_FORMATTER = "crawler.logformatter.BreachLogFormatter"
