"""Extraction for undesa_vlrs: Voluntary Local Reviews listed by UN DESA, and by UN-Habitat where it
lists reviews DESA lacks. HTML in, items out; no Scrapy, no network, no clock.

The entry markup of neither list is documented (research/markup.md §4.1), so entries are read by
what they say: each review is a link to a PDF (DESA: /sites/default/files/vlrs/{YYYY-MM}/{file}.pdf),
inside an entry that names the city as "City, Country" and the year of the review. The DESA list
sits under the heading "Voluntary Local Reviews" ("You can see below the reports submitted to the
Department of Economic and Social Affairs ...") and pages with Drupal's double pager (?page=0,1):
the review list is the second pager. UN-Habitat's list pages with ?page=N.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from places.countries import country_code
from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import ROSTER, Report, Scope
from kit.routing import Route, Routes
from kit.text import clean, slugify
from spiders.parsers.listing_page import ListingPage, next_link
from spiders.parsers.page import MARKUP_TAGS, soup_of

SOURCE = "undesa_vlrs"
DESA_URL = "https://sdgs.un.org/topics/voluntary-local-reviews"
HABITAT_URL = "https://unhabitat.org/topics/voluntary-local-reviews?order=field_year_of_publication_vlr&sort=desc"
REPORTS_SCOPE = f"reports:{SOURCE}"

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("vlr_heading", 'the heading "Voluntary Local Reviews" above the list (DESA: "You can see below '
                                'the reports submitted to the Department of Economic and Social Affairs")'),
        Landmark("vlr_entries", "links to review PDFs, each in an entry naming the city as \"City, Country\""),
    ),
    min_items={"report": 10},
    required_fields={"report": ("title", "url")},
    expected_fields={"report": ("published", "actor_name", "country")},
)

_YEAR = re.compile(r"(?<!\d)(20[1-3]\d)(?!\d)")
_CITY_LINE = re.compile(r"^(?P<city>[^,]{2,80}),\s*(?P<country>[^,]{2,60})$")
_GENERIC_LINK = re.compile(r"^(download|pdf|read more|view|report)\b", re.I)
_CITY_PREFIX = re.compile(r"^(?:the\s+)?(?:city|municipality|county)\s+of\s+", re.I)


def parse_desa(html: str, url: str) -> ListingPage:
    """One page of the DESA list: its reviews and the next page of the review pager."""
    return _list_page(html, url, _next_double_pager, title_heads_list=False)


def parse_habitat(html: str, url: str) -> ListingPage:
    """One page of UN-Habitat's list."""
    return _list_page(html, url, next_link)


def _list_page(html: str, url: str, pager, *, title_heads_list: bool = True) -> ListingPage:
    soup = _soup(html, url)
    heading = _heading(soup)
    if heading is not None and heading.name == "h1" and not title_heads_list:
        # DESA's page title heads its background text (and the guidance PDF in it), never the list:
        # with the list's own heading gone, the list is not found.
        heading = None
    if heading is None:
        raise ParseError(f"{SOURCE}: no heading \"Voluntary Local Reviews\" on {url}", landmarks=("vlr_heading",))
    page = _entries(heading, url)
    page.next_url = pager(soup, url)
    return page


def parse_items(html: str, url: str) -> Iterator:
    """The items of one page (for `glocal parse`)."""
    page = (parse_habitat if "unhabitat.org" in url else parse_desa)(html, url)
    yield from page.items


# --- entries ----------------------------------------------------------------------------------------

def _entries(heading: Tag, url: str) -> ListingPage:
    page = ListingPage()
    links: list[Tag] = []
    container = heading.parent
    while container is not None and not links:  # the list's own block: a footer's PDFs are not reviews
        links = [a for a in container.find_all("a", href=True) if _is_pdf(a["href"])
                 and heading in a.find_all_previous(heading.name)
                 and a.find_parent(["footer", "nav", "header"]) is None]  # a footer's brochure is no review
        container = container.parent if container.name not in ("body", "html") else None
    if not links:
        raise ParseError(f"{SOURCE}: no links to review PDFs after the heading on {url}", landmarks=("vlr_entries",))
    read: set[str] = set()
    for link in links:
        entry = _entry_of(link)
        pdf = urljoin(url, link["href"].strip())
        if pdf in read:
            continue  # a card links its review twice (the title, then "Read more"): one review
        read.add(pdf)
        chunks = [clean(s) for s in entry.stripped_strings if clean(s)]
        city, country = _city(chunks)
        year = _year(chunks)
        title = clean(link)
        if not title or _GENERIC_LINK.match(title):
            title = next((c for c in chunks if not _YEAR.fullmatch(c) and c != title), title)
        stem = unquote(urlsplit(pdf).path).rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if city is None:
            page.gaps.append(f"{pdf}: no \"City, Country\" line in its entry ({' / '.join(chunks)[:120]!r}); "
                             "recorded without a submitter")
        if year is None:
            page.gaps.append(f"{pdf}: no year in its entry; recorded without a year (the upload folder is not a "
                             "publication year)")
        who = slugify(_CITY_PREFIX.sub("", city)) if city else slugify(stem)
        key = f"{SOURCE}/{who}-{year}" if year else f"{SOURCE}/{who}-{slugify(stem)}"
        # A review is the city's own report: authored by it, dated as printed (a year here, so the
        # precision says "year" and no `_on` column ever holds it), reviewing the 2030 Agenda.
        page.items.append(Report(
            source=SOURCE, key=key, url=url, title=title, kind="voluntary_local_review",
            actor_name=city, country=country[0], published=year, published_precision="year" if year else None,
            reviews="2030 Agenda", document_url=pdf, scope=REPORTS_SCOPE,
        ))
    return page


def _is_pdf(href: str) -> bool:
    return urlsplit(href.strip()).path.lower().endswith(".pdf")


def _entry_of(link: Tag) -> Tag:
    """The largest ancestor of a link that holds no link to another review: the entry."""
    entry = link
    for parent in link.parents:
        if parent.name in ("body", "html", "[document]"):
            break
        if len({a["href"].strip() for a in parent.find_all("a", href=True) if _is_pdf(a["href"])}) > 1:
            break
        entry = parent
    return entry


def _city(chunks: list[str]) -> tuple[str | None, tuple[str | None, str] | tuple[None, None]]:
    """("Helsinki", ("FI", "Finland")) from the chunk "Helsinki, Finland"."""
    for chunk in chunks:
        match = _CITY_LINE.match(chunk)
        if not match:
            continue
        code = country_code(match["country"].strip())
        if code:
            return match["city"].strip(), (code, match["country"].strip())
    return None, (None, None)


def _year(chunks: list[str]) -> str | None:
    """The year the entry prints on its own or after a label ("Year: 2021", "2021")."""
    for chunk in chunks:
        match = re.fullmatch(r"(?:year(?: of publication)?\s*:?\s*)?(20[1-3]\d)", chunk, re.I)
        if match:
            return match.group(1)
    for chunk in chunks:
        found = _YEAR.search(chunk)
        if found and not _CITY_LINE.match(chunk):
            return found.group(1)
    return None


# --- pages ------------------------------------------------------------------------------------------

def _pager_state(url: str) -> list[int]:
    values = parse_qs(urlsplit(url).query).get("page", ["0"])[0]
    try:
        return [int(v) for v in unquote(values).split(",")]
    except ValueError:
        return [0]


def _next_double_pager(soup: BeautifulSoup, url: str) -> str | None:
    """The link that moves the SECOND pager (the reviews) one page on, the first one unchanged."""
    current = _pager_state(url) + [0, 0]
    for link in soup.find_all("a", href=True):
        href = link["href"]
        if "page=" not in href:
            continue
        state = _pager_state(urljoin(url, href)) + [0, 0]
        if state[0] == current[0] and state[1] == current[1] + 1:
            return urljoin(url, href)
    return None


def _heading(soup: BeautifulSoup) -> Tag | None:
    """The "Voluntary Local Reviews" heading of the list: the one DESA follows with "reports submitted",
    else the last one (the page title comes first and heads the background text)."""
    headings = [h for h in soup.find_all(["h1", "h2", "h3", "h4"])
                if re.fullmatch(r"voluntary local reviews?( \(vlrs?\))?", clean(h), re.I)]
    for heading in headings:
        following = heading.find_next(["p", "div"])
        if following is not None and "reports submitted" in clean(following).lower():
            return heading
    return headings[-1] if headings else None


_soup = partial(soup_of, source=SOURCE, landmark="vlr_heading", tags=MARKUP_TAGS)


REVIEWS = Scope(Report, ROSTER, REPORTS_SCOPE, landmark="vlr_entries")


def parse_desa_page(text: str, url: str) -> Iterator:
    """A page of UN DESA's VLR list (its own name: one contract per route)."""
    yield from parse_items(text, url)


def parse_unhabitat_page(text: str, url: str) -> Iterator:
    """UN-Habitat's VLR list (its own name: one contract per route)."""
    yield from parse_items(text, url)


ROUTES = Routes(
    Route(r"^https://sdgs\.un\.org/topics/voluntary-local-reviews", parse_desa_page, REVIEWS,
          example="https://sdgs.un.org/topics/voluntary-local-reviews", returns="items 16"),
    Route(r"^https://unhabitat\.org/topics/voluntary-local-reviews", parse_unhabitat_page, REVIEWS,
          example="https://unhabitat.org/topics/voluntary-local-reviews?order=field_year_of_publication_vlr&sort=desc",
          returns="items 10"),
)
