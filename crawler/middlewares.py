"""Our downloader and spider middlewares (registered in crawler/settings.py).

Retries that wait: exponential backoff, and the server's Retry-After when it sends one.
Scrapy's RetryMiddleware re-queues a failed request at once; a struggling government portal
deserves a pause. This subclass keeps every RetryMiddleware rule (codes, exceptions,
`max_retry_times`, give-up logging) and only waits before handing the retry back.

A host that cannot be resolved, or refuses connections, before it has answered once in this
crawl ends the crawl in seconds with the cause as the finish reason ("DNS lookup failed for
oag.ca.gov"), instead of minutes of retries and tracebacks (HostDownMiddleware).
"""

import asyncio
import logging
from collections import Counter
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    IgnoreRequest,
)
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.error import ConnectionRefusedError, DNSLookupError

from crawler.items import BreachNotice
from crawler.textparse.decoding import misdecoded


def retry_after_seconds(value: bytes | None) -> float | None:
    """Seconds from a Retry-After header given in seconds (HTTP dates are ignored)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.decode("latin-1").strip()))
    except ValueError:
        return None


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    def _delay(self, request, retry_after: float | None = None) -> float:
        attempt = request.meta.get("retry_times", 0)
        delay = self.backoff_base * (2**attempt)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.backoff_max)

    async def process_response(self, request, response):
        result = super().process_response(request, response)
        if result is not response:
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            await asyncio.sleep(self._delay(request, retry_after))
        return result

    async def process_exception(self, request, exception):
        result = super().process_exception(request, exception)
        if result is not None:
            await asyncio.sleep(self._delay(request))
        return result


logger = logging.getLogger(__name__)


def host_down_reason(url: str, exception: Exception) -> str | None:
    """The one-line cause when `exception` says the host of `url` cannot be reached at all."""
    parts = urlsplit(url)
    if isinstance(exception, DNSLookupError | CannotResolveHostError):
        return f"DNS lookup failed for {parts.hostname}"
    if isinstance(exception, ConnectionRefusedError | DownloadConnectionRefusedError):
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"connection refused by {parts.hostname}:{port}"
    return None


class HostDownMiddleware:
    """Ends the crawl when a host it has not heard from fails DNS or refuses connections.

    `HOST_DOWN_ATTEMPTS` attempts in a row (the first try and its first retry, seconds apart
    with the retry backoff) with no answer from that host in between: one glitch is retried,
    a host that is down or misspelt is not retried for minutes.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.attempts = crawler.settings.getint("HOST_DOWN_ATTEMPTS", 2)
        self.failures: Counter = Counter()
        self.answered: set[str] = set()
        self.closing: str | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        host = urlsplit(request.url).netloc
        self.answered.add(host)
        self.failures[host] = 0
        return response

    def process_exception(self, request, exception):
        reason = host_down_reason(request.url, exception)
        host = urlsplit(request.url).netloc
        if reason is None or host in self.answered:
            return None
        self.failures[host] += 1
        if self.failures[host] < self.attempts and not self.closing:
            return None  # Scrapy's retry tries once more after its backoff
        if not self.closing:
            self.closing = reason
            logger.error("%s: ending the crawl of %s", reason, self.crawler.spider.name)
            self.crawler.stats.set_value("breach/host_down", reason)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))
        raise IgnoreRequest(reason)


# Item fields that are text as published (raw keeps everything anyway; URLs are ASCII).
_TEXT_FIELDS = (
    "entity_name",
    "entity_address",
    "organization_type",
    "breach_dates",
    "reported_date",
    "discovered_date",
    "notification_dates",
    "total_affected",
    "residents_affected",
    "data_types",
)


class MisdecodedTextMiddleware:
    """Flags `misdecoded:<field>` on any notice whose text shows a wrong decoding (U+FFFD,
    "Ã©"): such a value is kept (nothing is dropped) but never passes as clean text."""

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls()
        middleware.crawler = crawler
        return middleware

    async def process_spider_output_async(self, response, result):
        async for output in result:
            yield self._checked(output)

    def process_spider_output(self, response, result):
        for output in result:
            yield self._checked(output)

    def _checked(self, output):
        if not isinstance(output, BreachNotice):
            return output
        bad = [name for name in _TEXT_FIELDS if misdecoded(output.get(name))]
        if bad:
            flags = output.setdefault("flags", [])
            flags.extend(f"misdecoded:{name}" for name in bad if f"misdecoded:{name}" not in flags)
            self.crawler.stats.inc_value("breach/misdecoded", len(bad))
        return output
