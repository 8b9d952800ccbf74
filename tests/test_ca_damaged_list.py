"""ca_ag on damaged list pages: never a silent end of the list, never a wrong value.

The real engine against the local portal on 127.0.0.1, misbehaving on purpose: a page cut
short without Content-Length, a page short of rows, a pager that loops, bytes in the wrong
encoding. Each case ends loud (non-zero exit, the run's reason says why) and loses nothing:
the next nightly re-reads the whole list.
"""

import json

from helpers import last_run, rows, run_spider

from localportal import ca
from localportal.server import Page, PortalServer

PAGES = 6  # 300 notices, 50 a page


def site(count: int = PAGES * 50) -> ca.CASite:
    return ca.CASite(ca.build_notices(ca.load_real_rows()[:count]))


def stored(db) -> dict[str, dict]:
    return {r["source_id"]: r for r in rows(db, "select * from notices")}


def test_a_list_page_cut_short_is_an_error_and_the_next_nightly_reads_everything(tmp_path):
    portal = site()
    db = tmp_path / "cut.db"
    with PortalServer([portal]) as server:
        # Page 2 stops mid-table (at row 25's name), no Content-Length, the connection closed.
        server.add_fault(r"list\?page=1$", "cut", cut_after=portal.notices[74].name)
        first = run_spider("ca_ag", db, base_url=server.base_url("/ca"))
        second = run_spider("ca_ag", db, base_url=server.base_url("/ca"))
    assert first.returncode == 1, first
    run = rows(db, "select * from crawl_runs where spider = 'ca_ag' order by id")[0]
    assert run["source_status"] == "error"
    assert "list page 2 arrived cut short (partial response)" in run["status_reason"]
    assert len(stored(db)) == 300  # after the second nightly
    assert second.returncode == 0, second
    assert last_run(db, "ca_ag")["source_status"] == "ok"


class ShortPage(ca.CASite):
    """Page 2 loses its last ten rows but keeps a pager that says more pages follow."""

    def list_page(self, page: int) -> Page:
        if page != 1:
            return super().list_page(page)
        html = super().list_page(page).body.decode()
        for notice in self.notices[90:100]:
            start = html.index(f"/ecrime/databreach/reports/{notice.source_id}")
            row_start = html.rindex("<tr", 0, start)
            row_end = html.index("</tr>", start) + len("</tr>")
            html = html[:row_start] + html[row_end:]
        return Page(html.encode())


def test_a_page_short_of_rows_while_the_pager_goes_on_is_an_error(tmp_path):
    db = tmp_path / "short.db"
    with PortalServer([ShortPage(site().notices)]) as server:
        result = run_spider("ca_ag", db, base_url=server.base_url("/ca"))
    assert result.returncode == 1, result
    run = last_run(db, "ca_ag")
    assert run["source_status"] == "error"
    assert "list page 2 has 40 rows, fewer than a full page of 50" in run["status_reason"]
    assert len(stored(db)) == 290  # every row that was there is kept


def test_a_date_cut_to_two_digits_is_flagged_never_read_as_another_date(tmp_path):
    portal = site(20)
    portal.notices[3].reported = "04/02/20"  # as a cut page shows "04/02/2020"
    db = tmp_path / "date.db"
    with PortalServer([portal]) as server:
        result = run_spider("ca_ag", db, base_url=server.base_url("/ca"))
    assert "Traceback" not in result.log
    source_id = portal.notices[3].source_id
    dates = [r["reported_date"] for r in rows(db, "select reported_date from notices")]
    assert "2020-04-02" not in dates
    assert source_id not in stored(db)  # no reported date: rejected, kept whole
    (rejected,) = rows(db, "select * from rejected_notices where source_id = ?", (source_id,))
    item = json.loads(rejected["item"])
    assert "unparsed:reported_date" in item["flags"]
    assert item["raw"]["Reported Date"] == "04/02/20"
    assert len(stored(db)) == 19


class LoopingPager(ca.CASite):
    """Page 4's "next" link leads back to page 1."""

    def list_page(self, page: int) -> Page:
        body = super().list_page(page).body
        if page == 3:
            body = body.replace(
                b'href="/privacy/databreach/list?page=4">next',
                b'href="/privacy/databreach/list">next',
            )
        return Page(body)


def test_a_pager_that_loops_back_is_a_layout_error_and_completeness_is_not_checked(tmp_path):
    db = tmp_path / "loop.db"
    with PortalServer([LoopingPager(site().notices)]) as server:
        result = run_spider("ca_ag", db, base_url=server.base_url("/ca"), mode="backfill")
    assert result.returncode == 1, result
    run = last_run(db, "ca_ag")
    assert run["source_status"] == "layout_changed"
    whys = [entry["why"] for entry in run["details"]["layout_changed"]]
    assert whys == ["the pager's next link on list page 4 leads to a page already read"]
    assert run["details"]["completeness"]["checked"] is False


class WrongPage(ca.CASite):
    """Asked for page 3, the portal answers with page 1 (its pager says so)."""

    def list_page(self, page: int) -> Page:
        return super().list_page(0 if page == 2 else page)


def test_a_page_that_says_it_is_another_page_is_a_layout_error(tmp_path):
    db = tmp_path / "wrong.db"
    with PortalServer([WrongPage(site().notices)]) as server:
        result = run_spider("ca_ag", db, base_url=server.base_url("/ca"), mode="backfill")
    assert result.returncode == 1, result
    run = last_run(db, "ca_ag")
    assert run["source_status"] == "layout_changed"
    assert run["details"]["layout_changed"][0]["why"] == (
        "asked for list page 3, the pager says it is page 1"
    )
    assert run["details"]["completeness"]["checked"] is False


def test_a_misdecoded_list_name_is_flagged_and_the_detail_page_name_wins(tmp_path):
    portal = site(20)
    portal.notices[0].name = "Café Résumé"
    portal.notices[1].name = "“Lockton” Companies"
    db = tmp_path / "enc.db"
    with PortalServer([portal]) as server:
        # The list's bytes are cp1252 but declared UTF-8; notice 1's detail page fails.
        server.add_fault(r"/list$", "encoding", encoding="cp1252")
        server.add_fault(portal.notices[1].source_id + "$", "status", status=404, times=-1)
        result = run_spider("ca_ag", db, base_url=server.base_url("/ca"))
    assert "Traceback" not in result.log
    notices = stored(db)
    cafe = notices[portal.notices[0].source_id]
    assert cafe["entity_name"] == "Café Résumé"  # from its detail page, decoded right
    assert not any(f.startswith("misdecoded:") for f in json.loads(cafe["flags"]))
    lockton = notices[portal.notices[1].source_id]
    assert "\ufffd" in lockton["entity_name"]  # only the list had it: kept, and flagged
    assert "misdecoded:entity_name" in json.loads(lockton["flags"])
