"""Date parsing, table-driven on values from the Maine archive workbooks and viewer."""

from datetime import date, datetime

import pytest

from crawler.textparse.dates import PartialDate, excel_serial_date, parse_date, parse_dates

CASES = [
    # (text as published, expected ISO dates, status)
    ("03/16/2020", ["2020-03-16"], "ok"),
    ("7/12/2020 – 8/8/2020", ["2020-07-12", "2020-08-08"], "ok"),
    ("04/18/2020-04/29/2020", ["2020-04-18", "2020-04-29"], "ok"),
    (
        "8/21/18-9/5/2018 and 5/21/18-7/28/18",
        ["2018-08-21", "2018-09-05", "2018-05-21", "2018-07-28"],
        "ok",
    ),
    ("June 23, 2020 - July 1, 2020", ["2020-06-23", "2020-07-01"], "ok"),
    ("November 2018", ["2018-11"], "ok"),
    ("December, 2014", ["2014-12"], "ok"),
    ("August of 2013", ["2013-08"], "ok"),
    ("9/14/15 (discovered 9/22/15)", ["2015-09-14"], "ok"),
    ("8/6/18-8/31/18 (discovered 8/29/18)", ["2018-08-06", "2018-08-31"], "ok"),
    ("August of 2017 (breached discovered 3/23/18)", ["2017-08"], "ok"),
    ("Discovered 10/23/18", [], "none"),
    ("Unknown (discovered 9/22/16)", [], "none"),
    ("03/17/2-26", ["2026-03-17"], "ok"),
    ("03132026", ["2026-03-13"], "ok"),
    ("43404", ["2018-10-31"], "ok"),
    ("Since 2014", ["2014"], "ok"),
    ("2012-2013", ["2012", "2013"], "ok"),
    ("Unknown", [], "none"),
    ("UNKNOWN", [], "none"),
    ("Not stated", [], "none"),
    ("?", [], "none"),
    ("Beginning August 21, 2020", ["2020-08-21"], "ok"),
    ("June 22-25, 2020", ["2020-06-22", "2020-06-25"], "ok"),
    ("October 8 - 12, 2018", ["2018-10-08", "2018-10-12"], "ok"),
    ("April 6 - April 9, 2020", ["2020-04-06", "2020-04-09"], "ok"),
    ("January 22-February 4, 2020", ["2020-01-22", "2020-02-04"], "ok"),
    ("January 15 through January 22, 2020", ["2020-01-15", "2020-01-22"], "ok"),
    ("7/21-9/9/17", ["2017-07-21", "2017-09-09"], "ok"),
    ("4/23-24/2016 (discovered on or about 6/14/16)", ["2016-04-23", "2016-04-24"], "ok"),
    ("2/10&11/18", ["2018-02-10", "2018-02-11"], "ok"),
    ("5/14 or 5/15/16", ["2016-05-14", "2016-05-15"], "ok"),
    ("Feb-Dec 2016 (discovered Nov 2016)", ["2016-02", "2016-12"], "ok"),
    ("Between November and December 2019", ["2019-11", "2019-12"], "ok"),
    ("02/2020-06/2020", ["2020-02", "2020-06"], "ok"),
    ("03 / 08 / 2020", ["2020-03-08"], "ok"),
    ("02.07.2020-05.20.2020", ["2020-02-07", "2020-05-20"], "ok"),
    ("2-01-2020", ["2020-02-01"], "ok"),
    ("October 23, 2019 - December 5. 2019", ["2019-10-23", "2019-12-05"], "ok"),
    ("Jan. 1, 2008 - Mar. 2, 2020", ["2008-01-01", "2020-03-02"], "ok"),
    ("Sept. 6, 2019 - Sept. 18, 2019", ["2019-09-06", "2019-09-18"], "ok"),
    ("January 18, 2-16--January 8, 2020", ["2016-01-18", "2020-01-08"], "ok"),
    (
        "June 1, 2020, June 11, 2020, June 17, 2020, July 9, 2020 and July 24, 2020",
        ["2020-06-01", "2020-06-11", "2020-06-17", "2020-07-09", "2020-07-24"],
        "ok",
    ),
    ("9/11/2020 7:59:16 PM", ["2020-09-11"], "ok"),
    ("8/1/18 and follow up to 3/27/18 breach notice", ["2018-08-01"], "ok"),
    ("12/5/16 (Supplement to 11/22/16 notice)", ["2016-12-05"], "ok"),
    ("See 10/31/17 notice", [], "none"),
    ("Rec'd 8/28/18", ["2018-08-28"], "ok"),
    ("the breach may have occurred March 3, 2020", ["2020-03-03"], "ok"),
    # Not guessed: unreadable parts leave the field unparsed, readable dates are kept.
    ("4/29/2016, 12/31/206", ["2016-04-29"], "unparsed"),
    ("5/28/215", [], "unparsed"),
    ("05/30/3019 - 10/06/2019", ["2019-10-06"], "unparsed"),
    ("February 3, 2020 (2) and February 9, 2020 (2)", ["2020-02-03", "2020-02-09"], "unparsed"),
    ("Late March", [], "unparsed"),
    ("December 7", [], "unparsed"),
    ("i", [], "unparsed"),
    ("All criminal background data", [], "unparsed"),
    ("13/45/2020", [], "unparsed"),
    # A letter typed for a digit: the digits after it are the tail of a date, not a month.
    ("O4/02/2020", [], "unparsed"),
    ("l2/01/2019", [], "unparsed"),
    ("4/O2/2020", [], "unparsed"),
]


@pytest.mark.parametrize(("text", "expected", "status"), CASES)
def test_parse_dates(text, expected, status):
    parsed = parse_dates(text)
    assert [d.iso for d in parsed.value] == expected
    assert parsed.status == status


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (43404, "2018-10-31"),
        (43404.0, "2018-10-31"),
        (datetime(2017, 9, 7), "2017-09-07"),
        (date(2015, 10, 1), "2015-10-01"),
    ],
)
def test_cell_objects(value, expected):
    assert [d.iso for d in parse_dates(value).value] == [expected]


def test_small_numbers_are_not_excel_serials():
    assert excel_serial_date(9) is None
    assert parse_dates("12345").status == "unparsed"


def test_a_list_combines_statuses():
    parsed = parse_dates(["07/11/2020", "Unknown", "08/03/2020"])
    assert [d.iso for d in parsed.value] == ["2020-07-11", "2020-08-03"]
    assert parsed.status == "ok"
    assert parse_dates(["07/11/2020", "i"]).status == "unparsed"
    assert parse_dates([]).status == "none"


def test_parse_date_reads_a_discovery_phrase_as_the_date():
    assert parse_date("Discovered 10/23/18") == (PartialDate("2018-10-23"), "ok")
    assert parse_date("9/14/15 (discovered 9/22/15)").value == PartialDate("2015-09-14")
    assert parse_date("Not yet determined") == (None, "none")


def test_month_precision_bounds():
    month = parse_date("November 2018").value
    assert (month.precision, month.first_day, month.last_day) == (
        "month",
        date(2018, 11, 1),
        date(2018, 11, 30),
    )


def test_year_is_borrowed_backwards_across_new_year():
    assert [d.iso for d in parse_dates("Dec 20 - Jan 5, 2020").value] == [
        "2019-12-20",
        "2020-01-05",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("March 31,2020", ["2020-03-31"]),
        ("July1, 2014", ["2014-07-01"]),
        ("Nov1-3, 2013", ["2013-11-01", "2013-11-03"]),
        ("5/29-30, 2014", ["2014-05-29", "2014-05-30"]),
    ],
)
def test_filer_spacing_slips(text, expected):
    assert parse_dates(text) == ([PartialDate(iso) for iso in expected], "ok")


@pytest.mark.parametrize("text", ["pending", "Recently", '"recently"', "Same as above"])
def test_no_date_given(text):
    assert parse_dates(text) == ([], "none")


@pytest.mark.parametrize(
    "text",
    [
        "Update to previous notice of breach Discovered 6/19/2015",
        "This is supplement to 2/24/15 notice",
        "Supplement to May 20, 2014 Notice to us",
    ],
)
def test_text_only_about_other_notices_has_no_date(text):
    assert parse_dates(text) == ([], "none")


def test_discovery_glued_to_its_date_is_still_skipped():
    assert parse_dates("10/15/14-4/27/15 (Discovered5/5/15)").value == [
        PartialDate("2014-10-15"),
        PartialDate("2015-04-27"),
    ]


def test_a_pointer_to_an_attachment_is_not_read_as_no_date():
    assert parse_dates("Please see Exhibit 1.") == ([], "unparsed")


def test_a_caller_changing_its_result_does_not_change_the_next_parse():
    # Date texts are parsed once and cached (crawler/textparse/dates.py): a caller's list is
    # its own.
    text = "1/2/2020 - 3/4/2020"
    first = parse_dates(text)
    expected = list(first.value)
    first.value.clear()
    first.value.append(PartialDate("1999"))
    assert parse_dates(text).value == expected
    assert parse_dates([text, text]).value == expected + expected
