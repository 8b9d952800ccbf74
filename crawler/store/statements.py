"""Plain SQL for the notice write path, one statement per column set, built once, and the
encoding of its values (JSON columns, the content hash).

sqlite-utils' insert and update re-read the table's schema on every call, which was most of
the store's time in a backfill (bench/RESULTS.md)."""

import hashlib
import json
import sqlite3

from crawler.store.db import JSON_COLUMNS as _JSON_COLUMN_ORDER
from crawler.store.db import loads

JSON_COLUMNS = frozenset(_JSON_COLUMN_ORDER)  # looked up for every column of every notice
# Built once: `json.dumps` with options builds a new encoder on every call. The options are
# those of `json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)` (the hash) and
# of `crawler.store.db.dumps` (the JSON columns), so what is stored does not change.
_HASH_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)
_COLUMN_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
# How both encode a string (ensure_ascii=False): the function their C encoder calls.
_json_string = json.encoder.encode_basestring


def content_hash(content: dict) -> str:
    encoded = _HASH_JSON.encode(content)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


def encode_content(content: dict) -> tuple[dict, str]:
    """`encode_row(content)` and `content_hash(content)` at once: the hash's JSON is built
    from the columns' own JSON (the same encoding: sorted keys, no ASCII escapes), so a
    notice's `raw` and lists are encoded once, not twice. Same text, same hash."""
    encoded = encode_row(content)
    parts = []
    for key in sorted(content):
        value = content[key]
        if value is None:
            text = "null"
        elif key in JSON_COLUMNS:
            text = encoded[key]
        elif type(value) is str:
            text = _json_string(value)
        else:
            text = _HASH_JSON.encode(value)
        parts.append(f"{_json_string(key)}: {text}")
    digest = hashlib.sha256(("{" + ", ".join(parts) + "}").encode()).hexdigest()[:16]
    return encoded, digest


def encode_row(row: dict) -> dict:
    """A row's values as stored: JSON columns encoded as `crawler.store.db.dumps` does."""
    return {
        k: (_COLUMN_JSON.encode(v) if v is not None and k in JSON_COLUMNS else v)
        for k, v in row.items()
    }


def decode_row(row: dict) -> dict:
    return {k: (loads(v) if k in JSON_COLUMNS else v) for k, v in row.items()}


class Statements:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._sql: dict[tuple, str] = {}

    def insert(self, table: str, row: dict) -> None:
        columns = tuple(row)
        sql = self._sql.get((table, columns))
        if sql is None:
            names = ", ".join(f"[{c}]" for c in columns)
            sql = f"insert into [{table}] ({names}) values ({', '.join('?' * len(columns))})"
            self._sql[(table, columns)] = sql
        self.conn.execute(sql, [row[c] for c in columns])

    def update(self, table: str, key: str, changes: dict) -> None:
        """Set `changes` on the row of `table` whose id is `key`."""
        columns = tuple(changes)
        sql = self._sql.get(("update", table, columns))
        if sql is None:
            sets = ", ".join(f"[{c}] = ?" for c in columns)
            sql = f"update [{table}] set {sets} where id = ?"
            self._sql[("update", table, columns)] = sql
        self.conn.execute(sql, [*(changes[c] for c in columns), key])
