"""The Maine detail reader finds its content block as the CSS query `#content, #maincontent3`
selects it (crawler/pages/me_ag.py walks the tree instead), and reads items as before."""

import pytest

from crawler.pages import me_ag as maine
from crawler.pages.tree import css, parse_html, xpath

ITEM = "<h2>Entity Information</h2><ul><li>Entity Name: <strong>{}</strong></li></ul>"
PAGES = [
    f"<html><body><div id='content'>{ITEM.format('New')}</div></body></html>",
    f"<html><body><!-- c --><div id='maincontent3'>{ITEM.format('Old')}</div>"
    f"<div id='content'>{ITEM.format('New')}</div></body></html>",
    f"<html><body><div id='other'><div id='content'>{ITEM.format('Deep')}</div></div></body></html>",
    f"<html><body><div id='Content'>x</div>{ITEM.format('Body')}</body></html>",
    f"<html id='content'><body>{ITEM.format('Root')}</body></html>",
    "<p>no body written</p>",
    "",
]


@pytest.mark.parametrize("html", PAGES)
def test_the_content_block_is_the_one_the_css_query_selects_first(html):
    page = parse_html(html)
    expected = css("#content, #maincontent3")(page) or xpath("//body")(page) or [page]
    assert maine._content_of(page) is expected[0]


def test_the_first_block_in_the_page_is_read():
    page = maine.parse_detail(PAGES[1], lambda href: href)
    assert page.fields["entity_name"] == "Old"
