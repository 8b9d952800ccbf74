"""Count parsing, table-driven on values from the Maine archive workbooks."""

import random

import pytest

from crawler.textparse.counts import parse_count

CASES = [
    ("60", 60, "ok"),
    ("1,650,500", 1650500, "ok"),
    ("500,000,000", 500000000, "ok"),
    ("Approximately 2,921 individuals", 2921, "ok"),
    ("7.5 million", 7500000, "ok"),
    ("Approximately 2.6 million worldwide", 2600000, "ok"),
    ("~7520", 7520, "ok"),
    ("~22 million", 22000000, "ok"),
    ("24.2 Million", 24200000, "ok"),
    ("Approx. 4.28M", 4280000, "ok"),
    ("2,091 (previously 11)", 2091, "ok"),
    ("60842 in the United States", 60842, "ok"),
    ("Promo.com infers, based on IP address, that 1,313 are from Maine", 1313, "ok"),
    ("524,517 approximately", 524517, "ok"),
    ("Additional 388,562 Maine user accounts", 388562, "ok"),
    ("Two (2) additional Maine residents", 2, "ok"),
    ("Discovered one additional Maine resident", 1, "ok"),
    ("0 known", 0, "ok"),
    ("113,334 per prior notice", 113334, "ok"),
    ("119 (updated 5/11/16)", 119, "ok"),
    # "17.748": a thousands separator written with a period (no count has a fraction).
    ("17.748", 17748, "ok"),
    # Source says there is no value.
    ("Unknown", None, "none"),
    ("unknown", None, "none"),
    ("Not yet determined", None, "none"),
    ("Net yet determined", None, "none"),
    ("Not provided", None, "none"),
    ("Not specified.", None, "none"),
    ("???", None, "none"),
    ("? Didn't specify", None, "none"),
    ("Unknown (less than 1000)", None, "none"),
    ("Not provided (This is a supplement to 11/1/18 notice)", None, "none"),
    ("", None, "none"),
    (None, None, "none"),
    # Unreadable or ambiguous: kept as text for a person.
    ("Approximately 70,60", None, "unparsed"),
    ("483,11006, 636, 30, 4, 756", None, "unparsed"),
    ("2, 35, 4, 1, 1, 3", None, "unparsed"),
    ("3, 382", None, "unparsed"),
    ("Fewer than 10", None, "unparsed"),
    ("See 10/18/18 notice", None, "unparsed"),
    ("See Exhibit 1", None, "unparsed"),
    ("i", None, "unparsed"),
    ("24.2", None, "unparsed"),
    ("? Many", None, "unparsed"),
]


@pytest.mark.parametrize(("text", "value", "status"), CASES)
def test_parse_count(text, value, status):
    assert parse_count(text) == (value, status)


@pytest.mark.parametrize(
    ("cell", "value", "status"),
    [(3, 3, "ok"), (3.0, 3, "ok"), (2.5, None, "unparsed"), (-1, None, "unparsed")],
)
def test_numeric_cells(cell, value, status):
    assert parse_count(cell) == (value, status)


def test_plain_digits_read_as_the_full_rules_read_them():
    # Plain digits take a short cut (crawler/textparse/counts.py); padded with spaces, the same
    # text goes through every rule: both must agree, leading zeros and 15 digits included.
    chance = random.Random(3)
    samples = [str(n) for n in range(2000)] + ["007", "000", "999999999999999"]
    samples += ["0" * chance.randint(0, 2) + str(chance.randrange(10 ** chance.randint(1, 13)))
                for _ in range(2000)]  # fmt: skip
    for text in samples:
        assert parse_count(text) == parse_count(f" {text} "), text
    # Longer runs of digits are read by the rules as before (through a float).
    assert parse_count("12345678901234567890") == parse_count(" 12345678901234567890 ")
