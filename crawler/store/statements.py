"""Plain SQL for the notice write path, one statement per column set, built once.

sqlite-utils' insert and update re-read the table's schema on every call, which was most of
the store's time in a backfill (bench/RESULTS.md)."""

import sqlite3


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
