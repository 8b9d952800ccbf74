"""The California list's integrity checks, kept apart from the crawl itself (ca_ag.py): a
list page cut short or a pager that does not advance is never the end of the list, and a
backfill compares the whole list with the CSV export."""

from collections import Counter

from crawler.pages import UnknownPageError
from crawler.pages import ca_ag as ca

LIST_PATH = "/privacy/databreach/list"
# Shown in logs and run details: enough examples to act on, not a dump of thousands.
EXAMPLES = 20


class CaListChecks:
    """Mixed into CaAgSpider (a BreachSpider): uses its mode, run_details, list_keys,
    export_keys, list_complete and list_pages_read."""

    def _cut_short(self, response, result: ca.ListPage, page: int) -> str | None:
        """Why this list page is not a whole page, if it is not (never the end of the list)."""
        number = page + 1
        if "partial" in response.flags:
            why = f"list page {number} arrived cut short (partial response)"
        elif result.rows and not result.footer:
            why = f"list page {number} ends without the page footer (cut short)"
        elif result.next_href and len(result.rows) < ca.PAGE_SIZE:
            why = (
                f"list page {number} has {len(result.rows)} rows, fewer than a full page of "
                f"{ca.PAGE_SIZE}, but its pager says more pages follow"
            )
        elif page > 0 and not result.empty and not result.pager:
            why = f"list page {number} has no pager, though the list's pager led to it"
        else:
            return None
        self.list_incomplete(response, why)
        self._completeness_not_checked(why)
        return why

    def _pager_broken(self, response, page: int, next_url: str | None, current: int | None) -> bool:
        """A pager that does not advance is a layout error: the list is not followed on."""
        if current is not None and current != page + 1:
            why = f"asked for list page {page + 1}, the pager says it is page {current}"
        elif next_url and ca.list_page_key(next_url) in self.list_pages_read:
            why = f"the pager's next link on list page {page + 1} leads to a page already read"
        else:
            return False
        self.layout_changed(response, why)
        self._completeness_not_checked(why)
        return True

    def _completeness_not_checked(self, why: str) -> None:
        if self.mode == "backfill":
            self.run_details["completeness"] = {"checked": False, "why": why}

    def expected_notices(self, response) -> int | None:
        """How many notices CA has, from a list page's pager (for backfill progress): at most
        (last page + 1) x 50 from the "last »" link; exactly, once the last page is read."""
        if LIST_PATH not in response.url or not hasattr(response, "text"):
            return None
        last = ca.last_page_index(response.text)
        if last is not None:
            return (last + 1) * ca.PAGE_SIZE
        current = ca.active_page_number(response.text)  # the last page has no "last »" link
        if current is None:
            return None
        try:
            rows = ca.parse_list_page(response.text).rows
        except UnknownPageError:
            return None
        return (current - 1) * ca.PAGE_SIZE + len(rows)

    def parse_export(self, response):
        try:
            rows = ca.parse_export_csv(response.text)
        except UnknownPageError as error:
            self.layout_changed(response, str(error))
            return
        self.export_keys = Counter(ca.row_key(row) for row in rows)
        self.logger.info("CSV export: %d rows", len(rows))
        self._check_completeness()

    def export_failed(self, failure):
        self.logger.error("CSV export failed: %s", failure.value)
        self.run_details["completeness"] = {"checked": False, "why": "CSV export failed"}

    def _resumed(self) -> bool:
        return bool(getattr(self, "state", None)) and self.state.get("sessions", 1) > 1

    def closed(self, reason):
        if self.mode == "backfill" and self._resumed():
            self.run_details["completeness"] = {
                "checked": False,
                "why": "resumed backfill: pages read before the stop were not re-read",
            }

    def _check_completeness(self) -> None:
        """Report notices in the list but not the CSV export, and the other way round."""
        if self.mode != "backfill" or self._resumed():
            return
        if not self.list_complete or self.export_keys is None:
            return
        report = ca.completeness(self.list_keys, self.export_keys, EXAMPLES)
        self.run_details["completeness"] = report
        self.crawler.stats.set_value("breach/ca_ag/only_in_export", report["only_in_export"])
        self.crawler.stats.set_value("breach/ca_ag/only_in_list", report["only_in_list"])
        differ = report["only_in_export"] or report["only_in_list"]
        log = self.logger.warning if differ else self.logger.info
        log(
            "Completeness: %d list rows, %d CSV rows; %d only in the CSV, %d only in the list",
            report["list_rows"], report["export_rows"],
            report["only_in_export"], report["only_in_list"],
        )  # fmt: skip
