"""Numbers written as words ("seven", "twenty-four", "one thousand two hundred")."""

import re

UNITS = {
    w: n
    for n, w in enumerate([
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen",
    ])
}  # fmt: skip
TENS = {
    w: 10 * n
    for n, w in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], 2
    )
}
WORD_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}


def words_to_int(text: str) -> int | None:
    """'seven' -> 7, 'twenty-four' -> 24, 'one thousand two hundred' -> 1200."""
    total = current = 0
    seen = False
    for word in re.split(r"[\s-]+", text.casefold()):
        if word == "and":
            continue
        if word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in WORD_SCALES:
            total += max(current, 1) * WORD_SCALES[word]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None
