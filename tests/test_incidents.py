"""Incidents in the database: incremental attachment equals rebuild, in any arrival order."""

import json
import random

import pytest

from crawler.matching.clustering import cluster_block
from crawler.matching.incidents import (
    attach_notice,
    facts_from_row,
    incident_id_for,
    rebuild_incidents,
)
from crawler.matching.kinship import REASON_UNRELATED
from crawler.matching.loading import insert_notices, notice_row
from crawler.matching.rules import RULE_BREACH_DATES, Match
from crawler.store.db import connect

# Real facts (CA export, Maine workbooks, aggregator posts): 17 notices, 9 incidents.
NOTICES = [
    notice_row("ca_ag:sb24-43681", "T-Mobile US", reported_date="2013-12-30"),
    notice_row("me_ag_archive:legacy-1835", "T-Mobile", reported_date="2013-12-31", residents_affected=15, residents_state="ME"),
    notice_row("ca_ag:sb24-58079", "T-Mobile USA, Inc.", breach_dates=["2015-09-14"], reported_date="2015-10-01"),
    notice_row("me_ag_archive:legacy-1355", "T-Mobile USA, Inc., 12920 SE 38th Street, Bellevue, WA 98006",
               breach_dates=["2015-09-14"], reported_date="2015-10-01", residents_affected=12952, residents_state="ME"),
    notice_row("ca_ag:sb24-544287", "T-Mobile USA", breach_dates=["2021-07-22"], reported_date="2021-08-25"),
    notice_row("ca_ag:csv-3537", "Mt. Diablo Unified School District", breach_dates=["2017-04-27"], reported_date="2017-05-19"),
    notice_row("ca_ag:sb24-139646", "Mt. Diablo Unified School District", breach_dates=["2018-08-08"], reported_date="2018-09-07"),
    notice_row("ca_ag:sb24-195323", "Mount Diablo Unified School District", breach_dates=["2020-09-14"], reported_date="2020-10-20"),
    notice_row("agg_rankiteo:mdu002091825", "Mount Diablo Unified School District", breach_dates=["2020-09"],
               reported_date="2020-10-20", cites=["ca_ag:sb24-195323"]),
    notice_row("agg_rankiteo:mdu151082025", "Mt. Diablo Unified School District", breach_dates=["2018-08"]),
    notice_row("me_ag_archive:app-533", "DoorDash, Inc.", breach_dates=["2019-05-04"], reported_date="2019-09-26",
               total_affected=117866, residents_affected=35, residents_state="ME"),
    notice_row("me_ag_archive:app-529", "DoorDash, Inc.", breach_dates=["2019-05-04"], reported_date="2019-09-27",
               total_affected=100247, residents_affected=35, residents_state="ME"),
    notice_row("ca_ag:csv-2880", "DoorDash, Inc.", breach_dates=["2019-05-04"], reported_date="2019-09-27"),
    *[notice_row(f"ca_ag:he-{n}", "HealthEquity, Inc.", breach_dates=["2024-03-09"], reported_date=day)
      for n, day in enumerate(["2024-07-26", "2025-03-21", "2025-04-09", "2025-05-16"])],
]  # fmt: skip
EXPECTED_GROUPS = {
    frozenset({"ca_ag:sb24-43681", "me_ag_archive:legacy-1835"}),
    frozenset({"ca_ag:sb24-58079", "me_ag_archive:legacy-1355"}),
    frozenset({"ca_ag:sb24-544287"}),
    frozenset({"ca_ag:csv-3537"}),
    frozenset({"ca_ag:sb24-139646", "agg_rankiteo:mdu151082025"}),
    frozenset({"ca_ag:sb24-195323", "agg_rankiteo:mdu002091825"}),
    frozenset({"me_ag_archive:app-533", "me_ag_archive:app-529", "ca_ag:csv-2880"}),
    frozenset({f"ca_ag:he-{n}" for n in range(4)}),
}


@pytest.fixture
def db(tmp_path):
    database = connect(tmp_path / "breaches.db")
    yield database
    database.conn.close()


def snapshot(db) -> dict:
    """Everything the matcher wrote, minus the wall-clock columns."""
    return {
        "incidents": sorted(tuple(r.items()) for r in db.query("select * from incidents order by id")),
        "links": sorted((r["notice_id"], r["incident_id"], r["rule"], r["score"], r["matched_notice_id"])
                        for r in db.query("select * from incident_links")),
        "reviews": sorted((r["notice_id"], r["candidate_notice_id"], r["rule"], r["score"], r["reason"])
                          for r in db.query("select * from incident_review")),
        "notices": sorted(db.execute("select id, incident_id from notices").fetchall()),
    }  # fmt: skip


def groups(db) -> set[frozenset]:
    members: dict[str, set] = {}
    for notice_id, incident_id in db.execute("select id, incident_id from notices"):
        members.setdefault(incident_id, set()).add(notice_id)
    return {frozenset(m) for m in members.values()}


def test_rebuild_gives_the_expected_incidents(db):
    insert_notices(db, NOTICES)
    rebuild_incidents(db)
    assert groups(db) == EXPECTED_GROUPS


def test_incident_summary(db):
    insert_notices(db, NOTICES)
    rebuild_incidents(db)
    doordash = db["incidents"].get(incident_id_for("me_ag_archive:app-533"))
    assert doordash["total_affected"] == 117866  # the largest stated total, not a sum
    assert json.loads(doordash["residents_by_state"]) == {"ME": 35}
    assert json.loads(doordash["states"]) == ["CA", "ME"]
    assert doordash["notice_count"] == 3
    assert doordash["source_count"] == 2
    assert (doordash["breach_start"], doordash["breach_precision"]) == ("2019-05-04", "day")
    assert doordash["first_reported_date"] == "2019-09-26"
    mdusd = db["incidents"].get(db["notices"].get("ca_ag:sb24-195323")["incident_id"])
    # The day-precision state notice wins over the month-precision aggregator post.
    assert (mdusd["breach_start"], mdusd["breach_end"]) == ("2020-09-14", "2020-09-14")
    link = db["incident_links"].get("agg_rankiteo:mdu002091825")
    assert (link["rule"], link["matched_notice_id"]) == ("cites", "ca_ag:sb24-195323")


@pytest.mark.parametrize("seed", range(6))
def test_incremental_in_any_order_equals_rebuild(tmp_path, seed):
    incremental = connect(tmp_path / "incremental.db")
    arrival = NOTICES[:]
    random.Random(seed).shuffle(arrival)
    for row in arrival:
        insert_notices(incremental, [row])
        attach_notice(incremental, row["id"])
    rebuilt = connect(tmp_path / "rebuilt.db")
    insert_notices(rebuilt, NOTICES)
    rebuild_incidents(rebuilt)
    assert snapshot(incremental) == snapshot(rebuilt)
    assert groups(incremental) == EXPECTED_GROUPS


def test_bridging_notice_merges_two_incidents_like_a_rebuild(db):
    # Two Maine filings of one breach dated differently, then the CA filing that overlaps both.
    first = notice_row(
        "me_ag_archive:a", "Bailard, Inc.", breach_dates=["2020-02-25"], reported_date="2020-06-22"
    )
    second = notice_row(
        "me_ag_archive:b", "Bailard, Inc.", breach_dates=["2020-03-05"], reported_date="2020-08-01"
    )
    bridge = notice_row(
        "ca_ag:c",
        "Bailard, Inc.",
        breach_dates=["2020-02-25", "2020-03-05"],
        reported_date="2020-06-11",
    )
    insert_notices(db, [first, second])
    assert attach_notice(db, "me_ag_archive:a") != attach_notice(db, "me_ag_archive:b")
    insert_notices(db, [bridge])
    merged = attach_notice(db, "ca_ag:c")
    assert merged == incident_id_for("ca_ag:c")  # the earliest report founds the incident
    assert db.execute("select count(*) from incidents").fetchone()[0] == 1
    before = snapshot(db)
    rebuild_incidents(db)
    assert snapshot(db) == before


def test_undated_notice_between_two_incidents_joins_neither(db):
    rows = [
        notice_row("ca_ag:x", "Yahoo! Inc.", reported_date="2016-11-01"),
        notice_row("me_ag_archive:y", "Yahoo", breach_dates=["2014"], reported_date="2016-09-22"),
        notice_row(
            "me_ag_archive:z", "Yahoo Inc.", breach_dates=["2016-08-13"], reported_date="2016-12-14"
        ),
    ]
    insert_notices(db, rows)
    rebuild_incidents(db)
    assert len(groups(db)) == 3
    reviewed = {
        frozenset((r["notice_id"], r["candidate_notice_id"]))
        for r in db.query("select * from incident_review")
    }
    assert {p for p in reviewed if "ca_ag:x" in p} == {
        frozenset(("me_ag_archive:y", "ca_ag:x")),
        frozenset(("me_ag_archive:z", "ca_ag:x")),
    }


def test_undated_notice_filed_the_same_week_as_one_incident_joins_it(db):
    # Yahoo's undated CA notice and a Maine filing of the same day; another Yahoo breach was
    # filed 83 days earlier. The same-day filing is the same notice in another state.
    rows = [
        notice_row("ca_ag:x", "Yahoo! Inc.", reported_date="2016-12-14"),
        notice_row("me_ag_archive:y", "Yahoo", breach_dates=["2014"], reported_date="2016-09-22"),
        notice_row(
            "me_ag_archive:z", "Yahoo Inc.", breach_dates=["2016-08-13"], reported_date="2016-12-14"
        ),
    ]
    insert_notices(db, rows)
    rebuild_incidents(db)
    assert sorted(sorted(g) for g in groups(db)) == [
        ["ca_ag:x", "me_ag_archive:z"],
        ["me_ag_archive:y"],
    ]
    reviewed = {
        frozenset((r["notice_id"], r["candidate_notice_id"]))
        for r in db.query("select * from incident_review")
    }
    assert reviewed == {frozenset(("me_ag_archive:y", "ca_ag:x"))}


def test_every_stored_notice_gets_an_incident_even_blank_names(db):
    insert_notices(db, [notice_row("ca_ag:sb24-194945", "", reported_date="2020-10-09"),
                        notice_row("ca_ag:blank2", None, reported_date="2020-10-09")])  # fmt: skip
    rebuild_incidents(db)
    assert db.execute("select count(*) from notices where incident_id is null").fetchone()[0] == 0
    assert db.execute("select count(*) from incidents").fetchone()[0] == 2


def test_removed_notice_stays_linked(db):
    insert_notices(db, NOTICES)
    rebuild_incidents(db)
    db.execute("update notices set status = 'removed_at_source' where id = 'ca_ag:csv-2880'")
    db.conn.commit()
    incident = attach_notice(db, "ca_ag:csv-2880")
    assert incident == incident_id_for("me_ag_archive:app-533")
    assert db["incidents"].get(incident)["notice_count"] == 3


def test_attach_unknown_notice_raises(db):
    with pytest.raises(KeyError):
        attach_notice(db, "ca_ag:nope")


def test_a_supplement_joins_the_notice_it_names_and_no_other(db):
    # ABM's Maine "Supplement to 11/14/17 Notice", filed undated four months later; another
    # ABM filing with its own breach date sits in between.
    rows = [
        notice_row("me_ag_archive:first", "ABM Industries Incorporated", reported_date="2017-11-14"),
        notice_row("ca_ag:other", "ABM Industries Incorporated", breach_dates=["2018-01-08"],
                   reported_date="2018-02-20"),
        notice_row("me_ag_archive:supplement", "ABM Industries Incorporated",
                   reported_date="2018-03-13", raw={"Date of Breach": "Supplement to 11/14/17 Notice"}),
    ]  # fmt: skip
    insert_notices(db, rows)
    rebuild_incidents(db)
    assert groups(db) == {
        frozenset({"me_ag_archive:first", "me_ag_archive:supplement"}),
        frozenset({"ca_ag:other"}),
    }
    (link,) = db.query("select * from incident_links where notice_id = 'me_ag_archive:supplement' "
                       "or matched_notice_id = 'me_ag_archive:supplement'")  # fmt: skip
    assert link["rule"] == "amends_dated_notice"


def test_unrelated_names_linked_by_a_junk_key_are_split_and_reviewed():
    # The chain: the old "email" key linked Tatcha, Genpact and Extreme Reach through
    # Rand McNally. Whatever rule links them, names with no alias, d/b/a, acronym or formerly
    # link between them do not make one incident; the doubtful links go to review.
    rows = [
        notice_row("me_ag_archive:legacy-694", "Tatcha, LLC (email)", breach_dates=["2017-01-08"], reported_date="2017-05-09"),
        notice_row("me_ag_archive:legacy-695", "RM Acquisition, LLC d/b/a Rand McNally (Email)", breach_dates=["2016-04-12", "2017-03-02"], reported_date="2017-05-05"),
        notice_row("ca_ag:csv-3551", "Rand McNally", breach_dates=["2016-04-12", "2017-03-02"], reported_date="2017-05-05"),
        notice_row("me_ag_archive:legacy-696", "Genpact International, Inc. (email)", breach_dates=["2017-01-12"], reported_date="2017-05-04"),
    ]  # fmt: skip
    facts = {r["id"]: facts_from_row(r) for r in rows}
    junk = Match(RULE_BREACH_DATES, 0.9, "link", True, 4)
    edges = [
        ("me_ag_archive:legacy-694", "me_ag_archive:legacy-695", junk),
        ("me_ag_archive:legacy-695", "me_ag_archive:legacy-696", junk),
        ("ca_ag:csv-3551", "me_ag_archive:legacy-695", Match(RULE_BREACH_DATES, 1.0, "link", True, 0)),
    ]  # fmt: skip
    groups, reviews = cluster_block(facts, edges)
    assert {frozenset(g.members) for g in groups} == {
        frozenset({"me_ag_archive:legacy-695", "ca_ag:csv-3551"}),
        frozenset({"me_ag_archive:legacy-694"}),
        frozenset({"me_ag_archive:legacy-696"}),
    }
    assert {r.reason for r in reviews} == {REASON_UNRELATED}
    assert len(reviews) == 2


def test_a_flagged_date_does_not_set_the_incident_bounds(db):
    # DaVita's CA filing "11/20/2027, 12/14/2023" (flagged future_date:breach_end by the clean
    # stage) and a filing of the same breach without the typo.
    insert_notices(db, [
        notice_row("ca_ag:sb24-619123", "DaVita Inc.", breach_dates=["2023-12-14", "2027-11-20"],
                   reported_date="2024-07-03", flags=["future_date:breach_end"]),
        notice_row("me_ag:davita", "DaVita Inc.", breach_dates=["2023-12-14"], reported_date="2024-07-05"),
        notice_row("ca_ag:sb24-000001", "Lone Filer LLC", breach_dates=["2026-12-01"], reported_date="2025-01-10"),
    ])  # fmt: skip
    rebuild_incidents(db)
    davita = db.execute(
        "select breach_start, breach_end, date_flags from incidents where display_name = 'DaVita Inc.'"
    ).fetchone()
    assert davita[:2] == ("2023-12-14", "2023-12-14")
    doubts = json.loads(davita[2])
    assert doubts["notices"] == {"ca_ag:sb24-619123": ["future_date:breach_end"]}
    assert doubts["bounds_from_flagged"] is False
    assert doubts["flagged_fields"] == []
    # Only a flagged notice gives dates: the bounds come from it, and the row says so.
    lone = db.execute(
        "select breach_start, date_flags from incidents where display_name = 'Lone Filer LLC'"
    ).fetchone()
    assert lone[0] == "2026-12-01"
    # Its breach follows its own report: either date may be the typo, both are flagged.
    assert json.loads(lone[1])["flagged_fields"] == [
        "breach_start", "breach_end", "first_reported_date",
    ]  # fmt: skip
    clean = db.execute("select count(*) from incidents where date_flags is null").fetchone()[0]
    assert clean == 0


LOYOLA = "Loyola University of Chicago, 820 N. Michigan Avenue, Chicago, IL 60611"


# (notices, expected breach bounds, expected first reported date, expected flagged fields)
DOUBT_CASES = {
    # The legacy log's Loyola row: a 2018 breach "reported" 2008-07-30 (a mistyped year).
    "typo'd report date, alone": (
        [notice_row("me_ag_archive:legacy-105", LOYOLA, breach_dates=["2018-07-17"],
                    reported_date="2008-07-30")],
        ("2018-07-17", "2018-07-17"), "2008-07-30",
        ["breach_start", "breach_end", "first_reported_date"],
    ),
    "typo'd report date, with a clean filing": (
        [notice_row("me_ag_archive:legacy-105", LOYOLA, breach_dates=["2018-07-17"],
                    reported_date="2008-07-30"),
         notice_row("ca_ag:loyola", "Loyola University Chicago", breach_dates=["2018-07-17"],
                    reported_date="2018-07-30")],
        ("2018-07-17", "2018-07-17"), "2018-07-30", [],
    ),
    # "4/29/2016, 12/31/206": the first date read, the second not: the end is not known.
    "partly read breach dates": (
        [notice_row("ca_ag:half", "Harbor Freight Tools", breach_dates=["2016-04-29"],
                    reported_date="2017-01-20", flags=["unparsed:breach_dates"]),
         notice_row("me_ag:hft", "Harbor Freight Tools", breach_dates=["2016-04-29", "2016-12-31"],
                    reported_date="2017-01-20")],
        ("2016-04-29", "2016-12-31"), "2017-01-20", [],
    ),
    "partly read breach dates, alone": (
        [notice_row("ca_ag:half", "Harbor Freight Tools", breach_dates=["2016-04-29"],
                    reported_date="2017-01-20", flags=["unparsed:breach_dates"])],
        ("2016-04-29", "2016-04-29"), "2017-01-20", ["breach_start", "breach_end"],
    ),
    # A report date only partly read doubts the report date, not the breach dates.
    "partly read report date": (
        [notice_row("ca_ag:rep", "Harbor Freight Tools", breach_dates=["2016-04-29"],
                    reported_date="2017-01-02", flags=["unparsed:reported_date"]),
         notice_row("me_ag:rep", "Harbor Freight Tools", breach_dates=["2016-05-01"],
                    reported_date="2017-01-20")],
        ("2016-04-29", "2016-05-01"), "2017-01-20", [],
    ),
    # An unread count is no date doubt.
    "unread count": (
        [notice_row("ca_ag:cnt", "Harbor Freight Tools", breach_dates=["2016-04-29"],
                    reported_date="2017-01-20", flags=["unparsed:total_affected"])],
        ("2016-04-29", "2016-04-29"), "2017-01-20", None,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", DOUBT_CASES)
def test_doubted_dates_do_not_set_the_incident_dates_silently(db, case):
    notices, bounds, first_reported, fields = DOUBT_CASES[case]
    insert_notices(db, notices)
    rebuild_incidents(db)
    rows = list(db["incidents"].rows)
    assert len(rows) == 1
    row = rows[0]
    assert (row["breach_start"], row["breach_end"]) == bounds
    assert row["first_reported_date"] == first_reported
    if fields is None:
        assert row["date_flags"] is None
    else:
        assert json.loads(row["date_flags"])["flagged_fields"] == fields


def test_a_key_turning_common_re_clusters_what_it_had_joined(tmp_path):
    # Two franchisees trading as one brand: the brand alone does not join them (a review row
    # instead); the third makes the brand common (carried by three different main names):
    # attaching one by one gives what a rebuild gives.
    rows = [
        notice_row(f"ca_ag:gh-{n}", f"{owner} d/b/a Gardena Honda", breach_dates=["2025-06-01"],
                   reported_date="2025-08-21")
        for n, owner in enumerate(["DWWGH LLC", "Norm Reeves LLC", "Hooman Enterprises"])
    ]  # fmt: skip
    attached = connect(tmp_path / "attached.db")
    for number, row in enumerate(rows):
        insert_notices(attached, [row])
        attach_notice(attached, row["id"])
        if number == 1:
            assert len(groups(attached)) == 2
            rules = [r["rule"] for r in attached["incident_review"].rows]
            assert rules == ["shared_trade_name_only"]
    rebuilt = connect(tmp_path / "rebuilt.db")
    insert_notices(rebuilt, rows)
    rebuild_incidents(rebuilt)
    assert groups(attached) == groups(rebuilt) == {frozenset({r["id"]}) for r in rows}
    assert snapshot(attached) == snapshot(rebuilt)


def test_a_rebuild_run_outside_the_project_keeps_every_state(tmp_path):
    """Run from a directory without scrapy.cfg and without SCRAPY_SETTINGS_MODULE (a cron
    job, a notebook): the registry still finds the spiders, so no incident loses its state."""
    import os
    import subprocess
    import sys

    path = tmp_path / "breaches.db"
    database = connect(path)
    insert_notices(database, NOTICES)
    database.conn.close()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    script = (
        "import sys; from crawler.store.db import connect; "
        "from crawler.matching.incidents import rebuild_incidents; "
        "rebuild_incidents(connect(sys.argv[1]))"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], cwd=elsewhere, env=env, check=True)
    database = connect(path)
    states = {row["display_name"]: json.loads(row["states"]) for row in database["incidents"].rows}
    database.conn.close()
    assert states["T-Mobile US"] == ["CA", "ME"]
    assert states["Mt. Diablo Unified School District"] == ["CA"]
    assert all("CA" in found for found in states.values())  # every incident has a CA filing


# Strangers once joined by a rebuild (realistic names): one vendor breach on one day, reordered
# bank names, franchisees of one brand, placeholder names. Each notice stays its own incident.
STRANGER_ROWS = [
    ("Jones Law Firm", "Jones Medical Center", "2023-05-30"),
    ("First Community Bank", "Community First Bank", "2021-03-02"),
    ("Boston Restaurant Associates LLC d/b/a Dunkin'", "Kasa Enterprises Inc. d/b/a Dunkin'",
     "2024-02-10"),
    ("Unknown", "Unknown", "2022-06-01"),
    ("N/A", "Not provided", "2022-06-01"),
]  # fmt: skip


@pytest.mark.parametrize(("name_a", "name_b", "breach"), STRANGER_ROWS)
def test_a_rebuild_never_joins_strangers(db, name_a, name_b, breach):
    insert_notices(db, [
        notice_row("ca_ag:st-1", name_a, breach_dates=[breach], reported_date="2024-07-10"),
        notice_row("me_ag:st-2", name_b, breach_dates=[breach], reported_date="2024-07-11"),
    ])  # fmt: skip
    rebuild_incidents(db)
    assert db.execute("select count(*) from incidents").fetchone()[0] == 2
    reviews = [r["rule"] for r in db["incident_review"].rows]
    assert reviews == (["shared_trade_name_only"] if "d/b/a" in name_a else [])


COLORADO_WEST = [
    notice_row("ca_ag:csv-11", "COLORADO WEST CONSTRUCTION", breach_dates=["2025-05-29"],
               reported_date="2025-06-10"),
    notice_row("ca_ag:csv-7", "COLORADO WEST CONSTRUCTION, NEXT LEVEL CONSTRUCTION SERVICES & 4 "
               "CORNERS REPAIR & RESTORATION", breach_dates=["2025-05-29"], reported_date="2025-06-12"),
]  # fmt: skip
# Other filers whose names start with "Colorado": the word is no longer distinctive.
COLORADO_OTHERS = [
    notice_row(f"ca_ag:co-{n}", name, breach_dates=["2021-01-05"], reported_date="2021-02-01")
    for n, name in enumerate(["University of Colorado", "Colorado Springs Utilities",
                              "Colorado Department of Revenue", "Colorado Mesa University"])
]  # fmt: skip


def test_a_list_of_entities_and_its_first_entity_go_to_review(db):
    insert_notices(db, COLORADO_WEST + COLORADO_OTHERS)
    rebuild_incidents(db)
    incidents = {r["notice_id"]: r["incident_id"] for r in db["incident_links"].rows}
    assert incidents["ca_ag:csv-11"] != incidents["ca_ag:csv-7"]
    reviews = [
        (r["notice_id"], r["candidate_notice_id"], r["rule"]) for r in db["incident_review"].rows
    ]
    assert reviews == [("ca_ag:csv-7", "ca_ag:csv-11", "leads_a_list_of_entities")]
