"""POST a JSON payload to a webhook: a few attempts with growing pauses, each bounded by a
timeout, so the whole delivery takes at most about attempts x timeout + the pauses."""

import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

logger = logging.getLogger(__name__)
USER_AGENT = "breach-crawler/0.1 (notification webhook)"


@dataclass
class Delivery:
    ok: bool
    attempts: int
    detail: str  # the HTTP status, or the last error


def _retryable(status: int) -> bool:
    # The receiver may come back: rate limited, or a server error. Other 4xx will not change.
    return status == 429 or status >= 500


def post_json(
    url: str,
    body: bytes,
    *,
    attempts: int = 4,
    timeout: float = 10.0,
    backoff: float = 2.0,
    sleep=time.sleep,
) -> Delivery:
    """Deliver `body`; pauses of backoff, 2 x backoff, 4 x backoff... between attempts."""
    detail = "not attempted"
    for attempt in range(1, max(attempts, 1) + 1):
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Delivery(True, attempt, f"HTTP {response.status}")
        except urllib.error.HTTPError as error:
            detail = f"HTTP {error.code}"
            if not _retryable(error.code):
                return Delivery(False, attempt, detail)
        except (OSError, ValueError) as error:  # refused, timed out, DNS, a bad URL
            detail = f"{type(error).__name__}: {error}"
            if isinstance(error, ValueError):
                return Delivery(False, attempt, detail)
        if attempt < attempts:
            pause = backoff * 2 ** (attempt - 1)
            logger.warning("Webhook attempt %d failed (%s); again in %gs", attempt, detail, pause)
            sleep(pause)
    return Delivery(False, max(attempts, 1), detail)
