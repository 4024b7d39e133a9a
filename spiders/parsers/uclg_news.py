"""Extraction for uclg_news: UCLG's news and announcements, both site generations. HTML in, items out.

Old Drupal site (≈2010–2023; research/sites.md §2.2): listings `/en/media/news?page=N` ("All News")
and `/en/media/announcements?page=N`, 0-based. Each item is an optional title line, an optional line
"{tag, tag} - DD/MM/YYYY" ("- DD/MM/YYYY" when untagged), and a teaser ending with a "(+)" link to
the item. Some items have no title (an image whose alt text stands in for it) and some no date line.
The items are NOT in date order, so nothing here reasons from dates about where a listing ends.
Its markup was never seen (research/markup.md §3.2): items are found from their "(+)" links, the
text landmark every item carries, not from Drupal class names.

New site (≈2023–; sites.md §2.1): posts `/new/{slug}/` (even `/new/{numeric-id}/`) with the title
and a `DD.MM.YYYY` line under it; the listing `/new/` links to them.

Language copies (`/fr/`, `/es/`) are the same item: the key comes from the English URL when the page
names it (`<link rel="alternate" hreflang="en">`) and otherwise from the URL without its language.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import APPEND_ONLY, Announcement, Link, Scope
from kit.routing import Route, Routes
from kit.text import clean
from spiders.parsers.page import links_in, soup_of
from spiders.parsers.uclg_site import (OLD_HOSTS, language_of, last_segment, main_content, next_page, numeric_date,
                                       without_language)

logger = logging.getLogger(__name__)

SOURCE = "uclg_news"
OLD_LISTINGS = {
    "news": "https://www.uclg.org/en/media/news",
    "announcements": "https://www.uclg.org/en/media/announcements",
}
NEW_LISTING = "https://uclg.org/new/"
NEW_HOST = "uclg.org"

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("teaser_links", 'items ending with a "(+)" link to /media/news/{slug} or /media/announcements/{slug}'),
        Landmark("post_links", "links to /new/{slug}/ posts in the main content of the new site's listing"),
        Landmark("post_title", "a post title (<h1>, else og:title or <title>)"),
        Landmark("date_line", 'a line "tags - DD/MM/YYYY" (old listings) or "DD.MM.YYYY" under the title (posts)'),
    ),
    min_items={"announcement": 5},
    required_fields={"announcement": ("url",)},
    expected_fields={"announcement": ("title", "published_on")},
)

_TEASER_LINK = re.compile(r"^\(\s*\+\s*\)$")
_DATE_LINE = re.compile(r"(?:^|\s)-\s*(?P<date>[^-]*\d[^-]*?)\s*$")
_OLD_ITEM_PATH = re.compile(r"^/(?:en/|fr/|es/)?(?:media|medias|medios)/(?:news|announcements|[a-z-]+)/[^/?#]+/?$")
_POST_PATH = re.compile(r"^/(?:en/|fr/|es/)?new/[^/?#]+/?$")


@dataclass
class ListingPage:
    """What one listing page says: its items in page order, the next page, and the gaps seen."""

    url: str
    series: str
    items: list[Announcement]
    next_url: str | None
    gaps: list[str] = field(default_factory=list)  # "no date line for ..." in words

    @property
    def keys(self) -> list[str]:
        return [item.key for item in self.items]


# --- keys and scopes -------------------------------------------------------------------------------

def announcement_key(url: str, english_url: str | None = None) -> str:
    """`uclg_news/{slug}`: one key for an item's /en/, /fr/ and /es/ copies and its old and new URLs.

    The slug is the English URL's last segment when the page names its English copy, else the
    URL's own (a copy that kept the English path, as the old Drupal site's did).
    """
    return f"{SOURCE}/{last_segment(english_url or url)}"


def series_of_url(url: str) -> str:
    """Which listing series a URL belongs to: "news", "announcements" or "new" (the new site)."""
    path = without_language(urlsplit(url).path)
    if path.startswith("/media/announcements"):
        return "announcements"
    if path.startswith("/media/news"):
        return "news"
    return "new"


def scope_of(series: str) -> str:
    """The name of one listing series' scope."""
    return f"announcements:{SOURCE}/{series}"


# Append-only: a story that leaves a listing still happened. One scope per listing series.
LISTING = Scope(Announcement, APPEND_ONLY, lambda url: scope_of(series_of_url(url)))


def listing_url(series: str, page: int) -> str:
    if series == "new":
        return NEW_LISTING if page == 0 else f"{NEW_LISTING}page/{page + 1}/"
    base = OLD_LISTINGS[series]
    return base if page == 0 else f"{base}?page={page}"


# --- the old listings ------------------------------------------------------------------------------

def read_listing(html: str, url: str) -> ListingPage:
    """The items of one old listing page. Raises ParseError when no item has its "(+)" link."""
    soup = _require_html(html, url)
    main = soup.find(id="main") or soup.find("main") or soup.body or soup
    series = series_of_url(url)
    links = [a for a in main.find_all("a", href=True) if _TEASER_LINK.match(clean(a))]
    if not links:
        raise ParseError(f"{SOURCE}: no item with a \"(+)\" link on {url} ({EXPECTATIONS.describe('teaser_links')})",
                         landmarks=("teaser_links",))
    items: list[Announcement] = []
    gaps: list[str] = []
    seen: set[str] = set()
    for link in links:
        item, gap = _old_item(_item_block(link), link, url)
        if item.key in seen:  # one item listed twice on a page is one item
            continue
        seen.add(item.key)
        items.append(item)
        gaps.extend(gap)
    for gap in gaps:
        logger.info("%s: %s", SOURCE, gap)
    return ListingPage(url=url, series=series, items=items, next_url=next_page(main, url), gaps=gaps)


def _item_block(link: Tag) -> Tag:
    """The largest ancestor of a "(+)" link that holds no other item's "(+)" link."""
    block = link.parent
    while block.parent is not None and block.parent.name not in ("body", "html", "[document]"):
        others = [a for a in block.parent.find_all("a") if _TEASER_LINK.match(clean(a))]
        if len(others) > 1:
            break
        block = block.parent
    return block


def _old_item(block: Tag, teaser_link: Tag, page_url: str) -> tuple[Announcement, list[str]]:
    url = urljoin(page_url, teaser_link["href"].strip())
    gaps = []
    title = None
    for link in block.find_all("a", href=True):
        if link is teaser_link or urljoin(page_url, link["href"].strip()) != url:
            continue
        text = clean(link)
        if text and not _TEASER_LINK.match(text):
            title = text
            break
        image = link.find("img", alt=True)
        if title is None and image is not None and clean(image["alt"]):
            title = clean(image["alt"])  # the site shows the picture instead of the title line
    if title is None:
        gaps.append(f"no title for {url} on {page_url}")
    date_line = _date_line(block, url, page_url)
    tags = None
    published_on = None
    if date_line is None:
        gaps.append(f"no date line for {url} on {page_url}")
    else:
        tags_text, printed = date_line
        tags = ", ".join(t.strip() for t in tags_text.split(",") if t.strip()) or None
        published_on = numeric_date(printed)
        if published_on is None:
            gaps.append(f"date {printed!r} of {url} on {page_url} is not a DD/MM/YYYY day; kept without a date")
    paragraph = teaser_link.find_parent(["p", "div"]) or block
    summary = clean(paragraph.get_text(" ").replace(clean(teaser_link), "")) if paragraph else None
    summary = re.sub(r"\s*\(\s*\+\s*\)\s*$", "", summary or "").strip() or None
    item = Announcement(source=SOURCE, key=announcement_key(url), url=url, title=title, published_on=published_on,
                        summary=summary, tags=tags, scope=scope_of(series_of_url(page_url)))
    return item, gaps


def _date_line(block: Tag, item_url: str, page_url: str) -> tuple[str, str] | None:
    """(tags, printed date) of the innermost element whose text ends in " - <something with a digit>".

    The title (a link to the item) and the teaser (with its "(+)") are never the date line, even
    when a title itself contains " - 2021".
    """
    for element in block.find_all(["div", "span", "p", "li"]):
        if element.find(["div", "p"]) is not None:
            continue
        text = clean(element)
        if "(+)" in text or any(urljoin(page_url, a["href"].strip()) == item_url
                                for a in element.find_all("a", href=True)):
            continue
        match = _DATE_LINE.search(text)
        if match and len(match.group("date")) <= 40:
            return text[: match.start()].strip(" ,"), match.group("date")
    # The date line may share an element with the title ("<h3><a>Title</a></h3> Tags - 14/11/2023"):
    # then the block's own text, title and teaser left out, still says it.
    text = clean(block)
    for link in block.find_all("a", href=True):
        if urljoin(page_url, link["href"].strip()) == item_url:
            text = text.replace(clean(link), " ")
    match = re.search(r"(?P<tags>[^.!?]*?)\s-\s*(?P<date>\d{1,2}/\d{1,2}/\d{4})", text.split("(+)")[0])
    return (clean(match["tags"]).strip(" ,"), match["date"]) if match else None


def parse_listing(html: str, url: str) -> Iterator:
    """One old listing page as `glocal parse` shows it: its scope report, then its Announcements."""
    page = read_listing(html, url)
    yield LISTING.report(SOURCE, url, complete=True, keys=page.keys)
    yield from page.items


# --- the new site --------------------------------------------------------------------------------

def post_urls(html: str, url: str = NEW_LISTING) -> list[str]:
    """The /new/{slug}/ posts a new-site listing links from its main content, one per item, in order.

    Links in the header, the footer and "Related news" asides are not the listing.
    """
    return posts_in(_require_html(html, url), url)


def posts_in(soup, url: str) -> list[str]:
    """`post_urls` of a page's tree (drops the tree's chrome: see uclg_site.main_content)."""
    urls: dict[str, str] = {}
    for target, parts, _ in links_in(main_content(soup), url):
        if parts.hostname in (NEW_HOST, f"www.{NEW_HOST}") and _POST_PATH.match(parts.path) \
                and not re.search(r"/new/(?:page|feed)/", parts.path):
            urls.setdefault(announcement_key(target), target)
    return list(urls.values())


def new_listing_next(html: str, url: str) -> str | None:
    soup = _require_html(html, url)
    return next_page(soup.find("main") or soup, url)


def read_new_listing(html: str, url: str = NEW_LISTING) -> tuple[list[str], str | None]:
    """`post_urls` and `new_listing_next` of one page, from one tree (building it is most of the cost)."""
    soup = _require_html(html, url)
    following = next_page(soup.find("main") or soup, url)  # before posts_in drops the chrome (the pager's nav)
    return posts_in(soup, url), following


def parse_new_listing(html: str, url: str = NEW_LISTING) -> Iterator:
    """The new site's listing as `glocal parse` shows it: the posts it links (their pages carry the
    items, and a /es/ link's post may name an English key, so the listing cannot list the keys)."""
    urls, following = read_new_listing(html, url)
    if not urls:
        yield LISTING.report(SOURCE, url, complete=False, landmarks_missing=["post_links"],
                             reason=f"no /new/{{slug}}/ links in the main content of {url}")
        return
    yield LISTING.report(SOURCE, url, complete=False, reason=f"{len(urls)} posts linked; each post is its item")
    for post in urls:
        yield Link(post)
    if following:
        yield Link(following, rel="next")


def parse_post(html: str, url: str) -> Iterator[Announcement]:
    """One /new/{slug}/ post (or its /fr/, /es/ copy) as an Announcement.

    Raises ParseError when the page has no title: then it is not a post we can read.
    """
    soup = _require_html(html, url)
    main = soup.find("main") or soup.body or soup
    for aside in main.find_all(["aside", "nav", "footer", "script", "style"]):
        aside.decompose()
    heading = main.find("h1")
    title = clean(heading)
    if not title:
        og = soup.find("meta", attrs={"property": "og:title"})
        title = clean(og["content"]) if og and og.get("content") else \
            re.sub(r"\s*[-|–]\s*UCLG\s*$", "", clean(soup.title))
    if not title:
        raise ParseError(f"{SOURCE}: no title on {url} ({EXPECTATIONS.describe('post_title')})",
                         landmarks=("post_title",))
    english = _english_copy(soup, url)
    published_on = _post_date(heading, main)
    if published_on is None:
        logger.info("%s: no DD.MM.YYYY date under the title of %s; kept without a date", SOURCE, url)
    paragraphs = [clean(p) for p in main.find_all("p")
                  if clean(p) and not re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", clean(p))]  # not the date line
    yield Announcement(source=SOURCE, key=announcement_key(url, english), url=url, title=title,
                       published_on=published_on, summary=paragraphs[0] if paragraphs else None,
                       scope=scope_of("new"))


def _english_copy(soup: BeautifulSoup, url: str) -> str | None:
    """The English URL a page names for itself, when it is a copy on the same site."""
    link = soup.find("link", attrs={"rel": "alternate", "hreflang": re.compile(r"^en\b", re.I)}, href=True)
    if link is None:
        return None if language_of(url) else url
    english = urljoin(url, link["href"].strip())
    return english if urlsplit(english).hostname == urlsplit(url).hostname else None


def _post_date(heading: Tag | None, main: Tag) -> str | None:
    """The DD.MM.YYYY line nearest after the title (a dated "related" link further down is not it)."""
    start = heading if heading is not None else main
    for element in start.find_all_next(string=True, limit=40):
        text = clean(element)
        if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", text):
            return numeric_date(text)
    return None


# --- shared ----------------------------------------------------------------------------------------

_require_html = partial(soup_of, source=SOURCE, landmark="html")


def is_old_site(url: str) -> bool:
    parts = urlsplit(url)
    return parts.hostname in OLD_HOSTS and without_language(parts.path).startswith("/media/")


ROUTES = Routes(
    Route(r"/media/(?:news|announcements)(?:\?|$)", parse_listing, LISTING,
          example="https://www.uclg.org/en/media/news", returns="items 6"),
    Route(r"//(?:www\.)?uclg\.org/(?:(?:fr|es)/)?new/(?:page/\d+/)?$", parse_new_listing, LISTING,
          example=NEW_LISTING, returns="requests 5"),
    Route(r"//(?:www\.)?uclg\.org/(?:(?:fr|es)/)?new/[^/?#]+/?$", parse_post, LISTING,
          example="https://uclg.org/new/36072/"),
)
