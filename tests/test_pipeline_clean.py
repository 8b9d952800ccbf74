"""Clean stage: text to typed columns, with the text and the doubts kept."""

from datetime import date

import pytest

from crawler.items import BreachNotice
from pipelines.clean import CleanPipeline, _parsed_web_url, is_web_url

TODAY = date(2026, 11, 22)


def clean(**fields) -> dict:
    item = BreachNotice(source="ca_ag", source_id="sb24-1", **fields)
    return CleanPipeline(today=TODAY).process_item(item)


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("\u200b\u200bHarvard Pilgrim Health Care\u200b", "Harvard Pilgrim Health Care"),
        ("CRC Insurance Services, LLC\u200e", "CRC Insurance Services, LLC"),
        (
            "Southeast Series of Lockton Companies, LLC (“Lockton”)\u202f",
            "Southeast Series of Lockton Companies, LLC (“Lockton”)",
        ),
        (" Rebound Orthopedics & Neurosurgery", "Rebound Orthopedics & Neurosurgery"),
        ("Monterey  Bay Air Resources District", "Monterey Bay Air Resources District"),
        ("Caltrol Inc.\u00a0", "Caltrol Inc."),
        ("See’s Candies, Inc.", "See’s Candies, Inc."),
        ("Ernst &amp; Young LLP", "Ernst & Young LLP"),
        ("Bad\x00Name\x1f", "Bad Name"),
    ],
)
def test_entity_names_are_cleaned_of_invisible_characters(published, expected):
    assert clean(entity_name=published)["entity_name"] == expected


def test_several_breach_dates_sorted_with_bounds():
    record = clean(
        breach_dates=["08/09/2020", "02/27/2020", "08/09/2020"], reported_date="10/09/2020"
    )
    assert record["breach_dates"] == ["2020-02-27", "2020-08-09"]
    assert (record["breach_start"], record["breach_end"]) == ("2020-02-27", "2020-08-09")
    assert record["breach_precision"] == "day"
    assert record["reported_date"] == "2020-10-09"
    assert record["flags"] == []


def test_na_means_no_breach_date_and_no_flag():
    record = clean(breach_dates=["n/a"], reported_date="12/30/2013")
    assert (record["breach_dates"], record["breach_start"], record["flags"]) == ([], None, [])


def test_month_precision_is_kept():
    record = clean(breach_dates=["Jul 2023"])
    assert record["breach_dates"] == ["2023-07"]
    assert (record["breach_start"], record["breach_end"], record["breach_precision"]) == (
        "2023-07-01",
        "2023-07-31",
        "month",
    )


def test_impossible_dates_are_kept_and_flagged():
    # DaVita: "11/20/2027, 12/14/2023" reported 07/03/2024 (a typo in the real export).
    record = clean(breach_dates=["11/20/2027", "12/14/2023"], reported_date="07/03/2024")
    assert record["breach_dates"] == ["2023-12-14", "2027-11-20"]
    assert "future_date:breach_end" in record["flags"]
    # Gardena Honda: breach 08/21/2025 reported 05/06/2025.
    record = clean(breach_dates=["08/21/2025"], reported_date="05/06/2025")
    assert record["flags"] == ["breach_after_report"]


def test_unreadable_date_is_flagged_not_dropped():
    record = clean(
        breach_dates=["13/45/2020"],
        reported_date="01/02/2021",
        raw={"Date(s) of Breach": "13/45/2020"},
    )
    assert record["breach_dates"] == []
    assert record["flags"] == ["unparsed:breach_dates"]
    assert record["raw"] == {"Date(s) of Breach": "13/45/2020"}


def test_counts_keep_their_text():
    record = clean(total_affected="Approximately 2,921", residents_affected="Unknown")
    assert (record["total_affected"], record["total_affected_raw"]) == (2921, "Approximately 2,921")
    assert (record["residents_affected"], record["residents_affected_raw"]) == (None, "Unknown")
    assert record["flags"] == []


def test_only_published_fields_become_columns():
    record = clean(entity_name="A", reported_date="01/02/2020")
    assert "notice_url" not in record
    assert "total_affected" not in record
    assert record["id"] == "ca_ag:sb24-1"
    assert record["source_kind"] == "state"


def test_notice_urls_first_becomes_notice_url():
    record = clean(notice_urls=["https://x/a.pdf", "https://x/b.pdf", "https://x/a.pdf"])
    assert record["notice_urls"] == ["https://x/a.pdf", "https://x/b.pdf"]
    assert record["notice_url"] == "https://x/a.pdf"


@pytest.mark.parametrize(
    ("field", "published"),
    [
        ("reported_date", "O4/02/2020"),  # letter O: read half, it was 2020-02
        ("reported_date", "04/02/20 and 12/31/206"),
        ("discovered_date", "l2/01/2019"),
        ("breach_dates", "4/29/2016, 12/31/206"),  # one date read, one not: nothing stored
        ("notification_dates", ["07/11/2020", "O7/12/2020"]),
    ],
)
def test_an_unparsed_date_stores_no_value_and_keeps_its_text(field, published):
    record = clean(**{field: published})
    assert f"unparsed:{field}" in record["flags"]
    assert record[field] in (None, [])
    if field == "breach_dates":
        assert (record["breach_start"], record["breach_end"]) == (None, None)
    text = published if isinstance(published, str) else "; ".join(published)
    assert record["raw"][field] == text


def test_unsafe_links_are_dropped_and_flagged():
    record = clean(
        url="javascript:alert(1)",
        notice_urls=["data:text/html,<script>x</script>", "https://x/a.pdf", "JavaScript:y()"],
    )
    assert record["url"] is None
    assert record["notice_urls"] == ["https://x/a.pdf"]
    assert record["notice_url"] == "https://x/a.pdf"
    assert {"unsafe_url:url", "unsafe_url:notice_urls"} <= set(record["flags"])
    assert record["raw"]["url"] == "javascript:alert(1)"
    only_bad = clean(notice_urls=["data:,x"], url="https://oag.ca.gov/x")
    assert (only_bad["notice_url"], only_bad["notice_urls"]) == (None, [])
    assert only_bad["url"] == "https://oag.ca.gov/x"
    assert only_bad["flags"] == ["unsafe_url:notice_urls"]


def test_misdecoded_text_is_kept_and_flagged_once_per_field():
    record = clean(
        entity_name="CafÃ© Rio, Inc.",  # UTF-8 read as cp1252
        data_types=["Name", "Soci\ufffdl Security number"],  # cp1252 read as UTF-8
        reported_date="03/04/2024",
        flags=["misdecoded:entity_name"],  # already flagged by the spider: not twice
    )
    assert record["entity_name"] == "CafÃ© Rio, Inc."
    assert record["flags"].count("misdecoded:entity_name") == 1
    assert "misdecoded:data_types" in record["flags"]
    assert not any("reported_date" in f for f in record["flags"])
    assert not any(
        f.startswith("misdecoded") for f in clean(entity_name="Café Rio").get("flags", [])
    )


def test_the_usual_link_is_judged_as_urlsplit_judges_it():
    # is_web_url reads the usual link without urlsplit (pipelines/clean.py): it must agree
    # with urlsplit's reading on every shape, odd ones included.
    hosts = ["", "x", "www.maine.gov", "a:80", "user@h", "[::1]", "h]", "ex\u00e4mple.com"]
    tails = ["", "/", "/a]b", "?q=1", "#f", "/p?x=[1]", " ", "/a b", "\t/", "\n", "/\x7f"]
    starts = ["http://", "https://", "HTTP://", "https:/", "https:", "ftp://", " https://", "//"]
    for start in starts:
        for host in hosts:
            for tail in tails:
                url = start + host + tail
                assert is_web_url(url) == _parsed_web_url(url), repr(url)
