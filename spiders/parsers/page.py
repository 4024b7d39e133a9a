"""The one way parsers turn markup into a tree (no parser calls BeautifulSoup itself; a test reads
their source): `soup_of` for a page, a quick look that the text is markup at all (else a
ParseError naming the parser's landmark), then the tree; `fragment_of` for markup that is not a
page (an API's or a feed's rendered HTML field). Both use BeautifulSoup with the lxml builder
(STYLE.md: one builder everywhere, so broken markup gives the same tree in tests and in crawls).
Build a page's tree once and hand it to every reader of that page: a second BeautifulSoup of the
same text costs as much as the first (it is most of a parser's time)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from kit.errors import ParseError

HTML_TAGS = ("html", "body", "main", "div", "p")
MARKUP_TAGS = ("html", "body", "main", "div")  # the parsers that never accepted a bare <p> fragment


@lru_cache(maxsize=None)
def _opening(tags: tuple[str, ...]) -> re.Pattern:
    return re.compile(rf"<({'|'.join(tags)})\b", re.I)


def links_in(element, base_url: str):
    """Each link (`<a href>`) below `element`, as (absolute URL, its urlsplit parts, the link)."""
    for link in element.find_all("a", href=True):
        target = urljoin(base_url, link["href"].strip())
        yield target, urlsplit(target), link


def soup_of(html, url: str, *, source: str, landmark: str, tags: tuple[str, ...] = HTML_TAGS):
    """The page's BeautifulSoup tree; ParseError(`landmark`) when its first 5,000 characters open none of `tags`."""
    if not isinstance(html, str) or not _opening(tags).search(html[:5000]):
        raise ParseError(f"{source}: {url} is not an HTML page", landmarks=(landmark,))
    return fragment_of(html)


def fragment_of(markup: str):
    """The BeautifulSoup tree of markup that is not a whole page (a post's rendered HTML in a JSON
    answer or a feed): no check that it opens a page, the same builder as `soup_of`."""
    # bs4 is imported on first use: untc_status reads XML first and is imported by `glocal` commands
    # that must start fast (issue 13), so importing this module must not import bs4.
    from bs4 import BeautifulSoup

    return BeautifulSoup(markup, "lxml")
