"""Accent folding of the name search: the SQL the index triggers run and the Python the
Datasette plugin runs on a query fold every name the same way, and the migration folds the
names an existing database already holds."""

import random
import sqlite3

from helpers import rows

from crawler.store.db import connect
from crawler.store.folding import FOLDS, fold, fold_sql


def sql_fold(text):
    conn = sqlite3.connect(":memory:")
    try:
        return conn.execute(f"select {fold_sql(':t')}", {"t": text}).fetchone()[0]
    finally:
        conn.close()


def test_sql_and_python_fold_alike():
    samples = [None, "", "plain ASCII & 'quotes' \"double\" \\ back", "Café Müller — O’Reilly",
               "e\u0301cole", "東京 💥", "".join(FOLDS)]  # fmt: skip
    alphabet = [*FOLDS, "a", " ", "-", "'", '"', "\\", "Z", "東", "\u0301", "💥"]
    chance = random.Random(7)
    samples += ["".join(chance.choices(alphabet, k=chance.randint(1, 40))) for _ in range(300)]
    for text in samples:
        expected = None if text is None else fold(text)
        assert sql_fold(text) == expected, text
    assert fold("Łódź Straße Æsir") == "Lodz Strasse AEsir"


def test_the_migration_folds_names_already_in_the_database(tmp_path):
    path = tmp_path / "b.db"
    db = connect(path)
    db["incidents"].insert({"id": "i1", "display_name": "Société Générale", "states": "[]",
                            "sources": "[]"})  # fmt: skip
    db["notices"].insert({"id": "ca_ag:1", "source": "ca_ag", "source_id": "1", "status": "active",
                          "entity_name": "Société Générale", "first_seen_at": "x",
                          "last_seen_at": "x"})  # fmt: skip
    # Back to the indexes before the folding migration: names as they are, unfolded.
    for index, column in (("incidents_search", "display_name"), ("notices_search", "entity_name")):
        db.execute(f"delete from {index}")
        db.execute(f"insert into {index} (rowid, {column}) values (1, 'Société Générale')")
    db.execute("delete from _sqlite_migrations where name = 'm009_accent_folded_search'")
    db.conn.commit()
    db.conn.close()
    connect(path).conn.close()
    for index, column in (("incidents_search", "display_name"), ("notices_search", "entity_name")):
        assert rows(path, f"select {column} n from {index}") == [{"n": "Societe Generale"}]
        hits = rows(path, f"select rowid from {index} where {index} match '\"societe gen\"'")
        assert len(hits) == 1
    # New and renamed rows are folded by the triggers.
    db = connect(path)
    db["incidents"].update("i1", {"display_name": "Crédit Agricole"})
    db.conn.commit()
    assert rows(path, "select display_name n from incidents_search") == [{"n": "Credit Agricole"}]
