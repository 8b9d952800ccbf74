"""Addresses, contact persons and campus towns appended to entity names (Maine legacy log)."""

import re

# An address appended after a comma: the first comma-separated part that starts with a street
# number or a post-office box. The first part is always kept (names like "21st Century Oncology"
# start with a digit).
_ADDRESS_START = re.compile(r"^(?:\d+[a-z]?\b|p\.?\s*o\.?\s+box\b|post office box\b|suite\b)", re.I)
# A later part naming a street ("One Liberty Plaza, 7th Floor") when a number follows
# somewhere (house number, suite, ZIP code).
_STREET_WORD = re.compile(
    r"\b(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|plaza|suite|ste|floor|lane|ln"
    r"|parkway|pkwy|highway|hwy|square|circle|way)\b\.?",
    re.IGNORECASE,
)
# A contact person appended to the name, as the Maine legacy log does ("Fidelity Investments,
# William Duserick, Chief Privacy Officer"): a part holding a job title.
_JOB_TITLE = re.compile(
    r"\b(?:chief|officer|counsel|director|president|manager|attorney|esq|ceo|cfo|cio|ciso|cpo)\b",
    re.IGNORECASE,
)
_PERSON = re.compile(r"^(?:mr|ms|mrs|dr)?\.?\s*[a-z]+(?:\s+[a-z]\.?)?\s+[a-z'-]+$", re.IGNORECASE)
# Institutions named after their campus town ("California State University, Fresno").
_CAMPUS = re.compile(r"\b(?:university|college|campus)\b", re.IGNORECASE)


def strip_address(name: str) -> tuple[str, str | None]:
    """(the name without an appended address, the name with the address's city kept or None).

    The Maine legacy log separates the parts with commas or semicolons ("Signature Hardware,
    Inc; 2700 Crescent Springs Pike, ..."). For an institution with campuses, the city after
    the street is part of the name ( "California State University, 5241 N. Maple Ave., Fresno, CA 93740" is CSU
    Fresno): the second value keeps it, and becomes a further key.
    """
    parts = [part.strip() for part in re.split(r"[,;]", name)]
    parts = [part for part in parts if part] or [""]
    for index in range(2, len(parts)):
        if _JOB_TITLE.search(parts[index]) and _PERSON.match(parts[index - 1]):
            parts = parts[: index - 1]  # the person and everything after them
            break
    for index in range(1, len(parts)):
        rest = ", ".join(parts[index:])
        if _ADDRESS_START.match(parts[index]) or (
            _STREET_WORD.search(parts[index]) and re.search(r"\d", rest)
        ):
            tail = parts[index + 1 :]
            with_place = None
            name_part = " ".join(parts[:index])
            if (
                tail
                and _CAMPUS.search(name_part)
                and re.fullmatch(r"[^\W\d_]+(?: [^\W\d_]+){0,2}", tail[0])
            ):
                with_place = ", ".join([*parts[:index], tail[0]])
            return ", ".join(parts[:index]), with_place
    return ", ".join(parts), None
