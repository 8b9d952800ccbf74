"""The registry of sources: which spiders run nightly, which can be backfilled, and with what.

What a source *is* (its name, live base URL, politeness) stays on its spider class; this file
only says how the operations commands (`scrapy nightly`, `scrapy backfill`, `scrapy health`)
use it. Live base URLs are read from the spider classes, never copied here.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from scrapy.spiderloader import SpiderLoader

from crawler.platforms import ca

# CA's list pages hold 50 notices each (crawler/spiders/ca_ag.py); its pager links the last.
CA_PAGE_SIZE = 50
CA_LAST_PAGE = re.compile(r'class="pager-last"><a[^>]*href="[^"]*[?&]page=(\d+)')


def ca_expected_notices(spider, response) -> int | None:
    """How many notices CA has, from a list page's pager: at most (last page + 1) x 50 from
    the "last »" link; exactly, once the last page itself is read."""
    if "/privacy/databreach/list" not in response.url or not hasattr(response, "text"):
        return None
    match = CA_LAST_PAGE.search(response.text)
    if match:
        return (int(match[1]) + 1) * CA_PAGE_SIZE
    current = ca.active_page_number(response.text)  # the last page has no "last »" link
    if current is not None:
        return (current - 1) * CA_PAGE_SIZE + len(ca.parse_list_page(response.text).rows)
    return None


def me_expected_notices(spider, response) -> int | None:
    """Maine lists every notice in one table; the spider records the row count it read."""
    rows = (getattr(spider, "run_details", None) or {}).get("list", {}).get("rows")
    return rows or None


@dataclass(frozen=True)
class Source:
    spider: str  # the spider's name
    nightly: bool  # part of `scrapy nightly`
    backfill: bool  # `scrapy backfill <spider>` is meaningful
    nightly_args: dict = field(default_factory=dict)  # spider arguments besides mode/base_url
    backfill_args: dict = field(default_factory=dict)
    # For backfill progress: (spider, response) -> expected number of notices, when a page
    # tells (None otherwise).
    expected_notices: Callable | None = None


SOURCES: tuple[Source, ...] = (
    Source("ca_ag", nightly=True, backfill=True, expected_notices=ca_expected_notices),
    Source("me_ag", nightly=True, backfill=True, expected_notices=me_expected_notices),
    # The 2010-2020 workbooks: closed, read once; re-reading nightly would change nothing.
    Source("me_ag_archive", nightly=False, backfill=True),
    Source("agg_rankiteo", nightly=True, backfill=True),
    Source("agg_csidb", nightly=True, backfill=True),
)
BY_NAME = {source.spider: source for source in SOURCES}


class UnknownSourceError(ValueError):
    pass


def get(name: str) -> Source:
    try:
        return BY_NAME[name]
    except KeyError:
        known = ", ".join(BY_NAME)
        raise UnknownSourceError(f"unknown source {name!r} (known: {known})") from None


def nightly_sources(only: list[str] | None = None) -> list[Source]:
    """The nightly sources in registry order, restricted to `only` when given."""
    if not only:
        return [s for s in SOURCES if s.nightly]
    chosen = [get(name) for name in only]
    not_nightly = [s.spider for s in chosen if not s.nightly]
    if not_nightly:
        raise UnknownSourceError(f"not a nightly source: {', '.join(not_nightly)}")
    wanted = {s.spider for s in chosen}
    return [s for s in SOURCES if s.spider in wanted]


def live_base_url(settings, name: str) -> str:
    """The live base URL of a source, as its spider class declares it."""
    return SpiderLoader.from_settings(settings).load(name).live_base_url


def parse_names(text: str | None) -> list[str]:
    """`"ca_ag, me_ag"` -> `["ca_ag", "me_ag"]`."""
    return [name.strip() for name in (text or "").split(",") if name.strip()]


def parse_base_urls(values: list[str] | None) -> dict[str, str]:
    """Repeated `--base-url NAME=URL` options -> {name: url}; unknown names are errors."""
    urls: dict[str, str] = {}
    for value in values or []:
        name, sep, url = value.partition("=")
        name, url = name.strip(), url.strip()
        if not sep or not name or not url.startswith(("http://", "https://")):
            raise UnknownSourceError(
                f"--base-url wants NAME=http(s)://host[:port][/prefix], not {value!r}"
            )
        get(name)
        urls[name] = url
    return urls
