"""The item pipeline: a thin adapter from Scrapy to the store (see crawler/session.py)."""

from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.session import CrawlSession


class StorePipeline:
    """Hand every item to the run's CrawlSession; close the run when the spider closes."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.session = CrawlSession.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        # Only the spider_closed signal carries the finish reason the health checks need.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self):
        self.session.open(self.crawler.spider)

    def process_item(self, item):
        if not self.session.handle(item):
            raise DropItem("missing a required field (see the log line above)")
        return item

    def spider_closed(self, spider, reason):
        self.session.close(reason)
