"""Scheduled output stays readable: tracebacks only at DEBUG.

Scrapy logs a failed download or a callback error with its traceback (often two chained
ones). Unless LOG_LEVEL is DEBUG, this filter folds the exception into the message's one
line ("... [ConnectionLost: Connection to the other side was lost]") and drops the
traceback. The spider base class installs it when a crawl opens (crawler/spiders/base.py).
"""

import logging


class OneLineErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()} [{type(error).__name__}: {error}]"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


def install(settings) -> None:
    """Add the filter to the root log handlers, unless the log level is DEBUG."""
    if logging.getLevelName(settings.get("LOG_LEVEL", "INFO")) == logging.DEBUG:
        return
    for handler in logging.root.handlers:
        if not any(isinstance(f, OneLineErrors) for f in handler.filters):
            handler.addFilter(OneLineErrors())
