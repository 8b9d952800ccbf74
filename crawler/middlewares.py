"""Our downloader middlewares (registered in crawler/settings.py).

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
from twisted.python.failure import Failure


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
        self.down: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        # Requests held back until robots.txt was read reach here after the host was found
        # down: each would wait its crawl delay only to fail the same way.
        if self.closing and urlsplit(request.url).netloc in self.down:
            raise IgnoreRequest(self.closing)
        return None

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
        self.down.add(host)
        if not self.closing:
            self.closing = reason
            logger.error("%s: ending the crawl of %s", reason, self.crawler.spider.name)
            self.crawler.stats.set_value("breach/host_down", reason)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))
            self._drop_queued(urlsplit(request.url).hostname or "", reason)
        raise IgnoreRequest(reason)

    def _drop_queued(self, hostname: str, reason: str) -> None:
        # Closing the spider waits for every request already queued in the host's download
        # slot, each after the live crawl delay (5-10 s): a dead host would hold the run for a
        # minute. Those requests can only fail the same way, so they are failed now. Scrapy has
        # no public API for this; without the slot (another Scrapy version) the close just
        # takes longer.
        downloader = getattr(self.crawler.engine, "downloader", None)
        slot = getattr(downloader, "slots", {}).get(hostname)
        queue = getattr(slot, "queue", None)
        while queue:
            _request, deferred = queue.popleft()
            deferred.errback(Failure(IgnoreRequest(reason)))
