"""Extraction for unhabitat_news: UN-Habitat's news listing (/news-and-stories?page=N). No Scrapy, no clock.

The current card markup is not documented (research/markup.md §4.2), so stories are read by what
they say: every link to an article `/news/{DD-mon-YYYY}/{slug}` is a story, its entry the block
around it; the entry's date line ("October 31st, 2020") is the published date, the URL's date the
fallback; the teaser is the entry's longest other text. Stories in Spanish, French or Portuguese
are mixed into the list and kept as they are.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from bs4 import Tag

from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import APPEND_ONLY, Announcement, Scope
from kit.routing import Routes
from kit.text import clean
from spiders.parsers.listing_page import ListingPage, PagedList, next_link
from spiders.parsers.page import MARKUP_TAGS, soup_of

SOURCE = "unhabitat_news"
START_URL = "https://unhabitat.org/news-and-stories"
LISTING_SCOPE = f"announcements:{SOURCE}"

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("story_links", "links to stories at /news/{DD-mon-YYYY}/{slug}"),
        Landmark("date_line", 'a date line under each story title, such as "October 31st, 2020"'),
    ),
    min_items={"announcement": 5},
    required_fields={"announcement": ("title", "url")},
    expected_fields={"announcement": ("published_on",)},
)

_STORY = re.compile(r"^/news/(?P<day>\d{2})-(?P<month>[a-z]{3})-(?P<year>\d{4})/(?P<slug>[^/?#]+)/?$")
_DATE_LINE = re.compile(r"^(?P<month>[A-Z][a-z]+)\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,\s*(?P<year>\d{4})$")
_MONTHS_OTHER = {  # the listing prints English months; a translated story may print its own
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}


def published_date(text: str) -> str | None:
    """ISO date of a printed date line: "October 31st, 2020", "February 2nd, 2022"."""
    match = _DATE_LINE.match(clean(text))
    if not match:
        match = re.match(r"^(?P<day>\d{1,2})\s+de\s+(?P<month>[a-z]+)\s+de\s+(?P<year>\d{4})$", clean(text).lower())
        if not match or match["month"] not in _MONTHS_OTHER:
            return None
        month = _MONTHS_OTHER[match["month"]]
        try:
            return datetime(int(match["year"]), month, int(match["day"])).date().isoformat()
        except ValueError:
            return None
    try:
        return datetime.strptime(f"{match['day']} {match['month']} {match['year']}", "%d %B %Y").date().isoformat()
    except ValueError:
        return None


def url_date(url: str) -> str | None:
    match = _STORY.match(urlsplit(url).path)
    if not match:
        return None
    try:
        return datetime.strptime(f"{match['day']} {match['month']} {match['year']}", "%d %b %Y").date().isoformat()
    except ValueError:
        return None


def parse_page(html: str, url: str) -> ListingPage:
    soup = soup_of(html, url, source=SOURCE, landmark="story_links", tags=MARKUP_TAGS)
    main = soup.find("main") or soup.body or soup
    by_url: dict[str, list[Tag]] = {}
    for link in main.find_all("a", href=True):
        target = urljoin(url, link["href"].strip())
        parts = urlsplit(target)
        if parts.hostname in ("unhabitat.org", "www.unhabitat.org") and _STORY.match(parts.path):
            by_url.setdefault(f"https://unhabitat.org{parts.path.rstrip('/')}", []).append(link)
    if not by_url:
        raise ParseError(f"{SOURCE}: no links to /news/{{date}}/{{slug}} stories on {url}", landmarks=("story_links",))
    page = ListingPage()
    for story_url, links in by_url.items():
        entry = _entry_of(links[0], set(by_url))
        title = max((clean(a) for a in links), key=len)
        chunks = [clean(s) for s in entry.stripped_strings if clean(s) and clean(s) != title]
        printed = next((c for c in chunks if published_date(c)), None)
        published_on = published_date(printed) if printed else url_date(story_url)
        if printed is None:
            page.gaps.append(f"{story_url}: no date line; the date in its URL is used")
        teaser = max((c for c in chunks if c != printed and c.lower() not in ("read more", "more")), key=len,
                     default=None)
        # The key is the story's own path (/news/{date}/{slug}), so the story URL can always be rebuilt
        # from it: https://unhabitat.org/news/{key without the source}. `url` is the listing page
        # that showed it (the capture that dates first_seen_at).
        key = f"{SOURCE}/{urlsplit(story_url).path.removeprefix('/news/')}"
        slug = key.rsplit("/", 1)[-1]
        page.items.append(Announcement(source=SOURCE, key=key, url=url, title=title or slug,
                                       published_on=published_on, summary=teaser,
                                       scope=LISTING_SCOPE))
    page.next_url = next_link(soup, url)
    return page


def _entry_of(link: Tag, story_urls: set[str]) -> Tag:
    entry = link
    for parent in link.parents:
        if parent.name in ("main", "body", "html", "[document]"):
            break
        targets = {f"https://unhabitat.org{urlsplit(urljoin('https://unhabitat.org/', a['href'])).path.rstrip('/')}"
                   for a in parent.find_all("a", href=True)}
        if len(targets & story_urls) > 1:
            break
        entry = parent
    return entry


NEWS = Scope(Announcement, APPEND_ONLY, LISTING_SCOPE)
LISTING = PagedList(START_URL, NEWS, parse_page)
ROUTES = Routes(LISTING.route(r"^https://unhabitat\.org/news-and-stories", returns="items 5"))
