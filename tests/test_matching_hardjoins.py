"""The hard joins a person makes by eye, each a named rule, on the real notices of the issue
(CA export and Maine workbooks, dates and reported dates as published)."""

import pytest

from crawler.matching.blocking import MatchIndex
from crawler.matching.incidents import facts_from_row
from crawler.matching.loading import notice_row
from crawler.matching.rules import (
    RULE_BREACH_DATES,
    RULE_DATE_TYPO,
    RULE_FORMERLY,
    RULE_SAME_DAY_WORD,
    RULE_SPACES,
    RULE_TRADE_NAME,
    compare,
)


def facts(notice_id, name, breach=(), reported=None, **fields):
    row = notice_row(notice_id, name, breach_dates=list(breach), reported_date=reported, **fields)
    return facts_from_row(row)


CA, ME = "ca_ag:csv-", "me_ag_archive:"

JOINS = [
    # Provable date typos: a breach after its own report, or one field off in filings made
    # to two states at the same time. The flagged notice keeps its flag.
    (RULE_DATE_TYPO, facts(CA + "3092", "1873349 Ontario, Inc.", ["2018-06-01"], "2018-11-30"),
     facts(ME + "app-971", "1873349 Ontario, Inc.", ["2016-06-01"], "2018-12-19")),
    (RULE_DATE_TYPO, facts(CA + "2771", "Total Quality Logistics, LLC", ["2020-10-01"], "2020-04-02"),
     facts(ME + "app-322", "Total Quality Logistics, LLC", ["2019-10-01"], "2020-03-25")),
    (RULE_DATE_TYPO, facts(CA + "1693", "Lower LLC", ["2022-12-10", "2022-12-14"], "2022-08-02"),
     facts(CA + "1771", "Lower LLC", ["2021-12-10", "2021-12-14"], "2022-05-27")),
    (RULE_DATE_TYPO, facts(ME + "app-270", "Armstrong Oil & Gas, Inc. and Armstrong Vineyards, Inc. "
                           "d/b/a Epoch Estate Wines", ["2020-11-20"], "2020-05-01"),
     facts(ME + "app-271", "Armstrong Oil & Gas, Inc. and Armstrong Vineyards, Inc. d/b/a Epoch "
           "Estate Wines", ["2019-11-19"], "2020-05-01")),
    (RULE_DATE_TYPO, facts(ME + "app-764", "flexPATH Strategies, LLC", ["2019-12-07"], "2019-04-17"),
     facts(CA + "2989", "flexPATH Strategies, LLC", ["2018-12-07"], "2019-04-17")),
    (RULE_DATE_TYPO, facts(CA + "3433", "Mr. Cooper", ["2017-07-05"], "2017-08-30"),
     facts(ME + "legacy-504", "Mr. Cooper, 8950 Cypress Waters Blvd., Coppell, TX 75019",
           ["2017-08-05"], "2017-08-30")),
    # Names equal without spaces (addresses cut first).
    (RULE_SPACES, facts(CA + "3243", "TaskRabbit, Inc.", ["2018-04-11"], "2018-05-14"),
     facts(ME + "legacy-212", "Task Rabbit Inc., 425 Second Street, 5th Floor, San Francisco, CA 94107",
           ["2018-04-11"], "2018-05-14")),
    (RULE_SPACES, facts(CA + "3215", "MyHeritage Ltd.", ["2017-10-26"], "2018-06-15"),
     facts(ME + "legacy-161", "My Heritage Ltd, 3 Ariel Sharon Street, Or Yehuda, Israel 60250",
           ["2017-10-26"], "2018-06-15")),
    (RULE_SPACES, facts(CA + "3192", "TradeMotion", ["2017-10-13"], "2018-07-25"),
     facts(ME + "legacy-112", "Trade Motion, 7400 Wilshire Pl. Drive, Houston, TX 77040",
           ["2017-10-13", "2018-03-08"], "2018-07-24")),
    (RULE_SPACES, facts(CA + "4249", "Cole Taylor Bank", ["2014-02-07"], "2014-04-03"),
     facts(ME + "legacy-1785", "ColeTaylorBank", ["2014-02-07"], "2014-04-03")),
    # The legacy log's address forms, cut: then the ordinary same-entity rule joins.
    (RULE_BREACH_DATES, facts(CA + "3523", "Signature Hardware Inc.", ["2017-04-28"], "2017-06-02"),
     facts(ME + "legacy-649", "Signature Hardware, Inc; 2700 Crescent Springs Pike, Erlanger KY 41017",
           ["2017-04-28"], "2017-06-02")),
    (RULE_BREACH_DATES, facts(CA + "3294", "California State University, Fresno", ["2017-12-22"], "2018-03-06"),
     facts(ME + "legacy-301", "California  State University, 5241 N. Maple Ave., Fresno, CA 93740",
           ["2017-12-01"], "2018-03-06")),
    # Formerly / k/n/a.
    (RULE_FORMERLY, facts(CA + "4400", "Rentpath, Inc., formerly knwon as Primedia, Inc.", ["2012-06-20"], "2013-05-31"),
     facts(ME + "legacy-1953", "Primedia, Inc.", ["2012-06-20"], "2013-07-01")),
    # Identical day-precision breach date, filed within a week, a distinctive shared word.
    # (consumers notified on the same day, 2020-04-17)
    (RULE_SAME_DAY_WORD, facts(ME + "app-275", "ExecuPharm Inc.", ["2020-03-06"], "2020-04-29",
                               notification_dates=["2020-04-17"]),
     facts(ME + "app-297", "ExecuPharm International LLC", ["2020-03-06"], "2020-04-15",
           notification_dates=["2020-03-16", "2020-04-17"])),
    # Reordered words are no spacing variant: the same day and most words shared join them.
    (RULE_SAME_DAY_WORD, facts(CA + "4349", "R.T. Jones Capital Management Equities", ["2013-07-22"], "2013-10-01"),
     facts(ME + "legacy-1899", "R.T. Jones Capital Equities Management, Inc.", ["2013-07-22"], "2013-09-30")),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "a", "b"), JOINS, ids=lambda v: getattr(v, "id", v))
def test_hard_join(rule, a, b):
    for x, y in ((a, b), (b, a)):  # the rules are symmetric
        match = compare(x, y)
        assert match is not None
        assert match.kind == "link"
        assert match.rule == rule


def test_a_typo_joined_notice_keeps_its_flag():
    flagged = facts(CA + "2771", "Total Quality Logistics, LLC", ["2020-10-01"], "2020-04-02")
    assert flagged.date_flags == ("breach_after_report",)


APART = [
    # A serial filer (Intuit: one notice per account takeover) files from one source: a date a
    # month off is another incident, not a typo.
    (facts(ME + "legacy-911", "Intuit, Inc.", ["2016-11-24"], "2016-12-12"),
     facts(ME + "legacy-919", "Intuit, Inc.", ["2016-10-24"], "2016-12-02")),
    # Same year-apart day and month, but neither date impossible nor filed at the same time.
    (facts(CA + "x1", "Aerogrow International, Inc.", ["2015-10-29"], "2016-01-04"),
     facts(ME + "x2", "Aerogrow International, Inc.", ["2016-10-29"], "2017-01-04")),
    # The same breach day at a common vendor: two school districts share only generic words.
    (facts(CA + "2701", "Mt. Diablo Unified School District", ["2019-11-04"], "2020-06-11"),
     facts(CA + "2709", "ABC Unified School District", ["2019-11-04"], "2020-06-05")),
    # Different companies, both with the legacy log's "(email)" tag and nearby dates.
    (facts(ME + "legacy-694", "Tatcha, LLC, 350 Rhode Island Street, Suite 110, San Francisco, CA "
           "94103 (email)", ["2017"], "2017-05-09"),
     facts(ME + "legacy-705", "Extreme Reach, Inc., 75 2nd Avenue, Suite 720, Needham, MA 02494 (email)",
           ["2017-02-08"], "2017-04-28")),
    # An undated notice discovered after the other was filed tells of a later breach.
    (facts(CA + "4098", "OppenheimerFunds", ["2014-04-24"], "2015-01-15"),
     facts(ME + "legacy-1498", "Oppenheimer Funds, P.O. Box 5270, Denver, CO 80217-5270",
           [], "2015-04-08", discovered_date="2015-03-24")),
]  # fmt: skip


# Strangers the hard-join rules once joined: one vendor breach (MOVEit, Blackbaud) hits many
# customers on one day, and banks reuse the same few words in any order.
STRANGERS = [
    (facts(CA + "s1", "Jones Law Firm", ["2023-05-30"], "2023-07-10"),
     facts(ME + "s2", "Jones Medical Center", ["2023-05-30"], "2023-07-12")),
    (facts(CA + "s3", "Johnson Controls International", ["2023-05-30"], "2023-07-10"),
     facts(ME + "s4", "Johnson Financial Group", ["2023-05-30"], "2023-07-11")),
    (facts(CA + "s5", "Anderson Hay & Grain", ["2020-05-20"], "2020-07-24"),
     facts(ME + "s6", "Anderson University", ["2020-05-20"], "2020-07-27")),
    (facts(CA + "s7", "First Community Bank", ["2021-03-02"], "2021-04-20"),
     facts(ME + "s8", "Community First Bank", ["2021-03-02"], "2021-04-20")),
    (facts(CA + "s9", "National Bank of Commerce", ["2022-01-05"], "2022-02-01"),
     facts(ME + "s10", "Commerce National Bank", ["2022-01-05"], "2022-02-01")),
    (facts(CA + "s11", "Union Savings Bank", ["2019-08-12"], "2019-09-30"),
     facts(ME + "s12", "Savings Bank Union", ["2019-08-12"], "2019-09-30")),
]  # fmt: skip


@pytest.mark.parametrize(("a", "b"), STRANGERS, ids=lambda v: v.entity_name)
def test_strangers_are_not_joined(a, b):
    assert compare(a, b) is None
    assert compare(b, a) is None


# Placeholders for a name that was not given: no key, so nothing joins through them.
@pytest.mark.parametrize("placeholder", ["Unknown", "N/A", "None", "Not provided", "-", "n/a"])
def test_placeholder_names_join_nothing(placeholder):
    a = facts(CA + "p1", placeholder, ["2022-06-01"], "2022-07-01")
    b = facts(ME + "p2", placeholder, ["2022-06-01"], "2022-07-01")
    assert a.keys == ()
    assert compare(a, b) is None


# Franchisees trading under one brand: the brand alone never joins two main names.
FRANCHISEES = [
    ("Boston Restaurant Associates LLC d/b/a Dunkin'", "Kasa Enterprises Inc. d/b/a Dunkin'"),
    ("DWWGH LLC d/b/a Gardena Honda", "Norm Reeves LLC d/b/a Gardena Honda"),
    ("Piech Sales Company, LLC dba ValuePetSupplies.com", "PetDirect LLC dba ValuePetSupplies.com"),
]  # fmt: skip


@pytest.mark.parametrize(("name_a", "name_b"), FRANCHISEES)
def test_a_shared_trade_name_alone_goes_to_review(name_a, name_b):
    a = facts(CA + "d1", name_a, ["2024-02-10"], "2024-03-15")
    b = facts(ME + "d2", name_b, ["2024-02-10"], "2024-03-16")
    for x, y in ((a, b), (b, a)):
        match = compare(x, y)
        assert match is not None
        assert (match.kind, match.rule) == ("review", RULE_TRADE_NAME)
    # The brand's own filing, and a filing under the same main name, still join.
    brand = facts(
        ME + "d3", name_a.split("d/b/a")[-1].split("dba")[-1], ["2024-02-10"], "2024-03-15"
    )
    assert compare(a, brand).kind == "link"
    again = facts(ME + "d4", name_a, ["2024-02-10"], "2024-03-20")
    assert compare(a, again).rule == RULE_BREACH_DATES


@pytest.mark.parametrize(("a", "b"), APART, ids=lambda v: v.id)
def test_not_joined(a, b):
    assert compare(a, b) is None
    assert compare(b, a) is None


def test_a_key_many_different_names_carry_stops_joining_on_its_own():
    # Three unrelated franchisees trade under one brand (measured, not listed): the brand
    # key no longer joins them; their own names still join their own filings.
    names = ["DWWGH LLC d/b/a Gardena Honda", "Norm Reeves LLC d/b/a Gardena Honda",
             "Hooman Enterprises d/b/a Gardena Honda"]  # fmt: skip
    index = MatchIndex()
    for number, name in enumerate(names[:2]):
        index.add(facts(f"{CA}f{number}", name, ["2025-06-01"], "2025-08-21"))
    first, second = index.facts[f"{CA}f0"], index.facts[f"{CA}f1"]
    # Two names: the brand is no common key yet, but alone it only asks for review.
    assert compare(first, second, index.stats).kind == "review"
    affected = index.add(facts(f"{CA}f2", names[2], ["2025-06-01"], "2025-08-21"))
    assert affected == {f"{CA}f0", f"{CA}f1", f"{CA}f2"}  # all are re-clustered
    assert index.stats.common("gardena honda")
    assert compare(first, second, index.stats) is None
    again = facts(f"{CA}f3", "DWWGH LLC", ["2025-06-01"], "2025-08-22")
    assert compare(first, again, index.stats).rule == RULE_BREACH_DATES
    brand = facts(f"{CA}f4", "Gardena Honda", ["2025-06-01"], "2025-08-22")
    # The brand's own filing still joins (the key is its main name).
    assert compare(first, brand, index.stats) is not None
