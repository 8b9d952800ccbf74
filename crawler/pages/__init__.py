"""Page readers, one module per spider and named after it (`crawler/pages/<spider>.py`).

Each module holds pure functions that take a page's text (or a file's bytes) and return plain
data (dicts and dataclasses); the spider fetches and always builds the item. Every reader
says "this is not the page I know" the same way: it raises `UnknownPageError` with the reason,
and the spider records that as a layout change (never as zero results). The entry points are
wrapped by `reader`, so what a parser library raises on an empty, binary or cut-short body
(lxml's "Document is empty", a bad zip, a CSV error, a missing element) is said that way too.
"""

import csv
import functools
import sys
import zipfile
import zlib
from collections.abc import Iterator

import lxml.etree


class UnknownPageError(ValueError):
    """The page or file does not have the shape its reader knows (the layout changed)."""


# What the parsers used by the readers raise on input they cannot read.
_UNREADABLE = (
    ValueError,  # also UnicodeDecodeError
    TypeError,
    LookupError,  # IndexError, KeyError
    AttributeError,
    EOFError,
    csv.Error,
    zipfile.BadZipFile,
    zlib.error,
    lxml.etree.LxmlError,
)


def _unreadable(error: BaseException) -> bool:
    """Whether `error` is one the parsers raise on input they cannot read: `_UNREADABLE`, or
    openpyxl's InvalidFileException. openpyxl is imported only by the reader of workbooks
    (about 0.06 s a crawl otherwise), so its error can only occur once it has been imported."""
    if isinstance(error, _UNREADABLE):
        return True
    openpyxl_errors = sys.modules.get("openpyxl.utils.exceptions")
    return openpyxl_errors is not None and isinstance(error, openpyxl_errors.InvalidFileException)


def _as_unknown_page(error: BaseException) -> UnknownPageError:
    return UnknownPageError(f"unreadable: {type(error).__name__}: {error}")


def _guarded(rows: Iterator) -> Iterator:
    """Rows of a file read lazily (a workbook): a damaged part met on the way is the same
    UnknownPageError."""
    try:
        yield from rows
    except UnknownPageError:
        raise
    except Exception as error:
        if not _unreadable(error):
            raise
        raise _as_unknown_page(error) from error


def reader(function):
    """Make a reader entry point raise only `UnknownPageError` for input it cannot read.

    An `UnknownPageError` (or a subclass such as `DataBlockError`) passes unchanged; an
    iterator in the result (a workbook's rows) is guarded the same way while it is consumed.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            result = function(*args, **kwargs)
        except UnknownPageError:
            raise
        except Exception as error:
            if not _unreadable(error):
                raise
            raise _as_unknown_page(error) from error
        if isinstance(result, tuple) and any(isinstance(r, Iterator) for r in result):
            return tuple(_guarded(r) if isinstance(r, Iterator) else r for r in result)
        return result

    return wrapper
