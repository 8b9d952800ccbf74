"""A Maine backfill stopped cleanly and run again stores every listed notice.

Maine lists every notice on one page and its spider hands the detail requests to Scrapy a
batch at a time (crawler/spiders/details.py RequestFeed): after a clean stop only that batch is
in the saved queue, so the resumed run must read the list again (from the HTTP cache) to find
the rest, or it would end "finished" with most notices never fetched.
"""

from helpers import rows, scrapy_command
from test_kill_resume import start_backfill, stop_cleanly_after

from crawler.commands.backfill import job_dir
from localportal.me import demo_site
from localportal.server import PortalServer

DETAIL = r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.s?html$"
# Two requests at a time: a batch of 8 detail requests (4 x CONCURRENT_REQUESTS).
SETTINGS = ("-s", "CONCURRENT_REQUESTS=2")


def test_maine_backfill_stopped_cleanly_resumes_every_listed_notice(tmp_path):
    site = demo_site(count=60)
    db = tmp_path / "b.db"
    with PortalServer([site]) as server:
        slow = server.add_fault(DETAIL, "delay", times=-1, seconds=0.2)
        proc = start_backfill(server, db, "me_ag", "/me", SETTINGS)
        log = stop_cleanly_after(db, proc, at_least=10)
        assert proc.returncode == 1, log
        before = {r["source_id"] for r in rows(db, "select source_id from notices")}
        assert 10 <= len(before) < 60

        server.faults.remove(slow)
        first_requests = len(server.requests)
        result = scrapy_command(
            ["backfill", "me_ag", "--base-url", server.base_url("/me"), *SETTINGS], db
        )
        again = server.requests[first_requests:]
    assert result.returncode == 0, result
    assert "me_ag backfill (resumed)" in result.log
    stored = {r["source_id"] for r in rows(db, "select source_id from notices")}
    assert stored == {n.uuid for n in site.notices}
    # Nothing stored before the stop was downloaded again.
    assert not [p for p in again if any(uuid in p for uuid in before)]
    assert not job_dir(str(db), "me_ag").exists()
