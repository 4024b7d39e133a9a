"""Extraction for covenant_news: the eu-mayors news listing (ECL content items) in, announcements out.

Markup (research/markup.md §1.2, from a scraper that fetched the live page):

    article.ecl-content-item
      ul.ecl-content-block__primary-meta-container > li > time[datetime]   + li "New Resource"
      div.ecl-content-block__title > a[href="/en/news/{slug}"]
      div.ecl-content-block__description

The listing is append-only: a story that leaves the first pages still happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import APPEND_ONLY, Announcement, Link, Scope
from kit.routing import Route, Routes
from kit.text import clean, parse_date
from spiders.parsers.covenant import authority_key, ecl_pager
from spiders.parsers.page import soup_of

SOURCE = "covenant_news"
LISTING_URL = "https://eu-mayors.ec.europa.eu/en/news"
SCOPE = f"announcements:{SOURCE}"
NEWS = Scope(Announcement, APPEND_ONLY, SCOPE)  # a story that leaves the listing still happened

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("news_cards", "news cards (article.ecl-content-item) with a title link"),
        Landmark("card_date", "a time[datetime] in each card's meta line"),
    ),
    min_items={"announcement": 5},
    required_fields={"announcement": ("title", "url")},
    expected_fields={"announcement": ("published_on", "summary")},
)


def parse_listing(html: str, url: str = LISTING_URL) -> Iterator:
    """The scope report of one listing page, one Announcement per card, then the next page's Link."""
    soup = soup_of(html, url, source=SOURCE, landmark="news_cards")
    cards = soup.select("article.ecl-content-item")
    if not cards:
        raise ParseError(f"no news cards (article.ecl-content-item) on {url}", landmarks=("news_cards",))
    items = []
    for card in cards:
        link = card.select_one(".ecl-content-block__title a[href]") or card.find("a", href=True)
        title = clean(link)
        if link is None or not title:
            continue
        href = urljoin(url, link["href"])
        items.append(Announcement(
            source=SOURCE, key=f"{SOURCE}/{_slug(href)}", url=href, title=title,
            published_on=_card_date(card), summary=clean(card.select_one(".ecl-content-block__description")) or None,
            scope=SCOPE,
        ))
    if not items:
        raise ParseError(f"news cards on {url} have no title links", landmarks=("news_cards",))
    yield NEWS.report(SOURCE, url, complete=True, keys=[item.key for item in items])
    yield from items
    next_url = ecl_pager(soup, url)[0]
    if next_url:
        yield Link(next_url, rel="next")


def _card_date(card) -> str | None:
    """The date the card prints; the machine-readable datetime only when the text is unreadable.

    The attribute is UTC ("2026-09-14T22:00:00Z" for a story dated 15 September in Brussels), so
    the visible date wins when both are there.
    """
    time = card.find("time")
    if time is None:
        return None
    printed = parse_date(clean(time))
    if printed:
        return printed
    stamp = time.get("datetime", "")
    return stamp[:10] if len(stamp) >= 10 and stamp[4] == "-" else None


def _slug(url: str) -> str:
    return authority_key(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])


ROUTES = Routes(Route(r"^https://eu-mayors\.ec\.europa\.eu/en/news(?:\?page=\d+)?$", parse_listing, NEWS,
                      example=LISTING_URL, returns="items 6"))
