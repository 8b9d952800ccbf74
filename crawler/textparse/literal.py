"""A printed Python literal read as data: bracket matching and `ast.literal_eval`, never `eval`.

`ast.literal_eval` accepts only literals, so a block holding a call such as
`__import__('os').system(...)` is rejected, not run. Used for Rankiteo's pprint data block
(crawler/pages/agg_rankiteo.py).
"""

import ast


class DataBlockError(ValueError):
    """A data block is present but is not a plain literal dict (malformed, truncated or unsafe)."""


# Far above any real post (the Mount Diablo block is 2.3 kB); bounds the work literal_eval does.
MAX_DATA_BLOCK_CHARS = 200_000
MAX_NESTING = 40


def balanced_literal(text: str, start: int) -> str:
    """The bracketed literal that opens at `text[start]`, up to its matching closing bracket.

    Quotes are tracked, so braces inside strings ("{x}") do not count.

    Raises:
        DataBlockError: unbalanced brackets, an unterminated string, or an oversized block.
    """
    closing = {"{": "}", "[": "]", "(": ")"}
    stack: list[str] = []
    quote: str | None = None
    i = start
    end = min(len(text), start + MAX_DATA_BLOCK_CHARS)
    while i < end:
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = None
            elif char == "\n":
                raise DataBlockError(f"unterminated string near offset {i - start}")
        elif char in "'\"":
            quote = char
        elif char in closing:
            stack.append(closing[char])
            if len(stack) > MAX_NESTING:
                raise DataBlockError(f"nested deeper than {MAX_NESTING} levels")
        elif char in ")]}":
            if not stack or stack.pop() != char:
                raise DataBlockError(f"unbalanced {char!r} at offset {i - start}")
            if not stack:
                return text[start : i + 1]
        i += 1
    if end < len(text):
        raise DataBlockError(f"longer than {MAX_DATA_BLOCK_CHARS} characters")
    if quote:
        raise DataBlockError("unterminated string at the end of the page")
    raise DataBlockError("the block ends before its closing brace")


def parse_data_block(literal: str) -> dict:
    """A pprint-printed dict read as data: only literals are accepted, nothing is evaluated.

    Raises:
        DataBlockError: with the reason (syntax error, a non-literal such as a call, not a dict).
    """
    # Pages may indent with no-break spaces; outside strings Python's parser rejects them.
    literal = literal.replace("\u00a0", " ")
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as error:
        raise DataBlockError(f"not a literal dict ({type(error).__name__}: {error})") from None
    if not isinstance(value, dict):
        raise DataBlockError(f"a {type(value).__name__}, not a dict")
    return _json_safe(value)


def _json_safe(value):
    """Literals that JSON cannot hold (tuples, sets, bytes, complex) as JSON-friendly values."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_json_safe(v) for v in value), key=repr)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, complex):
        return str(value)
    return value
