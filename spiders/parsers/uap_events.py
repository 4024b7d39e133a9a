"""Extraction for uap_events: the Urban Agenda Platform's event list (/event-list?page=N). No Scrapy, no clock.

No markup of the list is documented (research/markup.md §4.3): events are read by their text, a
date range "05 Jul 2022 to 12 Jul 2022" (or one date) followed by the title, a link to the event
page, a place line "City, Country" when given, and a description. World Urban Forum sessions are
recognised as one series with their edition ("WUF11").
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from bs4 import Tag

from places.countries import country_code
from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import APPEND_ONLY, Event, Scope
from kit.routing import Routes
from kit.text import clean, slugify
from spiders.parsers.listing_page import ListingPage, PagedList, next_link
from spiders.parsers.page import MARKUP_TAGS, soup_of

SOURCE = "uap_events"
START_URL = "https://www.urbanagendaplatform.org/event-list"
LISTING_SCOPE = f"events:{SOURCE}"
WUF = "World Urban Forum"

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("date_range", 'a date line "DD Mon YYYY to DD Mon YYYY" (or one "DD Mon YYYY") per event'),
        Landmark("event_link", "a link to the event's own page after its date line"),
    ),
    min_items={"event": 5},
    required_fields={"event": ("title", "url")},
    expected_fields={"event": ("starts_on",)},
)

_DATE = r"\d{1,2}\s+[A-Z][a-z]{2,8}\.?\s+\d{4}"
_RANGE = re.compile(rf"^(?P<start>{_DATE})(?:\s*(?:to|-|–)\s*(?P<end>{_DATE}))?$")
_WUF_NUMBER = re.compile(r"\bWUF\s?(\d{1,2})\b", re.I)
_ORDINALS = {w: i for i, w in enumerate(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth".split())}
_PLACE = re.compile(r"^(?P<city>[^,]{2,60}),\s*(?P<country>[^,]{2,60})$")


def day(text: str) -> str | None:
    text = clean(text).replace(".", "")
    for form in ("%d %b %Y", "%d %B %Y"):
        try:
            return datetime.strptime(text, form).date().isoformat()
        except ValueError:
            continue
    return None


_SESSION = re.compile(r"^(?:the\s+)?(?:(?P<ordinal>\w+)\s+session\s+of\s+the\s+)?world\s+urban\s+forum\b"
                      r"(?:\s*\(?\s*(?:WUF\s?)?(?P<n1>\d{1,2})(?!\d)\)?)?|^WUF\s?(?P<n2>\d{1,2})\b", re.I)


def series_of(title: str) -> tuple[str | None, str | None]:
    """("World Urban Forum", "WUF11") when the title names a session of the Forum itself
    ("Twelfth Session of the World Urban Forum", "WUF11: ...", "World Urban Forum (WUF13)");
    a side event ("Road to WUF12 ...") is not a session."""
    match = _SESSION.match(clean(title))
    if not match:
        return None, None
    number = match["n1"] or match["n2"] or (_WUF_NUMBER.search(title).group(1) if _WUF_NUMBER.search(title) else None)
    if number:
        return WUF, f"WUF{int(number)}"
    ordinal = (match["ordinal"] or "").lower()
    if ordinal in _ORDINALS:
        return WUF, f"WUF{_ORDINALS[ordinal]}"
    digits = re.match(r"(\d{1,2})(?:st|nd|rd|th)$", ordinal)
    return WUF, f"WUF{int(digits.group(1))}" if digits else None


def parse_page(html: str, url: str) -> ListingPage:
    soup = soup_of(html, url, source=SOURCE, landmark="date_range", tags=MARKUP_TAGS)
    main = soup.find("main") or soup.body or soup
    page = ListingPage()
    for line in main.find_all(string=lambda s: bool(_RANGE.match(clean(s)))):
        element = line.parent
        match = _RANGE.match(clean(line))
        link = element.find_next("a", href=True)
        while link is not None and not _is_event_link(link, url):
            link = link.find_next("a", href=True)
        if link is None:
            page.gaps.append(f"an event dated {clean(line)!r} has no link to its page")
            continue
        entry = _entry_of(element, link)
        title = clean(link)
        chunks = [clean(s) for s in entry.stripped_strings if clean(s) and clean(s) not in (title, clean(line))]
        place = next((_PLACE.match(c) for c in chunks if _PLACE.match(c) and country_code(_PLACE.match(c)["country"])),
                     None)
        series, edition = series_of(title)
        target = urljoin(url, link["href"].strip())
        slug = urlsplit(target).path.rstrip("/").rsplit("/", 1)[-1] or slugify(title)
        start, end = day(match["start"]), day(match["end"]) if match["end"] else None
        if start is None:
            page.gaps.append(f"{target}: {clean(line)!r} is not a date; recorded without one")
        page.items.append(Event(
            source=SOURCE, key=f"{SOURCE}/{slug}", url=url, title=title, starts_on=start, ends_on=end or start,
            city=place["city"].strip() if place else None,
            country=country_code(place["country"]) if place else None,
            organiser=None, series=series, edition=edition, scope=LISTING_SCOPE,
        ))
    if not page.items:
        raise ParseError(f"{SOURCE}: no event with a date line ('05 Jul 2022 to 12 Jul 2022') and a link on {url}",
                         landmarks=("date_range", "event_link"))
    page.next_url = next_link(soup, url)
    return page


def _is_event_link(link: Tag, base: str) -> bool:
    target = urlsplit(urljoin(base, link["href"]))
    return target.hostname in ("www.urbanagendaplatform.org", "urbanagendaplatform.org") and (
        "/event" in target.path and "event-list" not in target.path)


def _entry_of(element: Tag, link: Tag) -> Tag:
    """The smallest ancestor holding both the date line and the link."""
    for parent in element.parents:
        if link in parent.descendants:
            return parent
    return element


EVENTS = Scope(Event, APPEND_ONLY, LISTING_SCOPE)
LISTING = PagedList(START_URL, EVENTS, parse_page)
ROUTES = Routes(LISTING.route(r"urbanagendaplatform\.org/event-list", returns="items 5"))
