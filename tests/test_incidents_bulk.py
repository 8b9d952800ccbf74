"""Attaching a crawl's notices in one pass at its close (crawler/matching/bulk.py) gives what a
rebuild of every incident gives, ids included, on the 7,647 real notices (eval/all_notices.csv:
the CA export and both Maine workbooks) stored in two crawls."""

import random

import pytest

from crawler.matching.bulk import attach_notices_bulk
from crawler.matching.incidents import forget_index, rebuild_incidents
from crawler.matching.loading import insert_notices, notice_row
from crawler.store.db import connect
from tests.test_check_incidents import real_rows
from tests.test_incidents import groups, snapshot

# Three franchisees trading as one brand: two in the first crawl (the brand joins nothing on
# its own: a review row), the third, in the second crawl, makes the brand common.
FRANCHISEES = [
    notice_row(f"ca_ag:gh-{n}", f"{owner} d/b/a Gardena Honda", breach_dates=["2025-06-01"],
               reported_date="2025-08-21")
    for n, owner in enumerate(["DWWGH LLC", "Norm Reeves LLC", "Hooman Enterprises"])
]  # fmt: skip


@pytest.fixture(scope="module")
def notices() -> list[dict]:
    rows = real_rows()
    random.Random(14).shuffle(rows)
    return rows


def two_crawls(path, first: list[dict], second: list[dict], changed: list[dict], cached: bool):
    """The first crawl matched (a rebuild), then the second crawl's notices and changes stored
    and attached in bulk at its close, with or without the index of earlier attaching."""
    db = connect(path)
    insert_notices(db, first)
    rebuild_incidents(db)  # keeps its index in the cache, as per-notice attaching would
    if not cached:
        forget_index(db)
    insert_notices(db, second + changed)
    stats = attach_notices_bulk(db, [r["id"] for r in second + changed])
    return db, stats


def rebuilt(path, rows: list[dict]):
    db = connect(path)
    insert_notices(db, rows)
    rebuild_incidents(db)
    return db


@pytest.mark.parametrize("cached", [True, False], ids=["cached-index", "fresh-index"])
def test_bulk_attach_of_a_second_crawl_equals_a_rebuild(tmp_path, notices, cached):
    first = notices[:5000] + FRANCHISEES[:2]
    second = notices[5000:] + FRANCHISEES[2:]
    # Notices of the first crawl changed at the source: one renamed so that it now joins a
    # different filer, one whose breach dates moved.
    renamed = {**first[0], "entity_name": second[0]["entity_name"]}
    redated = {**first[1], "breach_start": None, "breach_end": None, "breach_precision": None}
    db, stats = two_crawls(tmp_path / "bulk.db", first, second, [renamed, redated], cached)
    everything = [renamed, redated, *first[2:], *second]
    expected = rebuilt(tmp_path / "rebuilt.db", everything)
    assert snapshot(db) == snapshot(expected)
    assert db.execute("select count(*) from notices where incident_id is null").fetchone() == (0,)
    # Proportional to the crawl: the pass re-clusters the blocks around its notices, not all.
    assert stats.notices == len(second) + 2
    assert len(second) < stats.recomputed < len(everything) * 2 // 3
    # The brand turned common: each franchisee is alone, and the review row between the first
    # two (only a trade name shared) is gone with the key that raised it.
    franchise_groups = {g for g in groups(db) if any(n.startswith("ca_ag:gh-") for n in g)}
    assert franchise_groups == {frozenset({r["id"]}) for r in FRANCHISEES}


def test_bulk_attach_of_notices_left_without_an_incident(tmp_path, notices):
    # As in tests/test_pipeline_dedupe.py: notices whose incident was never written down.
    part = notices[:3000]
    db = connect(tmp_path / "orphans.db")
    insert_notices(db, part)
    rebuild_incidents(db)
    forget_index(db)
    orphans = [r[0] for r in db.execute("select id from notices where rowid % 5 = 0")]
    ids = ",".join("?" for _ in orphans)
    db.execute(f"update notices set incident_id = null where id in ({ids})", orphans)
    db.conn.commit()
    attach_notices_bulk(db, orphans)
    assert snapshot(db) == snapshot(rebuilt(tmp_path / "rebuilt.db", part))


def test_bulk_attach_skips_ids_with_no_stored_notice(tmp_path):
    db = connect(tmp_path / "t.db")
    insert_notices(db, FRANCHISEES)
    stats = attach_notices_bulk(db, [r["id"] for r in FRANCHISEES] + ["ca_ag:nowhere"])
    assert stats.recomputed == 3
    assert snapshot(db) == snapshot(rebuilt(tmp_path / "rebuilt.db", FRANCHISEES))
