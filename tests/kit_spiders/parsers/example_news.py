"""Parser of a made-up WordPress news site (news.example.org) for the source-kit tests: the REST
API, the RSS feed and the HTML listing, all three one append-only scope."""

from __future__ import annotations

from bs4 import BeautifulSoup

from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import APPEND_ONLY, Announcement, Link, Scope
from kit.routing import Route, Routes
from kit.text import clean, parse_date
from spiders.parsers import wordpress

SOURCE = "example_news"
SITE = "https://news.example.org"
NEWS = Scope(Announcement, APPEND_ONLY, f"announcements:{SOURCE}")
EXPECTATIONS = Expectations(
    landmarks=(Landmark("posts", "posts in the REST API, the feed, or <article>s on /news/"),),
    min_items={"announcement": 1},
)


def parse_rest(text: str, url: str):
    return wordpress.posts_from_rest(text, url, source=SOURCE, scope=NEWS)


def parse_feed(text: str, url: str):
    return wordpress.posts_from_rss(text, url, source=SOURCE, scope=NEWS)


def parse_listing(html: str, url: str):
    soup = BeautifulSoup(html, "lxml")
    articles = soup.select("article")
    if not articles:
        raise ParseError(f"{SOURCE}: no <article> on {url}", landmarks=("posts",))
    items = []
    for article in articles:
        link = article.select_one("a[href]")
        items.append(Announcement(source=SOURCE, key=wordpress.post_key(SOURCE, link["href"]), url=url,
                                  title=clean(link), published_on=parse_date(clean(article.select_one("time")))))
    yield NEWS.report(SOURCE, url, complete=True, keys=[i.key for i in items])
    yield from items
    older = soup.select_one('a[rel="next"]')
    if older is not None:
        yield Link(older["href"], rel="next")


ROUTES = Routes(
    Route(r"/wp-json/wp/v2/posts", parse_rest, NEWS, format="json"),
    Route(r"/feed/$", parse_feed, NEWS, format="xml"),
    Route(r"/news/(?:page/\d+/)?$", parse_listing, NEWS),
)
