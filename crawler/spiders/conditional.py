"""Conditional requests: a page unchanged since the last run costs a 304, no parse, no write.

Used where a source publishes validators and one page tells whether anything changed: CA's
first list page (nightly), Rankiteo's sitemaps (nightly), the Maine archive workbooks. The
`ETag` and `Last-Modified` of those pages are kept in the run's details (`crawl_runs.details`,
key "validators", by live URL) and sent back as `If-None-Match` / `If-Modified-Since` by the
next run, but only when the last finished run of the same site was healthy: a page it
failed to store must be read again in full. A 304 carries the validators forward, so the
run after it can ask again.
"""

from crawler.store.db import loads

KEY = "validators"


class Validators:
    def __init__(self, spider):
        self.spider = spider
        self._previous: dict | None = None

    @property
    def previous(self) -> dict:
        """Validators of the last finished run of this site, if that run was healthy."""
        if self._previous is None:
            rows = self.spider._history(
                "select base_url, source_status, details from crawl_runs where spider = ?"
                " and finished_at is not null order by id desc"
            )
            self._previous = {}
            if rows and rows[0][1] == "ok":
                self._previous = (loads(rows[0][2]) or {}).get(KEY) or {}
        return self._previous

    def _key(self, url: str) -> str:
        return self.spider.canonical(url)

    def conditional(self, request):
        """`request` with the validators the last run got for its URL (if any); a 304
        reaches the callback."""
        meta = {**request.meta}
        meta["handle_httpstatus_list"] = [*meta.get("handle_httpstatus_list", []), 304]
        known = self.previous.get(self._key(request.url)) or {}
        headers = {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        if headers:
            self.spider.crawler.stats.inc_value(f"breach/{self.spider.name}/conditional_requests")
        return request.replace(headers={**request.headers.to_unicode_dict(), **headers}, meta=meta)

    def known_urls(self, contains: str = "") -> list[str]:
        """Live URLs the last run kept validators for (e.g. the posts sitemaps)."""
        return [url for url in self.previous if contains in url]

    def remember(self, response) -> None:
        """Keep this response's validators for the next run (a 304 keeps the previous ones)."""
        key = self._key(response.url)
        if response.status == 304:
            found = self.previous.get(key)
            self.spider.crawler.stats.inc_value(f"breach/{self.spider.name}/not_modified")
        else:
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            found = {
                "etag": etag.decode("latin-1") if etag else None,
                "last_modified": modified.decode("latin-1") if modified else None,
            }
            if not (etag or modified):
                found = None
        if found:
            self.spider.run_details.setdefault(KEY, {})[key] = found
