"""Every page reader says "not the page I know" one way: UnknownPageError, whatever the body.

Empty, binary garbage and cut-short input are fed to each reader entry point; the spiders
record the error as a layout change (real crawls against a local copy serving such bodies).
"""

import io
import json
import random
import re
import zipfile
from pathlib import Path

import pytest
from helpers import last_run, run_spider

from crawler.pages import UnknownPageError, agg_csidb, agg_rankiteo, ca_ag, me_ag, me_ag_archive
from crawler.textparse.literal import DataBlockError
from localportal.aggregators import DANBURY_INCIDENT, DANBURY_ORGANISATION, build_csidb_site
from localportal.me import demo_site
from localportal.server import Page, PortalServer

FIXTURES = Path(__file__).parent / "fixtures"
GARBAGE = bytes(random.Random(7).randrange(256) for _ in range(4000))
WORKBOOK = (FIXTURES / "me_ag_archive" / "log-first-rows.xlsx").read_bytes()


def page(folder: str, name: str) -> str:
    return (FIXTURES / folder / name).read_text(encoding="utf-8")


def csidb_org_page() -> str:
    return page("agg_csidb", "organisation-danbury.html")


# Each reader with a page it reads, which is cut short for the "cut short" input.
READERS = {
    "ca_ag.parse_list_page": (ca_ag.parse_list_page, None),
    "ca_ag.parse_detail_page": (
        ca_ag.parse_detail_page,
        page("ca_ag", "detail-strong-labels.html"),
    ),
    "ca_ag.parse_export_csv": (ca_ag.parse_export_csv, None),
    "me_ag.parse_list": (me_ag.parse_list, page("me_ag", "list-new-viewer.html")),
    "me_ag.parse_detail": (
        lambda html: me_ag.parse_detail(html, lambda href: href),
        page("me_ag", "detail-carnival.html"),
    ),
    "agg_csidb.parse_incident_page": (
        agg_csidb.parse_incident_page,
        page("agg_csidb", "incident-danbury.html"),
    ),
    "agg_rankiteo.parse_post": (
        agg_rankiteo.parse_post,
        page("agg_rankiteo", "post-mount-diablo-pre.html"),
    ),
}


def bad_inputs(good: str | None) -> dict[str, str]:
    inputs = {
        "empty": "",
        "blank": " \n\t ",
        "binary": GARBAGE.decode("latin-1"),
        "nul bytes": "\x00" * 64,
    }
    if good:
        # Cut just after the body opens, as a connection closed early leaves it.
        cut = good[: good.lower().index("<body") + 40]
        assert len(cut) < len(good) / 2
        inputs["cut short"] = cut
    return inputs


CASES = [
    pytest.param(reader, text, id=f"{name}-{kind}")
    for name, (reader, good) in READERS.items()
    for kind, text in bad_inputs(good).items()
]


@pytest.mark.parametrize(("reader", "text"), CASES)
def test_a_reader_raises_unknown_page_error_for_input_it_cannot_read(reader, text):
    with pytest.raises(UnknownPageError):
        reader(text)


@pytest.mark.parametrize("text", ["", " \n"])
def test_an_empty_organisation_page_is_an_unknown_page(text):
    with pytest.raises(UnknownPageError):
        agg_csidb.incident_links(text)
    assert agg_csidb.incident_links(csidb_org_page())  # the real page still gives links


def damaged_in_a_sheet(body: bytes) -> bytes:
    """The workbook with its sheet's compressed bytes overwritten: the zip opens, the sheet
    cannot be inflated."""
    archive = zipfile.ZipFile(io.BytesIO(body))
    sheet = next(i for i in archive.infolist() if i.filename.startswith("xl/worksheets/"))
    start = sheet.header_offset + 30 + len(sheet.filename) + len(sheet.extra) + 40
    damaged = bytearray(body)
    damaged[start : start + 200] = bytes(200)
    return bytes(damaged)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        GARBAGE,
        WORKBOOK[: len(WORKBOOK) // 2],
        WORKBOOK[:-40],
        b"<html>Not found</html>",
        damaged_in_a_sheet(WORKBOOK),
    ],
    ids=["empty", "binary", "half", "cut-end", "html", "damaged-sheet"],
)
def test_a_workbook_that_cannot_be_read_is_an_unknown_page(body):
    def read_all():
        _, rows = me_ag_archive.parse_workbook(body)
        return list(rows)  # a damaged sheet may only show while its rows are read

    with pytest.raises(UnknownPageError):
        read_all()


def test_the_readers_still_read_their_pages():
    kind, rows = me_ag_archive.parse_workbook(WORKBOOK)
    assert kind == me_ag_archive.LEGACY_LOG
    assert list(rows)
    assert me_ag.parse_detail(page("me_ag", "detail-carnival.html"), str).known_labels > 0
    assert agg_csidb.parse_incident_page(page("agg_csidb", "incident-danbury.html")).name


def test_a_rejected_data_block_is_an_unknown_page_the_rankiteo_spider_counts_apart():
    hostile = (
        "<html><body><article><p>{'affected_entities': [{'name': 'Evil Corp'}], "
        "'x': __import__('os').getcwd()}</p></article></body></html>"
    )
    with pytest.raises(DataBlockError) as raised:
        agg_rankiteo.parse_post(hostile)
    assert isinstance(raised.value, UnknownPageError)


# --- The spiders record it as a layout change ----------------------------------------------


class Damaged:
    """A local site whose pages matching `pattern` are served as `body` instead."""

    def __init__(self, site, pattern: str, body: bytes, content_type: str = "text/html"):
        self.site, self.prefix = site, site.prefix
        self.pattern, self.body, self.content_type = re.compile(pattern), body, content_type

    def handle(self, path, query):
        found = self.site.handle(path, query)
        if found is not None and self.pattern.search(path):
            return Page(self.body, self.content_type)
        return found


def layout_reasons(db, spider: str) -> list[str]:
    run = last_run(db, spider)
    assert run["source_status"] == "layout_changed", run
    return [entry["why"] for entry in run["details"]["layout_changed"]]


@pytest.mark.parametrize("body", [b"", GARBAGE], ids=["empty", "binary"])
def test_maine_detail_pages_that_cannot_be_read_are_a_layout_change(body, tmp_path):
    db = tmp_path / "m.db"
    site = Damaged(demo_site(count=3), r"/[0-9a-f-]{36}\.html$", body)  # detail pages
    with PortalServer([site]) as server:
        result = run_spider("me_ag", db, base_url=server.base_url("/me"))
    assert result.returncode == 1, result
    assert "Traceback" not in result.log
    assert len(layout_reasons(db, "me_ag")) == 3


@pytest.mark.parametrize("damaged", ["incidents", "organisations"])
def test_empty_csidb_pages_are_a_layout_change(damaged, tmp_path):
    db = tmp_path / "c.db"
    site = Damaged(build_csidb_site(), rf"/{damaged}/", b"")
    seeds = f"/csidb/organisations/{DANBURY_ORGANISATION}/,/csidb/incidents/{DANBURY_INCIDENT}/"
    with PortalServer([site]) as server:
        result = run_spider("agg_csidb", db, base_url=server.base_url("/csidb"), urls=seeds)
    assert result.returncode == 1, result
    assert "Traceback" not in result.log
    assert all(why.startswith("unreadable: ParserError") for why in layout_reasons(db, "agg_csidb"))


def test_a_damaged_archive_workbook_is_a_layout_change_as_before(tmp_path):
    db = tmp_path / "a.db"
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    site = Damaged(demo_site(count=1), r"\.xlsx$", WORKBOOK[: len(WORKBOOK) // 2], xlsx)
    with PortalServer([site]) as server:
        result = run_spider("me_ag_archive", db, base_url=server.base_url("/me"))
    assert result.returncode == 1, result
    reasons = layout_reasons(db, "me_ag_archive")
    assert len(reasons) == 2
    assert all(why.startswith("not a readable workbook: unreadable: BadZipFile") for why in reasons)
    assert json.loads(last_run(db, "me_ag_archive")["stats"])  # the run was recorded
