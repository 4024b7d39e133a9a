"""The item pipeline: a thin adapter from Scrapy to the store (see crawler/session.py)."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.session import CrawlSession


class StorePipeline:
    """Hand every item to the run's CrawlSession (the extension owns opening and closing it)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        session = CrawlSession.of(self.crawler)
        if session is not None and not session.handle(item):
            raise DropItem("missing a required field (see the log line above)")
        return item
