"""HTML trees for the page readers: lxml directly, with parsel's parsing and CSS meaning.

parsel wraps every node an XPath returns in a new Selector and translates CSS on each call;
on a backfill's thousands of pages that wrapping cost more than the parse itself
(bench/RESULTS.md). Here a page is parsed once, exactly as parsel parses it
(`parsel.selector.create_root_node`: recovering HTML parser, UTF-8, huge trees), and each
query is compiled once: CSS through parsel's own translator, so `css("a::attr(href)")` selects
what parsel's would. Results are plain strings and lxml elements.
"""

from functools import lru_cache

from lxml import etree
from parsel.csstranslator import HTMLTranslator
from parsel.selector import create_root_node

_TRANSLATOR = HTMLTranslator()


def parse_html(text: str) -> etree._Element:
    """The root element of an HTML page, as parsel would build it."""
    return create_root_node(text or "", etree.HTMLParser)


@lru_cache(maxsize=256)
def xpath(query: str) -> etree.XPath:
    """A compiled XPath; text and attribute results as plain `str` (no link to the tree)."""
    return etree.XPath(query, smart_strings=False)


@lru_cache(maxsize=256)
def css(query: str) -> etree.XPath:
    """A compiled CSS query, translated as parsel translates it (`::text`, `::attr(x)`)."""
    return xpath(_TRANSLATOR.css_to_xpath(query))


def text_of(node) -> str:
    """All text inside `node`, joined by spaces (parsel's `" ".join(x.xpath(".//text()"))`).

    For an element, lxml's `itertext()` yields the same text nodes without an XPath call."""
    if isinstance(node.tag, str):
        return " ".join(node.itertext())
    return " ".join(_ALL_TEXT(node))


def own_text(node) -> str:
    """An element's own text nodes joined by spaces (`" ".join(node.xpath("text()"))`)."""
    parts = [node.text] if node.text is not None else []
    parts.extend(child.tail for child in node if child.tail is not None)
    return " ".join(parts)


def first(results: list):
    """The first result or None (parsel's `.get()`)."""
    return results[0] if results else None


_ALL_TEXT = xpath(".//text()")
