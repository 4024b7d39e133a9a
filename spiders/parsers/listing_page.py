"""What a parser reads from one page of a paged listing, the paged list itself (`PagedList`), and
the pager and link helpers such parsers share (pure data and functions: parsers may import it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

from kit.items import Link, Scope
from kit.routing import Route


@dataclass
class ListingPage:
    """What a parser read from one page of a listing: its items and the next page, if any."""

    items: list = field(default_factory=list)
    next_url: str | None = None
    stated: int | None = None  # a count the page states for the whole listing
    gaps: list[str] = field(default_factory=list)  # what an entry lacked (no year ...), in words


@dataclass(frozen=True)
class PagedList:
    """One list a site shows over numbered pages, newest first (`?page=N`), and how to read a page
    of it: `parse_page(text, url)` returns a ListingPage (the page's items and its pager's next URL).

    The parser declares it once (`LISTING = PagedList(START_URL, NEWS, parse_page)`) and routes
    its pages with `LISTING.route(pattern, returns=...)`; the spider (`spiders.base.PagedListSpider`)
    walks it from `start_url`, page after page, into one report of `scope`.
    """

    start_url: str
    scope: Scope
    parse_page: Callable[[str, str], ListingPage]

    def parse_items(self, text: str, url: str) -> Iterator:
        """A page's items alone (`glocal parse`, the route's contract): the walk reads pages with parse_page."""
        yield from self.parse_page(text, url).items

    def route(self, pattern: str, *, returns: str, example: str | None = None) -> Route:
        """The route of the list's pages, its example page the start URL unless given."""
        return Route(pattern, self.parse_items, self.scope, example=example or self.start_url, returns=returns)


def next_link(soup, url: str) -> str | None:
    """The page's pager link to the next page (Drupal 8's `li.pager__item--next`, or `rel="next"`), absolute."""
    link = soup.select_one("li.pager__item--next a[href], a[rel~=next][href]")
    return urljoin(url, link["href"]) if link else None


def linked_pages(scope, source: str, url: str, urls: list[str], key, *, landmark: str, missing: str):
    """A listing that links one page per item: its scope's report naming each page's key (`key(url)`),
    then a Link to each page; an empty listing reports its `landmark` missing, with `missing` in words."""
    if not urls:
        yield scope.report(source, url, complete=False, landmarks_missing=[landmark],
                           reason=f"{missing} in the main content of {url}")
        return
    yield scope.report(source, url, complete=True, keys=[key(u) for u in urls])
    for page in urls:
        yield Link(page)
