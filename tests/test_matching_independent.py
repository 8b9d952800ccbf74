"""The independent name test of `check_incidents` (no entity keys), on real name pairs."""

import pytest

from crawler.matching.independent import WordCounts, names_alike, unlike_groups

# Names of other filers, so that common words are common, as in the stored notices.
OTHERS = [
    "Jones Day", "Jones Lang LaSalle", "Edward Jones", "Jones Financial Companies",
    "Jones Medical Center", "Jones Law Firm", "Community Health Systems",
    "First Community Bank", "Community First Bank", "Blue Shield of California",
]  # fmt: skip

ALIKE = [
    ("TaskRabbit, Inc.", "Task Rabbit Inc., 425 Second Street, 5th Floor, San Francisco, CA 94107"),
    ("Coffee AM", "CJGO Fulfillment, Inc. DBA CoffeeAM"),
    ("Stethescope.com LLC", "Stethoscope.com LLC"),
    ("Delta Dental of Illinois", "Delta Dental of Illinois (on behalf of the groups listed)"),
    ("R.T. Jones Capital Management Equities", "R.T. Jones Capital Equities Management, Inc."),
    ("Tatcha, LLC", "Tatcha, LLC, 350 Rhode Island Street, Suite 110, San Francisco (email)"),
    ("Mr. Cooper", "Mr. Cooper, 8950 Cypress Waters Blvd., Coppell, TX 75019"),
]  # fmt: skip
UNLIKE = [
    ("Jones Law Firm", "Jones Medical Center"),
    ("Tatcha, LLC", "Genpact International, Inc."),
    ("Rentpath, Inc.", "Primedia, Inc."),  # a renaming: right, but not alike as text
    ("Unknown", "Unknown"),
]  # fmt: skip


@pytest.mark.parametrize(("a", "b"), ALIKE)
def test_alike(a, b):
    counts = WordCounts([*OTHERS, a, b])
    assert names_alike(a, b, counts)
    assert names_alike(b, a, counts)


@pytest.mark.parametrize(("a", "b"), UNLIKE)
def test_not_alike(a, b):
    counts = WordCounts([*OTHERS, a, b])
    assert not names_alike(a, b, counts)


def test_an_incident_splits_into_groups_of_alike_names():
    names = ["Tatcha, LLC", "Tatcha, LLC, 350 Rhode Island Street (email)", "Genpact", "GENPACT"]
    groups = unlike_groups(names, WordCounts([*OTHERS, *names]))
    assert groups == [["GENPACT", "Genpact"], names[:2]]
