"""Extraction for c40_news: C40's news posts, and the signatories they announce. No Scrapy, no network, no clock.

C40 runs WordPress (research/sites.md §1.1, markup.md §2), so one post can be read three ways,
tried in this order by the spider:

1. the REST API `/wp-json/wp/v2/posts?per_page=N&page=P`: JSON with `date`, `modified`, `slug`,
   `link`, `title.rendered`, `excerpt.rendered`, `content.rendered` (`parse_rest`);
2. the RSS feed `/news/feed/` (`?paged=P`): `pubDate`, `link`, `description`, `content:encoded`
   (`parse_feed`);
3. the HTML listing `/news/category/press-release/page/P/`: titles and links, **no dates**
   (`article_urls`), then each article `/news/{slug}/` (`parse_article`), dated by its
   `article:published_time` / `<time datetime>` / dateline "London, UK (28 August 2018) –".

Every post is one `Announcement` keyed `c40_news/{slug}` whichever way it was read. When a post
names cities signing or joining an accelerator C40 runs (`ACCELERATORS`), it also yields one
`Signature` per city, with `signed_on` = the post's date and the post as evidence, in the
append-only scope `signatures:c40_news` (a post never removes anyone), keyed by post, accelerator
and city (`c40_news/{post}/{accelerator}/{city}`) so that the accelerator page's own list (scope
`signatures:c40_accelerators/{slug}`) is never touched. One scope for all posts: the first run
records the backlog quietly (a baseline), and a join post published later is an alert.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from functools import partial
from html import unescape
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

from bs4 import BeautifulSoup

from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import APPEND_ONLY, Announcement, Link, Scope, Signature
from kit.name_groups import looks_like_place_name
from places.curated import is_known_place
from kit.routing import Route, Routes
from kit.text import clean, key_part, parse_date, split_names
from spiders.parsers import wordpress
from spiders.parsers.page import fragment_of, links_in, soup_of

SOURCE = "c40_news"
SITE = "https://www.c40.org"
HOSTS = ("www.c40.org", "c40.org")
FEED_URL = f"{SITE}/news/feed/"
LISTING_URL = f"{SITE}/news/category/press-release/"
ACCELERATOR_SOURCE = "c40_accelerators"
ISSUER = "C40 Cities"  # the network that runs the accelerators its posts name
FEED_PAGE_SIZE = 10  # WordPress's posts_per_rss default: a shorter feed page is the last one
NEWS = Scope(Announcement, APPEND_ONLY, f"announcements:{SOURCE}")
JOINS = Scope(Signature, APPEND_ONLY, f"signatures:{SOURCE}")
ANNOUNCEMENTS_SCOPE = NEWS.name
JOINS_SCOPE = JOINS.name

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("posts", "posts: a JSON list of WordPress posts, RSS <item>s, or /news/{slug}/ links in a listing"),
        Landmark("post_title", "a post title (title.rendered, <title> of an item, or the article's <h1>)"),
        Landmark("post_date", "a publication date (REST date, RSS pubDate, article:published_time or a dateline)"),
    ),
    min_items={"announcement": 1},
    required_fields={"announcement": ("title", "url"), "signature": ("actor_name", "instrument_key")},
    expected_fields={"announcement": ("published_on",)},
)

# The accelerators (and their earlier "Declaration" names) a post may name, longest first, with
# the slug c40_accelerators keys them by (sites.md §1.2). A post naming none of them yields no signatures.
ACCELERATORS = {
    "Clean Air Cities Declaration": "clean-air-cities",
    "Clean Air Accelerator": "clean-air-cities",
    "Clean Air Cities": "clean-air-cities",
    "Green and Healthy Streets": "green-healthy-streets",
    "Green & Healthy Streets": "green-healthy-streets",
    "Fossil-Fuel-Free Streets": "green-healthy-streets",
    "Fossil Fuel Free Streets": "green-healthy-streets",
    "Net Zero Carbon Buildings": "net-zero-carbon-buildings",
    "Pathway Towards Zero Waste": "zero-waste",
    "Advancing Towards Zero Waste": "zero-waste",
    "Towards Zero Waste": "zero-waste",
    "Zero Waste Accelerator": "zero-waste",
    "Good Food Cities": "good-food-cities",
    "Divesting from Fossil Fuels, Investing in a Sustainable Future": "divest-invest",
    "Divest/Invest": "divest-invest",
    "Divest Invest": "divest-invest",
    "Urban Nature": "urban-nature",
    "Equity Pledge": "equity-pledge",
    "Water Safe Cities": "water-safe-cities",
    "Clean Construction": "clean-construction",
    "Cool Cities": "cool-cities",
    "Thriving Food Systems": "thriving-food-systems",
    "Urban Planning Accelerator": "urban-planning",
}
_ACCELERATOR_NAMES = re.compile("|".join(re.escape(n) for n in sorted(ACCELERATORS, key=len, reverse=True)), re.I)
_BY_LOWER = {name.lower(): slug for name, slug in ACCELERATORS.items()}

_VERBS = r"(?:sign(?:ing|ed|s)?|join(?:ing|ed|s)?|commit(?:ting|ted|s)?(?:\s+to)?|endors(?:ing|ed|es?)|pledg(?:ing|ed|es?))"
# "The cities signing the C40 Clean Air Cities Declaration are:" / "Cities signing the declaration include A, B and C."
_LEAD = re.compile(rf"\b(?:the\s+)?(?:\w+\s+)?(?:cities|mayors|signatories|signatory cities)(?:\s+and\s+regions)?"
                   rf"\s+(?:that\s+(?:have\s+)?)?{_VERBS}\b[^:.]*?\b(?:are|include|includes|were|is)\s*:?\s*(?P<names>.*)$",
                   re.I)
# "Accra, Addis Ababa and Nairobi join the C40 Clean Air Accelerator" (names first, then the verb).
_NAMES_THEN_VERB = re.compile(rf"^(?:(?:today|now),?\s+)?(?:the\s+)?(?:mayors\s+of\s+|cities\s+of\s+)?(?P<names>.+?)\s+"
                              rf"(?:have\s+|has\s+|today\s+|also\s+)*{_VERBS}\b", re.I)
# "… founding cities, including Austin, Boston and Paris." at the end of a sentence about joining.
_INCLUDING = re.compile(r"\bincluding\s+(?P<names>[^.;:]+)", re.I)
_DATELINE = re.compile(r"^[^()\n]{2,60}\((?P<date>\d{1,2}\s+[A-Za-z]+\s+\d{4})\)\s*[–—-]")
_DATELINE_PREFIX = re.compile(r"^[^()\n]{2,60}(?:\(\d{1,2}\s+[A-Za-z]+\s+\d{4}\))?\s*[–—]\s+")
_SLUG_PATH = re.compile(r"^/news/(?P<slug>[a-z0-9][a-z0-9-]*)/?$")


# --- keys and URLs ---------------------------------------------------------------------------------

def feed_url(page: int) -> str:
    return FEED_URL if page == 1 else f"{FEED_URL}?paged={page}"


def listing_url(page: int) -> str:
    return LISTING_URL if page == 1 else f"{LISTING_URL}page/{page}/"


def post_slug(url: str) -> str | None:
    """The slug of an English news post URL (`/news/{slug}/`), None for anything else."""
    parts = urlsplit(url)
    if parts.hostname not in HOSTS:
        return None
    match = _SLUG_PATH.match(parts.path)
    if not match or match.group("slug") in ("category", "page", "feed", "tag"):
        return None
    return match.group("slug")


def announcement_key(slug: str) -> str:
    """`c40_news/{slug}`: the same key from the REST API, the feed and the article page."""
    return wordpress.post_key(SOURCE, slug)


# --- 1. the REST API -------------------------------------------------------------------------------

def parse_rest(text: str, url: str) -> Iterator:
    """The posts of one REST page: the listing's ScopeReport, then per post its Announcement and joins.

    Raises ParseError when the answer is not a JSON list of posts (an HTML page, a WordPress error
    object such as {"code": "rest_no_route"}): the spider then falls back to the feed.
    """
    try:
        data = json.loads(text)
    except ValueError:
        raise ParseError(f"{SOURCE}: {url} did not answer JSON ({_first_words(text)!r})", landmarks=("posts",)) from None
    if isinstance(data, dict):
        raise ParseError(f"{SOURCE}: {url} answered a WordPress error ({data.get('code') or 'no code'}: "
                         f"{clean(str(data.get('message') or ''))[:120]})", landmarks=("posts",))
    if not isinstance(data, list):
        raise ParseError(f"{SOURCE}: {url} answered JSON that is not a list of posts", landmarks=("posts",))
    posts = []
    for entry in data:
        if not isinstance(entry, dict):
            continue
        link = entry.get("link") if isinstance(entry.get("link"), str) else ""
        # A link to a language copy (/pt/news/...) or another site is not one of the English posts.
        slug = post_slug(link) if link else (entry.get("slug") if isinstance(entry.get("slug"), str) else None)
        if not slug:
            continue
        posts.append(_Post(
            slug=slug, url=_post_url(link, slug),
            title=_rendered(entry.get("title")), date=_iso_day(entry.get("date")),
            summary=_teaser(_rendered(entry.get("excerpt"), html=True)),
            content=_rendered(entry.get("content"), html=True, text=False),
        ))
    yield from _listing(posts, url, source_kind="REST page")
    # The next REST page is announced by the X-WP-TotalPages header, which the spider reads.


# --- 2. RSS ----------------------------------------------------------------------------------------

_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


def parse_feed(text: str, url: str) -> Iterator:
    """The posts of one RSS page (same items as parse_rest). Raises ParseError when it is not RSS."""
    try:
        root = ElementTree.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
    except ElementTree.ParseError as error:
        raise ParseError(f"{SOURCE}: {url} is not an RSS feed ({error})", landmarks=("posts",)) from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise ParseError(f"{SOURCE}: {url} is XML but not RSS (root <{root.tag}>)", landmarks=("posts",))
    posts = []
    for item in channel.findall("item"):
        link = clean(item.findtext("link"))
        slug = post_slug(link)
        if not slug:
            continue
        posts.append(_Post(
            slug=slug, url=_post_url(link, slug), title=clean(unescape(item.findtext("title") or "")),
            date=_rss_day(item.findtext("pubDate")),
            summary=_teaser(_html_text(item.findtext("description") or "")),
            content=item.findtext(_CONTENT) or item.findtext("description") or "",
        ))
    yield from _listing(posts, url, source_kind="feed page")
    if len(posts) >= FEED_PAGE_SIZE:
        yield Link(feed_url(_feed_page(url) + 1), rel="next")


# --- 3. HTML listing and articles --------------------------------------------------------------------

def article_urls(html: str, url: str) -> list[str]:
    """English `/news/{slug}/` links of a listing page's main content, in page order, once each."""
    return _article_urls(_require_html(html, url), url)


def _article_urls(soup, url: str) -> list[str]:
    main = soup.find("main") or soup.body or soup
    found: dict[str, str] = {}
    for target, _, _ in links_in(main, url):
        slug = post_slug(target)
        if slug:
            found.setdefault(slug, f"{SITE}/news/{slug}/")
    return list(found.values())


def has_next_page(html: str, url: str) -> bool:
    """Whether the listing links to a later page of itself (`…/page/{n}/` with n above this page's)."""
    return _has_next_page(_require_html(html, url), url)


def _has_next_page(soup, url: str) -> bool:
    here = _page_number(urlsplit(url).path)
    base = re.sub(r"page/\d+/?$", "", urlsplit(url).path)
    for link in soup.find_all("a", href=True):
        path = urlsplit(urljoin(url, link["href"].strip())).path
        if path.startswith(base) and _page_number(path) > here:
            return True
    return False


def _page_number(path: str) -> int:
    match = re.search(r"/page/(\d+)/?$", path)
    return int(match.group(1)) if match else 1


def parse_listing(html: str, url: str) -> Iterator:
    """The listing's report (its posts' keys), a Link to each article (the posts and their dates
    come from there: the listing prints no date), and the next listing page.

    Raises ParseError when the page links to no post: a listing that went blind.
    """
    soup = _require_html(html, url)
    urls = _article_urls(soup, url)
    if not urls:
        raise ParseError(f"{SOURCE}: no /news/{{slug}}/ links in the main content of {url}", landmarks=("posts",))
    yield NEWS.report(SOURCE, url, complete=True, keys=[announcement_key(post_slug(u)) for u in urls])
    yield JOINS.report(SOURCE, url, complete=True, keys=[])
    for article in urls:
        yield Link(article)
    if _has_next_page(soup, url):
        yield Link(listing_url(_page_number(urlsplit(url).path) + 1), rel="next")


def parse_article(html: str, url: str) -> Iterator:
    """One article page: its Announcement and the signatories it announces.

    The date comes from `article:published_time`, else a `<time datetime>` in the article, else
    the dateline "City, Country (D Month YYYY) –"; a post with none of them keeps published_on
    empty (the health check counts those), never the crawl date.
    """
    soup = _require_html(html, url)
    slug = post_slug(url)
    if not slug:
        raise ParseError(f"{SOURCE}: {url} is not a /news/{{slug}}/ article", landmarks=("posts",))
    title = clean(soup.find("h1")) or _og(soup, "og:title")
    title = re.sub(r"\s*[-|–]\s*C40 Cities\s*$", "", title)
    if not title:
        raise ParseError(f"{SOURCE}: no title (<h1> or og:title) on {url}", landmarks=("post_title",))
    body = soup.find("article") or soup.find("main") or soup.body or soup
    date = _iso_day(_og(soup, "article:published_time"))
    if not date:
        stamp = body.find("time", attrs={"datetime": True})
        date = _iso_day(stamp["datetime"]) if stamp is not None else None
    content = body.find(class_=re.compile(r"entry-content|post-content")) or body
    if not date:
        date = _dateline_day(content)
    summary = _og(soup, "og:description") or _og(soup, "description", attr="name")
    post = _Post(slug=slug, url=f"{SITE}/news/{slug}/", title=title, date=date, summary=_teaser(summary),
                 content=str(content))
    items = list(_post_items(post))
    # No report of the listing here: the article belongs to the listing that linked it, whose
    # report (over all its pages) the store is still gathering.
    yield JOINS.report(SOURCE, url, complete=True, keys=[i.key for i in items if isinstance(i, Signature)])
    yield from items


# --- shared --------------------------------------------------------------------------------------

class _Post:
    __slots__ = ("slug", "url", "title", "date", "summary", "content")

    def __init__(self, *, slug, url, title, date, summary, content):
        self.slug, self.url, self.title, self.date, self.summary, self.content = slug, url, title, date, summary, content


def _listing(posts: list[_Post], url: str, *, source_kind: str) -> Iterator:
    if not posts:
        raise ParseError(f"{SOURCE}: the {source_kind} {url} holds no posts", landmarks=("posts",))
    items = [item for post in posts for item in _post_items(post)]
    yield NEWS.report(SOURCE, url, complete=True, keys=[announcement_key(p.slug) for p in posts])
    yield JOINS.report(SOURCE, url, complete=True, keys=[i.key for i in items if isinstance(i, Signature)])
    yield from items


def _post_items(post: _Post) -> Iterator:
    yield Announcement(source=SOURCE, key=announcement_key(post.slug), url=post.url, title=post.title,
                       published_on=post.date, summary=post.summary, scope=NEWS.name)
    yield from signings(post.content, title=post.title, slug=post.slug, url=post.url, published_on=post.date)


def signings(content_html: str, *, title: str, slug: str, url: str, published_on: str | None) -> Iterator:
    """The cities a post says signed or joined an accelerator: one Signature each.

    Read sentence by sentence (paragraphs, list items, and a lead line with the list in the next
    block): "The cities signing the … are: A, B and C", "A, B and C join the … Accelerator",
    "… founding cities, including A, B and C". The accelerator is the one the sentence names, else
    the one the title names, else (when several or none are named) nothing is concluded.
    """
    if not content_html:
        return
    soup = fragment_of(content_html)
    blocks = [clean(b) for b in soup.find_all(["p", "li", "h2", "h3", "h4"]) if clean(b)]
    if not blocks:
        blocks = [clean(soup)]
    title_slug = _single_accelerator(title)
    found: dict[str, list[tuple[str, str]]] = {}
    printed: dict[str, str | None] = {}  # accelerator slug -> its name as the post printed it
    for index, text in enumerate(blocks):
        text = _DATELINE_PREFIX.sub("", text)  # "London, UK (5 June 2024) – Accra, ... join" names Accra first
        for sentence in _sentences(text):
            lead = _LEAD.search(sentence)
            names_text = None
            if lead:
                names_text = lead.group("names") or (blocks[index + 1] if index + 1 < len(blocks) else "")
            else:
                including = _INCLUDING.search(sentence) if re.search(_VERBS, sentence, re.I) else None
                before = _NAMES_THEN_VERB.match(sentence)
                if before and _list_of_places(before.group("names")):
                    names_text = before.group("names")
                elif including:
                    names_text = including.group("names")
            if not names_text:
                continue
            names = _list_of_places(names_text)
            if not names:
                continue
            slug_of = _single_accelerator(sentence) or (None if _ACCELERATOR_NAMES.search(sentence) else title_slug)
            if slug_of is None:
                continue
            found.setdefault(slug_of, [])
            found[slug_of].extend(names)
            printed[slug_of] = printed.get(slug_of) or _printed_name(sentence, slug_of) or _printed_name(title, slug_of)
    seen = set()
    for accelerator, names in found.items():
        instrument = f"{ACCELERATOR_SOURCE}/{accelerator}"
        for name, _markers in names:
            key = f"{announcement_key(slug)}/{accelerator}/{key_part(name, what='city name')}"
            if key in seen:
                continue
            seen.add(key)
            yield Signature(source=SOURCE, key=key, url=url, instrument_key=instrument, actor_name=name,
                            signed_on=published_on, status="announced", scope=JOINS.name,
                            instrument_title=_titled(printed.get(accelerator)), instrument_issuer=ISSUER)


def _printed_name(text: str, slug: str) -> str | None:
    """The accelerator's name as `text` prints it, if it names the accelerator `slug`."""
    for match in _ACCELERATOR_NAMES.finditer(text or ""):
        if _BY_LOWER[match.group(0).lower()] == slug:
            return match.group(0)
    return None


def _titled(name: str | None) -> str | None:
    """A printed name as a title: "C40 Cool Cities Accelerator" (the network's name first, and the
    word "Accelerator" when the post left it out), so that every post's name reads alike."""
    if not name:
        return None
    name = name[0].upper() + name[1:]
    if not re.search(r"\b(accelerator|declaration|pledge)\b", name, re.I):
        name = f"{name} Accelerator"
    return f"C40 {name}"


def _single_accelerator(text: str) -> str | None:
    slugs = {_BY_LOWER[m.group(0).lower()] for m in _ACCELERATOR_NAMES.finditer(text or "")}
    return slugs.pop() if len(slugs) == 1 else None


def _sentences(text: str) -> list[str]:
    # Split after ". " only when a capital follows and the dot does not end "D.C." or "St.".
    return [s for s in re.split(r"(?<![A-Z]\.[A-Z]\.)(?<!\bSt\.)(?<=[.!?])\s+(?=[A-Z“\"])", text) if s]


def _list_of_places(text: str) -> list[tuple[str, str]]:
    """The names of a published list when every one looks like a place and most are known places."""
    text = re.sub(r"\s*\((?:see|read)[^)]*\)", "", text)
    text = re.split(r"\s+(?:to|in order to|who|which|that)\s+", text, maxsplit=1)[0]
    names = split_names(text, keep_whole=is_known_place)
    names = [(re.sub(r"^(?:the\s+)?(?:city|mayors?)\s+of\s+", "", n, flags=re.I), m) for n, m in names]
    if len(names) < 1:
        return []
    if not all(looks_like_place_name(n) and not n[0].islower() for n, _ in names):
        return []
    known = sum(1 for n, _ in names if is_known_place(n))
    return names if known * 2 >= len(names) else []


def _rendered(value, *, html: bool = False, text: bool = True) -> str:
    raw = value.get("rendered", "") if isinstance(value, dict) else (value if isinstance(value, str) else "")
    if not html:
        return clean(unescape(re.sub(r"<[^>]+>", "", raw)))
    return _html_text(raw) if text else raw


def _html_text(raw: str) -> str:
    return clean(fragment_of(raw).get_text(" ")) if raw else ""


def _teaser(text: str | None) -> str | None:
    text = clean(text)
    text = re.sub(r"\s*(?:\[(?:…|&hellip;|\.\.\.)\]|Continue reading.*|Read more.*)$", "…", text)
    return text or None


def _post_url(link: str, slug: str) -> str:
    return f"{SITE}/news/{slug}/" if post_slug(link) or not link else link


def _iso_day(value) -> str | None:
    """The day of an ISO timestamp as WordPress prints it ("2019-10-11T10:00:00"), else None."""
    if not isinstance(value, str):
        return None
    match = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[T ]|$)", value.strip())
    return match.group(1) if match else None


def _rss_day(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value.strip()).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _dateline_day(content) -> str | None:
    for paragraph in content.find_all("p", limit=3):
        match = _DATELINE.match(clean(paragraph))
        if match:
            return parse_date(match.group("date"))
    return None


def _og(soup: BeautifulSoup, name: str, attr: str = "property") -> str:
    tag = soup.find("meta", attrs={attr: name})
    return clean(tag.get("content")) if tag is not None else ""


def _first_words(text: str) -> str:
    return clean(re.sub(r"<[^>]+>", " ", text or ""))[:60]


_require_html = partial(soup_of, source=SOURCE, landmark="posts")


def _feed_page(url: str) -> int:
    match = re.search(r"[?&]paged=(\d+)", url)
    return int(match.group(1)) if match else 1


_ARTICLE = r"^https://(?:www\.)?c40\.org/news/(?!category/|page/|feed/|tag/)[a-z0-9][a-z0-9-]*/$"
ROUTES = Routes(
    Route(r"/wp-json/wp/v2/posts", parse_rest, NEWS, format="json",
          example=f"{SITE}/wp-json/wp/v2/posts?per_page=10&page=1&orderby=date&order=desc", returns="items 10"),
    Route(r"/news/feed/(?:\?paged=\d+)?$", parse_feed, NEWS, format="xml", example=FEED_URL, returns="items 10"),
    Route(r"/news/category/press-release/(?:page/\d+/)?$", parse_listing, NEWS, example=LISTING_URL,
          returns="requests 10"),
    Route(_ARTICLE, parse_article, NEWS,
          example=f"{SITE}/news/35-cities-unite-to-clean-the-air-their-citizens-breathe-protecting-the-health-of-millions/",
          returns="items 36"),
)
