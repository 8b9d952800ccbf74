"""Reading the Maine viewer's list and detail pages (hand-made fixtures, see their README)."""

from pathlib import Path

import pytest

from crawler.pages import UnknownPageError
from crawler.pages import me_ag as maine

FIXTURES = Path(__file__).parent / "fixtures" / "me_ag"
LIVE = "https://www.maine.gov"


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def absolute(href: str) -> str:
    return LIVE + href if href.startswith("/") else href


def test_new_viewer_list_rows():
    page = maine.parse_list(read("list-new-viewer.html"))
    assert page.problems == []
    assert [(r.source_id, r.reported_date, r.entity_name) for r in page.rows] == [
        ("4fe778c0-a3a9-4dbe-8e79-2c229ac5c36b", "2026-05-15", "7-Eleven, Inc."),
        ("d6729ef2-7bb3-42d3-abdd-99a1dd8f2415", "2026-04-30", "Carnival Corporation"),
        ("f61fae18-f669-499e-9a87-f4d323d281f8", "2025-05-20", "Coinbase, Inc."),
    ]
    assert page.rows[1].href == "d6729ef2-7bb3-42d3-abdd-99a1dd8f2415.html"


def test_old_viewer_list_rows():
    page = maine.parse_list(read("list-old-viewer.shtml"))
    assert [r.href for r in page.rows] == [
        "d570ad19-5ac8-4b21-8b2c-1330a5e7c386.shtml",
        "74ca2ed9-e08b-43be-a6a9-34bd892a9c72.shtml",
    ]


def test_list_columns_found_by_header_not_position():
    swapped = (
        "<table><thead><tr><th>Organization Name</th><th>Date Reported</th></tr></thead>"
        '<tbody><tr><td><a href="d6729ef2-7bb3-42d3-abdd-99a1dd8f2415.html">Carnival</a></td>'
        "<td>2026-04-30</td></tr></tbody></table>"
    )
    (row,) = maine.parse_list(swapped).rows
    assert (row.entity_name, row.reported_date) == ("Carnival", "2026-04-30")


def test_list_row_without_uuid_link_is_a_problem_not_a_row():
    html = (
        "<table><tr><th>Date Reported</th><th>Organization Name</th></tr>"
        "<tr><td>2026-04-30</td><td>Carnival</td></tr></table>"
    )
    page = maine.parse_list(html)
    assert page.rows == []
    assert len(page.problems) == 1


@pytest.mark.parametrize("name", ["offline-notice.html", "detail-carnival.html"])
def test_list_layout_change_raises(name):
    with pytest.raises(UnknownPageError):
        maine.parse_list(read(name))


def test_detail_new_viewer_all_sections():
    detail = maine.parse_detail(read("detail-carnival.html"), absolute)
    assert detail.fields == {
        "organization_type": "Other Commercial",
        "entity_name": "Carnival Corporation",
        "entity_address": "3655 NW 87th Avenue, Miami, FL, 33178",
        "total_affected": "5,995,277",
        "residents_affected": "21,322",
        "breach_dates": ["April 10, 2026"],
        "discovered_date": "April 14, 2026",
        "data_types": [
            "Social Security Number",
            "Driver's license number or non-driver identification card number",
        ],
        "notification_dates": ["05/12/2026"],
        "notice_urls": ["https://www.maine.gov/cgi-bin/agviewerad/ret?loc=5012"],
        "id_theft_service": {
            "offered": "Yes",
            "duration": "24 months",
            "provider": "Experian",
            "description": "Credit monitoring and identity restoration.",
        },
    }
    assert detail.raw["Description of the Breach"] == ["External system breach (hacking)"]
    assert detail.raw["Type of Notification"] == "Written"
    assert detail.unknown_labels == []


def test_detail_never_keeps_the_submitter():
    detail = maine.parse_detail(read("detail-carnival.html"), absolute)
    text = repr(detail.raw) + repr(detail.fields)
    for contact in ("Jane Q. Filer", "Partner", "Example Counsel", "555-0100", "jfiler@"):
        assert contact not in text
    assert "Name" not in detail.raw


def test_detail_old_viewer_other_order_and_spelling():
    detail = maine.parse_detail(read("detail-meta-old-viewer.shtml"), absolute)
    assert detail.fields["breach_dates"] == ["03/17/2-26"]  # "Occurred", spelled right
    assert detail.fields["discovered_date"] == "03132026"
    assert detail.fields["total_affected"] == "Approximately 20,000"
    assert detail.fields["residents_affected"] == "112"
    assert detail.fields["entity_address"] == "Menlo Park, CA"
    assert detail.fields["data_types"] == ["Account credentials"]
    assert detail.fields["notice_urls"] == ["https://www.maine.gov/cgi-bin/agviewerad/ret?loc=4169"]
    assert detail.fields["id_theft_service"] == {"offered": "No"}
    # A label the spider does not know is kept in raw and reported.
    assert detail.unknown_labels == ["Breach vector reported by filer"]
    assert detail.raw["Breach vector reported by filer"] == "Support tool"
    assert "John Example" not in repr(detail.raw)


def test_labels_are_read_within_their_section():
    # "City" under "Submitted By" is the filer's, not the entity's.
    html = (
        '<div id="content"><h2>Entity Information</h2><ul class="plain">'
        "<li>Entity Name: <strong>Acme</strong></li></ul>"
        '<h2>Submitted By</h2><ul class="plain"><li>City: <strong>Boston</strong></li></ul>'
        '<h2>Breach Information</h2><ul class="plain">'
        "<li>Entity Name: <strong>Not the entity</strong></li></ul></div>"
    )
    detail = maine.parse_detail(html, absolute)
    assert detail.fields == {"entity_name": "Acme"}
    assert "Boston" not in repr(detail.raw)
    assert detail.unknown_labels == ["Entity Name"]


def test_unknown_layout_has_no_known_label():
    with pytest.raises(UnknownPageError, match="without any known label"):
        maine.parse_detail(read("detail-unknown-layout.html"), absolute)


def test_offline_notice_is_recognised():
    assert maine.is_offline_notice(read("offline-notice.html"))
    assert not maine.is_offline_notice(read("list-new-viewer.html"))


@pytest.mark.parametrize(
    "phrase",
    [
        "The public-facing database will remain offline until then.",
        "THE PUBLIC-FACING DATABASE WILL REMAIN OFFLINE",
        "an apparent Abuse Of Our Data Breach Reporting System",
        "ABUSE OF OUR DATA BREACH REPORTING SYSTEM",
    ],
)
def test_offline_notice_either_phrase_in_any_case(phrase):
    # The page is only searched when a piece of a phrase is in it (crawler/pages/me_ag.py):
    # each phrase alone, in any case, must still be found.
    page = f"<html><body><div id='content'><p>{phrase}</p></div></body></html>"
    assert maine.is_offline_notice(page)
    assert not maine.is_offline_notice(
        page.replace("OFFLINE", "ONLINE")
        .replace("offline", "online")
        .replace("bus", "us")
        .replace("BUS", "US")
    )
