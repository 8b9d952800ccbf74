"""Browsing with Datasette: the breaches view, links, facets, readable cells, canned queries
and a search that takes whatever a person types, on a database made by a real crawl."""

import asyncio
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, rows, scrapy_command

from crawler.store.db import connect
from localportal import ca, me
from localportal.demo import _in_window
from localportal.server import PortalServer

datasette_app = pytest.importorskip("datasette.app", reason="needs the datasette extra")

NAMES_PEOPLE_TYPE = ("T-Mobile", "AT&T", "health", "Children's")
# Inputs that must never give an error page (FTS5 syntax characters, quotes, unicode).
HOSTILE_SEARCHES = ('"', '""', "'", "*", "-", "(", ")", "(health", "health*", "-health",
                    "AND", "OR NOT", "NEAR(a b)", "a:b", "^", "O'Reilly", '"T-Mobile',
                    "Müller & Söhne", "東京", "💥", "%", "_", "\\", " ", "a" * 300)  # fmt: skip


def portal_sites():
    """The local CA portal with real rows that include names people search for, and Maine:
    the demo's copies (notices of the same breaches in both states), plus those names."""
    wanted = re.compile(r"T-Mobile|AT&T|Health|Children's", re.IGNORECASE)
    real = ca.load_real_rows()  # newest first, as the portal lists them
    chosen = real[:150] + [r for r in real[150:] if _in_window(r) or wanted.search(r["name"])]
    notices = ca.build_notices(chosen)
    return [ca.CASite(notices), me.demo_site(count=100)]


def crawl_database(folder: Path) -> Path:
    """data/breaches.db as a nightly of the local CA and Maine portals leaves it."""
    db = folder / "breaches.db"  # the file name is the database name metadata.yml uses
    with PortalServer(portal_sites()) as server:
        result = scrapy_command(
            ["nightly", "--only", "ca_ag,me_ag",
             "--base-url", f"ca_ag={server.base_url('/ca')}",
             "--base-url", f"me_ag={server.base_url('/me')}"],
            db, timeout=300,
        )  # fmt: skip
    assert result.returncode == 0, result
    return db


def make_datasette(db: Path):
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    return datasette_app.Datasette(
        [str(db)], metadata=metadata, plugins_dir=str(ROOT / "datasette-plugins")
    )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    return crawl_database(tmp_path_factory.mktemp("browse"))


@pytest.fixture(scope="module")
def get(crawled):
    ds = make_datasette(crawled)

    def fetch(path: str):
        return asyncio.run(ds.client.get(path))

    return fetch


def page_ok(response) -> str:
    """The page's text; fails on any error page."""
    assert response.status_code == 200, (response.status_code, response.text[:2000])
    assert "<title>Error" not in response.text
    return response.text


def columns_shown(text: str) -> set[str]:
    return set(re.findall(r'<th [^>]*data-column="([^"]+)"', text))


def cells(response, column: str) -> list[str]:
    """The text of a column's cells in an HTML table page."""
    pattern = rf'<td class="col-{re.escape(column)} [^"]*">(.*?)</td>'
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(pattern, response.text, re.S)
    ]


def test_breaches_view_has_one_readable_row_per_incident(crawled, get):
    incidents = rows(crawled, "select * from incidents")
    view = rows(crawled, "select * from breaches")
    assert len(view) == len(incidents) > 50
    by_id = {row["incident_id"]: row for row in view}
    for incident in incidents:
        row = by_id[incident["id"]]
        assert row["entity"] == incident["display_name"]
        assert row["states"] == ", ".join(json.loads(incident["states"]))
        assert row["sources"] == ", ".join(json.loads(incident["sources"]))
        counts = json.loads(incident["residents_by_state"] or "{}")
        assert (row["residents_by_state"] or "") == ", ".join(
            f"{k}: {v}" for k, v in counts.items()
        )
        urls = [n["url"] for n in rows(crawled, "select url from notices where incident_id = ?",
                                        (incident["id"],))]  # fmt: skip
        assert sorted(row["notice_pages"].split()) == sorted(urls)
        if incident["breach_start"]:
            assert row["breach_period"].startswith(incident["breach_start"])
            assert row["breach_year"] == incident["breach_start"][:4]
    assert any(", " in row["states"] for row in view), "no incident notified to two states"
    assert any(row["letter_urls"] for row in view), "no notice letter address in the view"
    page = page_ok(get("/breaches/breaches"))
    assert "Breaches" in page
    assert {"entity", "breach_period", "states", "residents_by_state"} <= columns_shown(page)
    hidden = {"state_list", "source_list", "search_rowid"}
    assert not hidden & columns_shown(page)  # hidden by default
    assert hidden <= columns_shown(page_ok(get("/breaches/breaches?_hidden=off")))


def test_default_facets_states_sources_and_year(get):
    data = get("/breaches/breaches.json?_size=0").json()
    facets = data["facet_results"]
    assert {"state_list", "source_list", "breach_year"} <= set(facets)
    states = {f["value"]: f["count"] for f in facets["state_list"]["results"]}
    assert {"CA", "ME"} <= set(states)
    assert facets["state_list"]["type"] == "array"
    ca_only = get("/breaches/breaches.json?state_list__arraycontains=CA&_size=0").json()
    assert ca_only["filtered_table_rows_count"] == states["CA"]
    incidents = get("/breaches/incidents.json?_size=0").json()["facet_results"]
    assert incidents["states"]["type"] == incidents["sources"]["type"] == "array"


def test_an_incident_page_lists_its_notices_through_the_foreign_keys(crawled, get):
    (incident,) = rows(crawled, "select id from incidents order by notice_count desc, id limit 1")
    notices = rows(crawled, "select id, url from notices where incident_id = ?", (incident["id"],))
    page = page_ok(get(f"/breaches/incidents/{incident['id']}"))
    assert re.search(rf"{len(notices)} rows?</a>\s+from incident_id in notices", page), page[-3000:]
    listed = get(f"/breaches/notices.json?incident_id={incident['id']}&_shape=array").json()
    assert sorted(n["id"] for n in listed) == sorted(n["id"] for n in notices)
    # The notices table links each notice to its incident's page, by the incident's name.
    listing = page_ok(get(f"/breaches/notices?incident_id={incident['id']}"))
    assert listing.count(f'href="/breaches/incidents/{incident["id"]}"') == len(notices)
    # The breaches view links each incident id to the incident's page.
    view = page_ok(get(f"/breaches/breaches?incident_id={incident['id']}"))
    assert f'href="/breaches/incidents/{incident["id"]}"' in view


def test_json_is_readable_and_bulky_columns_are_hidden(crawled, get):
    page = get("/breaches/notices")
    text = page_ok(page)
    assert "entity_name" in columns_shown(text)
    assert not {"raw", "content_hash", "content_since"} & columns_shown(text)
    assert "entity_key" not in columns_shown(page_ok(get("/breaches/incidents")))
    assert "stats" not in columns_shown(page_ok(get("/breaches/crawl_runs")))
    incidents = get("/breaches/incidents?_sort_desc=notice_count&residents_by_state__not=%7B%7D")
    states = cells(incidents, "states")
    assert states
    assert all(not s.startswith("[") for s in states)
    assert any(re.fullmatch(r"[A-Z]{2}(, [A-Z]{2})+", s) for s in states)
    counts = cells(incidents, "residents_by_state")
    assert counts
    assert all(re.fullmatch(r"[A-Z]{2}: \d+(, [A-Z]{2}: \d+)*", c) for c in counts)
    # Shown when asked for, folded and pretty-printed.
    everything = page_ok(get("/breaches/notices?_hidden=off&_size=5"))
    assert "raw" in columns_shown(everything)
    assert "<details><summary>" in everything


@pytest.mark.parametrize("name", NAMES_PEOPLE_TYPE)
def test_search_finds_what_people_type(crawled, get, name):
    expected = {r["display_name"] for r in rows(crawled, "select display_name from incidents")
                if name.lower() in r["display_name"].lower()}  # fmt: skip
    assert expected, f"the crawled portal has no {name!r}"
    for table in ("breaches", "incidents"):
        found = get(f"/breaches/{table}.json?_search={quote(name)}&_shape=array&_size=max")
        assert found.status_code == 200, found.text
        label = "entity" if table == "breaches" else "display_name"
        assert {r[label] for r in found.json()} == expected
        page_ok(get(f"/breaches/{table}?_search={quote(name)}"))
    notices = get(f"/breaches/notices.json?_search={quote(name)}&_shape=array&_size=max").json()
    assert notices
    assert all(name.lower() in n["entity_name"].lower() for n in notices)
    by_name = get(f"/breaches/search_by_name.json?name={quote(name)}&_shape=array").json()
    assert {r["entity"] for r in by_name} == expected


@pytest.mark.parametrize("text", HOSTILE_SEARCHES)
def test_no_input_gives_an_error_page(get, text):
    for path in ("breaches", "incidents", "notices"):
        page_ok(get(f"/breaches/{path}?_search={quote(text)}"))
    for query in ("search_by_name", "entity_history"):
        page_ok(get(f"/breaches/{query}?name={quote(text)}"))


def test_canned_queries_answer(crawled, get):
    largest = get("/breaches/largest_breaches.json?_shape=array").json()
    totals = [r["total_affected"] for r in largest]
    assert totals
    assert totals == sorted(totals, reverse=True)
    (top,) = rows(crawled, "select max(total_affected) m from incidents")
    assert totals[0] == top["m"]
    by_state = get("/breaches/by_state_and_year.json?_shape=array").json()
    assert {r["state"] for r in by_state} >= {"CA", "ME"}
    assert sum(r["incidents"] for r in by_state) == sum(
        len(json.loads(r["states"])) for r in rows(crawled, "select states from incidents")
    )
    history = get("/breaches/entity_history.json?name=T-Mobile&_shape=array").json()
    assert history
    assert all("t-mobile" in r["entity_name"].lower() for r in history)
    dates = [r["reported_date"] for r in history]
    assert dates == sorted(dates)
    review = get("/breaches/awaiting_review.json?_shape=array").json()
    assert len(review) == rows(crawled, "select count(*) n from incident_review")[0]["n"]
    for name in ("reported_last_30_days", "failed_runs", "awaiting_review"):
        page_ok(get(f"/breaches/{name}"))


def test_recent_and_failed_queries_pick_the_right_rows(crawled, tmp_path):
    db = tmp_path / "breaches.db"
    shutil.copy(crawled, db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("update incidents set first_reported_date = date('now', '-3 days') "
                     "where id = (select min(id) from incidents)")  # fmt: skip
        conn.execute("insert into crawl_runs (spider, source_status, status_reason) "
                     "values ('ca_ag', 'layout_changed', 'no list table')")  # fmt: skip
    conn.close()
    ds = make_datasette(db)
    recent = asyncio.run(ds.client.get("/breaches/reported_last_30_days.json?_shape=array"))
    assert [r["incident_id"] for r in recent.json()] == [
        rows(db, "select min(id) i from incidents")[0]["i"]
    ]
    failed = asyncio.run(ds.client.get("/breaches/failed_runs.json?_shape=array")).json()
    assert [(r["spider"], r["status_reason"]) for r in failed] == [("ca_ag", "no list table")]


def test_index_page_and_data_source_link_says_where_it_goes(get):
    page = page_ok(get("/"))
    assert "Breaches" in page
    database = page_ok(get("/breaches"))
    for title in (
        "Reported in the last 30 days",
        "Largest breaches",
        "One entity's history",
        "Breaches by state and year",
        "Incidents awaiting review",
        "Failed crawl runs",
    ):
        assert title.replace("'", "&#39;") in database or title in database, title
    footer = page.split("<footer", 1)[1]
    assert "State Attorney General breach portals" in footer
    for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', footer):
        host = re.sub(r"^https?://(www\.)?", "", href).split("/")[0]
        if host != "datasette.io":  # Datasette's own "Powered by" link
            assert host.lower() in text.lower(), (href, text)


def test_foreign_keys_migration_keeps_every_row_and_rowid(crawled, tmp_path):
    """The migration on a populated database made before it: nothing lost or renumbered."""
    db = tmp_path / "old.db"
    shutil.copy(crawled, db)
    conn = sqlite3.connect(db)
    with conn:  # back to the schema before the foreign keys (as written by m001/m002)
        for table in ("notices", "incident_links", "incident_review"):
            (sql,) = conn.execute(
                "select sql from sqlite_master where name = ?", (table,)
            ).fetchone()
            conn.execute("pragma writable_schema = on")
            conn.execute("update sqlite_master set sql = ? where name = ?",
                         (re.sub(r' REFERENCES "\w+"\("id"\)', "", sql), table))  # fmt: skip
            version = conn.execute("pragma schema_version").fetchone()[0]
            conn.execute(f"pragma schema_version = {version + 1}")
            conn.execute("pragma writable_schema = off")
        for name in ("m005_foreign_keys",):
            conn.execute("delete from _sqlite_migrations where name = ?", (name,))
    before = {t: conn.execute(f"select rowid, * from {t} order by rowid").fetchall()
              for t in ("notices", "incident_links", "incident_review", "incidents")}  # fmt: skip
    assert conn.execute("pragma foreign_key_list(notices)").fetchall() == []
    conn.close()
    db_utils = connect(db)
    assert {fk.column for fk in db_utils["incident_links"].foreign_keys} == {
        "notice_id",
        "incident_id",
    }
    assert {fk.column for fk in db_utils["incident_review"].foreign_keys} == {
        "notice_id", "candidate_notice_id"}  # fmt: skip
    assert [(fk.column, fk.other_table) for fk in db_utils["notices"].foreign_keys] == [
        ("incident_id", "incidents")
    ]
    for table, old_rows in before.items():
        assert (
            db_utils.execute(f"select rowid, * from {table} order by rowid").fetchall() == old_rows
        )
    assert db_utils.execute("pragma integrity_check").fetchone() == ("ok",)
    db_utils.conn.close()


def quote(text: str) -> str:
    from urllib.parse import quote as url_quote

    return url_quote(text, safe="")


def small_database(path: Path) -> Path:
    """A database through the real migrations, holding names a trigram index finds hard:
    accented, and of two characters."""
    db = connect(path)
    names = {"i-cafe": "Café Rouge", "i-muller": "MÜLLER & Söhne GmbH", "i-hp": "HP Inc",
             "i-3m": "3M Company", "i-plain": "Cafeteria Partners"}  # fmt: skip
    for incident_id, name in names.items():
        db["incidents"].insert({
            "id": incident_id, "display_name": name, "entity_key": name.lower(),
            "states": '["CA"]', "sources": '["ca_ag"]', "residents_by_state": "{}",
            "notice_count": 1, "first_reported_date": "2025-01-02",
            "first_seen_at": "2025-01-02T00:00:00", "updated_at": "2025-01-02T00:00:00",
        })  # fmt: skip
        db["notices"].insert({
            "id": f"ca_ag:{incident_id}", "source": "ca_ag", "source_id": incident_id,
            "entity_name": name, "incident_id": incident_id, "status": "active",
            "first_seen_at": "2025-01-02T00:00:00", "last_seen_at": "2025-01-02T00:00:00",
        })  # fmt: skip
    db.conn.commit()
    db.conn.close()
    return path


def found(ds, table: str, search: str) -> set[str]:
    label = {"breaches": "entity", "incidents": "display_name", "notices": "entity_name"}[table]
    response = asyncio.run(
        ds.client.get(f"/{ds_name(ds)}/{table}.json?_search={quote(search)}&_shape=array")
    )
    assert response.status_code == 200, response.text
    return {row[label] for row in response.json()}


def ds_name(ds) -> str:
    (name,) = [n for n in ds.databases if not n.startswith("_")]
    return name


@pytest.mark.parametrize("table", ["breaches", "incidents", "notices"])
def test_search_folds_accents_both_ways(tmp_path, table):
    ds = make_datasette(small_database(tmp_path / "breaches.db"))
    assert found(ds, table, "Cafe Rouge") == {"Café Rouge"}
    assert found(ds, table, "café rouge") == {"Café Rouge"}
    assert found(ds, table, "Cafe") == {"Café Rouge", "Cafeteria Partners"}
    assert found(ds, table, "muller & sohne") == {"MÜLLER & Söhne GmbH"}
    assert found(ds, table, "Müller") == {"MÜLLER & Söhne GmbH"}


@pytest.mark.parametrize("table", ["breaches", "incidents", "notices"])
def test_searches_of_one_or_two_characters_find_rows(tmp_path, table):
    ds = make_datasette(small_database(tmp_path / "breaches.db"))
    assert found(ds, table, "HP") == {"HP Inc"}
    assert found(ds, table, "3m") == {"3M Company"}
    assert found(ds, table, "HP Inc") == {"HP Inc"}  # a short word inside a longer query
    assert found(ds, table, "3M Co") == {"3M Company"}
    page = page_ok(asyncio.run(ds.client.get(f"/breaches/{table}?_search=HP")))
    assert "contains" in page  # the page says how it was asked


def test_canned_name_queries_fold_accents(tmp_path):
    ds = make_datasette(small_database(tmp_path / "breaches.db"))
    for query, label in (("search_by_name", "entity"), ("entity_history", "entity_name")):
        got = asyncio.run(ds.client.get(f"/breaches/{query}.json?name=muller&_shape=array"))
        assert {r[label] for r in got.json()} == {"MÜLLER & Söhne GmbH"}


def test_an_incident_row_page_hides_entity_key(tmp_path):
    ds = make_datasette(small_database(tmp_path / "breaches.db"))
    page = page_ok(asyncio.run(ds.client.get("/breaches/incidents/i-cafe")))
    assert "Café Rouge" in page
    assert "display_name" in columns_shown(page)
    assert "entity_key" not in columns_shown(page)
    assert "café rouge" not in page  # the key's value is not shown either
    notice = page_ok(asyncio.run(ds.client.get("/breaches/notices/ca_ag:i-cafe")))
    assert "entity_name" in columns_shown(notice)
    assert not {"raw", "content_hash"} & columns_shown(notice)
    # A table without hidden columns keeps them all.
    run_page = page_ok(asyncio.run(ds.client.get("/breaches/notices?_hidden=off&_size=1")))
    assert "raw" in columns_shown(run_page)


def test_a_database_file_of_another_name_gets_the_same_facets_search_and_queries(tmp_path):
    ds = make_datasette(small_database(tmp_path / "current.db"))
    assert ds_name(ds) == "current"
    data = asyncio.run(ds.client.get("/current/breaches.json?_size=0")).json()
    assert {"state_list", "source_list", "breach_year"} <= set(data["facet_results"])
    assert found(ds, "breaches", "Cafe") == {"Café Rouge", "Cafeteria Partners"}
    database = page_ok(asyncio.run(ds.client.get("/current")))
    assert "Largest breaches" in database
    incidents = page_ok(asyncio.run(ds.client.get("/current/incidents")))
    assert 'href="/current/breaches"' in incidents  # the description's link follows the name
    assert "entity_key" not in columns_shown(incidents)
