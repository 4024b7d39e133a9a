"""What a parser reads from one page of a paged listing, and the pager and link helpers such
parsers share (pure data and functions: parsers may import it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from kit.items import Link


@dataclass
class ListingPage:
    """What a parser read from one page of a listing: its items and the next page, if any."""

    items: list = field(default_factory=list)
    next_url: str | None = None
    stated: int | None = None  # a count the page states for the whole listing
    gaps: list[str] = field(default_factory=list)  # what an entry lacked (no year ...), in words


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
