"""ca_ag page parsers on the real captures first, then on reconstructions and breakages."""

from pathlib import Path

import pytest

from crawler.pages import UnknownPageError
from crawler.pages import ca_ag as ca

REAL = Path(__file__).parent.parent / "localportal" / "data" / "ca"
FIXTURES = Path(__file__).parent / "fixtures" / "ca_ag"


def real(name: str) -> str:
    return (REAL / name).read_text(encoding="utf-8")


def test_real_tmobile_page_gives_three_notices_exactly():
    page = ca.parse_list_page(real("list-search-tmobile.html"))
    assert (page.empty, page.doubt) == (False, "")
    assert page.next_href is None  # one page of results: no pager
    got = [
        (r["source_id"], r["entity_name"], r["breach_dates"], r["reported_date"]) for r in page.rows
    ]
    assert got == [
        ("sb24-544287", "T-Mobile USA", ["07/22/2021"], "08/25/2021"),
        ("sb24-58079", "T-Mobile USA, Inc.", ["09/14/2015"], "10/01/2015"),
        ("sb24-43681", "T-Mobile US", ["n/a"], "12/30/2013"),
    ]
    assert page.rows[0]["raw"]["Date(s) of Breach (machine)"] == ["2021-07-22T00:00:00-07:00"]
    assert page.rows[0]["href"] == "https://oag.ca.gov/ecrime/databreach/reports/sb24-544287"


def test_real_no_result_page_is_empty_not_an_error():
    page = ca.parse_list_page(real("list-no-results.html"))
    assert (page.empty, page.rows, page.doubt) == (True, [], "")


def test_page_with_the_table_removed_is_a_layout_change():
    html = real("list-search-tmobile.html")
    start, end = html.index("<table"), html.index("</table>") + len("</table>")
    with pytest.raises(UnknownPageError, match="view-empty"):
        ca.parse_list_page(html[:start] + html[end:])


def test_renamed_header_is_a_layout_change():
    html = real("list-search-tmobile.html").replace("Reported Date<span", "Date Posted<span")
    with pytest.raises(UnknownPageError, match="reported date"):
        ca.parse_list_page(html)


def test_extra_column_is_reported_but_rows_still_read():
    html = real("list-search-tmobile.html").replace(
        "</tr>\n    </thead>", '<th class="x">Notice Type</th></tr>\n    </thead>'
    )
    page = ca.parse_list_page(html)
    assert "notice type" in page.doubt
    assert len(page.rows) == 3


def test_columns_are_found_by_label_not_position():
    html = """<table><thead><tr><th>Reported Date</th><th>Date(s) of Breach (if known)</th>
    <th>Organization Name</th></tr></thead><tbody><tr><td> 08/25/2021 </td>
    <td><span class="date-display-single">07/22/2021</span></td>
    <td><a href="https://oag.ca.gov/ecrime/databreach/reports/sb24-544287">T-Mobile USA</a></td>
    </tr></tbody></table>"""
    row = ca.parse_list_page(html).rows[0]
    assert (row["entity_name"], row["breach_dates"], row["reported_date"]) == (
        "T-Mobile USA",
        ["07/22/2021"],
        "08/25/2021",
    )


def test_pager_next_link_and_active_page():
    pager = (
        '<ul class="pagination"><li class="active"><span>1</span></li>'
        '<li class="next"><a title="Go to next page" href="/privacy/databreach/list?page=1">next ›</a></li></ul>'
    )
    html = real("list-search-tmobile.html").replace("</table>", "</table>" + pager)
    assert ca.parse_list_page(html).next_href == "/privacy/databreach/list?page=1"
    assert ca.active_page_number(html) == 1


def test_blank_organization_row_keeps_its_id():
    html = real("list-search-tmobile.html").replace(">T-Mobile US</a>", "></a>")
    row = ca.parse_list_page(html).rows[2]
    assert (row["source_id"], row["entity_name"]) == ("sb24-43681", None)


def test_detail_page_in_drupal_field_markup():
    detail = ca.parse_detail_page((FIXTURES / "detail-drupal-fields.html").read_text())
    assert detail["entity_name"] == "Ernst & Young LLP"
    assert detail["breach_dates"] == ["Saturday, March 28, 2026", "Thursday, April 23, 2026"]
    assert detail["notice_urls"] == [
        "https://oag.ca.gov/system/files/EY%20Notice%20Letter%20US%20General.pdf",
        "https://oag.ca.gov/system/files/EY%20Notice%20Letter%20US%20General_0.PDF",
    ]


def test_detail_page_with_strong_labels_in_another_order():
    detail = ca.parse_detail_page((FIXTURES / "detail-strong-labels.html").read_text())
    assert detail["entity_name"] == "Bank of America Merchant Services, LLC"
    assert detail["notice_urls"] == ["/system/files/BAMS%20Notice.pdf"]
    assert detail["breach_dates"] == ["Monday, January 2, 2012", "Saturday, February 25, 2012"]


def test_detail_page_without_labels_is_none():
    with pytest.raises(UnknownPageError):
        ca.parse_detail_page("<html><body><h1>Page not found</h1></body></html>")


# --- The real CSV export -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def export_rows():
    return ca.parse_export_csv((REAL / "list-export-2025-06-18.csv").read_text(encoding="utf-8"))


def test_real_export_has_every_row(export_rows):
    assert len(export_rows) == 4593
    assert export_rows[0]["entity_name"] == "Decisely Insurance Services, LLC"
    assert export_rows[-1]["reported_date"] == "01/20/2012"


def test_real_export_double_space_header_is_read(export_rows):
    assert "Date(s) of Breach  (if known)" in export_rows[0]["raw"]
    assert export_rows[0]["breach_dates"] == ["12/16/2024"]


def test_real_export_multi_date_cells(export_rows):
    counts = {}
    for row in export_rows:
        counts[len(row["breach_dates"])] = counts.get(len(row["breach_dates"]), 0) + 1
    # The distribution measured on this file (localportal/data/README.md describes it).
    assert (counts[0], counts[1], counts[2], counts[21]) == (442, 2453, 1579, 1)
    eaze = next(r for r in export_rows if len(r["breach_dates"]) == 21)
    assert eaze["entity_name"] == "Eaze Technologies, Inc."


def test_real_export_embedded_quotes_and_invisible_characters(export_rows):
    names = {r["entity_name"] for r in export_rows}
    assert 'Hospital Sisters Health Systems ("HSHS")' in names
    # "\u200b\u200bHarvard Pilgrim Health Care\u200b" comes out clean.
    raw = [
        r["raw"]["Organization Name"]
        for r in export_rows
        if "Harvard Pilgrim" in r["raw"]["Organization Name"]
    ]
    assert any("\u200b" in name for name in raw)
    assert all(
        r["entity_name"] == "Harvard Pilgrim Health Care"
        for r in export_rows
        if "Harvard Pilgrim" in r["raw"]["Organization Name"]
    )


def test_export_with_a_renamed_column_is_a_layout_change():
    with pytest.raises(UnknownPageError, match="reported date"):
        ca.parse_export_csv(
            '"Organization Name","Date(s) of Breach","Posted"\r\n"A","","01/01/2020"\r\n'
        )


def test_export_header_with_one_space_also_works():
    rows = ca.parse_export_csv(
        '"Organization Name","Date(s) of Breach (if known)","Reported Date"\r\n"A","01/02/2020, 01/05/2020","02/01/2020"\r\n'
    )
    assert rows[0]["breach_dates"] == ["01/02/2020", "01/05/2020"]


def test_detail_label_outside_drupal_field_markup_is_still_found():
    html = (FIXTURES / "detail-drupal-fields.html").read_text()
    start = html.index('<div class="field field-name-field-sb24-sample-notice')
    end = html.index('<div class="field field-name-field-sb24-org-name')
    paragraph = '<p><strong>Sample of Notice:</strong> <a href="/system/files/n.pdf">n.pdf</a></p>'
    moved = (html[:start] + html[end:]).replace("</section>", paragraph + "</section>")
    detail = ca.parse_detail_page(moved)
    assert detail["notice_urls"] == ["/system/files/n.pdf"]
    assert detail["entity_name"] == "Ernst & Young LLP"


def _page_with_rows(count: int, pager: str = "") -> str:
    from localportal.ca import CASite, build_notices, load_real_rows

    site = CASite(build_notices(load_real_rows()[:count]), page_size=count)
    html = site.list_page(0).body.decode()
    return html.replace("</table>", "</table>" + pager)


def test_a_full_page_without_any_pager_is_a_layout_change():
    page = ca.parse_list_page(_page_with_rows(50))
    assert len(page.rows) == 50
    assert "no pager" in page.doubt


def test_drupal_core_pager_markup_is_followed():
    pager = (
        '<div class="item-list"><ul class="pager"><li class="pager-current">1</li>'
        '<li class="pager-next"><a href="/privacy/databreach/list?page=1">next ›</a></li></ul></div>'
    )
    page = ca.parse_list_page(_page_with_rows(50, pager))
    assert (page.doubt, page.next_href) == ("", "/privacy/databreach/list?page=1")


def test_the_last_page_of_a_pager_is_not_a_layout_change():
    pager = '<ul class="pagination"><li class="prev"><a href="?page=0">‹</a></li><li class="active"><span>2</span></li></ul>'
    page = ca.parse_list_page(_page_with_rows(50, pager))
    assert (page.doubt, page.next_href) == ("", None)


def test_only_site_wide_reports_are_excluded_from_notice_links():
    html = (
        '<p><strong>Sample of Notice:</strong> <a href="/system/files/Annual_Notice.pdf">a</a> '
        '<a href="/sites/all/files/agweb/pdfs/privacy/2016-data-breach-report.pdf">r</a></p>'
        "<p><strong>Organization Name:</strong> X</p>"
    )
    assert ca.parse_detail_page(html)["notice_urls"] == ["/system/files/Annual_Notice.pdf"]
