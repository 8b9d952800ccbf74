"""Parsers for the free text that breach portals publish.

Every parser returns a `Parsed(value, status)` so callers can tell three cases apart:
`ok` (a value was found), `none` (the source says there is no value: blank, "n/a",
"Unknown") and `unparsed` (text we could not read; the caller keeps the text and flags it).
"""

from typing import Any, NamedTuple


class Parsed(NamedTuple):
    value: Any
    status: str  # "ok" | "none" | "unparsed"


OK, NONE, UNPARSED = "ok", "none", "unparsed"
