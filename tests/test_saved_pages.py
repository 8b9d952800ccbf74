"""Every spider, on its own saved pages: the items (and follow-up requests) each page gives.

One test for all sources. Each spider in the registry (crawler/sources.py) must have at
least one case in `tests/fixtures/<spider>/cases/*.json`; a spider without one fails here.
A case names a saved page and what the spider's callback must yield from it:

    {
      "page": "detail-carnival.html",        # under tests/fixtures/<spider>/
      "url": "https://www.maine.gov/...",    # the live URL the page was served from
      "callback": "parse_detail",            # default "parse"
      "cb_kwargs": {...},                    # {"__dataclass__": "module:Class", ...} builds one,
                                             # {"__item__": {...}} builds a BreachNotice
      "spider_args": {...},                  # -a arguments, default none
      "items": [...],                        # the items yielded, as JSON
      "requests": [{"url": ..., "callback": ..., "item": {...}}]  # requests yielded
    }

`BREACH_WRITE_CASES=1 pytest tests/test_saved_pages.py` writes what the spider yields now into
each case's "items" and "requests" (check the result by eye before committing it).
"""

import importlib
import json
import os
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.spiderloader import SpiderLoader
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.project import get_project_settings

from crawler import sources
from crawler.items import BreachNotice

FIXTURES = Path(__file__).parent / "fixtures"
WRITE = os.environ.get("BREACH_WRITE_CASES") == "1"


def cases() -> list:
    found = []
    for source in sources.all_sources():
        files = sorted((FIXTURES / source.name / "cases").glob("*.json"))
        found += [pytest.param(source.name, f, id=f"{source.name}/{f.stem}") for f in files]
        if not files:
            found.append(pytest.param(source.name, None, id=f"{source.name}/NO-CASE"))
    return found


def _value(value):
    """A case's cb_kwargs value as the spider expects it."""
    if isinstance(value, dict) and "__dataclass__" in value:
        module, _, name = value["__dataclass__"].partition(":")
        cls = getattr(importlib.import_module(module), name)
        return cls(**{k: v for k, v in value.items() if k != "__dataclass__"})
    if isinstance(value, dict) and "__item__" in value:
        return BreachNotice(**value["__item__"])
    return value


def _json(value):
    return json.loads(json.dumps(dict(value) if isinstance(value, BreachNotice) else value))


def run_case(name: str, case: dict, tmp_path: Path) -> tuple[list, list]:
    settings = get_project_settings()
    spider_cls = SpiderLoader.from_settings(settings).load(name)
    crawler = Crawler(spider_cls, settings)
    crawler.stats = MemoryStatsCollector(crawler)
    # No database: the spider sees nothing stored, as on a first crawl.
    args = {"db_path": str(tmp_path / "none.db"), **case.get("spider_args", {})}
    spider = spider_cls.from_crawler(crawler, **args)
    crawler.spider = spider
    body = (FIXTURES / name / case["page"]).read_bytes()
    cb_kwargs = {k: _value(v) for k, v in case.get("cb_kwargs", {}).items()}
    request = Request(case["url"], cb_kwargs=cb_kwargs)
    kind = {".html": HtmlResponse, ".shtml": HtmlResponse, ".xlsx": Response}.get(
        Path(case["page"]).suffix, TextResponse
    )
    extra = {} if kind is Response else {"encoding": case.get("encoding", "utf-8")}
    response = kind(case["url"], body=body, request=request, **extra)
    output = getattr(spider, case.get("callback", "parse"))(response, **cb_kwargs) or []
    items, requests = [], []
    for result in output:
        if isinstance(result, Request):
            entry = {"url": result.url, "callback": getattr(result.callback, "__name__", None)}
            if isinstance(result.cb_kwargs.get("item"), BreachNotice):
                entry["item"] = _json(result.cb_kwargs["item"])
            requests.append(entry)
        else:
            items.append(_json(result))
    return items, requests


@pytest.mark.parametrize(("name", "case_file"), cases())
def test_saved_page_gives_the_expected_items(name, case_file, tmp_path):
    assert case_file is not None, (
        f"{name} has no saved-page case: add tests/fixtures/{name}/cases/<case>.json "
        "(docs/ARCHITECTURE.md, 'How to add a source')"
    )
    case = json.loads(case_file.read_text(encoding="utf-8"))
    items, requests = run_case(name, case, tmp_path)
    if WRITE:
        case.update(items=items, requests=requests)
        case_file.write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert items or requests, "a case must yield something: pick a page with notices on it"
    assert items == case["items"]
    assert requests == case.get("requests", [])
    for item in items:
        assert item["source"] == name
        assert item["source_kind"] == sources.kind_of(name)
