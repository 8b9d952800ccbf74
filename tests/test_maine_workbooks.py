"""Reading the two real Maine archive workbooks: every row, and exact values of chosen rows."""

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from crawler.items import BreachNotice
from crawler.pages import UnknownPageError
from crawler.pages import me_ag_archive as maine
from pipelines.clean import CleanPipeline

REAL = Path(__file__).parent.parent / "localportal" / "data" / "me"
FORM = REAL / "archive-2018-12-06--2020-09-14.xlsx"
LOG = REAL / "archive-2010-08-01--2018-12-05.xlsx"


@pytest.fixture(scope="module")
def form_rows() -> list[maine.WorkbookNotice]:
    kind, rows = maine.parse_workbook(FORM.read_bytes())
    assert kind == maine.FORM_EXPORT
    return list(rows)


@pytest.fixture(scope="module")
def log_rows() -> list[maine.WorkbookNotice]:
    kind, rows = maine.parse_workbook(LOG.read_bytes())
    assert kind == maine.LEGACY_LOG
    return list(rows)


def find(rows, entity: str, reported: str) -> dict:
    matches = [
        r.fields
        for r in rows
        if r.fields["entity_name"] == entity and r.fields.get("reported_date") == reported
    ]
    assert len(matches) == 1, (entity, reported, len(matches))
    return matches[0]


def test_every_row_is_read(form_rows, log_rows):
    # 985 form rows (localportal/data/README.md); the log's 2,070 notices (its blank rows are skipped).
    assert len(form_rows) == 985
    assert len(log_rows) == 2070
    assert all(r.fields["entity_name"] for r in form_rows)
    # One log row has a blank company cell (breach 7/4-7/6/17, notified 2017-09-22): it is
    # yielded as published and the validate stage rejects it.
    blank = [r.fields for r in log_rows if not r.fields["entity_name"]]
    assert [(f["raw"]["Date of Breach"], f["reported_date"]) for f in blank] == [
        ("7/4-7/6/17", "2017-09-22")
    ]


def test_ids_are_unique_and_stable(form_rows, log_rows):
    ids = [r.source_id for r in form_rows + log_rows]
    assert len(set(ids)) == len(ids)
    again = [r.source_id for r in maine.parse_workbook(LOG.read_bytes())[1]]
    assert again == [r.source_id for r in log_rows]
    # Pinned: stored ids must not change when this code changes (a new id is a new notice).
    marriott = find(form_rows, "Marriott International, Inc.", "12/19/2018")
    assert [r.source_id for r in form_rows if r.fields is marriott] == ["form-e91782f71e367268"]


def test_id_ignores_row_position():
    seen_a, seen_b = Counter(), Counter()
    first = maine.stable_row_id("log", ["Acme, 1 Main St", "1/2/18", "2018-02-01"], seen_a)
    maine.stable_row_id("log", ["Other", "", ""], seen_b)
    assert maine.stable_row_id("log", ["Acme, 1 Main St", "1/2/18", "2018-02-01"], seen_b) == first
    # An exact duplicate row gets its own id.
    assert maine.stable_row_id("log", ["Acme, 1 Main St", "1/2/18", "2018-02-01"], seen_a) != first


FORM_CASES = [
    # entity, reported date (completed date's date part), expected fields
    ("Community Food Co-Op", "9/11/2020", {
        "entity_address": "908 W. Main Street, Bozeman, MT, 59715",
        "organization_type": "Not-for-Profit", "total_affected": "60", "residents_affected": "1",
        "breach_dates": ["03/16/2020"], "discovered_date": "06/30/2020",
        "notification_dates": ["09/04/2020"], "data_types": ["Social Security Number"],
        "id_theft_service": {"offered": "Yes", "duration": "One year", "provider": "Kroll",
                             "description": "Credit monitoring and identity theft protection "
                                            "services."}}),
    ("LiveAuctioneers, LLC", "9/9/2020", {
        "total_affected": "3463544", "residents_affected": "9555", "data_types": [],
        "notification_dates": ["07/11/2020 and 08/03/2020"], "id_theft_service": {"offered": "No"}}),
    ("Diesel Direct, Inc.", "9/9/2020", {
        "breach_dates": ["7/12/2020 – 8/8/2020"], "discovered_date": "8/8/2020"}),
    ("Dave, Inc.", "8/20/2020", {
        "organization_type": "Financial Services", "total_affected": "7.5 million",
        "breach_dates": ["June 23, 2020 - July 1, 2020"],
        "notification_dates": ["Beginning August 21, 2020"]}),
    ("Bridgewater State University", "8/28/2020", {
        "organization_type": "Educational", "breach_dates": ["02/2020-06/2020"]}),
    ("Magellan Health, Inc.", "6/12/2020", {
        "total_affected": "1,650,500", "residents_affected": "2,231"}),
    ("Magellan Health, Inc.", "5/11/2020", {
        "total_affected": "Approximately 106,473", "residents_affected": "Approximately 650"}),
    ("DoorDash, Inc.", "9/26/2019", {"total_affected": "117866"}),
    ("DoorDash, Inc.", "9/27/2019", {"total_affected": "100247"}),
    ("Wawa, Inc.", "12/19/2019", {"total_affected": "unknown", "residents_affected": "unknown"}),
    ("Marriott International, Inc.", "12/19/2018", {
        "total_affected": "500,000,000", "residents_affected": "Not yet determined",
        "breach_dates": ["Since 2014"]}),
    ("British Airways, Plc", "12/6/2018", {
        # The filer shifted the address into the wrong columns; it is kept as typed.
        "entity_address": "Waterside HQ, Speedbird Way, PO Box 365, Harmondsworth,, "
                          "West Drayton UB7 0GB, UK",
        "breach_dates": ["8/21/18-9/5/2018 and 5/21/18-7/28/18"],
        "notification_dates": ["9/7/18 and 10/25/18"]}),
    ("Steel Partners Holdings L.P.", "6/29/2020", {"total_affected": "17.748"}),
    ("Cook & Morehart", "6/4/2020", {"total_affected": "Approximately 70,60"}),
]  # fmt: skip


@pytest.mark.parametrize(("entity", "reported", "expected"), FORM_CASES)
def test_form_export_rows(form_rows, entity, reported, expected):
    fields = find(form_rows, entity, reported)
    assert {k: fields.get(k) for k in expected} == expected
    assert fields["residents_state"] == "ME"


def test_form_export_keeps_the_completed_timestamp_in_raw(form_rows):
    fields = find(form_rows, "Community Food Co-Op", "9/11/2020")
    assert fields["raw"]["Completed Date"] == "9/11/2020 7:59:16 PM"
    assert fields["raw"]["Not-for-Profit"] == "true"


def test_false_true_checkbox_counts_as_ticked(form_rows):
    fields = find(form_rows, "Eton Advisors Group, LLC", "6/6/2019")
    assert fields["raw"]["Written"] == "false, true"
    assert fields["raw"]["Type of Notification"] == "Written"


LOG_CASES = [
    ("Whole Foods Market Group, Inc.", "2018-10-31", {
        "entity_address": "550 Bowie Street, Austin, TX 78703",
        "breach_dates": ["8/3/2018 (discovered 10/2/18)"], "discovered_date": "10/2/18",
        "residents_affected": "3"}),
    ("T-Mobile USA, Inc.", "2015-10-01", {
        "entity_address": "12920 SE 38th Street, Bellevue, WA 98006",
        "breach_dates": ["9/14/15 (discovered 9/22/15)"], "discovered_date": "9/22/15",
        "residents_affected": "12952"}),
    ("Equifax, Inc.", "2017-09-07", {"residents_affected": "524,517 approximately",
                                     "breach_dates": ["5/13/17-7/30/17"]}),
    ("Equifax, Inc.", "2017-10-12", {"residents_affected": "536,436 approx"}),
    ("Yahoo, Inc. (update)", "2017-10-03", {
        "breach_dates": ["August of 2013"], "flags": ["amends_earlier_notice"],
        "residents_affected": "Additional 388,562 Maine user accounts"}),
    ("Adobe Systems Incorp", "2013-10-02", {"breach_dates": ["?"], "residents_affected": "?"}),
    # A count cell formatted as a date: Excel shows 1900-01-09 for the 9 that was typed.
    ("Distinct Software Solutions dba Course Trends", "2016-05-16", {
        "residents_affected": "9", "discovered_date": "5/02/16"}),
    # A real date typed into the count column stays a date (and will not parse as a count).
    ("Hyatt Centric The Loop, Chicago, Illinois", "2017-08-07", {
        "residents_affected": "8/7/2017", "entity_address": None}),
    ("Dorian Business Systems, LLC", "Rec'd 8/28/18", {
        "breach_dates": ["Discovered on 7/31/18"], "discovered_date": "7/31/18"}),
    ("Net32", "2018-10-25", {"entity_address": None, "breach_dates": ["9/22/18 - 9/25/18"]}),
    ("Seattle Housing Authority (paper)", "4/25/217", {"residents_affected": "1"}),
]  # fmt: skip


@pytest.mark.parametrize(("entity", "reported", "expected"), LOG_CASES)
def test_log_rows(log_rows, entity, reported, expected):
    fields = find(log_rows, entity, reported)
    assert {k: fields.get(k) for k in expected} == expected


def test_log_keeps_excel_serials_in_raw(log_rows):
    fields = find(log_rows, "Whole Foods Market Group, Inc.", "2018-10-31")
    assert fields["raw"]["Date of Notification"] == "43404"
    assert fields["raw"]["Company Whose Data Was Breached"] == (
        "Whole Foods Market Group, Inc., 550 Bowie Street, Austin, TX 78703"
    )


def clean(fields: dict) -> dict:
    item = BreachNotice(source="me_ag_archive", source_id="x", **fields)
    return CleanPipeline(today=date(2026, 11, 22)).process_item(item)


@pytest.mark.parametrize(
    ("kind", "entity", "reported", "expected"),
    [
        ("form", "Dave, Inc.", "8/20/2020", {"total_affected": 7500000,
                                              "breach_dates": ["2020-06-23", "2020-07-01"],
                                              "reported_date": "2020-08-20"}),
        ("form", "Steel Partners Holdings L.P.", "6/29/2020", {"total_affected": 17748}),
        ("form", "Marriott International, Inc.", "12/19/2018", {
            "total_affected": 500000000, "residents_affected": None, "breach_dates": ["2014"]}),
        ("log", "T-Mobile USA, Inc.", "2015-10-01", {
            "breach_dates": ["2015-09-14"], "discovered_date": "2015-09-22",
            "reported_date": "2015-10-01", "residents_affected": 12952}),
        ("log", "Dorian Business Systems, LLC", "Rec'd 8/28/18", {
            "breach_dates": [], "discovered_date": "2018-07-31", "reported_date": "2018-08-28"}),
    ],
)  # fmt: skip
def test_rows_through_the_clean_stage(form_rows, log_rows, kind, entity, reported, expected):
    record = clean(find(form_rows if kind == "form" else log_rows, entity, reported))
    assert {k: record.get(k) for k in expected} == expected


def test_unreadable_counts_are_flagged_not_guessed(form_rows):
    record = clean(find(form_rows, "Cook & Morehart", "6/4/2020"))
    assert record["total_affected"] is None
    assert record["total_affected_raw"] == "Approximately 70,60"
    assert "unparsed:total_affected" in record["flags"]


def test_a_workbook_with_other_headers_is_a_layout_change(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Name", "When"])
    book.active.append(["Acme", "2020-01-01"])
    path = tmp_path / "other.xlsx"
    book.save(path)
    with pytest.raises(UnknownPageError):
        maine.parse_workbook(path.read_bytes())
