"""The dedupe stage in real crawls: per notice, or one rebuild for big crawls, same incidents."""

from helpers import rows, run_spider

from localportal.ca import CANotice, CASite, build_notices, load_real_rows
from localportal.server import PortalServer


def incidents_of(db) -> set[tuple]:
    found = rows(db, "select incident_id, group_concat(id) ids from notices group by incident_id")
    return {(r["incident_id"], ",".join(sorted(r["ids"].split(",")))) for r in found}


def test_bulk_rebuild_gives_the_same_incidents_as_attaching_each_notice(tmp_path):
    notices = build_notices(load_real_rows()[:120])
    # Repeat filings of one breach, so that some incidents hold several notices.
    notices[:0] = [
        CANotice("sb24-700003", "HealthEquity, Inc.", ["03/09/2024"], "05/16/2025", ["a.pdf"]),
        CANotice("sb24-700002", "HealthEquity Inc", ["03/09/2024"], "04/02/2025", ["b.pdf"]),
    ]
    each, bulk = tmp_path / "each.db", tmp_path / "bulk.db"
    with PortalServer([CASite(notices)]) as server:
        base = server.base_url("/ca")
        # At full speed on a local copy the rate alone would switch to the close pass.
        each_run = run_spider("ca_ag", each, base_url=base,
                              settings={"BREACH_DEDUPE_BULK_RATE": 0})  # fmt: skip
        assert each_run.returncode == 0
        assert "matched together at the end" not in each_run.log
        result = run_spider("ca_ag", bulk, base_url=base,
                            settings={"BREACH_DEDUPE_BULK_AFTER": 10})  # fmt: skip
        assert result.returncode == 0, result
    assert "rest are matched together at the end" in result.log
    assert incidents_of(each) == incidents_of(bulk)
    assert rows(bulk, "select count(*) n from notices where incident_id is null") == [{"n": 0}]
    (health_equity,) = [i for i in incidents_of(bulk) if "sb24-700003" in i[1]]
    assert "sb24-700002" in health_equity[1]


def test_notices_left_without_an_incident_are_attached_by_the_next_crawl(tmp_path):
    db = tmp_path / "t.db"
    with PortalServer([CASite(build_notices(load_real_rows()[:60]))]) as server:
        assert run_spider("ca_ag", db, base_url=server.base_url("/ca")).returncode == 0
        # As if a crawl had died between storing and matching.
        import sqlite3

        conn = sqlite3.connect(db)
        conn.execute("update notices set incident_id = null where rowid % 7 = 0")
        conn.commit()
        conn.close()
        assert run_spider("ca_ag", db, base_url=server.base_url("/ca")).returncode == 0
    assert rows(db, "select count(*) n from notices where incident_id is null") == [{"n": 0}]
