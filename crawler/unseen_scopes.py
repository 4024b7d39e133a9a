"""Scopes a spider asked for: every one must end the run observed or named as not observed.

A request the spider makes (for a URL its routes read, so for a scope) announces that the run expects to
report on that scope. Some requests end without a response and without an errback: a redirect to
another host is dropped by the offsite filter, a duplicate is filtered, the crawl stops first. This
spider middleware notes every such request as it leaves the spider (before any filter), and the
session names each expected scope that never reported in the run's health, as not observed.
"""

from __future__ import annotations


from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from kit.routing import NoRoute
from crawler.session import CrawlSession


class ExpectedScopesMiddleware(BaseSpiderMiddleware):
    def get_processed_request(self, request, response):
        session = CrawlSession.of(self.crawler)
        route = getattr(self.crawler.spider, "route", None)
        if session is None or route is None:
            # No session under `scrapy check` or with STORE_ENABLED = False: no run to report to.
            return request
        try:
            scope = route(request.url).scope
        except NoRoute:
            return request  # the spider logs a link no route reads; nothing is expected of it
        session = CrawlSession.of(self.crawler)
        if session is not None:  # no store session (scrapy check, STORE_ENABLED = False): nothing to note
            session.expect(scope, request.url, request.meta.get("glocal_scope"))
        return request
