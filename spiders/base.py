"""What every glocal spider shares: requests from declared start URLs, dispatch to the parser by
URL (the parser module's ROUTES), failures reported against the page's scope, links followed,
listings paged with an incremental stop. A spider only names its parser and start URLs:

    class C40AcceleratorsSpider(GlocalSpider):
        name = "c40_accelerators"
        parser = c40_accelerators  # spiders/parsers/c40_accelerators.py
        start_urls = [c40_accelerators.HUB_URL]
        allowed_domains = ["www.c40.org", "c40.org"]
        schedule = "20 6 * * *"
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import ModuleType

import scrapy
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawler import settings as defaults
from crawler.errors import ParseError
from crawler.expectations import Expectations
from crawler.items import APPEND_ONLY, Link, ScopeReport
from crawler.limits import MAX_PAGE_CHARS, MAX_PAGE_DEPTH, check_page
from crawler.routing import NoRoute, Route


class GlocalSpider(scrapy.Spider):
    """Base spider: crawling only; extraction lives in spiders/parsers/<name>.py.

    Subclasses set `parser` (the parser module, which declares SOURCE, EXPECTATIONS and ROUTES),
    `start_urls`, `allowed_domains` and `schedule` (cron, read by the scheduler). Every page a
    request fetches is read by the route its URL matches; a page that fails to download, is not
    the format its route reads, or fails to parse still reports its scope, as incomplete, with
    the reason in words.
    """

    parser: ModuleType | None = None
    schedule: str | None = None
    stop_after_known: int | None = None  # None: the CRAWL_STOP_AFTER_KNOWN setting

    def __init_subclass__(cls, **kwargs):
        """One contract-carrying callback per route (`check_<parse function>`), for `scrapy check`."""
        super().__init_subclass__(**kwargs)
        if cls.parser is None:
            return
        for route in cls.parser.ROUTES:
            if route.contract():
                setattr(cls, f"check_{route.parse.__name__}", _contract_callback(route))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Scope reports made while no store session listens (unit tests, scrapy check), in order.
        self.reports: list[ScopeReport] = []

    @property
    def expectations(self) -> Expectations:
        return self.parser.EXPECTATIONS if self.parser is not None else Expectations()

    async def start(self):
        for url in self.start_urls:
            yield self.request(url)

    def request(self, url: str, **kwargs) -> scrapy.Request:
        """A request for `url`, read by its route's parser; its failure is reported against the route's scope."""
        self.route(url)  # an URL no route reads is a mistake in the spider or parser: fail here, loudly
        kwargs.setdefault("callback", self.parse)
        kwargs.setdefault("errback", self.page_failed)
        return scrapy.Request(url, **kwargs)

    def route(self, url: str) -> Route:
        return self.parser.ROUTES.match(url)

    def parse(self, response) -> Iterator:
        """Read a page with the parser its URL routes to, then follow the links it yields."""
        route = self.route(_requested_url(response))
        output = self.read(response, route)
        if isinstance(output, ScopeReport):
            self.report(output)  # the page could not be read: its scope is reported incomplete
            return
        yield from self.follow(self.more_links(response, output), route, response.url)

    def read(self, response, route: Route) -> list | ScopeReport:
        """The parser's output for a page, or the report of why the page could not be read."""
        content_type = _content_type(response)
        if not _readable(response, route, content_type):
            return self.failed_report(route, response.url, f"not {_article(route.format)} page "
                                      f"(Content-Type {content_type or 'missing'})")
        try:
            self.check_limits(response.text, response.url, route)
            return list(route.parse(response.text, response.url))
        except ParseError as error:
            self.logger.error("%s", error)
            return route.scope.report(self.name, response.url, complete=False, reason=str(error),
                                      landmarks_missing=list(error.landmarks), rejected=True)

    def check_limits(self, text: str, url: str, route: Route) -> None:
        """Reject a page over CRAWL_MAX_PAGE_CHARS, or markup nested deeper than CRAWL_MAX_PAGE_DEPTH
        (crawler/limits.py), before any parser walks it."""
        settings = getattr(self, "settings", None)  # none on a spider made outside a crawl (tests)
        max_chars = settings.getint("CRAWL_MAX_PAGE_CHARS", MAX_PAGE_CHARS) if settings else MAX_PAGE_CHARS
        max_depth = settings.getint("CRAWL_MAX_PAGE_DEPTH", MAX_PAGE_DEPTH) if settings else MAX_PAGE_DEPTH
        check_page(text, url, max_chars=max_chars, max_depth=max_depth if route.format in ("html", "xml") else None)

    def more_links(self, response, output: list) -> list:
        """Hook for platforms that announce further pages outside the page text (HTTP headers)."""
        return output

    def follow(self, output: list, route: Route, url: str) -> Iterator:
        """Yield a page's reports and items, then a request for each link it gave.

        A `rel="next"` link continues the page's own listing: its report is marked `more` so the
        store judges the listing once its last page is read. An append-only listing stops paging
        once `stop_after_known` of a page's items are already in the store.
        """
        links = [item for item in output if isinstance(item, Link)]
        items = [item for item in output if not isinstance(item, Link)]
        pages = [link for link in links if link.rel == "next"]
        report = next((item for item in items if isinstance(item, ScopeReport)
                       and item.scope == route.scope.name_for(url)), None)
        if pages and report is not None and route.scope.kind == APPEND_ONLY:
            stop = self.incremental_stop(items, route, url)
            if stop:
                pages, links = [], [link for link in links if link.rel != "next"]
                report.complete, report.reason = False, stop
        if pages and report is not None:
            report.more = True
        for item in items:
            if isinstance(item, ScopeReport):
                self.report(item)
            else:
                yield item
        for link in links:
            try:
                yield self.request(link.url)
            except NoRoute as error:
                self.logger.error("%s (a link on %s)", error, url)

    def incremental_stop(self, items: Iterable, route: Route, url: str) -> str | None:
        """Why paging stops after this page (enough of its items are known already), or None."""
        if self.settings.getbool("CRAWL_FULL"):
            return None  # `glocal crawl --full`: walk every page
        keys = [item.key for item in items if isinstance(item, route.scope.item)]
        if not keys:  # a listing that only links to its items (no dates to read there): its report names them
            keys = next((list(item.keys) for item in items if isinstance(item, ScopeReport)
                         and item.scope == route.scope.name_for(url)), [])
        limit = self.stop_after_known or self.settings.getint("CRAWL_STOP_AFTER_KNOWN", defaults.CRAWL_STOP_AFTER_KNOWN)
        known = self.known(route.scope.entity, keys)
        if len(known) >= min(limit, len(keys) or 1):
            return f"stopped paging at {url}: {len(known)} of its {len(keys)} items were already known"
        return None

    def report(self, report: ScopeReport) -> None:
        """Hand a scope report to the crawl's store session, before any item of its scope.

        Reports are not items: they never reach Scrapy's item count, the pipeline or a feed
        (`-O out.jsonl`), and contracts count only the facts a page gave.
        """
        session = self._session()
        if session is None:
            self.reports.append(report)
        else:
            session.handle(report)

    def known(self, entity: str, keys: list[str]) -> set[str]:
        """Which keys the store already holds, asked through the crawl's session (read-only)."""
        session = self._session()
        return session.known(entity, keys) if session is not None and keys else set()

    def _session(self):
        crawler = getattr(self, "crawler", None)
        return getattr(crawler, "glocal_session", None)

    def page_failed(self, failure) -> Iterator:
        """Errback: the page never arrived (HTTP error after retries, timeout, DNS...)."""
        request = failure.request
        reason = failure_reason(failure)
        self.logger.warning("page failed: %s (%s)", request.url, reason)
        self.report(self.failed_report(self.route(request.url), request.url, reason))
        yield from ()

    def failed_report(self, route: Route, url: str, reason: str) -> ScopeReport:
        return route.scope.report(self.name, url, complete=False, reason=reason, fetched=False)


def _contract_callback(route: Route):
    def check(self, response):
        return self.parse(response)

    check.__name__ = f"check_{route.parse.__name__}"
    check.__doc__ = f"Read {route.example} with {route.parse.__name__}.\n\n{route.contract()}\n"
    return check


def failure_reason(failure) -> str:
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"


def _requested_url(response) -> str:
    """The URL the spider asked for (a redirect may have moved the response elsewhere)."""
    redirects = response.meta.get("redirect_urls") if response.request is not None else None
    return redirects[0] if redirects else response.url


def _readable(response, route: Route, content_type: str) -> bool:
    """Whether the response is what the route's parser reads (Scrapy's own type counts for HTML and XML)."""
    if not isinstance(response, TextResponse):
        return False
    if route.format == "html" and isinstance(response, HtmlResponse):
        return True
    if route.format == "xml" and isinstance(response, XmlResponse):
        return True
    return route.accepts(content_type)


def _article(page_format: str) -> str:
    return {"html": "an HTML", "json": "a JSON", "xml": "an XML", "text": "a text"}[page_format]


def _content_type(response) -> str:
    return response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
