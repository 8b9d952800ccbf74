"""The base class every breach spider inherits: what the source is, modes, base URL, run status.

A spider class declares its source (the only registry; crawler/sources.py reads it through
Scrapy's SpiderLoader): `jurisdiction` (state code, None for an aggregator), `source_kind`
("state" portal or "aggregator"), `modes`, `live_base_url` and `live_crawl_delay`.

Arguments (`scrapy crawl <name> -a key=value`):
- `mode`: `nightly` (default: cheap, incremental) or `backfill` (everything the source has),
  among the spider's `modes`;
- `base_url`: `http://host:port[/prefix]` sends every request to that host, same paths under
  the prefix, so any local copy of a portal can be crawled. Stored URLs stay the live ones;
- `db_path`: the database to read what is already stored (default: BREACH_DB_PATH).
"""

import ipaddress
import logging
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider

from crawler import logfilter
from crawler.items import BreachNotice
from crawler.spiders.arguments import known_arguments, unknown_arguments
from crawler.spiders.links import joins_unchanged, live_hosts
from crawler.store.db import loads

MODES = ("nightly", "backfill")
KINDS = ("state", "aggregator")


class SpiderArgumentError(ValueError):
    """A spider argument that cannot work (unknown mode, base URL without scheme or host):
    a usage error, reported before anything is crawled or recorded."""


def check_base_url(base_url: str) -> None:
    """Raise SpiderArgumentError unless `base_url` is `http(s)://host[:port][/prefix]`."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SpiderArgumentError(
            f"base_url must be http(s)://host[:port][/prefix], not {base_url!r}"
        )


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def add_flag(item: BreachNotice, flag: str) -> None:
    """Add a flag to an item once, keeping the flags it has."""
    flags = item.setdefault("flags", [])
    if flag not in flags:
        flags.append(flag)


def site_key(base_url: str) -> str:
    """Which site a base URL is, for run history: a live URL itself; a loopback copy by its
    path prefix, whatever its port ("local:/ca")."""
    base_url = base_url.rstrip("/")
    if is_loopback(base_url):
        return "local:" + urlsplit(base_url).path
    return base_url


class BreachSpider(scrapy.Spider):
    """Shared behaviour; subclasses set `name` and declare their source below."""

    # --- What the source is (read by crawler/sources.py; nothing parses the spider's name) ---
    jurisdiction: str | None = None  # two-letter state code of a state portal; None otherwise
    source_kind = "state"  # "state" for an AG portal, "aggregator" otherwise
    # Modes this source supports; `scrapy nightly` runs the sources whose modes include
    # "nightly", `scrapy backfill` those with "backfill". A new source declares none (`()`)
    # until its saved-page case passes: it is then in no scheduled run, but `scrapy crawl`
    # still tries it in either mode (`crawl_modes`).
    modes: tuple[str, ...] = MODES
    live_base_url = ""  # e.g. "https://oag.ca.gov"
    # Where the source comes in `scrapy nightly` and the summary tables (ties: by name).
    run_order = 100
    # Other hosts whose links in pages belong to the same copy (e.g. "www.oag.ca.gov").
    live_aliases: tuple[str, ...] = ()
    # Seconds between requests to the live portal (robots.txt Crawl-delay where published).
    live_crawl_delay: float | None = None

    @classmethod
    def crawl_modes(cls) -> tuple[str, ...]:
        """The modes `scrapy crawl` accepts: the declared ones, or any while none is declared."""
        return tuple(cls.modes) or MODES

    # Run a nightly by default when the source has one, else its only mode.
    @classmethod
    def default_mode(cls) -> str:
        modes = cls.crawl_modes()
        return "nightly" if "nightly" in modes else modes[0]

    @classmethod
    def known_arguments(cls) -> list[str]:
        """The `-a` arguments this spider reads (crawler/spiders/arguments.py)."""
        return known_arguments(cls, BreachSpider)

    @classmethod
    def check_arguments(
        cls, mode: str | None = None, base_url: str | None = None, **others
    ) -> None:
        """Raise SpiderArgumentError for arguments that cannot work, before any run starts
        (the crawl command calls this before the run log opens; __init__ calls it too).

        An argument no `__init__` reads is an error (`-a mdoe=backfill` would otherwise run
        a nightly silently). Names starting with "_" pass: Scrapyd adds `_job` to every run.
        """
        if message := unknown_arguments(cls.name, cls.known_arguments(), others):
            raise SpiderArgumentError(message)
        if mode is not None and mode not in cls.crawl_modes():
            raise SpiderArgumentError(
                f"{cls.name} supports mode {' or '.join(cls.crawl_modes())}, not {mode!r}"
            )
        if base_url is not None:
            check_base_url(base_url)

    def __init__(
        self,
        *args,
        mode: str | None = None,
        base_url: str | None = None,
        db_path: str | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.check_arguments(mode=mode, base_url=base_url, **kwargs)
        self.mode = mode or self.default_mode()
        self.base_url = (base_url or self.live_base_url).rstrip("/")
        self.db_path = db_path
        self.run_details: dict = {}
        self.removed_source_ids: set[str] | None = None
        self.seen_source_ids: set[str] | None = None
        self._stored: dict[str, dict] | None = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        # On opening: Scrapy installs its log handler for each crawl after making the spider.
        crawler.signals.connect(
            lambda spider: logfilter.install(crawler.settings),
            signal=signals.spider_opened,
            weak=False,
        )
        if spider.db_path is None:
            spider.db_path = crawler.settings.get("BREACH_DB_PATH")
        if spider.is_local:
            local = crawler.settings.getdict("BREACH_LOCAL_SETTINGS")
            crawler.settings.setdict(local, priority="spider")
        elif spider.live_crawl_delay:
            # DOWNLOAD_DELAY is also AutoThrottle's floor, so the delay is never undercut.
            delay = max(spider.live_crawl_delay, crawler.settings.getfloat("DOWNLOAD_DELAY"))
            crawler.settings.set("DOWNLOAD_DELAY", delay, priority="spider")
        return spider

    # --- URLs ---------------------------------------------------------------------------------
    @property
    def is_local(self) -> bool:
        return is_loopback(self.base_url)

    def url(self, path: str) -> str:
        """Absolute URL of a live path (with query) on the current base."""
        return self.base_url + ("" if path.startswith("/") else "/") + path

    def _live_hosts(self) -> frozenset[str]:
        return live_hosts(self.live_base_url, tuple(self.live_aliases))

    def rebase(self, url: str) -> str:
        """Move a live absolute URL found in a page onto the current base."""
        parts = urlsplit(url)
        if parts.netloc in self._live_hosts() and self.base_url != self.live_base_url:
            return self.url(urlunsplit(("", "", parts.path, parts.query, "")))
        return url

    def resolve(self, response, href: str) -> str:
        """The URL to request for a link found in `response`, kept on the current base.

        Root-relative links ("/privacy/...") are joined to the base URL, not to the host, so
        a copy served under a path prefix stays on its prefix.
        """
        href = href.strip()
        if href.startswith("/") and not href.startswith("//"):
            return self.url(href)
        if joins_unchanged(href):
            return self.rebase(href)
        return self.rebase(response.urljoin(href))

    def canonical(self, url: str) -> str:
        """The live URL for a crawled URL: what gets stored, whatever copy was crawled."""
        if not url.startswith(self.base_url) or self.base_url == self.live_base_url:
            return url
        return self.live_base_url + url[len(self.base_url) :]

    # --- Items ------------------------------------------------------------------------------------
    def notice(self, **fields) -> BreachNotice:
        """The item for one notice: the spider, never a page reader, says whose it is."""
        return BreachNotice(source=self.name, source_kind=self.source_kind, **fields)

    def expected_notices(self, response) -> int | None:
        """How many notices the source holds, when `response` tells (backfill progress)."""
        return None

    # --- What is stored -----------------------------------------------------------------------
    def _read(self, sql: str, params: tuple) -> list[tuple]:
        """Rows of a read-only query on the database; none when it or its tables are missing."""
        if not self.db_path or not Path(self.db_path).exists():
            return []
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError:  # a database created before any crawl
            return []
        finally:
            conn.close()

    def stored_notices(self) -> dict[str, dict]:
        """`{source_id: {"flags": [...], "status": ..., "url": ...}}` of this source, read once."""
        if self._stored is None:
            rows = self._read(
                "select source_id, flags, status, url from notices where source = ?", (self.name,)
            )
            self._stored = {
                sid: {"flags": loads(flags, []), "status": status, "url": url}
                for sid, flags, status, url in rows
            }
        return self._stored

    # Run history counts only crawls of the same site: a demo or test crawl of a local copy
    # says nothing about the live portal, and the other way round. A local copy is the same
    # site whatever port it is served on this time (`scrapy demo` falls back to any free
    # port), so local history is keyed by its path prefix.
    def _same_site(self, base_url: str | None) -> bool:
        return site_key(base_url or "") == site_key(self.base_url)

    def _history(self, sql: str) -> list[tuple]:
        """(base_url, value) rows of this spider's runs, newest first, of this same site."""
        rows = self._read(sql, (self.name,))
        return [row for row in rows if self._same_site(row[0])]

    def previous_run_ok(self) -> bool:
        """Whether this source's last finished crawl of this site was healthy.

        A nightly that stops at the first page of stored notices relies on the previous crawl
        having read everything newer; after a failed or cut-short crawl it must not.
        """
        rows = self._history(
            "select base_url, source_status from crawl_runs where spider = ?"
            " and finished_at is not null order by id desc"
        )
        return not rows or rows[0][1] == "ok"

    def last_ok_run_started(self) -> str | None:
        """When the last healthy crawl of this source and site started (ISO), if any."""
        rows = self._history(
            "select base_url, started_at from crawl_runs where spider = ?"
            " and source_status = 'ok' order by started_at desc"
        )
        return rows[0][1] if rows else None

    # --- Loud failures --------------------------------------------------------------------------
    def layout_changed(self, response, why: str) -> None:
        """The page no longer looks like the portal we know: an error, never zero results."""
        self.logger.error("Layout changed at %s: %s", response.url, why)
        self.crawler.stats.inc_value("breach/layout_changed")
        self.run_details.setdefault("layout_changed", []).append(
            {"url": self.canonical(response.url), "why": why}
        )

    def list_incomplete(self, response, why: str) -> None:
        """A list was not read to its end (a page cut short, a pager that breaks off): the
        run is an error with this reason, so the next nightly re-reads the whole list."""
        self.logger.error("List incomplete at %s: %s", response.url, why)
        self.crawler.stats.inc_value("breach/list_incomplete")
        self.run_details.setdefault("list_incomplete", []).append(
            {"url": self.canonical(response.url), "why": why}
        )

    def _on_idle(self, spider) -> None:
        # Once everything that could be read was read: an incomplete list ends the run with
        # its reason as the finish reason, so the run log and `health` name it.
        problems = self.run_details.get("list_incomplete")
        if (
            spider is self
            and problems
            and not self.crawler.stats.get_value("breach/layout_changed")
        ):
            raise CloseSpider(f"list incomplete: {problems[0]['why']}")

    def source_offline(self, response, why: str) -> None:
        """The source says it is offline: a state of the source, not an empty result."""
        if not self.crawler.stats.get_value("breach/source_offline"):
            self.logger.error("Source %s is offline (%s): %s", self.name, response.url, why)
        self.crawler.stats.inc_value("breach/source_offline")
        self.run_details.setdefault("offline", why)

    def listed(self, rows: int) -> None:
        """Count rows the source listed this run (seen, stored or not): `scrapy health`
        compares this across runs, since a quiet night stores nothing new."""
        self.crawler.stats.inc_value("breach/listed", rows)

    def count(self, key: str, value: int = 1) -> None:
        self.crawler.stats.inc_value(f"breach/{self.name}/{key}", value)


logging.getLogger("protego").setLevel(logging.WARNING)
