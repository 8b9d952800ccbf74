"""Facts from aggregator prose, phrasing by phrasing: who was told (a regulator or the people
affected), breach periods, sentence ends, counts written as words."""

from pathlib import Path

import pytest

from crawler.textparse.dates import parse_dates
from crawler.textparse.prose import counts_in, dated_roles, extract_facts, sentences

RANKITEO_TEXT = (
    Path(__file__).parent.parent
    / "localportal"
    / "data"
    / "aggregators"
    / "rankiteo-mount-diablo-usd.txt"
)

# --- A regulator told: the reported date ------------------------------------------------------

REPORTED = [
    # the regulator the subject of a passive verb
    "The Maine Attorney General was informed of the breach on March 15th, 2019.",
    "The California Attorney General's office was notified on March 15, 2019.",
    "The Attorney General of Maine was formally notified on March 15, 2019.",
    "The Office of the Maine Attorney General has been notified as of March 15, 2019.",
    "The Massachusetts AG was contacted on 15 March 2019.",
    "On March 15, 2019, the Maine Attorney General was made aware of the incident.",
    # the regulator the object
    "The breach was reported to the Attorney General of Maine on March 15, 2019.",
    "Acme notified the Maine Attorney General on March 15, 2019.",
    "The incident was disclosed to the Massachusetts AG on March 15, 2019.",
    "A notice was submitted to state regulators on 03/15/2019.",
    "The breach was discovered and reported to the California Office of the Attorney General "
    "on March 15, 2019.",
]


@pytest.mark.parametrize("sentence", REPORTED)
def test_a_regulator_told_is_the_reported_date(sentence):
    ((role, text),) = dated_roles(sentence)
    assert role == "reported"
    assert parse_dates([text]).value[0].iso == "2019-03-15"


NOTIFIED = [
    "Affected individuals were notified on March 15, 2019.",
    "Consumers were informed of the breach on March 15, 2019.",
    "Letters were mailed to affected residents on March 15, 2019.",
    # the regulator named, but not the one told
    "Following the Attorney General's guidance, affected individuals were notified on "
    "March 15, 2019.",
    "Acme notified affected individuals on March 15, 2019, as the Maine Attorney General requires.",
    "Under the Maine Attorney General's rules, customers were notified on March 15, 2019.",
]


@pytest.mark.parametrize("sentence", NOTIFIED)
def test_people_told_stay_a_notification_date(sentence):
    assert dated_roles(sentence) == [("notified", "March 15, 2019")]


def test_one_sentence_can_tell_people_and_the_regulator_apart():
    assert dated_roles(
        "Letters were mailed to consumers on March 5, 2023, and the Maine Attorney General was "
        "notified on March 7, 2023."
    ) == [("notified", "March 5, 2023"), ("reported", "March 7, 2023")]
    assert dated_roles(
        "Acme notified affected individuals on March 5, 2023 and the Maine Attorney General on "
        "March 7, 2023."
    ) == [("notified", "March 5, 2023"), ("reported", "March 7, 2023")]


def test_a_hedge_does_not_outrank_the_regulator():
    assert dated_roles("Acme notified the Maine AG on or about March 7, 2023.") == [
        ("reported", "March 7, 2023")
    ]


def test_the_reported_date_keeps_the_regulator_told():
    facts = extract_facts(
        [
            "The breach occurred on March 1, 2019. The Maine Attorney General was informed of "
            "the breach on March 15th, 2019."
        ]
    )
    assert facts.dates["reported"] == [
        {
            "value": "March 15th, 2019",
            "sentence": "The Maine Attorney General was informed of the breach on March 15th, 2019.",
            "regulator": "Maine Attorney General",
            "state": "ME",
        }
    ]
    assert "notified" not in facts.dates
    assert [r["value"] for r in facts.regulators] == ["Maine Attorney General"]


def test_real_rankiteo_prose_gives_the_reported_date_and_regulator():
    narrative = RANKITEO_TEXT.read_text().split("\n\n")[2]
    facts = extract_facts([narrative])
    assert [d["value"] for d in facts.dates["occurred"]] == ["September 14, 2020"]
    ((reported),) = facts.dates["reported"]
    assert reported["value"] == "October 20, 2020"
    assert reported["regulator"] == "California Office of the Attorney General"
    assert reported["state"] == "CA"
    assert reported["sentence"].startswith("The breach was discovered and reported")
    assert reported["sentence"].endswith("remains undisclosed.")


NO_DATE = [
    "The Attorney General's guidance recommends credit monitoring.",
    "The Maine Attorney General was informed of the breach.",
    "The breach was reported to the Attorney General in 2019.",  # a year only: no day
]


@pytest.mark.parametrize("sentence", NO_DATE)
def test_a_regulator_without_a_date_gives_no_reported_date(sentence):
    assert "reported" not in extract_facts([sentence]).dates


# --- Breach periods ---------------------------------------------------------------------------

PERIODS = [
    ("Unauthorised access began on 3 March 2021 and continued until 9 March 2021.", "UK"),
    ("Unauthorized access began on March 3, 2021 and continued until March 9, 2021.", "US"),
    ("Unauthorised access began on 3rd March 2021 and ended on 9th March 2021.", "UK"),
    ("Between March 3, 2021 and March 9, 2021, an unauthorized party accessed the network.", "US"),
    ("From March 3, 2021 to March 9, 2021, an unauthorized actor had access to the network.", "US"),
    ("From 3 March 2021 through 9 March 2021, an attacker had access to the network.", "UK"),
    ("The attack lasted from March 3, 2021 until March 9, 2021.", "US"),
    ("The intrusion took place from 03/03/2021 through 03/09/2021.", "US"),
    ("The network was compromised from March 3, 2021 until on or about March 9, 2021.", "US"),
    ("Unauthorized access occurred between 2021-03-03 and 2021-03-09.", "ISO"),
]


@pytest.mark.parametrize(("sentence", "spelling"), PERIODS)
def test_a_breach_period_gives_both_dates(sentence, spelling):
    roles = dated_roles(sentence)
    assert [role for role, _ in roles] == ["occurred", "occurred"], spelling
    assert [d.iso for d in parse_dates([text for _, text in roles]).value] == [
        "2021-03-03",
        "2021-03-09",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "The breach occurred between March 3 and March 9, 2021.",
        "Unauthorized access took place March 3-9, 2021.",
        "The network was compromised from March 3 through 9, 2021.",
        "Unauthorized access began March 3rd and continued until March 9th, 2021.",
    ],
)
def test_a_period_whose_start_borrows_the_year_is_one_date_text(sentence):
    ((role, text),) = dated_roles(sentence)
    assert role == "occurred"
    assert [d.iso for d in parse_dates([text]).value] == ["2021-03-03", "2021-03-09"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Unauthorized access occurred on March 3, 2021.",
        "Unauthorised access occurred on 3 March 2021.",
        "On March 3, 2021, an attacker gained access to the network.",
    ],
)
def test_one_date_of_access(sentence):
    ((role, text),) = dated_roles(sentence)
    assert role == "occurred"
    assert parse_dates([text]).value[0].iso == "2021-03-03"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # two events, not a period
        (
            "Unauthorized access began on March 3, 2021 and was discovered on March 9, 2021.",
            [("occurred", "March 3, 2021"), ("discovered", "March 9, 2021")],
        ),
        # a period of another event: the verb says which
        (
            "Between March 3, 2021 and March 9, 2021, Acme mailed letters to affected individuals.",
            [("notified", "March 3, 2021"), ("notified", "March 9, 2021")],
        ),
        (
            "The breach occurred on March 3, 2021 and was found on March 9, 2021.",
            [("occurred", "March 3, 2021"), ("discovered", "March 9, 2021")],
        ),
        (
            "The district discovered unauthorized access on March 9, 2021.",
            [("discovered", "March 9, 2021")],
        ),
        # nothing says what happened
        (
            "The offer runs from March 3, 2021 to March 9, 2021.",
            [(None, "March 3, 2021"), (None, "March 9, 2021")],
        ),
    ],
)
def test_near_misses_of_a_period(sentence, expected):
    assert dated_roles(sentence) == expected


def test_a_period_reaches_the_notice_as_breach_dates():
    facts = extract_facts(
        ["Unauthorised access began on 3 March 2021 and continued until 9 March 2021."]
    )
    assert [d["value"] for d in facts.dates["occurred"]] == ["3 March 2021", "9 March 2021"]


# --- Sentence ends ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "California State University, 5241 N. Maple Ave., Fresno, was breached. It notified "
            "students.",
            [
                "California State University, 5241 N. Maple Ave., Fresno, was breached.",
                "It notified students.",
            ],
        ),
        (
            "The office at 100 E. Main St. Ste. 200 in Portland was hit on May 2, 2024. Letters "
            "followed.",
            [
                "The office at 100 E. Main St. Ste. 200 in Portland was hit on May 2, 2024.",
                "Letters followed.",
            ],
        ),
        (
            "Mr. Cooper, 8950 Cypress Waters Blvd. Coppell, reported it. Dr. Jane Doe agreed.",
            ["Mr. Cooper, 8950 Cypress Waters Blvd. Coppell, reported it.", "Dr. Jane Doe agreed."],
        ),
        (
            "R.T. Jones Capital Equities Management, Inc. told the U.S. Department of Justice. "
            "Nothing else was said.",
            [
                "R.T. Jones Capital Equities Management, Inc. told the U.S. Department of Justice.",
                "Nothing else was said.",
            ],
        ),
        (
            "Smith & Co. Corp. and J. R. Smith of 12 W. Elm Ave. S. Portland were named. Done.",
            [
                "Smith & Co. Corp. and J. R. Smith of 12 W. Elm Ave. S. Portland were named.",
                "Done.",
            ],
        ),
        (
            "Store No. 4 was affected on Sept. 5, 2021. No. 5 was not.",
            ["Store No. 4 was affected on Sept. 5, 2021.", "No. 5 was not."],
        ),
        # near misses: ordinary words still end sentences, run-ons included
        (
            "The breach was contained. The AG was told. Then it ended.",
            ["The breach was contained.", "The AG was told.", "Then it ended."],
        ),
        (
            "The number remains undisclosed.The incident involved names.",
            ["The number remains undisclosed.", "The incident involved names."],
        ),
    ],
)
def test_sentences_are_whole(text, expected):
    assert sentences(text) == expected


def test_the_sentence_kept_beside_a_fact_is_whole():
    facts = extract_facts(
        [
            "Acme Inc., 100 N. Main St. Ste. 4, Portland, ME, notified the Maine Attorney General "
            "on March 7, 2023. Nothing else happened."
        ]
    )
    ((reported),) = facts.dates["reported"]
    assert reported["sentence"] == (
        "Acme Inc., 100 N. Main St. Ste. 4, Portland, ME, notified the Maine Attorney General "
        "on March 7, 2023."
    )


# --- Counts in words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The breach affected a single individual.", [(1, None)]),
        ("The incident impacted a single person.", [(1, None)]),
        ("One individual was affected.", [(1, None)]),
        ("One person was affected by the breach.", [(1, None)]),
        ("A single Maine resident was affected.", [(1, "ME")]),
        ("Only one Maine resident was affected.", [(1, "ME")]),
        ("Two residents of Maine were affected.", [(2, "ME")]),
        ("The breach affected one customer and two Maine residents.", [(1, None), (2, "ME")]),
        # near misses: "a single" of something else, and a subset without scope
        ("A single server was affected.", []),
        ("The attack used a single phishing email to reach staff.", []),
        ("One of the affected individuals lived in Ohio.", []),
    ],
)
def test_counts_in_words(sentence, expected):
    assert [(c.value, c.state) for c in counts_in(sentence)] == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Law enforcement authorities were notified on March 15, 2019.",
        "Acme notified law enforcement authorities on March 15, 2019.",
        "The police authorities were informed on March 15, 2019.",
    ],
)
def test_police_told_is_no_reported_date(sentence):
    assert "reported" not in [role for role, _ in dated_roles(sentence)]


def test_state_authorities_told_is_still_a_reported_date():
    ((role, _),) = dated_roles("Acme notified state authorities on March 15, 2019.")
    assert role == "reported"
