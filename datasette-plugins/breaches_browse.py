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
from jinja2 import BaseLoader, ChoiceLoader, TemplateNotFound
from markupsafe import Markup, escape

from crawler.store.folding import fold

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
# The name column each searchable page's index holds: a search too short for the trigram
# index (under 3 characters, "HP", "3M") is asked as "<column> contains <text>" instead.
SEARCH_COLUMNS = {"breaches": "entity", "incidents": "display_name", "notices": "entity_name"}
TRIGRAM = 3
# metadata.yml describes the database under this name (Datasette names a database after its
# file); a database served under another name is given the same description.
METADATA_NAME = "breaches"


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
    index every phrase matches anywhere in a name. Accents are folded as the index folds
    them (crawler/store/folding.py): "Cafe" and "Café" both find "Café". A word under 3
    characters matches nothing on its own in a trigram index, so a query with one ("HP
    Inc") is one phrase, the words as typed in a row. Nothing typed matches nothing.
    """
    words = [word.replace('"', '""') for word in fold(query).split()]
    if any(len(word) < TRIGRAM for word in words):
        return f'"{" ".join(words)}"'
    return " ".join(f'"{word}"' for word in words) or '""'


@hookimpl(trylast=True)  # after Datasette's own, which registers the escape_fts it replaces
def prepare_connection(conn):
    # Datasette's escape_fts (used by the search box) leaves a lone quote or an empty query
    # to FTS5, which answers with an error page.
    conn.create_function("escape_fts", 1, fts_phrases, deterministic=True)
    # For the canned queries that match names with LIKE: fold(name) like fold(:name).
    conn.create_function("fold", 1, lambda text: None if text is None else fold(str(text)),
                         deterministic=True)  # fmt: skip


def _short_search(query: list, table: str) -> list:
    """`_search` under 3 characters as a `<name column>__contains` filter (a LIKE match,
    shown on the page as the filter it is), since the trigram index cannot answer it."""
    column = SEARCH_COLUMNS.get(table)
    if column is None:
        return query
    rewritten = []
    for key, value in query:
        text = " ".join(value.split())
        if key == "_search" and 0 < len(fold(text)) < TRIGRAM:
            rewritten.append((f"{column}__contains", text))
        elif key != "_search" or text:
            rewritten.append((key, value))
    return rewritten


def _rewritten(scope):
    """A table page's request with its hidden columns left out (`_nocol`) and a short
    search made a filter; any other request as it is."""
    if scope.get("type") != "http":
        return scope
    parts = scope.get("path", "").strip("/").split("/")
    if len(parts) != 2:
        return scope
    table = FORMAT_SUFFIX.sub("", parts[1])
    raw = scope.get("query_string", b"").decode("latin-1")
    query = parse_qsl(raw, keep_blank_values=True, encoding="utf-8")
    changed = list(_short_search(query, table))
    hides = table == parts[1] and table in HIDDEN_COLUMNS
    if hides and not any(key in ("_col", "_nocol", "_hidden") for key, _ in changed):
        changed += [("_nocol", column) for column in HIDDEN_COLUMNS[table]]
    if changed == query:
        return scope
    return {**scope, "query_string": urlencode(changed, encoding="utf-8").encode("latin-1")}


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def hide_columns(scope, receive, send):
            await app(_rewritten(scope), receive, send)

        return hide_columns

    return wrap


# A row page (one incident, one notice) shows its columns through the table template
# `_table-row-<database>-<table>.html` when there is one: for tables with hidden columns,
# this one leaves them out, then shows the rest as Datasette's own `_table.html` does.
ROW_TEMPLATE = re.compile(r"_table-row-.+-(?P<table>[^-]+)\.html")
ROW_TABLE_HTML = """{%% set hidden = %s %%}
{%% set display_columns = display_columns | rejectattr("name", "in", hidden) | list %%}
{%% set ns = namespace(rows=[]) %%}
{%% for row in display_rows %%}
  {%% set ns.rows = ns.rows + [row | rejectattr("column", "in", hidden) | list] %%}
{%% endfor %%}
{%% set display_rows = ns.rows %%}
{%% include "_table.html" %%}
"""


class RowTableLoader(BaseLoader):
    """Answers only the row templates above; `datasette serve` lists every loader's
    templates at start-up, so this one lists none (it has no fixed names)."""

    def get_source(self, environment, template):
        found = ROW_TEMPLATE.fullmatch(template)
        if not found or found["table"] not in HIDDEN_COLUMNS:
            raise TemplateNotFound(template)
        source = ROW_TABLE_HTML % json.dumps(list(HIDDEN_COLUMNS[found["table"]]))
        return source, None, lambda: True

    def list_templates(self):
        return []


@hookimpl
def prepare_jinja2_environment(env):
    env.loader = ChoiceLoader([RowTableLoader(), env.loader])


@hookimpl
def get_metadata(datasette, key, database, table):
    """metadata.yml's description of `breaches`, for each database served under another
    name (`make serve` of data/other.db): its facets, search, titles and queries apply."""
    local = getattr(datasette, "_metadata_local", None) or {}
    described = (local.get("databases") or {}).get(METADATA_NAME)
    if not described:
        return {}
    text = json.dumps(described)
    aliases = {}
    for name in datasette.databases:
        if name.startswith("_") or name == METADATA_NAME or name in local["databases"]:
            continue
        linked = text.replace(f'href=\\"/{METADATA_NAME}/', f'href=\\"/{name}/')
        aliases[name] = json.loads(linked)
    return {"databases": aliases} if aliases else {}
