"""Reading WordPress posts, the same way from the REST API and from the RSS feed: pure functions
a source's parser calls (no Scrapy, no network, no clock, no store).

REST: /wp-json/wp/v2/posts?per_page=N&page=P answers a JSON list of posts (`slug`, `link`, `date`,
`title.rendered`, `excerpt.rendered`), with the page count in the X-WP-TotalPages header (read by
the spider, spiders/platforms.py). RSS: /feed/ answers <item>s with title, link, pubDate,
description. A post's key is `{source}/{slug}` in both, so switching between them moves no key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from html import unescape
from urllib.parse import unquote, urlsplit

from lxml import etree

from kit.errors import ParseError
from kit.items import Announcement, Scope
from kit.text import clean, key_part
from spiders.parsers.page import fragment_of


def post_key(source: str, slug_or_link: str) -> str:
    """`{source}/{slug}` from a post's slug or permalink (percent-encoded non-Latin slugs decoded)."""
    path = urlsplit(slug_or_link).path if "/" in slug_or_link else slug_or_link
    slug = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    return f"{source}/{key_part(slug, what='post slug')}"


def posts_from_rest(text: str, url: str, *, source: str, scope: Scope) -> Iterator:
    """The ScopeReport and Announcements of one page of /wp-json/wp/v2/posts."""
    try:
        posts = json.loads(text)
    except ValueError:
        raise ParseError(f"{source}: {url} is not JSON", landmarks=("posts_json",)) from None
    if not isinstance(posts, list) or not all(isinstance(p, dict) for p in posts):
        raise ParseError(f"{source}: {url} is not a list of WordPress posts", landmarks=("posts_json",))
    items = []
    for post in posts:
        link = post.get("link") or ""
        slug = post.get("slug") or link
        if not slug:
            raise ParseError(f"{source}: a post on {url} has neither slug nor link", landmarks=("post_slug",))
        items.append(Announcement(
            source=source, key=post_key(source, slug), url=url, title=_text(_rendered(post.get("title"))),
            published_on=_iso_day(post.get("date")), summary=_text(_rendered(post.get("excerpt"))) or None,
            scope=scope.name_for(url),
        ))
    yield scope.report(source, url, complete=True, keys=[item.key for item in items])
    yield from items


def posts_from_rss(text: str, url: str, *, source: str, scope: Scope) -> Iterator:
    """The ScopeReport and Announcements of an RSS 2.0 feed (WordPress's /feed/)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as error:
        raise ParseError(f"{source}: {url} is not an RSS feed ({error})", landmarks=("rss_items",)) from None
    if root.tag != "rss" or root.find("channel") is None:
        raise ParseError(f"{source}: {url} is not an RSS feed (no <rss><channel>)", landmarks=("rss_items",))
    items = []
    for entry in root.iterfind("channel/item"):
        link = clean(entry.findtext("link"))
        if not link:
            raise ParseError(f"{source}: an <item> of {url} has no <link>", landmarks=("post_slug",))
        items.append(Announcement(
            source=source, key=post_key(source, link), url=url, title=_text(entry.findtext("title")),
            published_on=_rss_day(entry.findtext("pubDate")), summary=_text(entry.findtext("description")) or None,
            scope=scope.name_for(url),
        ))
    yield scope.report(source, url, complete=True, keys=[item.key for item in items])
    yield from items


def _rendered(value) -> str:
    return value.get("rendered", "") if isinstance(value, dict) else (value or "")


def _text(html: str | None) -> str:
    """Visible text of a WordPress HTML fragment (entities decoded, tags dropped)."""
    if not html:
        return ""
    if "<" not in html:
        return clean(unescape(html))
    return clean(fragment_of(html).get_text(" "))


def _iso_day(value) -> str | None:
    """The day of WordPress's `date` ("2025-11-03T10:00:00", the site's local time) as printed."""
    text = clean(value) if isinstance(value, str) else ""
    return text[:10] if len(text) >= 10 and text[4] == "-" and text[7] == "-" else None


def _rss_day(value) -> str | None:
    """The day of an RSS pubDate ("Mon, 03 Nov 2025 10:00:00 +0000") in the feed's own offset."""
    try:
        return parsedate_to_datetime(clean(value)).date().isoformat() if value else None
    except (TypeError, ValueError):
        return None
