"""Extraction for covenant_events: the eu-mayors events grid and event pages in, events out.

Listing (research/markup.md §1.3): `div.views-view-grid > div.views-row`, each with an ECL
date block `time > span.ecl-date-block__day` ("12" or a range "12-14"),
`abbr.ecl-date-block__month` ("Sep", the full name in its title), `span.ecl-date-block__year`,
the title in `h1 > a[href]`, and the place as the first `li` of `div.ecl-content-block__description`.
Detail (§1.4): `div#event-practical-information dl` with `dt` "Where" / "When" / "Organiser";
"When" holds two `<time>` elements printed "Weekday D Month YYYY, HH:MM".

A day range takes its month and year from the same block; a range whose end day is smaller
than its start ("30-2") ends in the next month. Events are an append-only listing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import urljoin, urlsplit

from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import APPEND_ONLY, Event, Link, Scope
from kit.routing import Route, Routes
from kit.text import clean, parse_date
from spiders.parsers import covenant as com
from spiders.parsers.page import soup_of

SOURCE = "covenant_events"
LISTING_URL = "https://eu-mayors.ec.europa.eu/en/events"
SCOPE = f"events:{SOURCE}"
EVENTS = Scope(Event, APPEND_ONLY, SCOPE)  # an event that leaves the listing still took place
ONLINE = re.compile(r"^(?:online|virtual|web(?:inar)?)\b", re.I)

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("event_rows", "event cards (div.views-view-grid > div.views-row) with an h1 title link"),
        Landmark("date_block", "an ECL date block (day, month, year) in each card"),
        Landmark("practical_information", 'an event page\'s "Where / When / Organiser" details'),
    ),
    min_items={"event": 3},
    required_fields={"event": ("title", "url")},
    expected_fields={"event": ("starts_on",)},
)
_MONTHS = {name: number for number, name in enumerate(
    "january february march april may june july august september october november december".split(), 1)}


def parse_listing(html: str, url: str = LISTING_URL) -> Iterator:
    """The listing's report, one Event per card (dates from the date block), a Link to each
    event's page (which completes the card), and the next listing page.

    The report leaves the list open (complete=False): the events are written together once their
    pages have been read, so an event's page, read after its card, decides its fields.
    """
    soup = soup_of(html, url, source=SOURCE, landmark="event_rows")
    rows = soup.select("div.views-view-grid div.views-row") or soup.select("div.views-row")
    events = [event for event in (_card(row, url) for row in rows) if event]
    if not events:
        raise ParseError(f"no event cards with a title link on {url}", landmarks=("event_rows",))
    yield EVENTS.report(SOURCE, url, complete=False, keys=[e.key for e in events],
                        reason="the cards are completed by the event pages")
    yield from events
    for event in events:
        yield Link(event.url)
    next_url = com.ecl_pager(soup, url)[0]
    if next_url:
        yield Link(next_url, rel="next")


def _card(row, base_url: str) -> Event | None:
    link = row.select_one("h1 a[href]") or row.select_one("h2 a[href], h3 a[href]")
    title = clean(link)
    if link is None or not title:
        return None
    url = urljoin(base_url, link["href"])
    starts_on, ends_on = date_block(row.find("time"))
    place = row.select_one("div.ecl-content-block__description li")
    city, country = split_place(clean(place)) if place else (None, None)
    return Event(source=SOURCE, key=event_key(url), url=url, title=title, starts_on=starts_on, ends_on=ends_on,
                 city=city, country=country, scope=SCOPE)


def event_key(url: str) -> str:
    return f"{SOURCE}/{com.authority_key(urlsplit(url).path.rstrip('/').rsplit('/', 1)[-1])}"


def date_block(time) -> tuple[str | None, str | None]:
    """(starts_on, ends_on) of an ECL date block; a single day starts and ends that day."""
    if time is None:
        return None, None
    day = clean(time.select_one(".ecl-date-block__day"))
    month_node = time.select_one(".ecl-date-block__month")
    year = clean(time.select_one(".ecl-date-block__year"))
    month = _month(month_node.get("title") if month_node is not None and month_node.get("title") else clean(month_node))
    days = re.findall(r"\d{1,2}", day)
    if not (days and month and re.fullmatch(r"\d{4}", year)):
        return None, None
    first, last = int(days[0]), int(days[-1])
    try:
        start = date(int(year), month, first)
        end_month, end_year = (month, int(year)) if last >= first else ((month % 12) + 1, int(year) + (month == 12))
        end = date(end_year, end_month, last)
    except ValueError:
        return None, None
    return start.isoformat(), end.isoformat()


def _month(text: str | None) -> int | None:
    text = clean(text).casefold().rstrip(".")
    if not text:
        return None
    for name, number in _MONTHS.items():
        if name.startswith(text[:3]) and len(text) >= 3:
            return number
    return None


def split_place(text: str) -> tuple[str | None, str | None]:
    """("Brussels", "BE") from "Brussels, Belgium"; online events have no city."""
    text = clean(text)
    if not text or ONLINE.match(text):
        return None, None
    head, _, tail = text.rpartition(",")
    if head:
        code, _problem = com.country_code(tail)
        if code:
            return clean(head), code
    return text, None


def parse_detail(html: str, url: str) -> Event:
    """The event page: title, When (two <time>), Where and Organiser from the practical information."""
    soup = soup_of(html, url, source=SOURCE, landmark="practical_information")
    details = soup.select_one("#event-practical-information")
    if details is None:
        raise ParseError(f"no practical information (Where / When / Organiser) on {url}",
                         landmarks=("practical_information",))
    fields = {}
    for term in details.find_all("dt"):
        value = term.find_next_sibling("dd")
        if value is not None:
            fields[clean(term).casefold().rstrip(":")] = value
    when = fields.get("when")
    times = [parse_date(_without_clock(clean(t))) for t in when.find_all("time")] if when else []
    times = [t for t in times if t]
    city, country = split_place(clean(fields.get("where"))) if fields.get("where") else (None, None)
    heading = soup.find("h1")
    return Event(source=SOURCE, key=event_key(url), url=url, title=clean(heading) or url,
                 starts_on=times[0] if times else None, ends_on=times[-1] if times else None,
                 city=city, country=country, organiser=clean(fields.get("organiser")) or None, scope=SCOPE)


def parse_event(html: str, url: str) -> Iterator[Event]:
    """An event page as items (its route's parse function)."""
    yield parse_detail(html, url)


def _without_clock(text: str) -> str:
    """ "Tuesday 14 October 2026, 09:30" -> "14 October 2026" (dateparser would read the clock too)."""
    text = re.sub(r",?\s*\d{1,2}[:.]\d{2}.*$", "", text)
    return re.sub(r"^[A-Za-z]+day,?\s+", "", text)


ROUTES = Routes(
    Route(r"^https://eu-mayors\.ec\.europa\.eu/en/events(?:\?page=\d+)?$", parse_listing, EVENTS,
          example=LISTING_URL, returns="items 4"),
    Route(r"^https://eu-mayors\.ec\.europa\.eu/en/events/[^/?#]+$", parse_event, EVENTS,
          example="https://eu-mayors.ec.europa.eu/en/events/european-week-regions-and-cities-2026"),
)
