"""Accent folding for name search: "Cafe" finds "Café", "Muller" finds "Müller".

SQLite's trigram tokenizer folds case but only removes diacritics from 3.45 on
(`remove_diacritics 1`), and this project runs on older SQLite too (Debian 12 has 3.40). So
the search indexes hold names folded here instead: the same table in SQL (nested replace(),
for the triggers that keep the indexes, which any SQLite connection can run without a
registered function) and in Python (for what a person types).

The table is frozen: the migration that builds the indexes (crawler/store/schema_browse.py)
writes it into triggers, and a query must be folded exactly as the names were. A new table
means a new migration that rebuilds the indexes.
"""

import json

# Latin letters with diacritics (U+00C0-U+024F whose decomposition is one ASCII letter and
# combining marks), and the same letters without them, position by position.
ACCENTED = (
    "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆ"
    "ćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐő"
    "ŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚ"
    "ǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮ"
    "ȯȰȱȲȳ"
)
PLAIN = (
    "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaC"
    "cCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOo"
    "RrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzsOoUuAaIiOoUuUuUuUu"
    "UuAaAaGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoO"
    "oOoYy"
)
# Letters that are not a letter plus marks, and typographic punctuation people type plainly.
SPECIAL = {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE",
           "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D",
           "ı": "i", "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
           "\u2013": "-", "\u2014": "-"}  # fmt: skip
FOLDS = {**dict(zip(ACCENTED, PLAIN, strict=True)), **SPECIAL}
_TABLE = str.maketrans({**FOLDS, **{chr(mark): None for mark in range(0x300, 0x370)}})


def fold(text: str) -> str:
    """`text` with the letters above plain and combining marks (U+0300-U+036F, left by a
    letter typed decomposed) dropped, character by character as fold_sql() does; case is
    left to the index, which folds it."""
    return text.translate(_TABLE)


def fold_sql(expression: str) -> str:
    """An SQL expression folding the text `expression` as fold() does (for names stored
    composed), that any SQLite connection can run: no registered function.

    A chain of replace() calls overflows SQLite's parser (about 30 deep), so the text is
    walked a character at a time: json_each over an array of length(text) zeros numbers the
    positions, each non-ASCII character is looked up in FOLDS as a JSON object, and a
    combining mark left over from a decomposed letter is dropped. ASCII
    text (byte length = character length) is returned as it is, without the walk.
    """
    folds = json.dumps(FOLDS, ensure_ascii=False, sort_keys=True).replace("'", "''")
    x = expression
    walk = (
        f"(select group_concat(ch, '') from (select case when unicode(c) < 192 then c "
        f"when unicode(c) between 768 and 879 then '' "  # combining marks (U+0300-U+036F)
        f"else coalesce(json_extract('{folds}', '$.\"' || c || '\"'), c) end as ch "
        f"from (select substr({x}, key + 1, 1) as c, key from json_each('[' || "
        f"rtrim(replace(hex(zeroblob(length({x}))), '00', '0,'), ',') || ']')) order by key))"
    )
    return (
        f"(case when {x} is null then null "
        f"when length({x}) = length(cast({x} as blob)) then {x} "
        f"else coalesce({walk}, '') end)"
    )
