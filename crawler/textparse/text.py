"""Whitespace and invisible-character hygiene for names and labels."""

import html
import re
import unicodedata
from functools import lru_cache

# Zero-width spaces and joiners, BOM, soft hyphen, and bidirectional marks/embeddings/isolates
# (seen in the real CA export: U+200B around "Harvard Pilgrim Health Care", U+200E after
# "CRC Insurance Services, LLC").
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# NBSP U+00A0 and NARROW NBSP U+202F (both in the real CA export) and other Unicode spaces.
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# C0/C1 control characters other than whitespace: never meaningful in a name.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: str | None) -> str | None:
    """Unescape entities, drop invisible and control characters, collapse whitespace.

    Returns None for None or for text that is empty once cleaned.
    """
    if value is None:
        return None
    text = html.unescape(str(value))
    if text.isascii():
        # The common case, done with str methods: ASCII has no invisible characters, and for
        # ASCII `str.split()` splits on exactly the characters `\s` matches.
        if not text.isprintable():
            text = _CONTROL.sub(" ", text)
        return " ".join(text.split()) or None
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return text or None


# A site's labels are its form's fixed wording, so a few hundred distinct ones cover every page
# of a crawl (the cache is bounded; a page of unusual labels only evicts old ones).
@lru_cache(maxsize=1024)
def normalize_label(label: str) -> str:
    """Compare labels by meaning: case, spacing, trailing colons and '*' do not count."""
    text = clean_text(unicodedata.normalize("NFKC", label)) or ""
    return text.strip(" :*").casefold()
