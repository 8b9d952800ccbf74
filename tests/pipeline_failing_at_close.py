"""A pipeline whose close_spider raises: loaded by tests/test_store_run_reason.py into a real
crawl (PYTHONPATH=tests), to see what the run log says about it."""


class FailingAtClose:
    def process_item(self, item):
        return item

    def close_spider(self):
        raise RuntimeError("the feed file could not be renamed")
