"""Rankiteo post parsing: reconstructed pages and the real post text, to exact values."""

import html
from pathlib import Path

import pytest

from crawler.pages import UnknownPageError
from crawler.pages.agg_rankiteo import (
    entity_source_ids,
    parse_key_values,
    parse_post,
    post_notices,
    state_notice_cites,
)
from crawler.textparse.dates import parse_dates
from crawler.textparse.literal import DataBlockError, balanced_literal, parse_data_block

FIXTURES = Path(__file__).parent / "fixtures" / "agg_rankiteo"
REAL_TEXT = (
    Path(__file__).parent.parent
    / "localportal"
    / "data"
    / "aggregators"
    / "rankiteo-mount-diablo-usd.txt"
)
POST_URL = "https://blog.rankiteo.com/mdu002091825-mount-diablo-unified-school-district-breach-september-2020/"


def notices_of(html_text: str, url: str = POST_URL):
    return post_notices(parse_post(html_text, url), url)


def real_text_page() -> str:
    """The real post's text as one preformatted block: the layout of the text dump itself."""
    return f"<html><body><article><pre>{html.escape(REAL_TEXT.read_text())}</pre></article></body></html>"


MOUNT_DIABLO_PAGES = {
    "pre": (FIXTURES / "post-mount-diablo-pre.html").read_text(),
    "paragraphs": (FIXTURES / "post-mount-diablo-paragraphs.html").read_text(),
    "real-text": real_text_page(),
}


@pytest.mark.parametrize("layout", sorted(MOUNT_DIABLO_PAGES))
def test_mount_diablo_post_gives_exact_values(layout):
    (notice,) = notices_of(MOUNT_DIABLO_PAGES[layout])
    assert notice["source_id"] == "mdu002091825"
    assert notice["url"] == POST_URL
    assert notice["entity_name"] == "Mount Diablo Unified School District"
    assert notice["breach_dates"] == ["9/2020"]
    assert notice["discovered_date"] == "2020-09-14"
    assert notice["reported_date"] == "2020-10-20"
    assert notice["data_types"] == ["Contact Information"]
    assert notice["organization_type"] == "Educational Institution"
    assert notice["cites"] == ["ca_ag:sb24-195323"]
    assert "total_affected" not in notice  # the post gives no count: absent, not empty
    raw = notice["raw"]
    assert raw["key_values"]["linkid"] == "mdusd"
    assert raw["key_values"]["severity"] == "85"
    assert raw["Source"] == ["https://oag.ca.gov/ecrime/databreach/reports/sb24-195323"]
    assert raw["TPRM report"] == "https://www.rankiteo.com/company/mdusd"
    assert raw["data_block"].startswith("{'affected_entities'")
    # As displayed, line by line (indentation is not kept: it depends on the markup).
    assert raw["data_block"].endswith(
        "'Unspecified coding error in SchoolMessenger '\n'application'}"
    )


def test_month_year_date_is_month_precision():
    (date,) = parse_dates(["9/2020"]).value
    assert (date.iso, date.precision) == ("2020-09", "month")


def test_adjacent_literals_and_mixed_quotes_as_pprint_writes_them():
    post = parse_post(MOUNT_DIABLO_PAGES["pre"], POST_URL)
    assert post.data["description"].startswith(
        "The California Office of the Attorney General reported that the Mount Diablo"
    )
    text = """{'description': "The district's notice says '{x}' and }{ braces " 'continue here',
 'n': 1948}"""
    assert parse_data_block(balanced_literal("prefix " + text + " suffix", 7)) == {
        "description": "The district's notice says '{x}' and }{ braces continue here",
        "n": 1948,
    }


def test_block_b_text_in_a_pre_block_survives_layout_variants():
    pre = parse_post(MOUNT_DIABLO_PAGES["pre"], POST_URL)
    paragraphs = parse_post(MOUNT_DIABLO_PAGES["paragraphs"], POST_URL)
    assert pre.data == paragraphs.data
    assert pre.key_values == paragraphs.key_values


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        ("{'affected_entities': [{'name': 'X'}], 'x': 'unterminated}", "unterminated"),
        ("{'affected_entities': [{'name': 'X'}}", "unbalanced"),
        ("{'affected_entities': [{'name': 'X'}]", "ends before"),
        ("{'a': 1 'b': 2}", "not a literal dict"),
    ],
)
def test_malformed_block_is_rejected_with_reason(block, reason):
    page = f'<article><p>"id": "abc123",</p><p>"type": "Breach",</p><pre>{html.escape(block)}</pre></article>'
    with pytest.raises(DataBlockError, match=reason):
        parse_post(page)


def test_call_expression_is_rejected_and_never_executed(tmp_path):
    marker = tmp_path / "executed"
    payload = (
        "{'affected_entities': [{'name': 'Evil Corp'}], "
        f"'x': __import__('os').system('touch {marker}'), "
        f"'y': __import__('pathlib').Path('{marker}').touch()}}"
    )
    page = (
        '<article><pre>"id": "evi1700000000",\n"type": "Breach",\n"date": "1/2024"</pre>'
        f"<pre>{html.escape(payload)}</pre></article>"
    )
    with pytest.raises(DataBlockError, match=r"not a literal dict.*Call"):
        parse_post(page)
    assert not marker.exists()


def test_non_dict_literal_is_rejected():
    with pytest.raises(DataBlockError, match="not a dict"):
        parse_data_block("[1, 2]")


def test_page_without_data_blocks_is_a_layout_error():
    with pytest.raises(UnknownPageError):
        parse_post("<html><body><article><h1>About us</h1><p>Hello.</p></article></body></html>")


def test_key_value_block_reads_strings_numbers_and_escapes():
    text = '"id": "abc123",\n"severity": 85,\n"explanation": "say \\"hi\\"",\n"id": "later"'
    assert parse_key_values(text) == {"id": "abc123", "severity": "85", "explanation": 'say "hi"'}


def test_multi_victim_post_gives_one_notice_per_victim():
    page = (FIXTURES / "post-multi-victim.html").read_text()
    url = "https://blog.rankiteo.com/amesup1768827650-americorps-us-supreme-court-breach-january-2026/"
    notices = notices_of(page, url)
    assert [n["entity_name"] for n in notices] == ["AmeriCorps", "U.S. Supreme Court"]
    assert [n["source_id"] for n in notices] == [
        "amesup1768827650.americorps",
        "amesup1768827650.u-s-supreme-court",
    ]
    assert notices[0]["total_affected"] == "Approximately 1,200 members"
    assert "total_affected" not in notices[1]
    assert all(n["breach_dates"] == ["1/2026"] for n in notices)
    assert all(n["reported_date"] == "2026-01-19" for n in notices)
    # One state notice cannot be a certain link for two victims: kept for review, not cited.
    assert all("cites" not in n for n in notices)
    assert notices[0]["raw"]["cites_unassigned"] == ["ca_ag:sb24-612345"]
    assert all("multi_victim_post" in n["flags"] for n in notices)


def test_entity_ids_are_stable_under_reordering_and_unique():
    entities = [{"name": "B Corp"}, {"name": "A Inc."}, {"name": "A Inc"}]
    ids = entity_source_ids("p1", entities)
    assert ids == ["p1.b-corp", "p1.a-inc", "p1.a-inc-2"]
    assert entity_source_ids("p1", entities[:2][::-1]) == ["p1.a-inc", "p1.b-corp"]
    assert entity_source_ids("p1", [{"name": "Solo"}]) == ["p1"]


def test_vulnerability_post_is_not_an_incident():
    post = parse_post((FIXTURES / "post-vulnerability.html").read_text())
    assert post.post_type == "Vulnerability"
    assert not post.is_incident
    assert parse_post(MOUNT_DIABLO_PAGES["pre"]).is_incident


@pytest.mark.parametrize(
    ("url", "cite"),
    [
        ("https://oag.ca.gov/ecrime/databreach/reports/sb24-195323", "ca_ag:sb24-195323"),
        ("https://www.oag.ca.gov/ecrime/databreach/reports/SB24-195323/", "ca_ag:sb24-195323"),
        (
            "https://www.maine.gov/agviewer/content/ag/985235c7-cb95-4be2-8792-a1252b4f8318/"
            "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0.html",
            "me_ag:0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
        ),
        (
            "https://www.maine.gov/agviewer/content/ag/985235c7-cb95-4be2-8792-a1252b4f8318/"
            "0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0.shtml",
            "me_ag:0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
        ),
    ],
)
def test_state_notice_urls_become_cites(url, cite):
    assert state_notice_cites([url]) == [cite]


def test_other_urls_are_not_cites():
    assert (
        state_notice_cites(
            [
                "https://www.maine.gov/agviewer/content/ag/985235c7-cb95-4be2-8792-a1252b4f8318/list.html",
                "https://oag.ca.gov/privacy/databreach/list",
                "https://www.rankiteo.com/company/mdusd",
            ]
        )
        == []
    )


def test_related_posts_outside_the_article_are_ignored():
    related = (
        '<aside><article class="post-card"><a href="https://oag.ca.gov/ecrime/databreach/'
        'reports/sb24-999999">Another notice</a><p>Source: elsewhere</p></article></aside>'
    )
    page = MOUNT_DIABLO_PAGES["pre"].replace("</main>", f"</main>{related}")
    (notice,) = notices_of(page)
    assert notice["cites"] == ["ca_ag:sb24-195323"]
    assert notice["raw"]["Source"] == ["https://oag.ca.gov/ecrime/databreach/reports/sb24-195323"]


def test_only_the_source_line_makes_a_citation():
    # A state notice merely mentioned in the article (here Mount Diablo's 2018 breach) is not
    # what the post retells: only its Source line and its references are.
    html = MOUNT_DIABLO_PAGES["pre"].replace(
        "<p>Source:",
        '<p>An earlier incident: <a href="https://oag.ca.gov/ecrime/databreach/reports/sb24-139646">'
        "notice</a></p><p>Source:",
        1,
    )
    post = parse_post(html, POST_URL)
    assert "https://oag.ca.gov/ecrime/databreach/reports/sb24-139646" in post.links
    assert post.cites == ["ca_ag:sb24-195323"]
