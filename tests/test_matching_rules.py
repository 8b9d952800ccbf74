"""The pairwise matching rules, on facts taken from the real notices."""

import pytest

from crawler.matching.incidents import facts_from_row
from crawler.matching.loading import notice_row
from crawler.matching.rules import (
    RULE_BREACH_DATES,
    RULE_CITES,
    RULE_FUZZY,
    RULE_REPORTED_WINDOW,
    clearly_apart,
    compare,
)


def facts(notice_id, name, **fields):
    return facts_from_row(notice_row(notice_id, name, **fields))


def test_citation_is_certain_whatever_the_names():
    post = facts("agg_rankiteo:mdu002091825", "MDUSD blog post", breach_dates=["2020-09"],
                 cites=["ca_ag:sb24-195323"])  # fmt: skip
    state = facts("ca_ag:sb24-195323", "Mount Diablo Unified School District",
                  breach_dates=["2020-09-14"], reported_date="2020-10-20")  # fmt: skip
    assert compare(post, state).rule == RULE_CITES
    assert compare(state, post).rule == RULE_CITES


def test_month_precision_matches_any_day_of_the_month():
    month = facts(
        "agg_rankiteo:x", "Mount Diablo Unified School District", breach_dates=["2020-09"]
    )
    day = facts("ca_ag:y", "Mt. Diablo Unified School District", breach_dates=["2020-09-30"],
                reported_date="2020-10-20")  # fmt: skip
    assert compare(month, day).rule == RULE_BREACH_DATES


def test_same_entity_years_apart_is_no_match():
    a = facts(
        "ca_ag:a",
        "Mt. Diablo Unified School District",
        breach_dates=["2017-04-27"],
        reported_date="2017-05-19",
    )
    b = facts(
        "ca_ag:b",
        "Mt. Diablo Unified School District",
        breach_dates=["2018-08-08"],
        reported_date="2018-09-07",
    )
    assert compare(a, b) is None
    assert clearly_apart(a, b)


def test_repeat_filings_of_one_breach_match():
    # HealthEquity: one breach date, filings from 07/2024 to 05/2025.
    first = facts(
        "ca_ag:csv-484",
        "HealthEquity, Inc.",
        breach_dates=["2024-03-09"],
        reported_date="2024-07-26",
    )
    later = facts(
        "ca_ag:csv-43",
        "HealthEquity, Inc.",
        breach_dates=["2024-03-09"],
        reported_date="2025-05-16",
    )
    assert compare(first, later).rule == RULE_BREACH_DATES


def test_undated_filing_within_90_days_matches():
    ca = facts("ca_ag:csv-4089", "Anthem, Inc.", reported_date="2015-02-13")
    me = facts(
        "me_ag_archive:legacy-1567",
        "Anthem",
        breach_dates=["2014-12-10"],
        reported_date="2015-02-06",
    )
    match = compare(ca, me)
    assert match.rule == RULE_REPORTED_WINDOW
    assert not match.dated


def test_undated_filing_outside_the_window_does_not_match():
    ca = facts("ca_ag:a", "Anthem, Inc.", reported_date="2015-08-13")
    me = facts("me_ag_archive:b", "Anthem", breach_dates=["2014-12-10"], reported_date="2015-02-06")
    assert compare(ca, me) is None


@pytest.mark.parametrize(
    ("same_day_sources", "expected"),
    [(("ca_ag", "me_ag_archive"), RULE_BREACH_DATES), (("me_ag_archive", "me_ag_archive"), None)],
)
def test_dates_weeks_apart_match_only_when_filed_together_to_two_states(same_day_sources, expected):
    # Hard Rock: CA says 05/17/2017, Maine 06/06/2017, both filed 07/07/2017.
    a = facts(
        f"{same_day_sources[0]}:a",
        "Hard Rock International",
        breach_dates=["2017-05-17"],
        reported_date="2017-07-07",
    )
    b = facts(
        f"{same_day_sources[1]}:b",
        "Hard Rock International",
        breach_dates=["2017-06-06"],
        reported_date="2017-07-07",
    )
    match = compare(a, b)
    assert (match.rule if match else None) == expected


def test_near_identical_names_with_agreeing_dates_join():
    a = facts(
        "ca_ag:a", "CSG Consultatns, Inc.", breach_dates=["2019-05-01"], reported_date="2019-06-01"
    )
    b = facts(
        "me_ag_archive:b",
        "CSG Consultants, Inc.",
        breach_dates=["2019-05-01"],
        reported_date="2019-06-03",
    )
    match = compare(a, b)
    assert match.rule == RULE_FUZZY
    assert match.kind == "link"


def test_close_names_go_to_review_not_joined():
    # Two different school districts whose names differ in one word (ratio about 87).
    a = facts("ca_ag:a", "Centinela Valley Union High School District", breach_dates=["2021-02-26"])
    b = facts("ca_ag:b", "Victor Valley Union High School District", breach_dates=["2021-02-26"])
    match = compare(a, b)
    assert match.kind == "review"


def test_blank_names_never_match_each_other():
    a = facts("ca_ag:sb24-194945", "", reported_date="2020-10-09")
    b = facts("ca_ag:other", None, reported_date="2020-10-09")
    assert compare(a, b) is None
