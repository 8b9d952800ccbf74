"""crawler/spiders/ca_ag_list.py: how many notices the list says it holds (backfill progress),
read from pages of a copy built from the real CA export."""

from scrapy.http import HtmlResponse

from crawler.spiders.ca_ag import CaAgSpider
from crawler.spiders.ca_ag_list import LIST_PATH
from localportal import ca

SITE = ca.CASite(ca.build_notices(ca.load_real_rows()[:120]))  # pages of 50, 50 and 20


def list_response(page: int) -> HtmlResponse:
    url = f"https://oag.ca.gov{LIST_PATH}?page={page}"
    return HtmlResponse(url=url, body=SITE.list_page(page).body, encoding="utf-8")


def test_a_page_with_a_last_link_bounds_the_count_by_whole_pages():
    assert CaAgSpider().expected_notices(list_response(0)) == 3 * 50


def test_the_last_page_gives_the_exact_count():
    assert CaAgSpider().expected_notices(list_response(2)) == 120


def test_a_page_that_is_not_the_list_says_nothing():
    other = HtmlResponse(url="https://oag.ca.gov/privacy/databreach/list-export", body=b"a,b")
    assert CaAgSpider().expected_notices(other) is None
