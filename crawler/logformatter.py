"""Log lines for dropped items: one short line with the reason, not the whole item.

A rejected notice is already kept whole in `rejected_notices`; dumping it into the log at
WARNING level would bury real warnings under repeats of known data problems.
"""

import logging

from scrapy.logformatter import LogFormatter


class BreachLogFormatter(LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        return {
            "level": logging.INFO,
            "msg": "Dropped: %(exception)s",
            "args": {"exception": exception},
        }
