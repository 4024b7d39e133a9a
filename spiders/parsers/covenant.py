"""What the Covenant of Mayors parsers share: one instrument, one way to key a local authority,
and the value cleaning both the eu-mayors pages and the JRC open data need.

A signatory is keyed by what the source prints: its name and its country. The key keeps every
script (a Greek or Cyrillic name never collapses to "") and keeps a parenthesis, because the
Covenant lists "Ialoveni" and "Ialoveni (Rayon)" as two authorities. The JRC organisation id
travels beside the key as the authority's source id; the store binds both to one actor.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs, urljoin, urlsplit

from kit.text import clean, parse_date, slugify

INSTRUMENT_KEY = "covenant-of-mayors/climate-and-energy"
INSTRUMENT_TITLE = "Covenant of Mayors for Climate & Energy"
ISSUER = "European Commission; Covenant of Mayors - Europe"
SIGNATURE_SCOPE = f"signatures:{INSTRUMENT_KEY}"
SOURCE_ID_SCHEME = "covenant"  # the JRC organisation_id namespace (actor_refs.scheme)

# The commitments the site shows as icons, in the order it shows them (sites.md §3.2).
COMMITMENTS = ("Mitigation", "Adaptation", "Energy Poverty")

# Country names the site prints -> ISO 3166-1 alpha-2. The Covenant spans the EU, its
# neighbours and the southern Mediterranean; an unknown name is kept as text, never guessed.
COUNTRIES = {
    "albania": "AL", "andorra": "AD", "armenia": "AM", "austria": "AT", "azerbaijan": "AZ",
    "belarus": "BY", "belgium": "BE", "bosnia and herzegovina": "BA", "bulgaria": "BG", "croatia": "HR",
    "cyprus": "CY", "czechia": "CZ", "czech republic": "CZ", "denmark": "DK", "estonia": "EE",
    "finland": "FI", "france": "FR", "georgia": "GE", "germany": "DE", "greece": "GR", "hungary": "HU",
    "iceland": "IS", "ireland": "IE", "israel": "IL", "italy": "IT", "jordan": "JO", "kosovo": "XK",
    "latvia": "LV", "lebanon": "LB", "liechtenstein": "LI", "lithuania": "LT", "luxembourg": "LU",
    "malta": "MT", "moldova": "MD", "republic of moldova": "MD", "monaco": "MC", "montenegro": "ME",
    "morocco": "MA", "netherlands": "NL", "the netherlands": "NL", "north macedonia": "MK",
    "norway": "NO", "palestine": "PS", "poland": "PL", "portugal": "PT", "romania": "RO",
    "san marino": "SM", "serbia": "RS", "slovakia": "SK", "slovenia": "SI", "spain": "ES",
    "sweden": "SE", "switzerland": "CH", "tunisia": "TN", "turkey": "TR", "türkiye": "TR",
    "ukraine": "UA", "united kingdom": "GB", "algeria": "DZ", "egypt": "EG", "kazakhstan": "KZ",
    "kyrgyzstan": "KG", "tajikistan": "TJ", "turkmenistan": "TM", "uzbekistan": "UZ",
    # Beyond Europe: the Global Covenant and the One Planet Charter name cities everywhere.
    "united states": "US", "usa": "US", "canada": "CA", "mexico": "MX", "brazil": "BR", "argentina": "AR",
    "colombia": "CO", "ecuador": "EC", "peru": "PE", "chile": "CL", "south africa": "ZA", "nigeria": "NG",
    "kenya": "KE", "ghana": "GH", "india": "IN", "china": "CN", "japan": "JP", "south korea": "KR",
    "republic of korea": "KR", "indonesia": "ID", "philippines": "PH", "australia": "AU", "new zealand": "NZ",
}
# EU documents write Greece "EL" and the United Kingdom "UK"; the store speaks ISO 3166.
_EU_CODES = {"EL": "GR", "UK": "GB"}
MISSING = {"", "-", "null", "none", "n/a", "na", "nan"}

# Plain digits up to this many are read by int() directly: float() holds them exactly, so the
# rounding path gives the same number (a longer run of digits goes that path, as before).
MAX_PLAIN_DIGITS = 15
_THOUSANDS = re.compile(r"^\d{1,3}(?:[,. \u00a0\u202f']\d{3})+$")
_DECIMAL = re.compile(r"^\d+(?:[.,]\d+)?$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+Z?)?$")
_DMY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def missing(value) -> bool:
    """True for the ways the sources write "no value": empty, "-", "null", "N/A"..."""
    # Called for every cell of a 15,000-row file: strip/lower, not the full whitespace cleaner.
    return value is None or (value.__class__ is str and value.strip().lower() in MISSING)


def authority_key(text: str) -> str:
    """The key part of a name as printed: `kit.text.slugify` (any script, Latin and Greek
    accents folded), which keeps a parenthesis, unlike a place key: the Covenant lists
    "Ialoveni" and "Ialoveni (Rayon)" as two authorities."""
    return slugify(text)


def signature_key(name: str, country: str | None) -> str:
    """One key per (name, country) as printed: the spider and the importer meet on it."""
    return f"{INSTRUMENT_KEY}|{(country or '').upper()}|{authority_key(name)}"


def separate_namesakes(signature, seen: dict) -> None:
    """Give a second authority of the same name and country its own key, by its source id.

    `seen` maps key -> source id of the rows read so far in one list. The first row keeps the
    (name, country) key the website also builds; a later row with the same key and another
    source id gets `|id:<source id>` (two "Santa Maria, IT" are two authorities, never one).
    """
    signature.key = namesake_key(signature.key, signature.source_id, seen)


def namesake_key(key: str, source_id: str | None, seen: dict) -> str:
    """separate_namesakes' rule on a key alone (the importer's first pass reads no whole row)."""
    first = seen.setdefault(key, source_id)
    if source_id and first and first != source_id:
        key = f"{key}|id:{source_id}"
        seen.setdefault(key, source_id)
    return key


@lru_cache(maxsize=4096, typed=True)  # a file repeats a few values (codes, statuses, days) per column
def country_code(value) -> tuple[str | None, str | None]:
    """(ISO alpha-2, problem) for a printed country: a code in any case, or a known name."""
    if missing(value):
        return None, "no country"
    text = clean(str(value))
    if re.fullmatch(r"[A-Za-z]{2}", text):
        code = text.upper()
        return _EU_CODES.get(code, code), None
    code = COUNTRIES.get(text.casefold())
    if code:
        return code, None
    return None, f"unknown country {text!r}"


def population(value) -> tuple[int | None, str | None]:
    """(inhabitants, problem): "60,572", "60.572", "60 572", "60572,0" and numbers; "-"/"null" are missing."""
    if value.__class__ is str and value.isascii() and value.isdigit() and len(value) <= MAX_PLAIN_DIGITS:
        return int(value), None  # what the _DECIMAL path below gives for plain digits, in one step
    if missing(value):
        return None, None
    if isinstance(value, bool):
        return None, f"population {value!r} is not a number"
    if isinstance(value, (int, float)):
        return int(round(value)), None
    text = clean(str(value))
    if _THOUSANDS.match(text):
        return int(re.sub(r"\D", "", text)), None
    if _DECIMAL.match(text):
        return int(round(float(text.replace(",", ".")))), None
    return None, f"population {text!r} is not a number"


def coordinate(value) -> float | None:
    """A latitude/longitude written with a decimal comma or point; None when missing or not a number."""
    if missing(value):
        return None
    if value.__class__ is str:
        try:
            # float() ignores the whitespace clean() would strip, and takes nothing clean() would
            # make a number: the cleaned path below is for what this refuses ("45,1\u200b").
            return float(value.replace(",", "."))
        except ValueError:
            pass
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return float(clean(str(value)).replace(",", "."))
    except ValueError:
        return None


@lru_cache(maxsize=4096, typed=True)
def adhesion_date(value) -> str | None:
    """The adhesion date as an ISO day; the common layouts without dateparser (15,000 rows a run)."""
    if missing(value):
        return None
    if hasattr(value, "date") and callable(value.date):  # an XLSX cell holding a real datetime
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = clean(str(value))
    match = _ISO_DAY.match(text)
    if match:
        return "-".join(match.groups())
    match = _DMY.match(text)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return parse_date(text)


@lru_cache(maxsize=4096, typed=True)
def status(value) -> str | None:
    """A status as printed, in one spelling: "on_hold", "On hold" and "on-hold" are "on hold"."""
    if missing(value):
        return None
    return re.sub(r"[\s_-]+", " ", clean(str(value))).casefold()


def commitments(labels) -> str | None:
    """The commitments named, in the site's order, joined with "; " (None when none is named)."""
    named = {clean(str(label)).casefold() for label in labels if not missing(label)}
    found = [c for c in COMMITMENTS if c.casefold() in named]
    return "; ".join(found) or None


def page_index(url: str) -> int:
    """The 0-based Drupal page number of a listing URL (?page=N)."""
    values = parse_qs(urlsplit(url).query).get("page")
    try:
        return int(values[0]) if values else 0
    except ValueError:
        return 0


_PAGER = "nav.ecl-pagination, nav.pager, ul.pager, nav[aria-label*=agination]"


def ecl_pager(soup, url: str) -> tuple[str | None, int | None]:
    """(next page URL, last page index) from an ECL/Drupal pager; (None, None) without one."""
    # The first <nav> or <ul> that is a pager: CSS matched on those elements only, not on every tag
    # of the page (on a 50-row signatories page, select_one over the whole tree was a sixth of the parse).
    pager = next((element for element in soup.find_all(["nav", "ul"]) if element.css.match(_PAGER)), None)
    if pager is None:
        return None, None
    next_link = pager.select_one("li.ecl-pagination__item--next a[href], a.ecl-pagination__link--next[href], "
                                 "li.pager__item--next a[href], a[rel=next][href]")
    if next_link is None:
        next_link = next((a for a in pager.find_all("a", href=True)
                          if clean(a).casefold() in ("next", "next page", "›", "»")), None)
    indexes = [page_index(urljoin(url, a["href"])) for a in pager.find_all("a", href=True)]
    last = max([page_index(url), *indexes]) if indexes else None
    return (urljoin(url, next_link["href"]) if next_link else None), last
