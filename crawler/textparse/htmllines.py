"""A page's visible text as lines: one per block element, whitespace collapsed.

Shared by the aggregator readers (crawler/pages/agg_rankiteo.py, crawler/pages/agg_csidb.py),
whose facts sit in text whose markup (`<pre>`, `<code>`, `<p>`) is not fixed.
"""

import re

import lxml.html

_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_SKIPPED_TAGS = frozenset(("script", "style", "noscript", "template", "head", "svg", "iframe"))
_WHITESPACE = re.compile(r"\s+")


# Where a page's own content is, most specific first: a blog theme's <main> may also hold
# "related posts" cards, which belong to other posts.
CONTENT_XPATHS = ("//article", "//main")


def content_root(root, xpaths: tuple[str, ...] = CONTENT_XPATHS):
    """The element holding the page's own content: the first of `xpaths` found, or the page."""
    for xpath in xpaths:
        if found := root.xpath(xpath):
            return found[0]
    return root


def page_lines(html: str, xpaths: tuple[str, ...] = CONTENT_XPATHS) -> list[str]:
    """The visible text of a page, one line per block element, whitespace collapsed.

    Reads the page's content element (`content_root`), so site navigation and footers stay
    out. Inside `<pre>` the original line breaks are kept.

    Args:
        html: the page source.
        xpaths: where the page's own content may be, most specific first.

    Returns:
        Non-empty, stripped lines in document order.
    """
    chunks: list[str] = []
    _walk(content_root(lxml.html.fromstring(html), xpaths), chunks, in_pre=False)
    lines = (line.strip() for line in "".join(chunks).split("\n"))
    return [line for line in lines if line]


def _walk(element, chunks: list[str], in_pre: bool) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""  # comments have a callable tag
    if tag and tag not in _SKIPPED_TAGS:
        block = tag in _BLOCK_TAGS
        pre = in_pre or tag in ("pre", "textarea")
        if block or tag == "br":
            chunks.append("\n")
        if element.text:
            chunks.append(element.text if pre else _WHITESPACE.sub(" ", element.text))
        for child in element:
            _walk(child, chunks, pre)
        if block:
            chunks.append("\n")
    if element.tail:
        chunks.append(element.tail if in_pre else _WHITESPACE.sub(" ", element.tail))
