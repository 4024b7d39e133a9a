"""Limits on what a parser is given: a page too large or nested too deep is rejected with a reason.

Parsers walk their tree in ways whose cost grows with the depth of the markup as well as its size
(every element's text is its whole subtree's text), so a 100 KB page of unclosed inline tags, nested
thousands deep, would hold a crawl for minutes. Measuring the depth costs one pass of lxml's C
parser over the page, as BeautifulSoup's "lxml" builder sees it (start and end events), so the
check itself is linear; with the depth bounded, so is every parser's walk.

The saved pages of the sources nest 9 to 10 elements deep and hold under 200 KB of text; live
WordPress and Drupal pages rarely pass 40 levels or 1 MB. The limits are the settings
CRAWL_MAX_PAGE_CHARS and CRAWL_MAX_PAGE_DEPTH (docs/settings.md): the caller passes them, since the
kit knows no settings.
"""

from __future__ import annotations

import lxml.etree

from kit.errors import ParseError

class PageRejected(ParseError):
    """A page exceeds a documented size or depth limit; its scope is reported incomplete."""


def check_page(text: str, url: str, *, max_chars: int, max_depth: int | None) -> None:
    """Raise PageRejected when `text` is longer than `max_chars` characters (CRAWL_MAX_PAGE_CHARS)
    or its markup nests deeper than `max_depth` elements (CRAWL_MAX_PAGE_DEPTH; None: not markup,
    such as JSON; only the size is checked)."""
    if len(text) > max_chars:
        raise PageRejected(f"{url} is {len(text):,} characters long, over the limit of {max_chars:,}; "
                           "not parsed", landmarks=("page_limits",))
    if max_depth is None:
        return
    depth = markup_depth(text, stop_at=max_depth + 1)
    if depth > max_depth:
        raise PageRejected(f"{url} nests its markup more than {max_depth} elements deep (unclosed tags?); "
                           "not parsed", landmarks=("page_limits",))


class _DepthCounter:
    """lxml parser target: counts open elements; stops counting once `stop_at` is reached."""

    def __init__(self, stop_at: int):
        self.depth = 0
        self.deepest = 0
        self.stop_at = stop_at

    def start(self, tag, attrib):
        self.depth += 1
        if self.depth > self.deepest:
            self.deepest = self.depth

    def end(self, tag):
        self.depth -= 1

    def data(self, data):
        pass

    def comment(self, text):
        pass

    def close(self):
        return self.deepest


def markup_depth(text: str, *, stop_at: int | None = None) -> int:
    """How deep the elements of an HTML text nest, as lxml's HTML parser opens and closes them."""
    counter = _DepthCounter(stop_at or 1 << 30)
    parser = lxml.etree.HTMLParser(target=counter, recover=True, no_network=True)
    try:
        parser.feed(text)
        return parser.close()
    except lxml.etree.LxmlError:
        return counter.deepest
