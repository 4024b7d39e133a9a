"""A listing spread over pages (and over several sites' lists of one thing), reported as ONE scope.

A scope is vouched complete only when every page of it answered and parsed; so the items of all
pages are held until the last page, then the scope reports come first and the items after them,
each item once (the first list that names a key wins). A page that fails ends that listing, and
the scopes are reported incomplete with the reason, and the store then changes nothing in them
(no addition from a list it could not read whole, and above all no removal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.errors import ParseError
from scrapy.http import TextResponse

from crawler.items import ScopeReport, item_kind
from spiders.base import GlocalSpider
from spiders.parsers.listing_page import ListingPage  # noqa: F401 - re-exported for spiders


@dataclass
class Listing:
    """One list to walk: where it starts and the pure function that reads each of its pages."""

    start_url: str
    parse: Callable[[str, str], ListingPage]
    max_pages: int = 50  # a pager that never ends is a layout change, not a list of 5,000 pages


class PagedListingSpider(GlocalSpider):
    """Walks `listings()` one after the other, page by page, then reports `scopes` once."""

    scopes: dict[str, str] = {}  # scope -> entity, every scope this spider vouches for
    scope_kind = "roster"  # "append-only" for news and events: absence never removes, and reading
    # only the newest pages of a long listing is then a complete reading of what it adds

    def listings(self) -> list[Listing]:
        raise NotImplementedError

    async def start(self):
        self._held: list = []
        self._problems: list[str] = []
        self._gaps: list[str] = []
        self._stated: dict[str, int] = {}
        self._first_url: str | None = None
        self._walk = self.listings()
        if self._walk:
            yield self._request(0, self._walk[0].start_url, 1)

    def _request(self, index: int, url: str, page: int) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_page, errback=self.page_error,
                              meta={"listing": index, "listing_page": page}, dont_filter=True)

    def parse_page(self, response) -> Iterator:
        index, page = response.meta["listing"], response.meta["listing_page"]
        listing = self._walk[index]
        self._first_url = self._first_url or response.url
        if not isinstance(response, TextResponse):
            self._problems.append(f"{response.url} is not an HTML page")
            yield from self._next_listing(index)
            return
        try:
            result = listing.parse(response.text, response.url)
        except ParseError as error:
            self.logger.error("%s", error)
            self._problems.append(str(error))
            yield from self._next_listing(index)
            return
        self._held.extend(result.items)
        for gap in result.gaps:
            self.logger.warning("gap: %s", gap)
        self._gaps.extend(result.gaps)
        if result.stated is not None:
            self._stated.setdefault(listing.start_url, result.stated)
        if result.next_url and page < listing.max_pages:
            yield self._request(index, result.next_url, page + 1)
        elif result.next_url and self.scope_kind == "roster":
            self._problems.append(f"{listing.start_url}: stopped after {listing.max_pages} pages, the pager goes on")
            yield from self._next_listing(index)
        else:
            yield from self._next_listing(index)

    def page_error(self, failure) -> Iterator:
        request = failure.request
        reason = f"HTTP {failure.value.response.status}" if failure.check(HttpError) else (
            f"{failure.type.__name__}: {failure.getErrorMessage()}")
        self.logger.warning("page failed: %s (%s)", request.url, reason)
        self._problems.append(f"{request.url}: {reason}")
        self._fetch_failed = True
        yield from self._next_listing(request.meta["listing"])

    def _next_listing(self, index: int) -> Iterator:
        if index + 1 < len(self._walk):
            yield self._request(index + 1, self._walk[index + 1].start_url, 1)
        else:
            yield from self.report()

    def report(self) -> Iterator:
        """Every scope's report, then every item once."""
        unique: dict[tuple[str, str], object] = {}
        for item in self._held:
            unique.setdefault((item_kind(item), item.key), item)
        items = list(unique.values())
        reason = "; ".join(self._problems + self._gaps[:10]) or None
        fetched = not getattr(self, "_fetch_failed", False)
        for scope, entity in self.scopes.items():
            keys = [i.key for i in items if getattr(i, "scope", None) == scope]
            yield ScopeReport(source=self.name, scope=scope, entity=entity, url=self._first_url or
                              self._walk[0].start_url, complete=not self._problems, keys=keys,
                              stated=self.stated_for(scope), reason=reason, fetched=fetched, kind=self.scope_kind)
        yield from items

    def stated_for(self, scope: str) -> int | None:
        return None
