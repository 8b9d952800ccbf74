"""Text that says "there is no value here", shared by the date and count parsers.

Filers write absence in many ways ("Unknown at this time", "Not specified.", "? Didn't
specify", "Net yet determined"). Such text is status `none`, not `unparsed`: the source
published no value, and nobody needs to look at it again.
"""

import re

# Phrases seen in the Maine archive workbooks (both) and on the CA list ("n/a").
_NO_VALUE_PHRASE = (
    r"unknown|unk|unsure|uncertain|undetermined|unconfirmed|various|none|n/?a|tbd"
    r"|to be determined|not applicable|in process|pending|recently|same as above"
    r"|n[oe]t (?:yet )?(?:known|stated|specified|provided|given|determined|available|sure"
    r"|disclosed)"
    r"|non specified|no (?:#|number\b|specific\b)[^.]*|did(?:n'?t| not) specify"
    r"|does(?:n'?t| not) (?:specify|state|know)|unable to (?:verify|determine)"
)
_ANYWHERE = re.compile(rf"(?<!\w)(?:{_NO_VALUE_PHRASE})(?!\w)", re.IGNORECASE)
# "Unknown (less than 1000)", "? Not stated", "Currently unknown (still investigating)".
_LEADING = re.compile(
    rf"^[\s?~\-–]*(?:currently |still |as yet |info )?(?:{_NO_VALUE_PHRASE})(?!\w)",
    re.IGNORECASE,
)
_ONLY_PUNCTUATION = re.compile(r"^[\s?\-–—.*/]+$")
# In ASCII text, the characters str.isdigit() accepts (a search, not a loop in Python).
_ASCII_DIGIT = re.compile(r"[0-9]")


def says_no_value(text: str) -> bool:
    """True for text without digits that only says the value is absent ("Unknown", "???")."""
    if _ASCII_DIGIT.search(text) if text.isascii() else any(ch.isdigit() for ch in text):
        return False
    return bool(_ONLY_PUNCTUATION.match(text) or _ANYWHERE.search(text))


def starts_with_no_value(text: str) -> bool:
    """True when the text opens by saying the value is absent, whatever follows.

    "Unknown (less than 1000)" and "Not provided (This is a supplement to 11/1/18 notice)" are
    absent values with a comment; the numbers in the comment are not the value.
    """
    return bool(_ONLY_PUNCTUATION.match(text) or _LEADING.match(text))
