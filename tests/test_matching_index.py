"""The match index's entries when many notices share them (an entry's ids beyond a few are held
in a list, crawler/matching/blocking.py): adding, changing and removing notices."""

from crawler.matching.blocking import SMALL_POSTINGS, MatchIndex
from crawler.matching.incidents import facts_from_row
from crawler.matching.loading import notice_row

MANY = 3 * SMALL_POSTINGS


def facts(notice_id, name, breach="2024-03-01", reported="2024-04-02", **fields):
    row = notice_row(notice_id, name, breach_dates=[breach], reported_date=reported, **fields)
    return facts_from_row(row)


def filings(count: int) -> list:
    return [facts(f"ca_ag:f{n:02d}", "Acme Widget Holdings LLC") for n in range(count)]


def test_many_filings_of_one_name_are_each_others_candidates():
    index = MatchIndex()
    notices = filings(MANY)
    for notice in notices:
        index.add(notice)
    ids = {f.id for f in notices}
    for notice in notices:
        assert index.candidates(notice) == ids - {notice.id}


def test_a_changed_notice_leaves_its_old_entries_and_is_held_once():
    index = MatchIndex()
    notices = filings(MANY)
    for notice in notices:
        index.add(notice)
    index.add(notices[5])  # stored again unchanged: still once under every entry
    # Changed in place: re-read with another name and dates (a breach day is an entry too).
    renamed = facts(notices[7].id, "Globex Shipping Corporation", "2019-06-01", "2019-07-01")
    index.add(renamed)
    probe = facts("ca_ag:probe", "Acme Widget Holdings LLC")
    expected = {f.id for f in notices} - {renamed.id}
    assert index.candidates(probe) == expected
    index.remove(notices[5].id)
    index.remove(notices[5].id)  # removing twice changes nothing more
    assert index.candidates(probe) == expected - {notices[5].id}
    other = facts("ca_ag:other", "Globex Shipping Corporation", "2019-06-01", "2019-07-01")
    assert index.candidates(other) == {renamed.id}


def test_every_filing_removed_empties_the_index():
    index = MatchIndex()
    notices = filings(MANY)
    # Posts that name the same notice twice each: under that citation once per post.
    posts = [facts(f"agg_rankiteo:p{n}", f"Post {n}", cites=["ca_ag:f00", "ca_ag:f00"])
             for n in range(MANY)]  # fmt: skip
    for notice in [*notices, *posts]:
        index.add(notice)
    assert {f.id for f in posts} <= index.candidates(notices[0])
    for notice in [*notices, *posts]:
        index.remove(notice.id)
    assert len(index) == 0
    assert index.candidates(facts("ca_ag:probe", "Acme Widget Holdings LLC")) == set()
    assert index.candidates(facts("ca_ag:f00", "Acme Widget Holdings LLC")) == set()
