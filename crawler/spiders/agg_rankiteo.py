"""Rankiteo blog incident posts. https://blog.rankiteo.com/sitemap.xml

- Format: a Ghost blog. `/sitemap.xml` is a sitemap index; `sitemap-posts.xml` lists every
  post (~18,300 in March 2026) with `<lastmod>`. Post slugs are
  `<id>-<company>-<type>-<month>-<year>`; the page carries the facts in two text blocks
  (crawler/pages/agg_rankiteo.py) and often the exact CA AG report URL as `Source:`.
- ID: the post id (block A "id", also the slug prefix); a multi-victim post gives one notice
  per victim, `<post id>.<victim slug>`.
- Reported date: block B `date_publicly_disclosed` (for CA-derived posts, the AG's reported
  date). Breach date: block A `date`, month precision (`9/2020`).
- Non-incident posts (Vulnerability, News) are skipped: by the slug's type word before any
  request where it shows, else by block A `type`; both counted.
- Commercial, machine-written site; robots.txt and terms were not checked live.

Modes: nightly fetches posts whose `<lastmod>` is newer than the start of this spider's last
`ok` run (or `-a since=YYYY-MM-DD`); backfill fetches every post. A nightly asks for the
sitemaps conditionally (crawler/spiders/conditional.py): an unchanged site costs two 304s.
"""

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import scrapy
from scrapy.spiders import SitemapSpider

from crawler.pages import UnknownPageError
from crawler.pages import agg_rankiteo as rankiteo
from crawler.spiders.base import BreachSpider, SpiderArgumentError
from crawler.spiders.conditional import Validators

POST_URL = r"/[a-z]+\d+-[^/]+/?$"
# The type word sits just before `<month>-<year>` at the end of a slug.
NON_INCIDENT_SLUG = re.compile(
    r"-(?P<type>vulnerability|news)-(?:january|february|march|april|may|june|july|august"
    r"|september|october|november|december)-\d{4}/?$"
)


def _as_utc(text: str) -> datetime | None:
    """A sitemap `<lastmod>` or a stored timestamp (W3C datetime or date) as aware UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except (AttributeError, ValueError):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class AggRankiteoSpider(BreachSpider, SitemapSpider):
    name = "agg_rankiteo"
    run_order = 40
    jurisdiction = None
    source_kind = "aggregator"
    modes = ("nightly", "backfill")
    live_base_url = "https://blog.rankiteo.com"
    # A commercial site with no published Crawl-delay: one request every 5 s (a full
    # backfill of ~18k posts takes about a day, which is fine for a once-off).
    live_crawl_delay = 5
    sitemap_follow = [r"/sitemap-posts[^/]*\.xml$"]  # noqa: RUF012 (SitemapSpider reads it)
    sitemap_rules = [(POST_URL, "parse_post")]  # noqa: RUF012

    @classmethod
    def check_arguments(cls, since: str | None = None, **kwargs) -> None:
        super().check_arguments(**kwargs)
        if since is not None and _as_utc(since) is None:
            raise SpiderArgumentError(f"since must be YYYY-MM-DD, not {since!r}")

    def __init__(self, *args, since: str | None = None, **kwargs):
        self.check_arguments(since=since)
        super().__init__(*args, **kwargs)
        self.since = since
        self._floor: datetime | None = None
        self._entries = 0
        self._sitemap_type: str | None = None
        self.validators = Validators(self)

    @property
    def sitemap_urls(self) -> list[str]:
        return [self.url("/sitemap.xml")]

    async def start(self):
        self._floor = self.date_floor()
        self.run_details["lastmod_floor"] = self._floor.isoformat() if self._floor else None
        self.logger.info("Mode %s: posts modified after %s", self.mode, self._floor or "any time")
        async for request in super().start():
            yield self._sitemap_request(request)

    def _sitemap_request(self, request):
        """Sitemaps are asked for conditionally in a nightly (a backfill reads them all)."""
        if self.mode == "nightly" and self.since is None:
            return self.validators.conditional(request)
        return request

    def date_floor(self) -> datetime | None:
        """Posts modified after this are fetched; None fetches all (backfill, first run)."""
        if self.mode == "backfill":
            return None
        if self.since:
            floor = _as_utc(self.since)
            if floor is None:
                raise SpiderArgumentError(f"since must be YYYY-MM-DD, not {self.since!r}")
            return floor
        started = self.last_ok_run_started()
        return _as_utc(started) if started else None

    def sitemap_filter(self, entries):
        """Keep this site's entries, rebased onto the current base; apply the lastmod floor."""
        self._sitemap_type = getattr(entries, "type", None)
        is_urlset = self._sitemap_type == "urlset"
        live_hosts = {urlsplit(self.live_base_url).netloc, *self.live_aliases}
        for entry in entries:
            self._entries += 1
            loc = entry.get("loc") or ""
            if urlsplit(loc).netloc not in live_hosts and not loc.startswith(self.base_url):
                self.count("sitemap/foreign_url")
                continue
            entry["loc"] = self.rebase(loc)
            if is_urlset:
                self.listed(1)
                if match := NON_INCIDENT_SLUG.search(loc):
                    self.count("skipped_non_incident")
                    self.count(f"skipped_type/{match['type']}")
                    continue
                lastmod = _as_utc(entry.get("lastmod") or "")
                if self._floor and lastmod and lastmod <= self._floor:
                    self.count("sitemap/older_than_floor")
                    continue
                if entry.get("lastmod") and lastmod is None:
                    self.count("sitemap/unreadable_lastmod")
                self.count("sitemap/posts_to_fetch")
            yield entry

    def _parse_sitemap(self, response):
        # SitemapSpider only logs a warning for a page that is not a sitemap and yields
        # nothing; here an empty or foreign sitemap is a layout change, never zero results.
        self._entries, self._sitemap_type = 0, None
        self.validators.remember(response)
        if response.status == 304:
            # Unchanged since the last run: nothing to read. An unchanged index says nothing
            # about the posts sitemaps it lists, so those are asked for (conditionally) too.
            self.logger.info("Not modified since the last run: %s", response.url)
            if "sitemap-posts" in response.url:
                return []
            return [
                self._sitemap_request(scrapy.Request(self.rebase(url), self._parse_sitemap))
                for url in self.validators.known_urls("sitemap-posts")
            ]
        requests = [
            self._sitemap_request(r) if r.callback == self._parse_sitemap else r
            for r in super()._parse_sitemap(response)
        ]
        if cut := self._cut_short(response):
            # The posts after the cut are unknown this run: the run is an error, so the
            # next nightly's lastmod floor stays at the last complete run.
            self.list_incomplete(response, cut)
        if self._entries == 0:
            self.layout_changed(response, "no sitemap entries (not a sitemap, or empty)")
        elif self._sitemap_type == "sitemapindex" and not requests:
            self.layout_changed(response, "the sitemap index lists no posts sitemap")
        return requests

    def _cut_short(self, response) -> str | None:
        """Why a sitemap is not whole, if it is not (partial response, or no closing tag)."""
        if "partial" in response.flags:
            return f"sitemap {self.canonical(response.url)} arrived cut short (partial response)"
        body = self._get_sitemap_body(response) or b""
        if b"<" in body and not re.search(rb"</(?:urlset|sitemapindex)>\s*$", body):
            return f"sitemap {self.canonical(response.url)} ends before its closing tag"
        return None

    def parse_post(self, response):
        """A post: one notice per affected entity, or nothing for a non-incident post.

        @url https://blog.rankiteo.com/mdu002091825-mount-diablo-unified-school-district-breach-september-2020/
        @returns items 1 1
        @scrapes source_id entity_name breach_dates reported_date cites
        """
        url = self.canonical(response.url)
        try:
            post = rankiteo.parse_post(response.text, url)
        except rankiteo.DataBlockError as error:
            # A page that is not plain data is never evaluated; the post is left out.
            self.logger.warning("Rejected the data block of %s: %s", url, error)
            self.count("data_block_rejected")
            self.run_details.setdefault("data_block_rejected", []).append(
                {"url": url, "why": str(error)}
            )
            return
        except UnknownPageError as error:
            self.layout_changed(response, str(error))
            return
        if not post.is_incident:
            self.count("skipped_non_incident")
            self.count(f"skipped_type/{post.post_type.casefold() or 'none'}")
            return
        notices = [self.notice(**fields) for fields in rankiteo.post_notices(post, url)]
        if not notices:
            self.logger.warning("Incident post %s names no affected entity", url)
            self.count("no_affected_entity")
        if len(notices) > 1:
            self.count("multi_victim_posts")
        self.count("notices", len(notices))
        yield from notices
