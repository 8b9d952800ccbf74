"""me_ag: a list page cut short is an incomplete list, never notices removed at source."""

import html

from localportal.me import demo_site
from localportal.server import PortalServer
from tests.helpers import last_run, rows, run_spider


def test_a_cut_list_marks_nothing_removed_and_is_an_error(tmp_path):
    site = demo_site(count=12)
    db = tmp_path / "m.db"
    with PortalServer([site]) as server:
        first = run_spider("me_ag", db, base_url=server.base_url("/me"))
        # The list stops right after its fourth row (a whole row: nothing looks unreadable),
        # no Content-Length, the connection closed.
        fourth = site.notices[3]
        row_end = f'{fourth.uuid}.html">{html.escape(fourth.entity_name)}</a></td></tr>'
        server.add_fault(r"/list\.html$", "cut", cut_after=row_end)
        second = run_spider("me_ag", db, base_url=server.base_url("/me"))
    assert first.returncode == 0, first
    assert second.returncode == 1, second
    statuses = {r["status"] for r in rows(db, "select status from notices")}
    assert statuses == {"active"}  # the eight rows after the cut were not "removed"
    run = last_run(db, "me_ag")
    assert (run["source_status"], run["notices_removed"]) == ("error", 0)
    assert (
        "list incomplete: the list page arrived cut short (partial response)"
        in (run["status_reason"])
    )
