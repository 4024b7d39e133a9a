"""Extraction for uclg_events: UCLG's statutory cycle and other events. Text in, items out.

Three kinds of page (research/sites.md §2.4, research/markup.md §3.1):

- The Decidim GraphQL API of the events platform, `POST https://www.uclgmeets.org/api`: conferences
  (World Council 2025, Annual Retreat 2021 ...) with `startDate`/`endDate` ("YYYY-MM-DD") and a plain
  `location`, and the meetings of their Meetings components (`startTime`/`endTime` ISO 8601). Every
  conference is an Event; a meeting is one only when its title names a statutory body (a World
  Council's dozens of sessions are not events of the cycle, its "Executive Bureau" meeting is).
- Meeting pages `/conferences/{slug}/f/{component}/meetings/{id}` (the fallback when the API does
  not answer JSON): the schema.org Event in `<script type="application/ld+json">` first, the visible
  "October 16 2025 ... 16:00 - 18:00 UTC" block second. The meetings directory `/meetings/` links them.
- Old uclg.org pages `/en/media/events/{slug}` whose first line reads "29-30 October 2018. Buenos
  Aires (Argentina)", linked from `/en/media/events`.

Dates are what the page prints: a single day gives `ends_on` NULL (the page did not say when it
ends), a month without a day gives no date at all, never a guessed day.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import APPEND_ONLY, Event, Link, Scope
from kit.routing import Route, Routes
from kit.text import clean, key_part
from spiders.parsers.listing_page import linked_pages
from spiders.parsers.page import links_in, soup_of
from spiders.parsers.uclg_site import (OLD_HOSTS, country_code, date_range, edition_of, next_page,
                                       series_of, split_place, without_language)

logger = logging.getLogger(__name__)

SOURCE = "uclg_events"
API_URL = "https://www.uclgmeets.org/api"
MEETINGS_DIRECTORY = "https://www.uclgmeets.org/meetings/"
OLD_LISTING = "https://www.uclg.org/en/media/events"
PLATFORM_HOSTS = ("www.uclgmeets.org", "uclgmeets.org")
PLATFORM_SCOPE = f"events:{SOURCE}/uclgmeets"
OLD_SCOPE = f"events:{SOURCE}/uclg.org"
ORGANISER = "UCLG"
MEETINGS_PER_PAGE = 50  # uclgmeets' schema_max_per_page (research/markup.md §3.1)

# Append-only: an event that leaves a listing still took place.
PLATFORM = Scope(Event, APPEND_ONLY, PLATFORM_SCOPE)
OLD = Scope(Event, APPEND_ONLY, OLD_SCOPE)
# The API's own health: reported (as a failed page) only when the API fails and the meeting pages are read.
API = Scope(Event, APPEND_ONLY, f"events:{SOURCE}/uclgmeets-api")

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("api_json", 'a JSON answer {"data": {"conferences": [...]}} from the GraphQL API at /api'),
        Landmark("meeting_links", "links to /conferences/{slug}/f/{id}/meetings/{id} in the meetings directory"),
        Landmark("event_title", "an event title (<h1>, or the JSON-LD Event's name)"),
        Landmark("event_links", "links to /en/media/events/{slug} in the old events listing"),
        Landmark("date_line", 'a first line such as "29-30 October 2018. Buenos Aires (Argentina)"'),
    ),
    min_items={"event": 3},
    required_fields={"event": ("title", "url")},
    expected_fields={"event": ("starts_on",)},
)

# A GraphQL query for every conference with the first page of its meetings (own outline of the
# Decidim 0.27-0.29 schema: research/markup.md §3.1). `translations` covers a title with no English.
_TRANSLATED = "{ translation(locale: \"en\") translations { locale text } }"
_MEETING_FIELDS = (f"id url title {_TRANSLATED} startTime endTime typeOfMeeting address "
                   f"location {_TRANSLATED} isWithdrawn privateMeeting")
CONFERENCES_QUERY = (
    "query { conferences { id slug startDate endDate location title " + _TRANSLATED +
    " components(filter: {type: \"Meetings\"}) { id __typename ... on Meetings { meetings(first: "
    f"{MEETINGS_PER_PAGE}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {_MEETING_FIELDS} }} }} }} }} }} }}"
)
COMPONENT_QUERY = (
    "query($id: ID!, $after: String) { component(id: $id) { id __typename ... on Meetings { meetings(first: "
    f"{MEETINGS_PER_PAGE}, after: $after) {{ pageInfo {{ hasNextPage endCursor }} "
    f"nodes {{ {_MEETING_FIELDS} }} }} }} }} }}"
)

_MEETING_PATH = re.compile(r"^/(?:conferences|processes|assemblies)/(?P<space>[^/]+)/f/(?P<component>\d+)/meetings/"
                           r"(?P<id>\d+)/?$")
_OLD_EVENT_PATH = re.compile(r"^/media/events/(?P<slug>[^/?#]+)/?$")


@dataclass
class ApiAnswer:
    """What one API answer says: its events, and the meeting pages still to ask for."""

    events: list[Event]
    more: list[tuple[str, str, dict]] = field(default_factory=list)  # (component id, cursor, conference context)
    gaps: list[str] = field(default_factory=list)


class NotJson(ParseError):
    """The API answered something that is not the JSON it should (an HTML page, an error body)."""


# --- keys ------------------------------------------------------------------------------------------

def conference_key(slug: str) -> str:
    return f"{SOURCE}/uclgmeets/{key_part(slug)}"


def meeting_key(meeting_id: str) -> str:
    return f"{SOURCE}/uclgmeets/meeting-{meeting_id}"


def old_event_key(url: str) -> str:
    match = _OLD_EVENT_PATH.match(without_language(urlsplit(url).path))
    slug = match.group("slug") if match else urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return f"{SOURCE}/{key_part(slug)}"


# --- the GraphQL API -------------------------------------------------------------------------------

def graphql_body(query: str, variables: dict | None = None) -> str:
    return json.dumps({"query": query, "variables": variables or {}})


def read_api(text: str, url: str = API_URL, *, conference: dict | None = None) -> ApiAnswer:
    """Events from one API answer: the conferences query, or a component's next page of meetings
    (then `conference` is the {slug, title} the component belongs to).

    Raises NotJson when the answer is not JSON (a login page, a proxy's HTML error) or carries
    GraphQL errors and no data: the caller falls back to the meeting pages.
    """
    try:
        payload = json.loads(text)
    except (TypeError, ValueError):
        start = clean(text)[:60] if isinstance(text, str) else ""
        raise NotJson(f"{SOURCE}: {url} did not answer JSON (it starts {start!r})", landmarks=("api_json",)) from None
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict) or not (data.get("conferences") is not None or data.get("component") is not None):
        errors = "; ".join(str(e.get("message", e)) for e in (payload.get("errors") or [])
                           if isinstance(e, dict)) if isinstance(payload, dict) else ""
        raise NotJson(f"{SOURCE}: {url} answered JSON without data ({errors or 'no conferences'})",
                      landmarks=("api_json",))
    answer = ApiAnswer(events=[])
    if data.get("component") is not None:
        _read_meetings(data["component"], conference or {}, url, answer)
        return answer
    for item in data["conferences"] or []:
        if not isinstance(item, dict) or not item.get("slug"):
            continue
        title = _translated(item.get("title"))
        context = {"slug": item["slug"], "title": title}
        if title:
            answer.events.append(_conference_event(item, title, url))
        else:
            answer.gaps.append(f"conference {item['slug']} has no title in any language; not recorded")
        for component in item.get("components") or []:
            _read_meetings(component, context, url, answer)
    for gap in answer.gaps:
        logger.info("%s: %s", SOURCE, gap)
    return answer


def _conference_event(item: dict, title: str, api_url: str) -> Event:
    city, country = split_place(item.get("location"))
    starts_on, ends_on = _iso_day(item.get("startDate")), _iso_day(item.get("endDate"))
    return Event(source=SOURCE, key=conference_key(item["slug"]),
                 url=f"https://www.uclgmeets.org/conferences/{item['slug']}", title=title,
                 starts_on=starts_on, ends_on=ends_on, city=city, country=country, organiser=ORGANISER,
                 series=series_of(title), edition=edition_of(title), scope=PLATFORM_SCOPE)


def _read_meetings(component: dict, conference: dict, api_url: str, answer: ApiAnswer) -> None:
    meetings = component.get("meetings") if isinstance(component, dict) else None
    if not isinstance(meetings, dict):
        return
    for node in meetings.get("nodes") or []:
        event = _meeting_event(node, conference, component.get("id"))
        if event is not None:
            answer.events.append(event)
    info = meetings.get("pageInfo") or {}
    if info.get("hasNextPage") and info.get("endCursor"):
        answer.more.append((str(component.get("id")), info["endCursor"], conference))


def _meeting_event(node: dict, conference: dict, component_id) -> Event | None:
    """A meeting of the statutory cycle as an Event; None for any other session or a withdrawn one."""
    title = _translated(node.get("title"))
    series = series_of(title)
    if series is None or node.get("isWithdrawn") or node.get("privateMeeting"):
        return None
    url = node.get("url") or (f"https://www.uclgmeets.org/conferences/{conference.get('slug')}/f/{component_id}"
                              f"/meetings/{node.get('id')}")
    city, country = _address_place(node.get("address"))
    return Event(source=SOURCE, key=meeting_key(str(node.get("id"))), url=url, title=title,
                 starts_on=_iso_day(node.get("startTime")), ends_on=_iso_day(node.get("endTime")),
                 city=city, country=country, organiser=ORGANISER, series=series,
                 edition=edition_of(title) or edition_of(conference.get("title")), scope=PLATFORM_SCOPE)


def _translated(field_value) -> str | None:
    """English when there is English, else the first translation there is (a title stays a title)."""
    if isinstance(field_value, str):
        return clean(field_value) or None
    if not isinstance(field_value, dict):
        return None
    if clean(field_value.get("translation")):
        return clean(field_value["translation"])
    for entry in field_value.get("translations") or []:
        if isinstance(entry, dict) and clean(entry.get("text")):
            return clean(entry["text"])
    return None


def _iso_day(value) -> str | None:
    """The calendar day of "2025-10-16" or "2021-11-18T09:30:00+01:00", as the site wrote it."""
    match = re.match(r"^(\d{4}-\d{2}-\d{2})(?:$|T)", value or "") if isinstance(value, str) else None
    return match.group(1) if match else None


def _address_place(address: str | None) -> tuple[str | None, str | None]:
    """(city, country) from a street address "Plaça de Sant Jaume 1, 08002 Barcelona, Spain"."""
    parts = [p.strip() for p in (address or "").split(",") if p.strip()]
    if len(parts) >= 2 and country_code(parts[-1]):
        city = re.sub(r"^[\dA-Z-]*\d[\dA-Z-]*\s+", "", parts[-2])  # the postcode before the city
        return city or None, country_code(parts[-1])
    return None, None


def parse_api(text: str, url: str = API_URL) -> Iterator:
    """The API answer as `glocal parse` shows it: the scope report, then the events."""
    answer = read_api(text, url)
    more = "more meetings than one page; the next pages are separate requests" if answer.more else None
    yield PLATFORM.report(SOURCE, url, complete=not answer.more, keys=[e.key for e in answer.events], reason=more)
    yield from answer.events


# --- meeting pages (the fallback) ------------------------------------------------------------------

def meeting_urls(html: str, url: str = MEETINGS_DIRECTORY, *, statutory_only: bool = True) -> list[str]:
    """Meeting pages linked from the meetings directory, once each, without /versions/ pages.

    With `statutory_only`, only the cards whose text names a statutory body, as the API path keeps
    only those meetings: the fallback must not turn every session of a conference into an event.
    """
    soup = _require_html(html, url)
    main = soup.find("main") or soup.body or soup
    urls: dict[str, str] = {}
    for link in main.find_all("a", href=True):
        target = urljoin(url, link["href"].strip()).split("?")[0].split("#")[0]
        parts = urlsplit(target)
        match = _MEETING_PATH.match(parts.path)
        if parts.hostname in PLATFORM_HOSTS and match and (not statutory_only or series_of(clean(link))):
            urls.setdefault(match.group("id"), target)
    return list(urls.values())


def parse_meeting(html: str, url: str) -> Iterator[Event]:
    """One meeting page as an Event: JSON-LD first, the visible date block second.

    Every meeting page read is an Event (the fallback has no conference titles to judge by);
    `series` says whether it belongs to the statutory cycle.
    """
    soup = _require_html(html, url)
    match = _MEETING_PATH.match(urlsplit(url).path)
    key = meeting_key(match.group("id")) if match else f"{SOURCE}/uclgmeets/{key_part(urlsplit(url).path)}"
    event = _json_ld_event(soup)
    title = clean(event.get("name")) if event else ""
    title = title or clean((soup.find("main") or soup).find("h1"))
    if not title:
        raise ParseError(f"{SOURCE}: no title on {url} ({EXPECTATIONS.describe('event_title')})",
                         landmarks=("event_title",))
    if event:
        starts_on, ends_on = _iso_day(event.get("startDate")), _iso_day(event.get("endDate"))
        city, country = _json_ld_place(event.get("location"))
    else:
        main = soup.find("main") or soup
        calendar = main.find(class_=re.compile(r"calendar")) or main
        starts_on, _, _ = date_range(clean(calendar))
        ends_on = starts_on if starts_on and re.search(r"\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}", clean(calendar)) else None
        address = main.find("address")
        street = clean(address.find_all("span")[-1]) if address and address.find("span") else None
        city, country = _address_place(street)
        if starts_on is None:
            logger.info("%s: no date on %s; kept without a date", SOURCE, url)
    # The page title reads "{meeting} - {conference} - UCLG Meets": the conference names the edition.
    conference = clean(soup.title).split(" - ")[1:-1]
    yield Event(source=SOURCE, key=key, url=url, title=title, starts_on=starts_on, ends_on=ends_on, city=city,
                country=country, organiser=ORGANISER, series=series_of(title),
                edition=edition_of(title) or edition_of(" - ".join(conference)), scope=PLATFORM_SCOPE)


def _json_ld_event(soup: BeautifulSoup) -> dict | None:
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.string or "")
        except ValueError:
            continue
        for candidate in data if isinstance(data, list) else [data]:
            if isinstance(candidate, dict) and candidate.get("@type") == "Event":
                return candidate
    return None


def _json_ld_place(location) -> tuple[str | None, str | None]:
    for place in location if isinstance(location, list) else [location]:
        if isinstance(place, dict) and place.get("@type") == "Place":
            address = place.get("address") or {}
            if isinstance(address, dict):
                country = address.get("addressCountry")
                code = country if isinstance(country, str) and len(country) == 2 else country_code(country)
                return clean(address.get("addressLocality")) or None, code.upper() if code else None
    return None, None


# --- old uclg.org event pages ------------------------------------------------------------------------

def old_event_urls(html: str, url: str = OLD_LISTING) -> list[str]:
    """Event pages the old listing links from its main content, once each, in English."""
    return _old_event_urls(_require_html(html, url), url)


def _old_event_urls(soup, url: str) -> list[str]:
    main = soup.find(id="main") or soup.find("main") or soup.body or soup
    urls: dict[str, str] = {}
    for target, parts, _ in links_in(main, url):
        if parts.hostname in OLD_HOSTS and _OLD_EVENT_PATH.match(without_language(parts.path)):
            urls.setdefault(old_event_key(target), target)
    return list(urls.values())


def old_listing_next(html: str, url: str = OLD_LISTING) -> str | None:
    """The old events listing's next page (Drupal pager), when there is one."""
    return _old_listing_next(_require_html(html, url), url)


def _old_listing_next(soup, url: str) -> str | None:
    return next_page(soup.find(id="main") or soup.find("main") or soup, url)


def read_old_listing(html: str, url: str = OLD_LISTING) -> tuple[list[str], str | None]:
    """`old_event_urls` and `old_listing_next` of one page, from one tree."""
    soup = _require_html(html, url)
    return _old_event_urls(soup, url), _old_listing_next(soup, url)


def parse_old_listing(html: str, url: str = OLD_LISTING) -> Iterator:
    """The old events listing: the scope report naming the event pages it links."""
    urls, following = read_old_listing(html, url)
    yield from linked_pages(OLD, SOURCE, url, urls, old_event_key, landmark="event_links",
                            missing="no /en/media/events/{slug} links")
    if urls and following:
        yield Link(following, rel="next")


def parse_old_event(html: str, url: str) -> Iterator[Event]:
    """An old event page: the title, then the line "29-30 October 2018. Buenos Aires (Argentina)"."""
    soup = _require_html(html, url)
    main = soup.find(id="main") or soup.find("main") or soup.body or soup
    title = clean(main.find("h1")) or re.sub(r"\s*\|.*$", "", clean(soup.title))
    if not title:
        raise ParseError(f"{SOURCE}: no title on {url} ({EXPECTATIONS.describe('event_title')})",
                         landmarks=("event_title",))
    heading = main.find("h1")
    lines = [clean(p) for p in (heading.find_all_next("p") if heading else main.find_all("p")) if clean(p)]
    first = lines[0] if lines else ""
    starts_on, ends_on, printed = date_range(first)
    city = country = None
    if printed is not None:
        place = first[first.find(printed) + len(printed):].lstrip(" .,;:–-")
        city, country = split_place(place.split(". ")[0]) if place else (None, None)
    else:
        # The first line may still name the place after an unreadable date ("October 2016. Bogotá (Colombia)").
        head, _, place = first.partition(". ")
        if place and re.search(r"\d{4}", head):
            city, country = split_place(place.split(". ")[0])
    if starts_on is None:
        logger.info("%s: no date on the first line of %s (%r); kept without a date", SOURCE, url, first[:80])
    yield Event(source=SOURCE, key=old_event_key(url), url=url, title=title, starts_on=starts_on, ends_on=ends_on,
                city=city, country=country, organiser=ORGANISER, series=series_of(title), edition=edition_of(title),
                scope=OLD_SCOPE)


# --- shared ----------------------------------------------------------------------------------------

_require_html = partial(soup_of, source=SOURCE, landmark="html")


def parse_directory(html: str, url: str = MEETINGS_DIRECTORY) -> Iterator:
    """The meetings directory as `glocal parse` shows it: the statutory meetings it links."""
    urls = meeting_urls(html, url)
    yield PLATFORM.report(SOURCE, url, complete=bool(urls),
                          keys=[meeting_key(_MEETING_PATH.match(urlsplit(u).path).group("id")) for u in urls],
                          landmarks_missing=[] if urls else ["meeting_links"],
                          reason=None if urls else f"no statutory meeting links on {url}")
    for meeting in urls:
        yield Link(meeting)


ROUTES = Routes(
    Route(r"//(?:www\.)?uclgmeets\.org/api(?:\?|$)", parse_api, PLATFORM, format="json",
          example=API_URL, returns="items 8"),
    Route(r"//(?:www\.)?uclgmeets\.org/(?:conferences|processes|assemblies)/[^/]+/f/\d+/meetings/\d+/?$",
          parse_meeting, PLATFORM,
          example="https://www.uclgmeets.org/conferences/WorldCouncil2025/f/1460/meetings/2226"),
    Route(r"//(?:www\.)?uclgmeets\.org/meetings/?(?:\?|$)", parse_directory, PLATFORM,
          example=MEETINGS_DIRECTORY, returns="requests 2"),
    Route(r"/media/events/[^/?#]+/?$", parse_old_event, OLD,
          example="https://www.uclg.org/en/media/events/urban-20-mayors-summit"),
    Route(r"/media/events/?(?:\?|$)", parse_old_listing, OLD, example=OLD_LISTING, returns="requests 7"),
)
