"""Yes/no answers as the Maine form export writes them."""

import pytest

from crawler.textparse.yesno import parse_yes_no


@pytest.mark.parametrize(
    ("text", "value", "status"),
    [
        ("true", True, "ok"),
        ("True", True, "ok"),
        ("false", False, "ok"),
        ("False", False, "ok"),
        ("Yes", True, "ok"),
        ("No", False, "ok"),
        ("false, true", True, "ok"),
        ("", None, "none"),
        (None, None, "none"),
        ("N/A", None, "none"),
        ("Maybe later", None, "unparsed"),
    ],
)
def test_parse_yes_no(text, value, status):
    assert parse_yes_no(text) == (value, status)
