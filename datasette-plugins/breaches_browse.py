"""Datasette plugin for data/breaches.db: readable cells, bulky columns hidden, safe search.

Loaded with `datasette --plugins-dir datasette-plugins` (`make serve`). It only changes how
pages look and how the search box reads its input; it never writes. docs/OPERATIONS.md,
"Browsing with Datasette", says what a reader sees.
"""

import json
import re
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils import tilde_encode
from markupsafe import Markup, escape

# Columns left out of a table page unless the address asks for columns itself (`_col`,
# `_nocol`) or for all of them (`_hidden=off`): raw published fields, run stats, hashes,
# the normalised entity key, and the view's machine-readable duplicates.
HIDDEN_COLUMNS = {
    "notices": ("raw", "content_hash", "content_since", "cites"),
    "incidents": ("entity_key",),
    "crawl_runs": ("stats", "details"),
    "notice_versions": ("content", "content_hash"),
    "rejected_notices": ("item",),
    "breaches": ("state_list", "source_list", "search_rowid"),
}
# JSON lists shown as "a, b"; lists of addresses shown as links.
LIST_COLUMNS = {"states", "sources", "data_types", "flags", "breach_dates",
                "notification_dates", "cites", "state_list", "source_list"}  # fmt: skip
URL_LIST_COLUMNS = {"notice_urls", "notice_pages", "letter_urls"}
COUNT_COLUMNS = {"residents_by_state"}  # {"CA": 120} shown as "CA: 120"
# Bulky JSON: folded, pretty-printed when opened.
FOLDED_COLUMNS = {"raw", "stats", "details", "id_theft_service", "content", "item"}
EMPTY = Markup("&nbsp;")  # what Datasette shows for NULL (an empty string shows the JSON)
FORMAT_SUFFIX = re.compile(r"\.(json|csv)$")


def _json(value):
    if not isinstance(value, str) or value[:1] not in ("[", "{"):
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _links(urls) -> Markup:
    return Markup(", ").join(
        Markup('<a href="{0}">{0}</a>').format(url) for url in urls if isinstance(url, str)
    )


@hookimpl
def render_cell(value, column, table, database, datasette):
    if table == "breaches" and column == "incident_id" and isinstance(value, str):
        href = datasette.urls.row(database, "incidents", tilde_encode(value))
        return Markup('<a href="{}">{}</a>').format(href, value)
    if column in URL_LIST_COLUMNS and isinstance(value, str):
        parsed = _json(value)
        return _links(parsed if isinstance(parsed, list) else value.split())
    parsed = _json(value)
    if parsed is None:
        return None
    if column in LIST_COLUMNS and isinstance(parsed, list):
        return ", ".join(str(item) for item in parsed) or EMPTY
    if column in COUNT_COLUMNS and isinstance(parsed, dict):
        return ", ".join(f"{key}: {count}" for key, count in sorted(parsed.items())) or EMPTY
    if column in FOLDED_COLUMNS:
        size = f"{len(parsed)} {'fields' if isinstance(parsed, dict) else 'items'}"
        pretty = json.dumps(parsed, indent=2, ensure_ascii=False, sort_keys=True)
        return Markup("<details><summary>{}</summary><pre>{}</pre></details>").format(
            size, escape(pretty)
        )
    return None


def fts_phrases(query: str) -> str:
    """Whatever a person typed, as an FTS5 query that cannot be a syntax error.

    Each whitespace-separated word becomes a quoted phrase (double quotes inside doubled),
    so `T-Mobile`, `AT&T`, `O'Reilly`, `*`, `(` and `"` are plain text; with the trigram
    index every phrase matches anywhere in a name. Nothing typed matches nothing.
    """
    words = [word.replace('"', '""') for word in query.split()]
    return " ".join(f'"{word}"' for word in words) or '""'


@hookimpl(trylast=True)  # after Datasette's own, which registers the escape_fts it replaces
def prepare_connection(conn):
    # Datasette's escape_fts (used by the search box) leaves a lone quote or an empty query
    # to FTS5, which answers with an error page.
    conn.create_function("escape_fts", 1, fts_phrases, deterministic=True)


def _with_hidden_columns(scope):
    """The request with `_nocol` for the table's hidden columns, if it is a table page."""
    if scope.get("type") != "http":
        return scope
    parts = scope.get("path", "").strip("/").split("/")
    if len(parts) != 2 or FORMAT_SUFFIX.search(parts[1]) or parts[1] not in HIDDEN_COLUMNS:
        return scope
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    if any(key in ("_col", "_nocol", "_hidden") for key, _ in query):
        return scope
    query += [("_nocol", column) for column in HIDDEN_COLUMNS[parts[1]]]
    return {**scope, "query_string": urlencode(query).encode("latin-1")}


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def hide_columns(scope, receive, send):
            await app(_with_hidden_columns(scope), receive, send)

        return hide_columns

    return wrap
