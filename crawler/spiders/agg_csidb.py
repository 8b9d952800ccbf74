"""CSIDB, The Cyber Security Incident Database. https://www.csidb.net/csidb/incidents/<uuid>/

- Format: server-rendered Django pages. Public: incident pages ("Cyber Incident Victim:
  <name>", `Date:` month only, `Location:` country, Summary, Description prose) and
  organisation pages (a table of that organisation's incidents). Search, listings and
  sources are member-only (`/accounts/`, `/csidb/sr/`, `/csidb/advsearch/`): this spider
  never logs in and never requests them, so it crawls only from given URLs.
- ID: the incident UUID.
- Dates, counts and the regulator come from the Description's prose
  (crawler/textparse/prose.py), each kept in `raw["extracted"]` with its sentence and
  flagged `from_prose:<field>`.
- Reported date: none is published. Only a date the prose says the notice was submitted to
  a regulator on is used; otherwise the notice carries `no_reported_date_at_source`.
- Terms and robots.txt were not checked live; bulk crawling of a small research site is
  not appropriate, hence a seed list and a slow rate.

Arguments: `-a urls=<url or path>,<url or path>` (incident or organisation pages; default:
SEEDS). Modes: nightly fetches seeded pages and incident pages not stored yet; backfill
re-fetches every incident page linked from the seeded organisations.
"""

import re
from urllib.parse import urlsplit

import scrapy

from crawler.pages import UnknownPageError
from crawler.pages import agg_csidb as csidb
from crawler.spiders.base import BreachSpider

# Incidents known to retell state notices (Danbury Public Schools, Victor Valley, Centinela
# Valley; the Danbury page's text is localportal/data/aggregators/).
SEEDS = (
    "https://www.csidb.net/csidb/incidents/caae3513-841b-4455-83fc-045fe2c50e16/",
    "https://www.csidb.net/csidb/incidents/165ebfa9-b539-4405-963e-5d5ac34ac413/",
    "https://www.csidb.net/csidb/incidents/d368d5d3-cf57-4684-a70d-7abc867130eb/",
)
MEMBER_ONLY = re.compile(r"^/(?:accounts|csidb/sr|csidb/advsearch)(?:/|$)")
# Redirects are followed by hand (see `request`), so one to the login form is never fetched.
REDIRECT_STATUSES = [301, 302, 303, 307, 308]
MAX_REDIRECTS = 3


class AggCsidbSpider(BreachSpider):
    name = "agg_csidb"
    run_order = 50
    jurisdiction = None
    source_kind = "aggregator"
    modes = ("nightly", "backfill")
    live_base_url = "https://www.csidb.net"
    live_aliases = ("csidb.net",)
    # Terms unknown and the site is small: one page every 10 s is enough for a seed list.
    live_crawl_delay = 10

    def __init__(self, *args, urls: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        given = [u.strip() for u in urls.split(",")] if urls else list(SEEDS)
        self.seeds = [u for u in given if u]

    def live_path(self, url: str) -> str:
        """The site path of a live URL, a URL on the current base, or a bare path."""
        if url.startswith(self.base_url):
            url = url[len(self.base_url) :] or "/"
        return urlsplit(url).path if "://" in url else url

    def request(self, path: str, seeded: bool = False, redirects: int = 0) -> scrapy.Request | None:
        """The request for a site path, or None for pages this spider must not or need not fetch.

        Redirects come back to the callback instead of being followed by Scrapy: a gated page
        answers with a redirect to the login form, which must not be requested either.
        """
        if MEMBER_ONLY.match(path):
            self.logger.warning("Not requesting member-only page %s", path)
            self.count("member_only_skipped")
            return None
        if match := csidb.INCIDENT_PATH.search(path):
            uuid = match["uuid"].lower()
            if not seeded and self.mode == "nightly" and uuid in self.stored_notices():
                self.count("incident_already_stored")
                self.listed(1)  # seen again: the source still shows it (`scrapy health`)
                return None
            callback, cb_kwargs = self.parse_incident, {"uuid": uuid}
        elif csidb.ORGANISATION_PATH.search(path):
            callback, cb_kwargs = self.parse_organisation, {}
        else:
            self.logger.warning("Not an incident or organisation page, skipped: %s", path)
            self.count("unknown_seed")
            return None
        meta = {
            "dont_redirect": True,
            "handle_httpstatus_list": REDIRECT_STATUSES,
            "redirects": redirects,
        }
        return scrapy.Request(self.url(path), callback, cb_kwargs=cb_kwargs, meta=meta)

    def follow_redirect(self, response):
        location = (response.headers.get("Location") or b"").decode("latin-1")
        target = self.live_path(self.resolve(response, location)) if location else ""
        if not target or response.meta.get("redirects", 0) >= MAX_REDIRECTS:
            self.logger.warning("Redirect from %s not followed (to %r)", response.url, location)
            self.count("redirect_not_followed")
            return
        if request := self.request(target, seeded=True, redirects=response.meta["redirects"] + 1):
            yield request

    async def start(self):
        for seed in self.seeds:
            if request := self.request(self.live_path(seed), seeded=True):
                yield request

    def parse_organisation(self, response):
        """An organisation page: its incidents' pages."""
        if response.status in REDIRECT_STATUSES:
            yield from self.follow_redirect(response)
            return
        try:
            links = csidb.incident_links(response.text)
        except UnknownPageError as error:
            self.layout_changed(response, str(error))
            return
        if not links and "Cyber Incident Victim" not in response.text:
            self.logger.info("Organisation %s lists no public incident", response.url)
        for href in links:
            if request := self.request(self.live_path(self.resolve(response, href))):
                yield request

    def parse_incident(self, response, uuid: str):
        """An incident page: one notice.

        @url https://www.csidb.net/csidb/incidents/caae3513-841b-4455-83fc-045fe2c50e16/
        @cb_kwargs {"uuid": "caae3513-841b-4455-83fc-045fe2c50e16"}
        @returns items 1 1
        @scrapes source_id entity_name breach_dates
        """
        if response.status not in REDIRECT_STATUSES:
            self.listed(1)
        if response.status in REDIRECT_STATUSES:
            yield from self.follow_redirect(response)
            return
        try:
            incident = csidb.parse_incident_page(response.text)
        except UnknownPageError as error:
            self.layout_changed(response, str(error))
            return
        if not incident.description:
            self.count("no_description")
        notice = self.notice(**csidb.incident_notice(incident, uuid, self.canonical(response.url)))
        for flag in notice["flags"]:
            if flag.startswith("from_prose:"):
                self.count(f"extracted/{flag.split(':', 1)[1]}")
        yield notice
