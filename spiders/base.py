"""What every glocal spider shares: requests from declared start URLs, dispatch to the parser by
URL (the parser module's ROUTES), failures reported against the page's scope, links followed,
listings paged with an incremental stop, and scopes gathered over pages that are not one chain
(`Batch`, `GlocalSpider.walk`). A spider only names its parser and start URLs:

    class C40AcceleratorsSpider(GlocalSpider):
        name = "c40_accelerators"
        parser = c40_accelerators  # spiders/parsers/c40_accelerators.py
        start_urls = [c40_accelerators.HUB_URL]
        allowed_domains = ["www.c40.org", "c40.org"]
        schedule = "20 6 * * *"
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType

import scrapy
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.project import get_project_settings

from kit.errors import ParseError
from kit.expectations import Expectations
from kit.items import APPEND_ONLY, ROSTER, Link, Scope, ScopeReport, item_kind
from kit.page_limits import check_page
from kit.routing import NoRoute, Route
from spiders.parsers.listing_page import ListingPage, PagedList
from spiders.parsers.stand_in import needs_stand_in, stand_in


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
        # A roster whose list landmark is undeclared could go unread in silence: refuse the spider.
        cls.parser.ROUTES.check_rosters(getattr(cls.parser, "EXPECTATIONS", None) or Expectations())
        for route in cls.parser.ROUTES:
            if route.contract():
                setattr(cls, f"check_{route.parse.__name__}", _contract_callback(route))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Scope reports made while no store session listens (unit tests, scrapy check), in order.
        self.reports: list[ScopeReport] = []

    def settings_with(self, name: str):
        """The crawl's settings (Scrapy's, holding the project's defaults) when they hold `name`; for
        a spider made outside a crawl, or given bare settings (unit tests), the project's settings
        module as Scrapy reads it: the default is never written here."""
        settings = getattr(self, "settings", None)
        return settings if settings is not None and name in settings else _project_settings()

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
        except ParseError as error:  # a page over the limits is read by nobody, the generic reader included
            self.logger.error("%s", error)
            return route.scope.report(self.name, response.url, complete=False, reason=str(error),
                                      landmarks_missing=list(error.landmarks), rejected=True)
        try:
            output = list(route.parse(response.text, response.url))
        except ParseError as error:
            self.logger.error("%s", error)
            output = route.scope.report(self.name, response.url, complete=False, reason=str(error),
                                        landmarks_missing=list(error.landmarks), rejected=True)
        return self.stand_in(response, route, output)

    def stand_in(self, response, route: Route, output: list | ScopeReport) -> list | ScopeReport:
        """When the parser lost a roster of the page (its landmarks missing, or a list the page held
        last time not reported at all), the generic roster reader reads the page instead
        (spiders/parsers/stand_in.py); a parser opts in with `roster_item`."""
        known = self.rosters_read_on(response.url) if callable(getattr(self.parser, "roster_item", None)) else []
        if needs_stand_in(route, self.parser, output, response.url, known) is None:
            return output
        result = stand_in(route, self.parser, output, response.text, response.url, source=self.name, known=known)
        report = next((r for r in result if isinstance(r, ScopeReport) and r.stand_in), None)
        if report is not None:
            self.logger.warning("%s", report.reason)
        return result[0] if len(result) == 1 and isinstance(result[0], ScopeReport) else result

    def rosters_read_on(self, url: str) -> list[tuple[str, str]]:
        """(scope, entity) of each roster the store last read whole on `url`, asked through the
        crawl's session (read-only); none without a store."""
        session = self._session()
        return session.rosters_read_on(url) if session is not None else []

    def check_limits(self, text: str, url: str, route: Route) -> None:
        """Reject a page over CRAWL_MAX_PAGE_CHARS, or markup nested deeper than CRAWL_MAX_PAGE_DEPTH
        (kit/page_limits.py), before any parser walks it."""
        max_depth = self.settings_with("CRAWL_MAX_PAGE_DEPTH").getint("CRAWL_MAX_PAGE_DEPTH")
        check_page(text, url, max_chars=self.settings_with("CRAWL_MAX_PAGE_CHARS").getint("CRAWL_MAX_PAGE_CHARS"),
                   max_depth=max_depth if route.format in ("html", "xml") else None)

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
        if self.settings_with("CRAWL_FULL").getbool("CRAWL_FULL"):
            return None  # `glocal crawl --full`: walk every page
        keys = [item.key for item in items if isinstance(item, route.scope.item)]
        if not keys:  # a listing that only links to its items (no dates to read there): its report names them
            keys = next((list(item.keys) for item in items if isinstance(item, ScopeReport)
                         and item.scope == route.scope.name_for(url)), [])
        limit = self.stop_after_known or self.settings_with("CRAWL_STOP_AFTER_KNOWN").getint("CRAWL_STOP_AFTER_KNOWN")
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

    def known(self, entity: str, keys: list[str], **where) -> set[str]:
        """Which keys the store already holds, asked through the crawl's session (read-only);
        `where` narrows it (`scope=`, `urls=`: see CrawlSession.known). None without a store."""
        session = self._session()
        return session.known(entity, keys, **where) if session is not None and keys else set()

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

    # --- a scope gathered from pages that are not one chain of "next" pages (see `Batch`) ----------

    def batch_request(self, url: str, callback, batch: "Batch", *, leaf: bool = False, errback=None,
                      **kwargs) -> list[scrapy.Request]:
        """The request of a page of `batch`, once per URL (as a list: empty when already asked).

        The batch counts the pages it waits for, so Scrapy's duplicate filter must not drop one
        silently; the batch itself makes sure no page is asked twice. A `leaf` page holds one
        item (a post, an event, an instrument): when it fails, the scope's other items still
        stand and the scope is partial (the reason recorded); a listing page that fails leaves
        the scope incomplete, as nobody knows what it listed. `callback(response, batch, **kwargs)`
        reads the page and ends with `yield from batch.arrived()`.
        """
        if url in batch.requested:
            return []
        batch.requested.add(url)
        batch.expect()
        return [scrapy.Request(url, callback=callback, errback=errback or self.batch_page_failed, dont_filter=True,
                               cb_kwargs={"batch": batch, **kwargs}, meta={"batch_leaf": leaf})]

    def read_with(self, response, batch: "Batch", read):
        """`read(text, url)`, or None with the batch told why (not the route's format, or a missing landmark)."""
        route = self.route(response.url)
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        html = route.format == "html" and isinstance(response, HtmlResponse)
        if not isinstance(response, TextResponse) or not (html or route.accepts(content_type)):
            batch.fail(f"{response.url} is not {route.format.upper()} (Content-Type {content_type or 'missing'})",
                       fetched=False)
            return None
        try:
            result = read(response.text, response.url)
        except ParseError as error:
            self.logger.error("%s", error)
            batch.fail(str(error), landmarks=error.landmarks)
            return None
        if isinstance(result, list):  # a page's items and reports: a lost roster may be stood in for
            standing = self.stand_in(response, route, result)
            return standing if isinstance(standing, list) else [standing]
        return result

    def batch_page_failed(self, failure) -> Iterator:
        """Errback: a page of the batch never arrived; its scope is reported incomplete (partial for a leaf)."""
        batch = failure.request.cb_kwargs["batch"]
        reason = failure_reason(failure)
        self.logger.warning("page failed: %s (%s)", failure.request.url, reason)
        if failure.request.meta.get("batch_leaf"):
            batch.partial.append(f"{failure.request.url}: {reason}")
        else:
            batch.fail(f"{failure.request.url}: {reason}", fetched=False)
        yield from batch.arrived()

    # --- several paged listings read as one list (a `Batch` of one or more scopes) -----------------

    def walk(self, batch: "Batch", listings: list["Listing"]) -> list[scrapy.Request]:
        """Read `listings` one after the other, page by page, into `batch`: its scopes are reported
        once the last page of the last listing is read. A page that fails (or that the parser
        refuses) ends its listing and leaves the scopes incomplete; the next listing is still read."""
        return self._walk_request(batch, listings, 0, listings[0].start_url, 1) if listings else []

    def _walk_request(self, batch: "Batch", listings: list["Listing"], index: int, url: str,
                      page: int) -> list[scrapy.Request]:
        return self.batch_request(url, self._walk_page, batch, errback=self._walk_page_failed,
                                  listings=listings, index=index, page=page)

    def _walk_page(self, response, batch: "Batch", listings: list["Listing"], index: int, page: int) -> Iterator:
        listing = listings[index]
        batch.shown_at = batch.shown_at or response.url  # the reports name the first page that answered
        result = None
        if not isinstance(response, TextResponse):
            batch.fail(f"{response.url} is not an HTML page")
        else:
            try:
                result = listing.parse(response.text, response.url)
            except ParseError as error:
                # The listing ends here; the lists are incomplete, but not refused as a whole: the
                # pages read before still stand (an append-only list keeps them, a roster removes nothing).
                self.logger.error("%s", error)
                batch.fail(str(error))
        if result is None:
            yield from self._walk_on(batch, listings, index)
        else:
            batch.add(result.items)
            for gap in result.gaps:
                self.logger.warning("gap: %s", gap)
            batch.gaps.extend(result.gaps)
            # A pager pointing back at a page already read ends the listing.
            following = result.next_url if result.next_url not in batch.requested else None
            if following and page < listing.max_pages:
                yield from self._walk_request(batch, listings, index, following, page + 1)
            else:
                if following and any(scope.kind == ROSTER for scope in batch.scopes):
                    batch.fail(f"{listing.start_url}: stopped after {listing.max_pages} pages, the pager goes on")
                # An append-only list read up to its page cap is complete: only the newest pages
                # can add anything, and absence never removes.
                yield from self._walk_on(batch, listings, index)
        yield from batch.arrived()

    def _walk_page_failed(self, failure) -> Iterator:
        request = failure.request
        batch = request.cb_kwargs["batch"]
        reason = failure_reason(failure)
        self.logger.warning("page failed: %s (%s)", request.url, reason)
        batch.fail(f"{request.url}: {reason}", fetched=False)
        yield from self._walk_on(batch, request.cb_kwargs["listings"], request.cb_kwargs["index"])
        yield from batch.arrived()

    def _walk_on(self, batch: "Batch", listings: list["Listing"], index: int) -> list[scrapy.Request]:
        """The next listing's first page, once a listing has ended (one already asked for is done)."""
        for following in range(index + 1, len(listings)):
            request = self._walk_request(batch, listings, following, listings[following].start_url, 1)
            if request:
                return request
        return []

    def failed_report(self, route: Route, url: str, reason: str) -> ScopeReport:
        return route.scope.report(self.name, url, complete=False, reason=reason, fetched=False)


class PagedListSpider(GlocalSpider):
    """The spider of one paged list (its parser's `LISTING`, a `PagedList`), read newest first: each
    run walks the first N pages, N the setting `pages_setting` names, into one report of its scope
    (a page that fails ends the walk and leaves the list incomplete):

        class UnhabitatNewsSpider(PagedListSpider):
            name = "unhabitat_news"
            parser = unhabitat_news  # LISTING = PagedList(START_URL, NEWS, parse_page)
            start_urls = [unhabitat_news.START_URL]
            allowed_domains = ["unhabitat.org"]
            schedule = "30 6 * * *"
            pages_setting = "UNHABITAT_NEWS_PAGES"
    """

    pages_setting: str | None = None  # a setting of crawler/settings.py: how many pages a run reads

    async def start(self):
        listing: PagedList = self.parser.LISTING
        pages = self.settings_with(self.pages_setting).getint(self.pages_setting)
        for request in self.walk(Batch(self.name, listing.scope, listing.start_url),
                                 [Listing(listing.start_url, listing.parse_page, max_pages=pages)]):
            yield request


@dataclass
class Listing:
    """One paged list to walk (`GlocalSpider.walk`): where it starts and the pure function that
    reads each of its pages (spiders/parsers/listing_page.py)."""

    start_url: str
    parse: Callable[[str, str], ListingPage]
    max_pages: int = 50  # a pager that never ends is a layout change, not a list of 5,000 pages


class Batch:
    """One or more scopes gathered over several responses, reported once the last one is read.

    The kit's `more` chain (`Link(url, rel="next")`) joins the reports of a listing's pages when
    each page follows the one before. Some lists are not one chain: the posts a listing links,
    further pages of an API answer, fallback pages read when an API fails, or two sites' lists of
    one thing. A Batch counts the pages it waits for (`GlocalSpider.batch_request`) and holds the
    items; after the last page has arrived or failed it yields each scope's report, then each item
    once (the first page to show a key wins, unless a later one is `prefer`red), then `after` (items
    of other scopes that refer to these). So the report always names every key, and a scope is
    complete only when every page of it was read:
      - `fail`: a page that did not arrive or could not be read: the scopes are incomplete
        (refused by the parser: `landmarks`, possibly empty);
      - `partial`: why the walk stopped early (an incremental stop, a cap, a post that failed):
        incomplete, which an append-only scope accepts;
      - `notes` and `gaps` (what an entry lacked; the first 10): reasons in words that change nothing.
    With one scope every item is in it; with several, an item is in the one its `scope` names.
    """

    def __init__(self, source: str, scope: Scope | tuple[Scope, ...], url: str):
        self.source, self.url = source, url
        self.scopes: tuple[Scope, ...] = scope if isinstance(scope, tuple) else (scope,)
        self.items: dict[tuple[str, str], object] = {}  # (kind, key) -> item; the first page to show a key wins
        self.after: list = []  # items of other scopes, yielded after this batch's (they may refer to them)
        self.pending = 0
        self.requested: set[str] = set()
        self.failures: list[str] = []  # pages that never arrived or could not be read
        self.fetch_failed = False
        self.rejected: list[str] = []  # landmarks missing on pages the parser refused
        self.partial: list[str] = []  # why the walk stopped before the end (an incremental stop, a cap)
        self.notes: list[str] = []  # worth a line in scope_runs.reason, changes nothing
        self.gaps: list[str] = []  # what entries lacked, in words (the first 10 reach the reason)
        self.shown_at: str | None = None  # the page the reports name, when not `url` (see GlocalSpider.walk)
        self.done = False

    @property
    def scope(self) -> Scope:
        return self.scopes[0]

    def expect(self, requests: int = 1) -> None:
        self.pending += requests

    def add(self, items, *, prefer: bool = False) -> None:
        for item in items:
            key = (item_kind(item), item.key)
            if prefer or key not in self.items:
                self.items[key] = item

    def fail(self, reason: str, *, fetched: bool = True, landmarks: tuple[str, ...] | None = None) -> None:
        """A page of the batch failed; `landmarks` (possibly empty) when the parser refused it."""
        self.failures.append(reason)
        self.fetch_failed = self.fetch_failed or not fetched
        if landmarks is not None:
            self.rejected.extend(landmarks or ("page",))

    def keys_of(self, scope: Scope) -> list[str]:
        if len(self.scopes) == 1:
            return [key for _, key in self.items]
        name = scope.name_for(self.url)
        return [item.key for item in self.items.values() if getattr(item, "scope", None) == name]

    def arrived(self) -> Iterator:
        """One expected response has been handled; after the last one, the reports and the items."""
        self.pending -= 1
        if self.pending <= 0 and not self.done:
            self.done = True
            reasons = self.failures + self.partial + self.notes + self.gaps[:10]
            for scope in self.scopes:
                yield scope.report(self.source, self.shown_at or self.url, complete=not (self.failures or self.partial),
                                   keys=self.keys_of(scope), reason="; ".join(reasons) or None,
                                   fetched=not self.fetch_failed, rejected=bool(self.rejected),
                                   landmarks_missing=list(dict.fromkeys(self.rejected)))
            yield from self.items.values()
            yield from self.after


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


@functools.cache
def _project_settings():
    """The project's settings as Scrapy finds them (scrapy.cfg, SCRAPY_SETTINGS_MODULE), read once."""
    return get_project_settings()
