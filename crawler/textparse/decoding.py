"""Signs that text was decoded with the wrong character set.

A page whose bytes are cp1252 but declared UTF-8 decodes its accented letters and curly
quotes as U+FFFD; UTF-8 read as cp1252 turns them into pairs such as "Ã©" or "â€™". Such a
value is flagged (`misdecoded:<field>`), and a spider prefers the same field from another,
well-decoded page of the same notice.
"""

import re

# U+FFFD, or the first two characters UTF-8 lead bytes turn into under cp1252/latin-1.
_MISDECODED = re.compile(
    r"\ufffd|â€|Ã[\u0080-\u00bf\u0152\u0153\u0160\u0161\u017d\u2018-\u203a]|Â[\u00a0-\u00bf]"
)


def misdecoded(value) -> bool:
    """Whether a text (or any text in a list) shows signs of a wrong decoding."""
    if isinstance(value, str):  # every sign is a non-ASCII character
        return not value.isascii() and bool(_MISDECODED.search(value))
    if isinstance(value, list | tuple):
        return any(misdecoded(v) for v in value)
    return False


# Item fields that are text as published (raw keeps everything anyway; URLs are ASCII).
TEXT_FIELDS = (
    "entity_name",
    "entity_address",
    "organization_type",
    "breach_dates",
    "reported_date",
    "discovered_date",
    "notification_dates",
    "total_affected",
    "residents_affected",
    "data_types",
)


def misdecoded_fields(notice: dict) -> list[str]:
    """The text fields of a notice (as the spider yielded it) that show a wrong decoding."""
    return [name for name in TEXT_FIELDS if misdecoded(notice.get(name))]
