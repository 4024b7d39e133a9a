"""Extraction for gcom: the Global Covenant of Mayors' own totals, and the One Planet Charter.

www.globalcovenantofmayors.org is WordPress and its markup is not documented (research/sites.md
§4), so this parser reads what the pages say:

- totals: "over 9,000 cities and local governments", "127 countries", "more than 770 million
  residents/people" become dated CountClaims (subject "gcom"); the numbers change over the
  years (7,400 / 9,000+ / 10,500+ / 11,500+) and each observation is kept with its date;
- the One Planet Charter call (12 June 2018, C40 + GCoM + ICLEI): the instrument, its stated
  count ("over 800 cities"), and its committed cities where the page lists them under a
  heading that says "committed cities"; a page without that list reports the list as
  incomplete (count only), never as empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import APPEND_ONLY, ROSTER, CountClaim, Instrument, Scope, Signature
from kit.routing import Route, Routes
from kit.text import clean, split_names
from spiders.parsers.covenant import authority_key, country_code
from spiders.parsers.page import soup_of

SOURCE = "gcom"
ABOUT_URL = "https://www.globalcovenantofmayors.org/about/"
PARTICIPATE_URL = "https://www.globalcovenantofmayors.org/participate/"
CHARTER_URL = "https://www.globalcovenantofmayors.org/press/join-one-planet-charter-lets-step-climate-action-2018/"
SUBJECT = "gcom"
CHARTER_KEY = "one-planet-charter"
CHARTER_SCOPE = f"signatures:{CHARTER_KEY}"
INSTRUMENTS_SCOPE = f"instruments:{SOURCE}"
INSTRUMENTS = Scope(Instrument, ROSTER, INSTRUMENTS_SCOPE, landmark="charter_title")
CHARTER = Scope(Signature, ROSTER, CHARTER_SCOPE, landmark="committed_cities")
# The totals pages hold only counts (CountClaims belong to no list); a page that fails is reported
# against this append-only scope so the run names it, and it can never remove anything.
# One scope per page that states totals: each page's report says it was read, so a page that never
# answers is named in the run's health. It holds no rows (the totals are dated count claims).
TOTALS = Scope(Instrument, APPEND_ONLY,
               lambda url: f"instruments:{SOURCE}-totals/{urlsplit(url).path.strip('/') or 'home'}")

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("stated_totals", 'a sentence stating the alliance\'s size, e.g. "over 9,000 cities and local '
                                  'governments ... 127 countries"'),
        Landmark("charter_title", 'a title naming the "One Planet Charter"'),
        Landmark("committed_cities", 'a heading or line "committed cities" followed by the names'),
    ),
    min_items={"count_claim": 2},
    required_fields={"signature": ("actor_name", "instrument_key"), "instrument": ("title",)},
    expected_fields={},
)
_QUALIFIER = r"(?:(?P<q>more than|over|nearly|almost|around|some|at least|close to)\s+)?"
_NUMBER = r"(?<![\w.,])(?P<n>\d{1,3}(?:[,.\s]\d{3})+|\d+(?:\.\d+)?)(?P<plus>\+)?"
_PATTERNS = (
    ("cities", re.compile(rf"{_QUALIFIER}{_NUMBER}\s+(?P<scale>)(?:cities|local governments|cities and local governments)\b", re.I)),
    ("countries", re.compile(rf"{_QUALIFIER}{_NUMBER}\s+(?P<scale>)countries\b", re.I)),
    ("people", re.compile(rf"{_QUALIFIER}{_NUMBER}\s*(?P<scale>million|billion|M)\+?\s+(?:people|residents|inhabitants)\b",
                          re.I)),
)
_SCALES = {"": 1, "million": 1_000_000, "m": 1_000_000, "billion": 1_000_000_000}


def parse_totals(html: str, url: str = ABOUT_URL) -> Iterator:
    """The alliance's stated totals on any GCoM page, one CountClaim per unit (first mention wins)."""
    text = _main_text_of(soup_of(html, url, source=SOURCE, landmark="stated_totals"))
    claims = list(stated_totals(text, url))
    if not claims:
        raise ParseError(f"no stated number of cities or countries on {url}", landmarks=("stated_totals",))
    yield TOTALS.report(SOURCE, url, complete=True, keys=[])
    yield from claims


def stated_totals(text: str, url: str) -> Iterator[CountClaim]:
    page = authority_key(urlsplit(url).path.strip("/").replace("/", "-")) or "home"
    for unit, pattern in _PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        count = _number(match.group("n"), match.group("scale"))
        qualifier = (match.group("q") or ("more than" if match.group("plus") else None))
        sentence = _sentence_around(text, match.start(), match.end())
        yield CountClaim(source=SOURCE, key=f"{SUBJECT}/{page}|{unit}", url=url, subject_key=SUBJECT, count=count,
                         unit=unit, qualifier=qualifier.lower() if qualifier else None, text=sentence)


def parse_charter(html: str, url: str = CHARTER_URL) -> Iterator:
    """The One Planet Charter: instrument, stated count, and the committed cities where listed."""
    soup = soup_of(html, url, source=SOURCE, landmark="charter_title")
    title = clean(soup.find("h1")) or clean(soup.title)
    if "one planet charter" not in title.casefold():
        raise ParseError(f'no title naming the "One Planet Charter" on {url}', landmarks=("charter_title",))
    names = committed_cities(soup)  # read before _main_text_of drops the page's header, nav and footer
    text = _main_text_of(soup)
    yield INSTRUMENTS.report(SOURCE, url, complete=True, keys=[CHARTER_KEY])
    yield Instrument(source=SOURCE, key=CHARTER_KEY, url=url, title="One Planet Charter", kind="charter",
                     issuer="C40 Cities; Global Covenant of Mayors for Climate & Energy; ICLEI",
                     adopted_on=None, text=_sentence_around(text, *_span(text, "charter")), scope=INSTRUMENTS_SCOPE)
    cities = [claim for claim in stated_totals(text, url) if claim.unit == "cities"]
    for claim in cities:
        claim.subject_key, claim.key = CHARTER_KEY, claim.key.replace(f"{SUBJECT}/", f"{CHARTER_KEY}/", 1)
    stated = cities[0].count if cities else None
    if names is None:
        yield CHARTER.report(SOURCE, url, complete=False, landmarks_missing=["committed_cities"], stated=stated,
                             reason=f"{url} states a count but lists no committed cities")
        yield from cities
        return
    signatures = []
    for name, country in names:
        signatures.append(Signature(source=SOURCE, key=f"{CHARTER_KEY}|{authority_key(name)}|{country or ''}", url=url,
                                    instrument_key=CHARTER_KEY, actor_name=name, country=country,
                                    scope=CHARTER_SCOPE))
    # The count sentence counts commitments registered with the GCoM secretariat; whether the page
    # lists all of them is not known, so it stays a CountClaim and is not held against the list.
    yield CHARTER.report(SOURCE, url, complete=True, keys=[s.key for s in signatures])
    yield from cities
    yield from signatures


def committed_cities(soup) -> list[tuple[str, str | None]] | None:
    """(name, country) pairs under a "committed cities" heading, or None when there is none.

    The names are the items of the list that follows, or one comma-separated paragraph;
    "Quito, Ecuador" keeps the country when it is one the Covenant tables know.
    """
    for heading in soup.find_all(["h2", "h3", "h4", "strong", "p"]):
        if not re.search(r"\bcommitted cities\b", clean(heading), re.I) or len(clean(heading)) > 80:
            continue
        following = heading.find_next(["ul", "ol", "p"])
        if following is None:
            return None
        if following.name in ("ul", "ol"):
            entries = [clean(li) for li in following.find_all("li")]
        else:
            entries = [name for name, _ in split_names(clean(following))]
        return [_name_and_country(entry) for entry in entries if entry]
    return None


def _name_and_country(entry: str) -> tuple[str, str | None]:
    head, _, tail = entry.rpartition(",")
    if head and tail.strip():
        code, _problem = country_code(tail.strip())
        if code:
            return clean(head), code
    match = re.match(r"^(.*?)\s*\(([^)]+)\)$", entry)
    if match:
        code, _problem = country_code(match.group(2))
        if code:
            return clean(match.group(1)), code
    return entry, None


def _main_text_of(soup) -> str:
    """The text of the page's main content (drops its header, nav, footer, scripts and styles from the tree)."""
    for node in soup.select("header, nav, footer, script, style"):
        node.decompose()
    main = soup.find("main") or soup.find("article") or soup.body or soup
    return clean(main)


def _number(digits: str, scale: str | None) -> int:
    scale = (scale or "").casefold()
    if scale:
        return int(round(float(digits.replace(",", "")) * _SCALES[scale]))
    return int(re.sub(r"\D", "", digits))


def _span(text: str, word: str) -> tuple[int, int]:
    index = text.casefold().find(word)
    return (index, index + len(word)) if index >= 0 else (0, 0)


def _sentence_around(text: str, start: int, end: int) -> str:
    stop = text.rfind(". ", 0, start)
    left = stop + 2 if stop >= 0 else 0
    right = text.find(". ", end)
    return text[left: right + 1 if right >= 0 else len(text)].strip()


ROUTES = Routes(
    Route(r"/press/join-one-planet-charter[^/]*/?$", parse_charter, CHARTER, example=CHARTER_URL, returns="items 8"),
    Route(r"^https://www\.globalcovenantofmayors\.org/(?:about|participate)/$", parse_totals, TOTALS,
          example=ABOUT_URL, returns="items 3"),
)
