"""The local Maine copy serves the live paths, and switches to the offline behaviour."""

import re
from urllib.parse import unquote

from crawler.pages import me_ag as maine
from crawler.pages.me_ag_archive import ARCHIVES_PATH
from localportal.me import FORM_WORKBOOK, LOG_WORKBOOK, demo_site


def test_viewer_list_and_detail_pages_read_back():
    site = demo_site(count=3)
    page = maine.parse_list(site.handle(maine.VIEWER_LIST_PATH, {}).body.decode())
    assert [r.source_id for r in page.rows] == [n.uuid for n in site.notices]
    detail_path = maine.VIEWER_LIST_PATH.rsplit("/", 1)[0] + "/" + page.rows[0].href
    detail = maine.parse_detail(site.handle(detail_path, {}).body.decode(), lambda h: h)
    assert detail.fields["entity_name"] == "Community Food Co-Op"
    assert detail.fields["notice_urls"] == [
        f"/cgi-bin/agviewerad/ret?loc={site.notices[0].notice_loc}"
    ]
    assert site.handle("/cgi-bin/agviewerad/ret", {"loc": ["4000"]}).content_type == (
        "application/pdf"
    )
    assert site.handle("/cgi-bin/agviewerad/ret", {"loc": ["1"]}) is None


def test_uuids_are_stable_across_builds():
    assert [n.uuid for n in demo_site(count=5).notices] == [n.uuid for n in demo_site(5).notices]


def test_archives_page_links_the_real_workbooks():
    site = demo_site(count=1)
    html = site.handle(ARCHIVES_PATH, {}).body.decode()
    hrefs = [unquote(h) for h in re.findall(r'href="([^"]+\.xlsx)"', html)]
    assert len(hrefs) == 2
    served = {site.handle(h, {}).body for h in hrefs}
    assert served == {FORM_WORKBOOK.read_bytes(), LOG_WORKBOOK.read_bytes()}
    assert "Maine Data Breach Notices (8/1/2010 -- 12/5/2018)" in html


def test_offline_mode():
    site = demo_site(count=2, prefix="/me")
    site.offline = True
    listing = site.handle(maine.VIEWER_LIST_PATH, {})
    assert (listing.status, listing.headers["Location"]) == (
        302,
        "/me" + maine.OFFLINE_NOTICE_PATH,
    )
    detail_path = maine.VIEWER_LIST_PATH.rsplit("/", 1)[0] + f"/{site.notices[0].uuid}.html"
    assert site.handle(detail_path, {}).status == 403
    assert maine.is_offline_notice(site.handle(maine.OFFLINE_NOTICE_PATH, {}).body.decode())
    site.offline = False
    assert site.handle(maine.VIEWER_LIST_PATH, {}).status == 200
    assert not maine.is_offline_notice(site.handle(maine.OFFLINE_NOTICE_PATH, {}).body.decode())
