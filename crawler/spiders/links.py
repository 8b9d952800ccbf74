"""URL helpers for the spiders' link handling (crawler/spiders/base.py), kept cheap: a
backfill resolves a link or two on each of its thousands of detail pages."""

import re
from functools import lru_cache
from urllib.parse import urlsplit

# An absolute http(s) URL that `urljoin` returns unchanged whatever the base: a lower-case
# scheme, a plain host, and no params (";"), empty query or fragment for it to rewrite.
_PLAIN_ABSOLUTE = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~!$&'()*+,=:@%/-]*)?"
    r"(?:\?[A-Za-z0-9._~!$&'()*+,=:@%/?-]+)?"
)


def joins_unchanged(href: str) -> bool:
    """Whether `urljoin(base, href) == href` for every base, so the join can be skipped."""
    return _PLAIN_ABSOLUTE.fullmatch(href) is not None


@lru_cache(maxsize=64)
def live_hosts(live_base_url: str, aliases: tuple[str, ...]) -> frozenset[str]:
    """The hosts of a source's live site: its base URL's and its aliases."""
    return frozenset({urlsplit(live_base_url).netloc, *aliases})
