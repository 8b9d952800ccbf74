"""The storage core: the SQLite database and the notice write path, without Scrapy."""
