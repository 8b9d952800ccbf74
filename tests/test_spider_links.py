"""Link handling shortcuts (crawler/spiders/links.py) give what the full join gives."""

from urllib.parse import urljoin

import pytest

from crawler.spiders.links import joins_unchanged

BASES = [
    "http://127.0.0.1:8000/ca/ecrime/databreach/reports/sb24-1",
    "https://oag.ca.gov/ecrime/databreach/reports/sb24-1?x=1",
    "https://www.maine.gov/agviewer/content/ag/list.html",
    "",
]
PLAIN = [
    "https://oag.ca.gov/system/files/EY%20Notice%20Letter%20US%20General.pdf",
    "http://apps.web.maine.gov/cgi-bin/agviewerad/ret?loc=5012",
    "https://oag.ca.gov",
    "https://oag.ca.gov:443/a//b/../c?x=1&y=2",
]
NOT_PLAIN = [
    "/system/files/notice.pdf",  # relative: joined to the base
    "notice.pdf",
    "//oag.ca.gov/a.pdf",
    "HTTPS://oag.ca.gov/a.pdf",  # the join lower-cases the scheme
    "https://oag.ca.gov/a.pdf?",  # ... drops an empty query
    "https://oag.ca.gov/a.pdf#page=2",
    "https://oag.ca.gov/a;v=1.pdf",
    "https://oag.ca.gov/a b.pdf",
    "https://[::1]/a.pdf",
    "javascript:alert(1)",
    "mailto:x@example.com",
]


@pytest.mark.parametrize("href", PLAIN)
def test_a_plain_absolute_link_is_what_the_join_gives_for_any_base(href):
    assert joins_unchanged(href)
    assert all(urljoin(base, href) == href for base in BASES)


@pytest.mark.parametrize("href", NOT_PLAIN)
def test_other_links_are_left_to_the_join(href):
    assert not joins_unchanged(href)


def test_every_link_taken_as_plain_joins_unchanged():
    # Built from the characters a link may hold: whatever the shortcut accepts, the join keeps.
    pieces = ["https://", "http://", "a", "B.c", ":80", "/", "//", "%20", "?", "q=1", "&", "#",
              ";", "..", " ", "-", "~", "é"]  # fmt: skip
    hrefs = {a + b + c + d for a in pieces[:2] for b in pieces for c in pieces for d in pieces}
    accepted = [h for h in hrefs if joins_unchanged(h)]
    assert accepted
    for href in accepted:
        assert all(urljoin(base, href) == href for base in BASES), href
