"""Extraction for unfccc_gcap: the Global Climate Action portal's JSON API (climateaction.unfccc.int).
JSON text in, items out; no Scrapy, no network, no clock.

Request and response shapes (research/sites.md §5.3): POST /apiv2/initiative/list answers
{"initiatives": [{id, publicId, initiativeName, statement, description, addedDate, ...}]}; POST
/apiv2/actor/list (filtered by cooperativeInitiativeIds) answers {"stats": {..., "citiesStats":
{"count", "population"}, ...}, "actors": [...]}. The fields of one actor are not documented, so
several spellings are accepted and an actor without a readable name is counted as a gap. The portal
sits behind Imperva/Incapsula: an HTML challenge page instead of JSON is refused with that reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from kit.bot_walls import challenge_in
from places.countries import country_code
from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import ROSTER, Instrument, Scope, ScopeReport, Signature
from kit.routing import Route, Routes
from kit.text import clean, name_key

SOURCE = "unfccc_gcap"
HOST = "climateaction.unfccc.int"
INITIATIVES_URL = f"https://{HOST}/apiv2/initiative/list"
ACTORS_URL = f"https://{HOST}/apiv2/actor/list"
INSTRUMENTS_SCOPE = f"instruments:{SOURCE}"
PAGE_SIZE = 150

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("json", "a JSON answer (not an HTML page: the portal's anti-bot challenge answers in HTML)"),
        Landmark("initiatives", 'an "initiatives" list in the initiative/list answer'),
        Landmark("actors", 'an "actors" list and "stats" in the actor/list answer'),
    ),
    min_items={"instrument": 1},
    required_fields={"instrument": ("title", "url"), "signature": ("actor_name", "instrument_key")},
    expected_fields={"signature": ("country",)},
)

_SUBNATIONAL = re.compile(r"\b(city|cities|municipal|local government|region|state/region|subnational|town)\b",
                          re.I)


def initiatives_body(skip: int = 0) -> dict:
    return {"take": PAGE_SIZE, "skip": skip, "searchText": "", "reportingCycle": {"years": []},
            "hasProgress": False, "sorting": 0}


def actors_body(initiative_id, skip: int = 0) -> dict:
    return {"take": 200, "skip": skip, "progressTracking": {},
            "engagementType": {"includeInitiativeParticipations": True, "commitments": {"emissionReduction": {}}},
            "cooperativeInitiatives": {"cooperativeInitiativeIds": [initiative_id]}, "sorting": 0,
            "actorsType": {"includeCountries": True}}


def actors_url(initiative_id) -> str:
    # The API reads the body; the query string only makes each initiative's answer its own URL,
    # so archives and replays keep one response per initiative.
    return f"{ACTORS_URL}?cooperativeInitiativeId={initiative_id}"


def load_json(text: str | bytes, url: str):
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith("<"):
        marker = challenge_in(text)  # kit/bot_walls.py, as `glocal check` reads a response
        if marker is None:
            kind = "an HTML page"
        elif re.search(r"incap|imperva", marker, re.I):  # the protection in front of the portal
            kind = "an anti-bot challenge page (Imperva/Incapsula)"
        else:
            kind = f"an anti-bot challenge page (it says {marker!r})"
        raise ParseError(f"{SOURCE}: {url} answered {kind} instead of JSON", landmarks=("json",))
    try:
        return json.loads(stripped)
    except ValueError as error:
        raise ParseError(f"{SOURCE}: {url} answered text that is not JSON ({error})", landmarks=("json",)) from None


def initiative_key(initiative: dict) -> str:
    return f"{SOURCE}/{clean(str(initiative.get('publicId') or initiative['id'])).lower()}"


def signature_scope(initiative: dict) -> str:
    return f"signatures:{initiative_key(initiative)}"


def parse_initiatives(text: str | bytes, url: str = INITIATIVES_URL) -> tuple[list[dict], Iterator]:
    """(the initiatives as the API gives them, their ScopeReport and Instruments)."""
    data = load_json(text, url)
    initiatives = data.get("initiatives") if isinstance(data, dict) else None
    if not isinstance(initiatives, list):
        raise ParseError(f"{SOURCE}: no \"initiatives\" list in the answer of {url}", landmarks=("initiatives",))
    usable = [i for i in initiatives if isinstance(i, dict) and i.get("id") is not None and i.get("initiativeName")]

    def items():
        yield ScopeReport(kind=ROSTER, landmark="initiatives", source=SOURCE, scope=INSTRUMENTS_SCOPE, entity="instrument", url=url,
                          complete=len(usable) == len(initiatives), keys=[initiative_key(i) for i in usable],
                          reason=None if len(usable) == len(initiatives) else
                          f"{len(initiatives) - len(usable)} initiatives without an id or a name")
        for initiative in usable:
            yield Instrument(source=SOURCE, key=initiative_key(initiative), url=url,
                             title=clean(initiative["initiativeName"]), kind="cooperative_initiative",
                             issuer="UNFCCC Global Climate Action portal",
                             text=clean(initiative.get("statement") or initiative.get("description")) or None,
                             scope=INSTRUMENTS_SCOPE)

    return usable, items()


def parse_actors(text: str | bytes, url: str, initiative: dict) -> Iterator:
    """The city and region participants of one initiative, with the count the answer states of them."""
    data = load_json(text, url)
    actors = data.get("actors") if isinstance(data, dict) else None
    if not isinstance(actors, list):
        raise ParseError(f"{SOURCE}: no \"actors\" list in the answer of {url}", landmarks=("actors",))
    key = initiative_key(initiative)
    stated, qualifier = _stated_local_governments(data.get("stats"))
    signatures, gaps = [], 0
    for actor in actors:
        if not isinstance(actor, dict):
            gaps += 1
            continue
        kind = clean(str(_first(actor, "actorType", "type", "entityType", "actorTypeName") or ""))
        if not _SUBNATIONAL.search(kind):
            continue  # companies, investors, organizations and countries are not local governments
        name = clean(str(_first(actor, "name", "actorName", "displayName") or ""))
        if not name:
            gaps += 1
            continue
        signatures.append(Signature(
            source=SOURCE, key=f"{key}/{name_key(name) or name.casefold()}", url=url, instrument_key=key,
            actor_name=name, country=_country(actor), role="participant",
            actor_kind="region" if re.search(r"region|state", kind, re.I) else None,
        ))
    unique = list({s.key: s for s in signatures}.values())
    reason = f"{gaps} actors without a readable name" if gaps else None
    yield ScopeReport(kind=ROSTER, landmark="actors", source=SOURCE, scope=signature_scope(initiative), entity="signature", url=url,
                      complete=not gaps, keys=[s.key for s in unique], stated=stated, stated_qualifier=qualifier,
                      reason=reason)
    yield from unique


def _stated_local_governments(stats) -> tuple[int | None, str | None]:
    """The count the answer states of the list read here, cities and regions: the sum of
    `citiesStats.count` and `regionsStats.count` ("at least" when the answer gives only one), so a
    list of two regions and no city states 2, not the 0 cities."""
    stats = stats if isinstance(stats, dict) else {}
    parts = [stats.get(part) for part in ("citiesStats", "regionsStats")]
    counts = [part.get("count") for part in parts if isinstance(part, dict)]
    given = [n for n in counts if isinstance(n, int) and not isinstance(n, bool)]
    if not given:
        return None, None
    return sum(given), (None if len(given) == len(parts) else "at least")


def _first(record: dict, *names):
    for name in names:
        if record.get(name) not in (None, ""):
            return record[name]
    return None


def _country(actor: dict) -> str | None:
    country = _first(actor, "country", "countryIso3", "countryCode", "countryName")
    if isinstance(country, dict):
        country = _first(country, "iso2", "iso3", "code", "name")
    if not country:
        return None
    country = clean(str(country))
    if re.fullmatch(r"[A-Za-z]{2}", country):
        return country.upper()
    if re.fullmatch(r"[A-Za-z]{3}", country):
        import pycountry

        found = pycountry.countries.get(alpha_3=country.upper())
        return found.alpha_2 if found else None
    return country_code(country)


def parse_items(text: str, url: str) -> Iterator:
    """For `glocal parse`: an initiative list, or one initiative's actor list."""
    if "/actor/list" in url:
        match = re.search(r"cooperativeInitiativeId=([^&]+)", url)
        yield from parse_actors(text, url, {"id": match.group(1) if match else "unknown"})
    else:
        yield from parse_initiatives(text, url)[1]


# The landmark of each kind of list here, for the reports the spider makes of failed answers.
LIST_LANDMARK = {"instrument": "initiatives", "signature": "actors"}
INITIATIVES = Scope(Instrument, ROSTER, INSTRUMENTS_SCOPE, landmark="initiatives")
PARTICIPANTS = Scope(Signature, ROSTER, lambda url: f"signatures:{SOURCE}/" + url.rsplit("=", 1)[-1],
                     landmark="actors")
def parse_initiative_list(text: str, url: str) -> Iterator:
    """The initiative list (its own name: one contract per route)."""
    yield from parse_items(text, url)


def parse_actor_list(text: str, url: str) -> Iterator:
    """One initiative's actor list (its own name: one contract per route)."""
    yield from parse_items(text, url)


ROUTES = Routes(
    Route(r"/apiv2/initiative/list", parse_initiative_list, INITIATIVES, format="json",
          example="https://climateaction.unfccc.int/apiv2/initiative/list", returns="items 4"),
    Route(r"/apiv2/actor/list", parse_actor_list, PARTICIPANTS, format="json",
          example="https://climateaction.unfccc.int/apiv2/actor/list?cooperativeInitiativeId=7", returns="items 4"),
)
