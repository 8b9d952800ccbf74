"""Yes/no answers and checkbox exports: "Yes", "No", "true", "False", "false, true".

The Maine form export writes each checkbox as the text `true`/`false` (or `True`/`False`),
and twice as `false, true`: a box whose value was exported once per submitted state. A box
that was ticked in any submitted state was ticked, so a list reads as True if any item is
true; the text is kept by the caller, so this reading can be revisited.
"""

import re

from crawler.textparse import NONE, OK, UNPARSED, Parsed
from crawler.textparse.novalue import says_no_value
from crawler.textparse.text import clean_text

_TRUE = {"true", "yes", "y", "t", "x", "checked", "on", "1"}
_FALSE = {"false", "no", "n", "f", "unchecked", "off", "0"}


def parse_yes_no(text: str | bool | None) -> Parsed:
    """`Parsed(bool | None, status)`: `none` for blank or "n/a", `unparsed` for other text."""
    if isinstance(text, bool):
        return Parsed(text, OK)
    cleaned = clean_text(None if text is None else str(text))
    if cleaned is None:
        return Parsed(None, NONE)
    answers = [a.strip(" .").casefold() for a in re.split(r"[,;/]", cleaned)]
    answers = [a for a in answers if a]
    if answers and all(a in _TRUE | _FALSE for a in answers):
        return Parsed(any(a in _TRUE for a in answers), OK)
    if says_no_value(cleaned):
        return Parsed(None, NONE)
    return Parsed(None, UNPARSED)
