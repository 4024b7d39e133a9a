"""Scopes a spider asked for: every one must end the run observed or named as not observed.

A request the spider makes for a scope (meta "glocal_scope") announces that the run expects to
report on that scope. Some requests end without a response and without an errback: a redirect to
another host is dropped by the offsite filter, a duplicate is filtered, the crawl stops first. This
spider middleware notes every such request as it leaves the spider (before any filter), and the
session names each expected scope that never reported in the run's health, as not observed.
"""

from __future__ import annotations

from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from crawler.session import CrawlSession


class ExpectedScopesMiddleware(BaseSpiderMiddleware):
    def get_processed_request(self, request, response):
        scope = request.meta.get("glocal_scope")
        if scope:
            CrawlSession.of(self.crawler).expect(scope, request.meta.get("glocal_entity"), request.url)
        return request
