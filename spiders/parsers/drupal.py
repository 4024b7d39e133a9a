"""Drupal listings: pagers with ?page=N (0 is the first page). Pure helpers for parsers."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup

from kit.items import Link

# Drupal 8+ themes mark the pager's "next" item; Drupal 7 uses pager-next; both may carry rel="next".
_NEXT = ('a[rel="next"]', "li.pager__item--next a[href]", "li.pager-next a[href]")


def page_url(url: str, page: int) -> str:
    """`url` showing pager page `page` (0-based, as Drupal counts); page 0 drops the parameter."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    if page:
        query.append(("page", str(page)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def page_number(url: str) -> int:
    """Which pager page a URL shows (0 without ?page=)."""
    value = dict(parse_qsl(urlsplit(url).query)).get("page", "0")
    return int(value) if value.isdigit() else 0


def next_page(soup: BeautifulSoup, url: str) -> Link | None:
    """The pager's link to the following page, as a `rel="next"` Link, or None on the last page.

    Only a link to a later ?page= of the same path counts, so a pager that loops back (or a
    "next article" link) can never make a listing endless.
    """
    for selector in _NEXT:
        anchor = soup.select_one(selector)
        if anchor is None or not anchor.get("href"):
            continue
        target = urljoin(url, anchor["href"])
        if urlsplit(target).path == urlsplit(url).path and page_number(target) > page_number(url):
            return Link(page_url(url, page_number(target)), rel="next")
    return None
