"""Page readers, one module per spider and named after it (`crawler/pages/<spider>.py`).

Each module holds pure functions that take a page's text (or a file's bytes) and return plain
data (dicts and dataclasses); the spider fetches and always builds the item. Every reader
says "this is not the page I know" the same way: it raises `UnknownPageError` with the reason,
and the spider records that as a layout change (never as zero results).
"""


class UnknownPageError(ValueError):
    """The page or file does not have the shape its reader knows (the layout changed)."""
