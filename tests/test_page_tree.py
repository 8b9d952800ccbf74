"""The page readers' tree helpers (crawler/pages/tree.py) select what parsel's XPath would."""

from pathlib import Path

import pytest

from crawler.pages.tree import own_text, parse_html, text_of, xpath

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = sorted(
    p for p in FIXTURES.rglob("*") if p.suffix in (".html", ".shtml", ".htm") and p.is_file()
)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_text_helpers_read_the_text_nodes_xpath_reads(page):
    root = parse_html(page.read_text(encoding="utf-8", errors="replace"))
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    assert elements
    for element in elements:
        assert text_of(element) == " ".join(xpath(".//text()")(element))
        assert own_text(element) == " ".join(xpath("text()")(element))


def test_comments_and_nested_markup_count_as_xpath_counts_them():
    root = parse_html("<p>a<!-- note -->b<b>c<i>d</i>e</b>f<?pi x?>g</p>")
    (p,) = xpath("//p")(root)
    assert text_of(p) == " ".join(xpath(".//text()")(p))
    assert own_text(p) == " ".join(xpath("text()")(p))
    assert "note" not in text_of(p)
