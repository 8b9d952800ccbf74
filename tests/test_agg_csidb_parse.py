"""CSIDB incident pages and prose extraction, to exact values."""

import html
from pathlib import Path

import pytest

from crawler.pages import UnknownPageError
from crawler.pages.agg_csidb import incident_links, incident_notice, parse_incident_page
from crawler.textparse.dates import parse_dates
from crawler.textparse.numberwords import words_to_int
from crawler.textparse.prose import counts_in, dated_roles, extract_facts, sentences

FIXTURES = Path(__file__).parent / "fixtures" / "agg_csidb"
REAL_TEXT = (
    Path(__file__).parent.parent
    / "localportal"
    / "data"
    / "aggregators"
    / "csidb-danbury-public-schools.txt"
)
DANBURY_URL = "https://www.csidb.net/csidb/incidents/caae3513-841b-4455-83fc-045fe2c50e16/"


def notice_of(page: str):
    incident = parse_incident_page(page)
    return incident_notice(incident, "caae3513-841b-4455-83fc-045fe2c50e16", DANBURY_URL)


def real_text_page() -> str:
    """The real page text, one paragraph per line, the heading as the site marks it up."""
    parts = []
    for line in REAL_TEXT.read_text().splitlines():
        if line.startswith("Cyber Incident Victim:"):
            name = line.split(":", 1)[1].strip()
            parts.append(
                f'<h1>Cyber Incident Victim: <a href="/csidb/organisations/x/">{name}</a></h1>'
            )
        elif line.strip():
            parts.append(f"<p>{html.escape(line)}</p>")
    return "<html><body><main>" + "\n".join(parts) + "</main></body></html>"


DANBURY_PAGES = {
    "reconstruction": (FIXTURES / "incident-danbury.html").read_text(),
    "real-text": real_text_page(),
}


@pytest.mark.parametrize("layout", sorted(DANBURY_PAGES))
def test_danbury_page_gives_exact_values(layout):
    notice = notice_of(DANBURY_PAGES[layout])
    assert notice["entity_name"] == "Danbury Public Schools"
    assert notice["breach_dates"] == ["July 17, 2023"]
    assert notice["discovered_date"] == "July 21, 2023"
    assert notice["notification_dates"] == ["August 9, 2023"]
    assert notice["total_affected"] == "9,607"
    assert notice["residents_affected"] == "7"
    assert notice["residents_state"] == "ME"
    assert "reported_date" not in notice  # CSIDB publishes none; nothing is borrowed
    assert "no_reported_date_at_source" in notice["flags"]
    assert "from_prose:breach_dates" in notice["flags"]
    assert not [f for f in notice["flags"] if f.startswith("conflicting_prose")]
    raw = notice["raw"]
    assert raw["Date"] == "Jul 2023"
    assert raw["Location"] == "United States of America"
    assert raw["Summary"].startswith("Danbury Public Schools experienced a cyber incident")
    assert raw["Description"].startswith("On or around July 17, 2023, Danbury Public Schools")
    assert "Cyber Incident Image" not in raw["Description"]
    assert raw["Description"].endswith("whose data was entrusted to its care.")
    extracted = raw["extracted"]
    assert extracted["occurred"] == [
        {
            "value": "July 17, 2023",
            "sentence": "On or around July 17, 2023, Danbury Public Schools, an educational "
            "institution located at 63 Beaver Rd in Danbury, United States, 06810, experienced "
            "a significant external system breach.",
        }
    ]
    assert extracted["discovered"][0]["sentence"].startswith("The breach was not discovered")
    assert extracted["notified"][0]["sentence"].startswith("The date scheduled for this consumer")
    assert extracted["total_affected"]["sentence"].startswith("The total number of persons")
    assert extracted["residents_affected"] == {
        "value": "seven",
        "state": "ME",
        "sentence": "Among this large group, a specific subset of seven individuals were "
        "identified as residents of the state of Maine.",
    }
    assert [r["value"] for r in extracted["regulators"]] == ["Office of the Maine Attorney General"]


def test_dates_have_their_precision():
    def iso(text):
        (date,) = parse_dates([text]).value
        return date.iso, date.precision

    assert iso("Jul 2023") == ("2023-07", "month")
    assert iso("July 17, 2023") == ("2023-07-17", "day")
    assert iso("July 21, 2023") == ("2023-07-21", "day")
    assert iso("August 9, 2023") == ("2023-08-09", "day")


def test_prose_without_dates_falls_back_to_the_month():
    notice = notice_of((FIXTURES / "incident-no-dates.html").read_text())
    assert notice["entity_name"] == "Harbor Point Dental Group"
    assert notice["breach_dates"] == ["Mar 2024"]
    assert notice["raw"]["Location"] == "United States of America"
    for absent in (
        "discovered_date",
        "notification_dates",
        "total_affected",
        "residents_affected",
        "residents_state",
        "reported_date",
    ):
        assert absent not in notice
    assert notice["raw"]["extracted"] == {}
    assert notice["flags"] == ["no_reported_date_at_source"]


def test_page_without_victim_heading_is_not_an_incident():
    with pytest.raises(UnknownPageError):
        parse_incident_page("<html><body><main><h1>Log in</h1></main></body></html>")


def test_organisation_page_links_its_incidents():
    links = incident_links((FIXTURES / "organisation-danbury.html").read_text())
    assert links == [
        "/csidb/incidents/caae3513-841b-4455-83fc-045fe2c50e16/",
        "/csidb/incidents/6f1d2c3b-9a8e-4f7d-8c6b-5a4e3d2c1b0a/",
    ]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Between October 2, 2022 and October 13, 2022, an unauthorized party accessed the network.",
            [("occurred", "October 2, 2022"), ("occurred", "October 13, 2022")],
        ),
        (
            "On July 21, 2023, the district discovered unusual activity.",
            [("discovered", "July 21, 2023")],
        ),
        ("The district discovered the incident on May 2, 2024.", [("discovered", "May 2, 2024")]),
        (
            "The company notified the Maine Attorney General on March 3, 2023 and mailed letters "
            "to consumers on March 5, 2023.",
            [("reported", "March 3, 2023"), ("notified", "March 5, 2023")],
        ),
        ("The newsletter went out on 02/14/2024.", [(None, "02/14/2024")]),
        ("Staff may 2023 plans be reviewed.", []),  # "may" is a verb, not a month
    ],
)
def test_date_roles_follow_the_sentence(sentence, expected):
    assert dated_roles(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Approximately 9,607 individuals were affected, with 7 of them being Maine residents.",
            [(9607, None), (7, "ME")],
        ),
        (
            "In total, 1,948 people were affected, including 1 Maine resident.",
            [(1948, None), (1, "ME")],
        ),
        (
            "The number of affected Maine residents was seven and did not exceed one thousand.",
            [(7, "ME")],
        ),
        ("The attack affected approximately 2.4 million users.", [(2400000, None)]),
        ("Services were offered for twenty-four months to 600 families affected.", [(600, None)]),
        ("The office at 63 Beaver Rd in Danbury, 06810, was closed for 3 days.", []),
        (
            "It affected 12 New York residents and 3 residents of the Commonwealth of Massachusetts.",
            [(12, "NY"), (3, "MA")],
        ),
    ],
)
def test_counts_in_sentences(sentence, expected):
    assert [(c.value, c.state) for c in counts_in(sentence)] == expected


def test_number_words():
    assert words_to_int("seven") == 7
    assert words_to_int("twenty-four") == 24
    assert words_to_int("one thousand two hundred and five") == 1205
    assert words_to_int("seven dwarves") is None


def test_sentences_keep_abbreviations_together():
    assert sentences("It is at 63 Beaver Rd. in Danbury. Experian Inc. helps. Done.") == [
        "It is at 63 Beaver Rd. in Danbury.",
        "Experian Inc. helps.",
        "Done.",
    ]


def test_disagreeing_totals_are_flagged_and_the_stated_total_wins():
    facts = extract_facts(
        [
            "Approximately 600 individuals were affected.",
            "The total number of persons affected was 625.",
        ]
    )
    assert facts.total.value == 625
    assert facts.conflicts == ["total_affected"]


def test_labels_and_headings_run_into_their_text():
    page = (
        '<html><body><div><h1>Cyber Incident Victim: <a href="/csidb/organisations/x/">Acme</a>'
        "</h1><p>Date: Feb 2021 Location: United States of America</p>"
        "<p>Summary Acme suffered a breach that affected its employees and their families.</p>"
        "<p><b>Description</b> On February 26, 2021, Acme experienced a malware attack that "
        "encrypted its systems.</p><p>Sources available to members</p></div></body></html>"
    )
    incident = parse_incident_page(page)
    assert incident.name == "Acme"
    assert (incident.date_text, incident.location) == ("Feb 2021", "United States of America")
    assert incident.summary.startswith("Acme suffered a breach")
    assert incident.description == [
        "On February 26, 2021, Acme experienced a malware attack that encrypted its systems."
    ]
    notice = incident_notice(incident, "id", "url")
    assert notice["breach_dates"] == ["February 26, 2021"]


def test_passive_regulator_and_a_period_reach_the_notice():
    page = (
        '<html><body><main><h1>Cyber Incident Victim: <a href="/csidb/organisations/x/">'
        "Acme Dental</a></h1><p>Date: Mar 2021</p><p>Location: United States of America</p>"
        "<p>Summary</p><p>Acme Dental experienced a cyber incident affecting its patients.</p>"
        "<p>Description</p>"
        "<p>Unauthorised access to the systems of Acme Dental, 12 N. Main St. Ste. 4, Portland, "
        "began on 3 March 2021 and continued until 9 March 2021. The Maine Attorney General was "
        "informed of the breach on April 2nd, 2021. Affected individuals were notified on "
        "April 5, 2021. The breach affected a single individual, and a single Maine resident "
        "was affected.</p><p>Sources</p></main></body></html>"
    )
    notice = incident_notice(parse_incident_page(page), "id", "url")
    assert notice["breach_dates"] == ["3 March 2021", "9 March 2021"]
    assert [d.iso for d in parse_dates(notice["breach_dates"]).value] == [
        "2021-03-03",
        "2021-03-09",
    ]
    assert notice["reported_date"] == "April 2nd, 2021"
    assert notice["notification_dates"] == ["April 5, 2021"]
    assert (notice["total_affected"], notice["residents_affected"]) == ("1", "1")
    assert notice["residents_state"] == "ME"
    assert "no_reported_date_at_source" not in notice["flags"]
    assert "from_prose:reported_date" in notice["flags"]
    (reported,) = notice["raw"]["extracted"]["reported"]
    assert (reported["regulator"], reported["state"]) == ("Maine Attorney General", "ME")
    (occurred, _) = notice["raw"]["extracted"]["occurred"]
    assert occurred["sentence"].startswith(
        "Unauthorised access to the systems of Acme Dental, 12 N."
    )
    assert occurred["sentence"].endswith("continued until 9 March 2021.")
