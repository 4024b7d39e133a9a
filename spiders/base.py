"""What every glocal spider shares: a parser wrapper that turns a broken page into a scope report."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import scrapy
from scrapy.http import HtmlResponse, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.errors import ParseError
from crawler.expectations import Expectations
from crawler.limits import MAX_PAGE_CHARS, MAX_PAGE_DEPTH, check_page
from crawler.items import ScopeReport


class GlocalSpider(scrapy.Spider):
    """Base spider: crawling only; extraction lives in spiders/parsers/<name>.py.

    Subclasses declare `expectations` (from their parser module) and `schedule` (cron, read by
    the scheduler), and call `self.parse_with(...)` so that a page which fails to download or
    parse still reports its scope, as incomplete, with the reason in words.
    """

    expectations: Expectations = Expectations()
    schedule: str | None = None

    def page_request(self, url: str, callback, *, scope: str, entity: str) -> scrapy.Request:
        """A request whose failure is reported against `scope` (see page_failed)."""
        return scrapy.Request(url, callback=callback, errback=self.page_failed,
                              meta={"glocal_scope": scope, "glocal_entity": entity})

    def parse_with(self, response, parser: Callable[[str, str], Iterator], *, scope: str,
                   entity: str) -> Iterator:
        if not is_html(response):
            yield self._failed(scope, entity, response.url,
                               f"not an HTML page (Content-Type {_content_type(response) or 'missing'})")
            return
        try:
            settings = getattr(self, "settings", None)  # none on a spider made outside a crawl (tests)
            check_page(response.text, response.url,
                       max_chars=settings.getint("CRAWL_MAX_PAGE_CHARS", MAX_PAGE_CHARS) if settings else MAX_PAGE_CHARS,
                       max_depth=settings.getint("CRAWL_MAX_PAGE_DEPTH", MAX_PAGE_DEPTH) if settings else MAX_PAGE_DEPTH)
            yield from parser(response.text, response.url)
        except ParseError as error:
            self.logger.error("%s", error)
            yield ScopeReport(source=self.name, scope=scope, entity=entity, url=response.url, complete=False,
                              reason=str(error), landmarks_missing=list(error.landmarks), rejected=True)

    def page_failed(self, failure) -> Iterator:
        """Errback: the page never arrived (HTTP error after retries, timeout, DNS...)."""
        request = failure.request
        meta = request.meta
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.logger.warning("page failed: %s (%s)", request.url, reason)
        if "glocal_scope" in meta:
            yield self._failed(meta["glocal_scope"], meta["glocal_entity"], request.url, reason)

    def _failed(self, scope: str, entity: str, url: str, reason: str) -> ScopeReport:
        return ScopeReport(source=self.name, scope=scope, entity=entity, url=url, complete=False,
                           reason=reason, fetched=False)


def is_html(response) -> bool:
    """Whether Scrapy or the server says this response is an HTML page."""
    return isinstance(response, HtmlResponse) or (
        isinstance(response, TextResponse) and "html" in _content_type(response))


def _content_type(response) -> str:
    return response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
