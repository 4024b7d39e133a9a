"""What the three UCLG parsers share: the site's hosts and language copies, its date formats, and
place lines such as "Buenos Aires (Argentina)". Pure functions; no Scrapy, no network, no clock.

UCLG has printed dates three ways (research/sites.md §2.1, §7): `DD/MM/YYYY` on the old Drupal
listings, `DD.MM.YYYY` under titles on the new site, and "29-30 October 2018" (ranges in words)
on event pages. Numeric dates are always day first; a date that is not a real calendar day is
not a date (None), never a guess.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urljoin, urlsplit

from bs4 import Tag

from kit.text import clean

# Old generation and its mirrors serve the same content (sites.md §2.1); the new site is uclg.org.
OLD_HOSTS = ("www.uclg.org", "uclg.org", "www.uclg-cglu.org", "uclg-cglu.org", "www.cglu.org", "cglu.org",
             "www.old.uclg.org", "old.uclg.org")
LANGUAGES = ("en", "fr", "es")
_LANGUAGE_PREFIX = re.compile(r"^/(?:en|fr|es)(?=/)")

_NUMERIC = re.compile(r"(?<![\d/.])(?P<d>\d{1,2})(?P<sep>[/.])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})(?![\d/.])")
MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec")), start=1) for name in names}
_MONTH = r"(?:%s)\.?" % "|".join(sorted(MONTHS, key=len, reverse=True))
_DASH = r"\s*(?:-|–|—|to|until)\s*"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
# "29-30 October 2018", "1–4 Oct 2013", "30 September - 2 October 2015",
# "28 December 2019 - 2 January 2020", "12 June 2023", and the month-first "October 16 2025".
_RANGES = (
    re.compile(rf"\b(?P<d1>{_DAY}){_DASH}(?P<d2>{_DAY})\s+(?P<m>{_MONTH}),?\s+(?P<y>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<d1>{_DAY})\s+(?P<m1>{_MONTH}){_DASH}(?P<d2>{_DAY})\s+(?P<m2>{_MONTH}),?\s+(?P<y>\d{{4}})\b",
               re.I),
    re.compile(rf"\b(?P<d1>{_DAY})\s+(?P<m1>{_MONTH}),?\s+(?P<y1>\d{{4}}){_DASH}(?P<d2>{_DAY})\s+(?P<m2>{_MONTH}),?\s+"
               rf"(?P<y2>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<m1>{_MONTH})\s+(?P<d1>{_DAY}){_DASH}(?P<d2>{_DAY}),?\s+(?P<y>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<d1>{_DAY})\s+(?P<m1>{_MONTH}),?\s+(?P<y>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<m1>{_MONTH})\s+(?P<d1>{_DAY}),?\s+(?P<y>\d{{4}})\b", re.I),
)


def numeric_date(text: str | None) -> str | None:
    """The ISO date of the first `DD/MM/YYYY` or `DD.MM.YYYY` in `text` (day first), or None."""
    match = _NUMERIC.search(text or "")
    if not match:
        return None
    return _iso(int(match["y"]), int(match["m"]), int(match["d"]))


def date_range(text: str | None) -> tuple[str | None, str | None, str | None]:
    """(starts_on, ends_on, the words matched) of the first date or date range written in words.

    A single day gives (day, None): the page did not say when the event ends, so neither do we.
    A range whose ends are not real days, or that ends before it starts, is no date at all.
    """
    text = clean(text)
    best = None
    for pattern in _RANGES:
        match = pattern.search(text)
        if match and (best is None or match.start() < best.start()):
            best = match
    if best is None:
        return None, None, None
    parts = best.groupdict()
    year1 = int(parts.get("y1") or parts.get("y"))
    year2 = int(parts.get("y2") or parts.get("y") or year1)
    month1 = _month(parts.get("m1") or parts.get("m"))
    month2 = _month(parts.get("m2") or parts.get("m") or parts.get("m1"))
    start = _iso(year1, month1, _day(parts["d1"]))
    end = _iso(year2, month2, _day(parts["d2"])) if parts.get("d2") else None
    if start is None or (parts.get("d2") and (end is None or end < start)):
        return None, None, best.group(0)
    return start, end, best.group(0)


def _day(text: str) -> int:
    return int(re.match(r"\d+", text).group(0))


def _month(text: str | None) -> int:
    return MONTHS[text.lower().rstrip(".")]


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


# --- URLs and language copies -------------------------------------------------------------------

def without_language(path: str) -> str:
    """The path with its /en/, /fr/ or /es/ prefix removed: a copy's path is the original's."""
    return _LANGUAGE_PREFIX.sub("", path) or "/"


def language_of(url: str) -> str | None:
    match = re.match(r"^/(en|fr|es)(?:/|$)", urlsplit(url).path)
    return match.group(1) if match else None


def last_segment(url: str) -> str:
    """The slug of a detail URL: its last path segment, lower-cased."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1].lower()


# --- paging -------------------------------------------------------------------------------------

def page_number(url: str) -> int:
    """The 0-based Drupal page of an old listing URL, or the WordPress /page/N/ of the new one."""
    parts = urlsplit(url)
    query = parse_qs(parts.query).get("page")
    if query and query[0].isdigit():
        return int(query[0])
    match = re.search(r"/page/(\d+)/?$", parts.path)
    return int(match.group(1)) - 1 if match else 0


def main_content(soup) -> Tag:
    """The page's main content without its header, navigation, footer and asides (the "Related
    news" beside a listing are not the listing). Drops them from the tree: read the pager first."""
    main = soup.find("main") or soup.body or soup
    for chrome in main.find_all(["aside", "nav", "footer", "header"]):
        chrome.decompose()
    return main


def next_page(main: Tag, url: str) -> str | None:
    """The pager's "next" link (Drupal `li.pager-next`, or a link labelled next/›), when there is one."""
    candidates = main.select("li.pager-next a[href], a[rel~=next][href]")
    if not candidates:
        candidates = [a for a in main.find_all("a", href=True)
                      if re.match(r"^(next|siguiente|suivant)\b|^›|›$", clean(a), re.I)]
    for link in candidates:
        target = urljoin(url, link["href"].strip())
        if page_number(target) > page_number(url):
            return target
    return None


# --- places as printed -------------------------------------------------------------------------

# Country names as UCLG prints them that ISO 3166 spells otherwise.
_COUNTRY_ALIASES = {
    "turkey": "TR", "türkiye": "TR", "turkiye": "TR", "south korea": "KR", "korea": "KR",
    "republic of korea": "KR", "the netherlands": "NL", "netherlands": "NL", "russia": "RU",
    "bolivia": "BO", "venezuela": "VE", "iran": "IR", "tanzania": "TZ", "vietnam": "VN", "taiwan": "TW",
    "palestine": "PS", "czech republic": "CZ", "uk": "GB", "united kingdom": "GB", "usa": "US",
    "united states": "US", "morocco": "MA", "maroc": "MA", "marruecos": "MA",
}


def country_code(name: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country as printed, or None when it is not a country name."""
    name = clean(name).strip(" .,").lower()
    if not name:
        return None
    if name in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[name]
    import pycountry  # lazily: the spider loader imports every parser module

    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        return None


def split_place(text: str | None) -> tuple[str | None, str | None]:
    """(city, country code) of "Buenos Aires (Argentina)", "Porto Alegre, Brazil" or "Daejeon".

    The city stays as printed; the country is a code only when the words name a country.
    "Online" or "Virtual" is no place.
    """
    text = clean(text).strip(" .,")
    if not text or re.fullmatch(r"(?i)online|virtual|hybrid", text):
        return None, None
    match = re.fullmatch(r"(?P<city>[^()]+?)\s*\((?P<country>[^()]+)\)", text)
    if match and country_code(match["country"]):
        return match["city"].strip(), country_code(match["country"])
    if "," in text:
        city, _, country = text.rpartition(",")
        if country_code(country):
            return city.strip(), country_code(country)
    if country_code(text):
        return None, country_code(text)
    return text, None


# --- the statutory cycle -------------------------------------------------------------------------

# UCLG's governing bodies and recurring statutory meetings (sites.md §2.4), most specific first.
SERIES = (
    ("World Congress", re.compile(r"\bWorld\s+(?:Congress|Summit\s+of\s+Local\s+and\s+Regional\s+Leaders)\b|"
                                  r"\bCongr[eè]s\s+Mondial\b|\bCongreso\s+Mundial\b", re.I)),
    ("World Council", re.compile(r"\bWorld\s+Council\b|\bConseil\s+Mondial\b|\bConsejo\s+Mundial\b", re.I)),
    ("Executive Bureau", re.compile(r"\bExecutive\s+Bureau\b|\bBureau\s+Ex[ée]cutif\b|\bBur[óo]\s+Ejecutivo\b|"
                                    r"\bEB\s?\d{2,4}\b", re.I)),
    ("Retreat", re.compile(r"\bRetreat\b|\bRetraite\b|\bRetiro\b", re.I)),
    ("World Assembly", re.compile(r"\bWorld\s+Assembly\s+of\s+Local\s+and\s+Regional\s+Governments\b|"
                                  r"\bWorld\s+Assembly\b", re.I)),
)
_ORDINAL = re.compile(r"\b(\d{1,2}(?:st|nd|rd|th))\b", re.I)
_WORD_ORDINALS = {w: f"{i}{'st' if i == 1 else 'nd' if i == 2 else 'rd' if i == 3 else 'th'}" for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth".split(), start=1)}


def series_of(title: str | None) -> str | None:
    """The statutory series a title names ("World Council"), or None for any other event."""
    for name, pattern in SERIES:
        if pattern.search(title or ""):
            return name
    return None


def edition_of(title: str | None) -> str | None:
    """The edition a title states: an ordinal ("6th", "Eighth" -> "8th") or else a year ("2025")."""
    title = title or ""
    match = _ORDINAL.search(title)
    if match:
        return match.group(1).lower()
    for word, ordinal in _WORD_ORDINALS.items():
        if re.search(rf"\b{word}\b", title, re.I):
            return ordinal
    year = re.search(r"\b(19|20)\d{2}\b", title)
    return year.group(0) if year else None

