"""Retries that wait: exponential backoff, and the server's Retry-After when it sends one.

Scrapy's RetryMiddleware re-queues a failed request at once; a struggling government portal
deserves a pause. This subclass keeps every RetryMiddleware rule (codes, exceptions,
`max_retry_times`, give-up logging) and only waits before handing the retry back.
"""

import asyncio

from scrapy.downloadermiddlewares.retry import RetryMiddleware


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
