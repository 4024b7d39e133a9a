"""Extraction for uclg_declarations: UCLG's declarations, charters and pacts. HTML in, items out.

UCLG's instruments (research/sites.md §2.3) are adopted by its statutory bodies (World Congress,
World Council, Executive Bureau), not signed city by city, so each is an Instrument whose issuer is
the adopting body, with the day, place and event of adoption where the page states them. Only the
Rome Charter 2020 lists cities that adhered: those are its Signatures (a roster, with the page's
"More than 45 cities" as its stated count).

No UCLG page lists every declaration (they are spread over news items, the events platform and
issuu), so the set of instruments is **append-only**: a declaration missing from a run is not
removed. A new one surfaces when a news post whose title names a declaration/charter/pact/commitment
says it was adopted; a post merely about one ("Consultations for the Pact ...", "to be adopted")
yields nothing.

Identity: an instrument's key is its name as printed ("Rabat Declaration" -> `rabat-declaration`),
so the news item and the document page of one declaration are one instrument.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import partial
from urllib.parse import urljoin, urlsplit

from bs4 import Tag

from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import APPEND_ONLY, ROSTER, CountClaim, Instrument, Link, Scope, Signature
from kit.routing import Route, Routes
from kit.text import clean, key_part, name_key, split_names
from spiders.parsers import uclg_events, uclg_news
from spiders.parsers.page import links_in, soup_of
from spiders.parsers.uclg_site import (OLD_HOSTS, country_code, date_range, last_segment, main_content, series_of,
                                       without_language)

logger = logging.getLogger(__name__)

SOURCE = "uclg_declarations"
INSTRUMENTS_SCOPE = f"instruments:{SOURCE}"
NEWS_LISTING = "https://uclg.org/new/"

# The pages of the instruments of sites.md §2.3 (the first generation's URL where one is known).
INSTRUMENT_PAGES = (
    "https://www.uclg.org/en/media/news/local-and-regional-leaders-close-world-summit-rabat-declaration",
    "https://www.uclg.org/en/media/news/bogota-commitment-and-action-agenda",
    "https://uclg.org/new/the-durban-political-declaration/",
    "https://uclg.org/rome-charter-2020/",
    "https://www.uclgmeets.org/processes/PactFutureHumanity",
    "https://www.uclg.org/en/media/news/lampedusa-charter-presented-daejeon",
)

# Append-only: no page states every UCLG declaration, so absence says nothing (see the module docstring).
INSTRUMENTS = Scope(Instrument, APPEND_ONLY, INSTRUMENTS_SCOPE)
# A roster: the page lists the adhering cities and states their count. Its name comes from the
# instrument the page names ("signatures:" + the instrument's key), given in parse_instrument.
ADHERENTS = Scope(Signature, ROSTER, f"signatures:{SOURCE}/", landmark="adopters_list")

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("instrument_name", 'a title naming the instrument ("… Declaration", "… Charter", '
                                    '"… Commitment", "Pact for the Future")'),
        Landmark("adopters_list", 'a heading "Cities that have adhered …" followed by the list of cities'),
        Landmark("post_links", "links to /new/{slug}/ posts in the main content of the news listing"),
    ),
    min_items={"instrument": 5},
    required_fields={"instrument": ("title", "url"), "signature": ("actor_name", "instrument_key")},
    expected_fields={"instrument": ("issuer",)},
)

_KINDS = ("Declaration", "Charter", "Commitment", "Pact")
# "Pact for the Future (of Humanity)"; "{Place} [Political] Declaration|Charter|Commitment"; "Charter of {Place}".
_NAME_PATTERNS = (
    re.compile(r"\bPact\s+for\s+the\s+Future\b"),
    re.compile(r"\b(?P<place>[A-ZÀ-Ý][\w’'.-]+(?:\s+[A-ZÀ-Ý][\w’'.-]+)?)\s+(?P<political>Political\s+)?"
               r"(?P<kind>Declaration|Charter|Commitment)\b"),
    re.compile(r"\b(?P<kind>Declaration|Charter)\s+of\s+(?P<place>[A-ZÀ-Ý][\w’'.-]+)\b"),
)
_NOT_PLACES = {"The", "A", "This", "Political", "UCLG", "Our", "Its", "New", "Global", "Final"}
_ADOPTION = re.compile(r"\b(?:adopted|approved|endorsed|adoption\s+of)\b", re.I)
_FUTURE = re.compile(r"\b(?:to|will|shall|would|could|should|may)\s+be\s+$|\bto\s+$", re.I)
_PRESENTED = re.compile(r"\b(?:was|were)\s+presented\b", re.I)
_ADHERED_LEAD = re.compile(r"\b(?:cities|local governments|signatories)\b.*\b(?:adhered|adhering|signed|endorsed)\b|"
                           r"\badhering\s+cities\b|\badherents?\b", re.I)
_SECTION_HEADINGS = ("h1", "h2", "h3", "h4")
_STATED = re.compile(r"\b(?P<q>more than|over|nearly|almost|around|some|at least)?\s*(?P<n>\d+)\s+"
                     r"(?P<unit>cities|local governments|local and regional governments)\s+(?:have\s+)?"
                     r"(?:adhered|signed|endorsed|joined)", re.I)


# --- names and keys ------------------------------------------------------------------------------

def instrument_name(title: str | None) -> str | None:
    """The instrument a title names ("Rabat Declaration", "Pact for the Future"), or None."""
    title = clean(title)
    for pattern in _NAME_PATTERNS:
        for match in pattern.finditer(title):
            groups = match.groupdict()
            if "place" not in groups:
                return match.group(0)
            place = groups["place"]
            words = [w for w in place.split() if w not in _NOT_PLACES]
            if not words:
                continue
            if pattern is _NAME_PATTERNS[2]:
                return f"{' '.join(words)} {groups['kind']}"  # "Charter of Lampedusa" is the Lampedusa Charter
            return f"{' '.join(words)} {groups['political'] or ''}{groups['kind']}".replace("  ", " ")
    return None


def instrument_key(name: str) -> str:
    return f"{SOURCE}/{key_part(name)}"


def kind_of(name: str) -> str:
    for kind in _KINDS:
        if kind.lower() in name.lower():
            return kind.lower()
    return "declaration"


# --- one instrument page ---------------------------------------------------------------------------

def parse_instrument(html: str, url: str, *, require_adoption: bool = False) -> Iterator:
    """The Instrument a page describes; for a page listing adhering cities, their roster first.

    With `require_adoption` (a news post found by its title), a page that does not say the
    instrument was adopted, approved, endorsed or presented yields nothing: it is news about an
    instrument, not the instrument. Raises ParseError when the title names no instrument.
    """
    soup = _require_html(html, url)
    main = soup.find(id="main") or soup.find("main") or soup.body or soup
    for hidden in main.find_all(["script", "style", "nav", "aside", "footer", "form"]):
        hidden.decompose()
    heading = clean(main.find("h1"))
    title = heading or re.sub(r"\s*[-|–]\s*UCLG.*$", "", clean(soup.title))
    name = instrument_name(title) or instrument_name(clean(main))
    if name is None:
        raise ParseError(f"{SOURCE}: no instrument named on {url} ({EXPECTATIONS.describe('instrument_name')})",
                         landmarks=("instrument_name",))
    key = instrument_key(name)
    text = clean(main)
    sentence = _adoption_sentence(main)
    presented = None if sentence else _sentence_matching(main, _PRESENTED)
    if require_adoption and not (sentence or presented):
        logger.info("%s: %s names the %s but does not say it was adopted; not an instrument page", SOURCE, url, name)
        return
    issuer, adopted_on, place = _adoption(sentence, name) if sentence else ("UCLG", None, None)
    if presented and not sentence:
        place = _place_in(presented)
    if sentence and adopted_on is None:
        logger.info("%s: %s says the %s was adopted but gives no day; adopted_on left empty", SOURCE, url, name)
    adopters = _adopters(main)
    if adopters is not None:
        claims = list(_count_claims(text, key, url))
        stated = claims[0] if claims else None
        signatures = _signatures(adopters, key, url)
        found = {"complete": True} if signatures else {
            "complete": False, "landmarks_missing": ["adopters_list"],
            "reason": f"{EXPECTATIONS.describe('adopters_list')}: the heading is on {url}, no list follows it"}
        yield ADHERENTS.report(SOURCE, url, scope=f"signatures:{key}", keys=[s.key for s in signatures],
                               stated=stated.count if stated else None,
                               stated_qualifier=stated.qualifier if stated else None, **found)
    yield Instrument(source=SOURCE, key=key, url=url, title=name, kind=kind_of(name), issuer=issuer,
                     adopted_on=adopted_on, place=place, event_key=_event_key(main, url),
                     text=(sentence or presented or _first_paragraph(main)), scope=INSTRUMENTS_SCOPE)
    if adopters is not None:
        yield from claims
        yield from signatures


def _adoption_sentence(main: Tag) -> str | None:
    """The first sentence saying the instrument was adopted (and by whom, when the page says)."""
    best = None
    for sentence in _sentences(main):
        if _says_adopted(sentence):
            if re.search(r"\badopted\s+by\b", sentence, re.I):
                return sentence
            best = best or sentence
    return best


def _says_adopted(sentence: str) -> bool:
    """Whether a sentence says an adoption happened ("was adopted", "the adoption of"), not that
    one is due ("to be adopted", "will be approved")."""
    return any(not _FUTURE.search(sentence[max(0, m.start() - 16): m.start()]) for m in _ADOPTION.finditer(sentence))


def _sentence_matching(main: Tag, pattern: re.Pattern) -> str | None:
    return next((s for s in _sentences(main) if pattern.search(s)), None)


def _sentences(main: Tag) -> list[str]:
    sentences = []
    for paragraph in main.find_all("p"):
        parts = re.split(r"(?<=[a-z0-9)\"”])\.\s+(?=[A-Z\"“])", clean(paragraph))
        sentences.extend(s.strip() for s in parts if s.strip())
    return sentences


def _adoption(sentence: str, name: str) -> tuple[str, str | None, str | None]:
    """(issuer, adopted_on, place) from "… was adopted by the UCLG World Council on 14 October 2022 in Daejeon".

    Only the clause that says "adopted" counts: in "presented to the Executive Bureau on 29 May 2020,
    and it was adopted at the Rome Summit of 1-3 October 2020" neither the Bureau nor 29 May adopted
    it, and a summit's range of days is not a day of adoption.
    """
    clauses = [c for c in re.split(r",\s+and\s+|;\s+|\s+and\s+(?=it\b|was\b)", sentence) if _says_adopted(c)]
    sentence = clauses[0] if clauses else sentence
    by = re.search(r"\badopted\s+by\s+(?:the\s+)?(?P<body>.+?)(?=\s+(?:on|in|at|during|,)\b|[,.;]|$)", sentence, re.I)
    body = series_of(by.group("body")) if by else None
    issuer = f"UCLG {body}" if body else "UCLG"
    after = sentence[by.end():] if by else sentence
    on = re.search(r"\bon\s+(?P<date>\d{1,2}\s+\w+\s+\d{4})", after)
    adopted_on = date_range(on.group("date"))[0] if on else None
    return issuer, adopted_on, _place_in(after)


def _place_in(sentence: str) -> str | None:
    """The place after " in " ("in Daejeon", "in Durban, South Africa"), without a trailing date."""
    match = re.search(r"\bin\s+(?P<place>[A-ZÀ-Ý][\w’'.-]+(?:\s+[A-ZÀ-Ý][\w’'.-]+)*(?:,\s+[A-ZÀ-Ý][\w’'.-]+"
                      r"(?:\s+[A-ZÀ-Ý][\w’'.-]+)*)?)", sentence)
    if not match:
        return None
    place = match.group("place").rstrip(".")
    city, _, country = place.partition(", ")
    return city if country and country_code(country) else place.split(",")[0]


def _event_key(main: Tag, url: str) -> str | None:
    """The uclg_events key of the event page the instrument's page links to, if it links one."""
    for link in main.find_all("a", href=True):
        target = urljoin(url, link["href"].strip())
        parts = urlsplit(target)
        if parts.hostname in OLD_HOSTS and re.match(r"^/media/events/[^/]+/?$", without_language(parts.path)):
            return uclg_events.old_event_key(target)
        match = re.match(r"^/conferences/(?P<slug>[^/]+)/?$", parts.path)
        if parts.hostname in uclg_events.PLATFORM_HOSTS and match:
            return uclg_events.conference_key(match.group("slug"))
    return None


def _first_paragraph(main: Tag) -> str | None:
    return next((clean(p) for p in main.find_all("p") if len(clean(p)) > 40), None)


# --- adhering cities (the Rome Charter) -------------------------------------------------------------

def _adopters(main: Tag) -> list[tuple[str, str | None]] | None:
    """(city, country code) of each city under a heading such as "Cities that have adhered …";
    None when no such heading; [] when the heading stands with no list in its section (the list
    moved into other markup, or a script draws it): the list is then reported unread."""
    for heading in main.find_all(["h2", "h3", "h4", "strong", "p"]):
        text = clean(heading)
        if len(text) > 120 or not _ADHERED_LEAD.search(text) or _STATED.search(text):
            continue
        return [_city_country(entry) for entry in _list_after(heading)]
    return None


def _list_after(heading: Tag) -> list[str]:
    """The entries of the first list (`ul`/`ol`, or a paragraph of two or more names) after
    `heading` and before the next heading: a paragraph of prose further down ("Your city can
    adhere by writing …") is not the list."""
    for element in heading.find_all_next(True):
        if element.name in _SECTION_HEADINGS:
            break
        if element.name in ("ul", "ol"):
            entries = [clean(li) for li in element.find_all("li") if clean(li)]
            if entries:
                return entries
        elif element.name == "p" and heading not in element.parents:
            names = [n for n, _ in split_names(clean(element))]
            if len(names) >= 2:
                return names
    return []


def _city_country(entry: str) -> tuple[str, str | None]:
    match = re.fullmatch(r"(?P<city>.+?)\s*\((?P<country>[^()]+)\)", entry)
    if match and country_code(match["country"]):
        return match["city"].strip(), country_code(match["country"])
    return entry, None


def _signatures(adopters: list[tuple[str, str | None]], key: str, url: str) -> list[Signature]:
    seen: dict[str, Signature] = {}
    for city, country in adopters:
        signature = _signature(city, country, key, url)
        seen.setdefault(signature.key, signature)  # a city written twice adhered once
    return list(seen.values())


def _signature(city: str, country: str | None, key: str, url: str) -> Signature:
    actor = name_key(city) or key_part(city)
    return Signature(source=SOURCE, key=f"{key}/{actor}", url=url, instrument_key=key, actor_name=city,
                     country=country, role="adherent")


def roster_item(name: str, country: str | None, url: str, scope: str) -> Signature:
    """An adherent as this parser builds it, for a name the generic roster reader found on an
    instrument page whose list of adhering cities this parser no longer finds (a redesign:
    spiders/parsers/stand_in.py). The list's name, "signatures:" + the instrument's key (which the
    page's title gave when the list was last read), says which instrument the city adhered to."""
    city, printed_country = _city_country(name)
    return _signature(city, country or printed_country, scope.removeprefix("signatures:"), url)


def _count_claims(text: str, key: str, url: str) -> Iterator[CountClaim]:
    for match in _STATED.finditer(text):
        yield CountClaim(source=SOURCE, key=f"{key}@{urlsplit(url).path}", url=url, subject_key=key,
                         count=int(match["n"]), unit=match["unit"].lower(),
                         qualifier=(match["q"] or "").lower() or None, text=match.group(0))


# --- discovery of new instruments in the news -------------------------------------------------------

def candidate_posts(html: str, url: str = NEWS_LISTING) -> list[str]:
    """Posts of the news listing whose title (the link text) names an instrument."""
    return _candidates(_require_html(html, url), url)


def read_news_listing(html: str, url: str = NEWS_LISTING) -> tuple[list[str], list[str]]:
    """(`candidate_posts`, every post the listing links: `uclg_news.post_urls`) from one tree."""
    soup = _require_html(html, url)
    return _candidates(soup, url), uclg_news.posts_in(soup, url)


def _candidates(soup, url: str) -> list[str]:
    urls: dict[str, str] = {}
    for target, parts, link in links_in(main_content(soup), url):
        if parts.hostname in ("uclg.org", "www.uclg.org") and re.match(r"^/new/[^/]+/?$", parts.path) \
                and instrument_name(clean(link)):
            urls.setdefault(last_segment(target), target)
    return list(urls.values())


def parse_listing(html: str, url: str = NEWS_LISTING) -> Iterator:
    """For `glocal parse`: the listing yields no items, only the posts that would be read."""
    for post in candidate_posts(html, url):
        yield Link(post)


_require_html = partial(soup_of, source=SOURCE, landmark="html")


ROUTES = Routes(
    Route(r"//(?:www\.)?uclg\.org/new/?$", parse_listing, INSTRUMENTS, example=NEWS_LISTING, returns="requests 0"),
    Route(r"^https?://", parse_instrument, INSTRUMENTS, rosters=(ADHERENTS,),
          example="https://www.uclgmeets.org/processes/PactFutureHumanity"),
)
