"""The one resolver: a published name, with whatever context its source gives, becomes a place,
an authority of its own kind, a group of towns, or an honest question with ranked candidates.

Crawls, the Covenant importer and `glocal actors review` all come here (through
`Gazetteer.lookup`). The rules, in order (docs/places.md says them for readers):

1. Read the name (places.naming): repair mojibake and look-alike letters; take out the
   entity-type words, which say the kind ("Metropolitan Area", "(Rayon)", "County Council"), and
   the region hints (", Lviv oblast", "(NA)", ", IL").
2. A metropolitan body, county, district or rayon is its own place of its kind, linked to the
   city of its name (its seat) when there is one; never the city itself.
3. Coordinates, when the source has them, decide between namesakes: the nearest place answering
   to the name wins if it is within ACCEPT_KM (tried with latitude and longitude swapped too);
   a far one is refused (review). Without a namesake, a place within FUZZY_KM whose name is
   spelled nearly the same is taken, if only one is.
4. Without coordinates: the region hint narrows, then the gazetteer's ranking (curated table,
   countries, a primary name over alternate names, population only between places of one kind,
   a city's quarter never over a town of the same name).
5. "Ieper, Poperinge": when the whole is no place and every part is, a group of those towns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from places import naming

if TYPE_CHECKING:
    from places.gazetteer import Gazetteer, Place, Resolution

ACCEPT_KM = 25.0  # the source's point confirms a namesake this close (a municipality's point and GeoNames' agree)
FUZZY_KM = 12.0  # a near spelling is believed only for a place this close to the source's point
FUZZY_MIN_SCORE = 88  # rapidfuzz ratio of folded names
# Two namesakes nearer than this to each other are one place listed twice (a town and its
# GeoNames quarter): not a question.
SAME_PLACE_KM = 5.0


def decide(gazetteer: "Gazetteer", name: str, country: str | None, lat: float | None = None,
           lon: float | None = None) -> "Resolution":
    """The decision and, for a name left to review with no candidates of its own, the reviewer's
    offer: what a caller wanting both gets (`Gazetteer.lookup`)."""
    from places.gazetteer import Resolution

    resolution = decision(gazetteer, name, country, lat, lon)
    if not resolution.to_offer:
        return resolution
    candidates, offered = offer(gazetteer, name, country, lat, lon)
    return Resolution(resolution.status, candidates=candidates, spelling=resolution.spelling,
                      reason=resolution.reason + offered)


def decision(gazetteer: "Gazetteer", name: str, country: str | None, lat: float | None = None,
             lon: float | None = None) -> "Resolution":
    """Resolved or not, and why not (a whole sentence), with the candidates the decision itself
    met (namesakes too far from the point, the places of an ambiguous name). A name of nothing the
    decision met is marked `to_offer`: the towns a reviewer picks from are `offer`'s, asked for when
    the review queue is read (store/actors.py keeps the source's point for it), not at ingest."""
    from places.gazetteer import Resolution, fold

    reading = naming.read(name)
    point = _point(lat, lon)
    if not reading.core:
        return Resolution("unknown", reason="no name")
    if point is not None:
        gazetteer = _AroundOnePoint(gazetteer, point)
    resolution = _decide(gazetteer, name, reading, country, point)
    place = resolution.place
    if place is not None and place.layer == "country" and resolution.spelling not in (reading.core, fold(reading.text)):
        # "San Isidro (Argentina)": a country named inside a name says where, it is not the place.
        resolution = Resolution("unknown", spelling=resolution.spelling,
                                reason=f"only the country ({place.name}) is named so; not a place within it")
    if resolution.status != "resolved" and not resolution.reason:
        reason = ("several places of this name, none clearly meant" if resolution.status == "ambiguous"
                  else "no place of this name")
        resolution = Resolution(resolution.status, candidates=resolution.candidates, spelling=resolution.spelling,
                                reason=reason)
    if resolution.status != "resolved" and not resolution.candidates:
        resolution = Resolution(resolution.status, spelling=resolution.spelling, reason=resolution.reason,
                                to_offer=True)
    return resolution


def offer(gazetteer: "Gazetteer", name: str, country: str | None, lat: float | None = None,
          lon: float | None = None) -> "tuple[tuple[Place, ...], str]":
    """For a name `decision` marked `to_offer`: the places a reviewer picks from, best first, and
    the clause its reason gains ("; the towns around its point are offered"). Offered, never chosen.

    What its words alone would mean; else the towns around the source's point (a district or
    municipality the gazetteer does not hold lies among them), else the towns of its country
    spelled like it, else the towns nearest its point farther out, else its country's towns
    spelled most like it however unlike."""
    reading = naming.read(name)
    point = _point(lat, lon)
    if point is not None:
        gazetteer = _AroundOnePoint(gazetteer, point)
    words = gazetteer.word_candidates(reading.core, country)
    if words:
        return tuple(words), ""
    around = _towns_around(gazetteer, point, country, ACCEPT_KM)

    def spelled(however_unlike: bool) -> tuple:
        return tuple(gazetteer.spelled_like(reading.core, country, however_unlike=however_unlike)) if country else ()

    if around:
        return around, "; nothing spelled like it: the towns around its point are offered"
    if around := spelled(point is None):
        return around, "; the towns of its country spelled most like it are offered"
    if around := _towns_around(gazetteer, point, country, AROUND_FAR_KM):
        return around, "; nothing spelled like it: the towns nearest its point are offered"
    if around := spelled(True):
        return around, "; the towns of its country spelled most like it are offered"
    return (), "; nothing spelled like it either"


class _AroundOnePoint:
    """The gazetteer, with the towns around one decision's point read once.

    A name of no place with a point asks for the towns around it three to five times (the towns
    within ACCEPT_KM of its country, of any country, GeoNames' only, within FUZZY_KM...), each a
    query over the same grid cells. Here the widest of them (ACCEPT_KM, both data sets, every
    country) is read once, and each question is that list cut by the same circle test
    Gazetteer.places_near applies, in the list's order (the cells' index order, as each query's):
    the same places in the same order (tests/places/test_around_one_point.py compares).
    Anything else is the gazetteer's own answer."""

    def __init__(self, gazetteer, point: tuple[float, float]):
        self._gazetteer, self._point, self._widest = gazetteer, point, None

    def __getattr__(self, name):
        return getattr(self._gazetteer, name)

    def places_near(self, point, km: float, country: str | None = None, *, more: bool = False) -> list:
        from math import cos, radians

        lat, lon = point
        # Within ACCEPT_KM a circle lies inside its box (111.195 km a degree against the box's 111)
        # unless the box's width is floored (within half a degree of a pole): ask the gazetteer then.
        if point != self._point or km > ACCEPT_KM or 111.0 * cos(radians(lat)) < 1.0:
            return self._gazetteer.places_near(point, km, country, more=more)
        if self._widest is None:
            self._widest = self._gazetteer.places_near(point, ACCEPT_KM, more=True)
        squeeze = cos(radians(lat)) ** 2
        reach = (km / 111.195) ** 2
        return [place for place in self._widest
                if (more or place.layer == "geonames") and (not country or place.country == country)
                and (place.lat - lat) ** 2 + (place.lon - lon) ** 2 * squeeze <= reach]


AROUND_FAR_KM = 100.0  # a reviewer's last resort: the towns nearest a point with none within ACCEPT_KM


def _towns_around(gazetteer, point, country, km: float, limit: int = 5) -> tuple:
    """The towns (of both data sets) nearest the point within `km`, of its country if it has any there."""
    if point is None:
        return ()
    from places.gazetteer import distance_km

    nearby = gazetteer.places_near(point, km, country, more=True) or gazetteer.places_near(point, km, more=True)
    nearby.sort(key=lambda place: distance_km(point[0], point[1], place.lat, place.lon))
    return tuple(nearby[:limit])


def _decide(gazetteer, name, reading, country, point) -> "Resolution":
    from places.gazetteer import Place, Resolution

    if reading.kind in naming.DISTINCT_KINDS and reading.kind != naming.GROUP:
        return _authority(gazetteer, reading, country, point)
    city = _city(gazetteer, name, reading, country, point)
    if city.status == "resolved" and len(reading.parts) >= 2 and not _named_whole(gazetteer, reading, city.place):
        return _parts(gazetteer, reading, country, point) or city
    if city.status == "resolved" or len(reading.members) < 2:
        return city
    members = []
    for member in reading.members:
        found = _city(gazetteer, member, naming.read(member), country, None)
        if found.status != "resolved":
            return city
        members.append(found.place)
    group_country = country or members[0].country
    group = Place(reading.text, group_country, naming.GROUP, None, sum(m.population for m in members), None,
                  "authority", members=tuple(members))
    return Resolution("resolved", group, spelling=reading.core)


def _named_whole(gazetteer, reading: naming.Reading, place) -> bool:
    """"Tel Aviv–Yafo" is a name of the place found, not two names: its parts are not read apart."""
    return any(found.geonames_id == place.geonames_id for found, _w in gazetteer._places_named(reading.core))


def _parts(gazetteer, reading: naming.Reading, country, point) -> "Resolution | None":
    """"Ansoain - Berriozar": a group when its parts are towns apart; "Sexten - Sesto" (two names of
    one town) stays the town (None: the caller's answer stands)."""
    from places.gazetteer import Place, Resolution

    found = {}
    for part in reading.parts:
        resolution = _city(gazetteer, part, naming.read(part), country, point)
        if resolution.status == "resolved" and resolution.place.kind == "city":
            found[part] = resolution.place
    if len(found) < len(reading.parts):
        return None
    # "Karşıyaka - İzmir": a part naming a division that holds another part's town is its region.
    codes = {code for place in found.values() for code in (place.area or "").split("|") if code}
    towns = [place for part, place in found.items()
             if not any(area[0] in codes for area in [gazetteer.area_named(part, place.country)] if area)]
    if len(towns) == 1 and len(found) > 1:
        return Resolution("resolved", towns[0], spelling=reading.core)
    if len(towns) < 2 or not any(_distance_between(towns[0], p) > SAME_PLACE_KM for p in towns[1:]):
        return None
    found = towns
    group = Place(reading.text, country or found[0].country, naming.GROUP, None, sum(m.population for m in found),
                  None, "authority", members=tuple(found))
    return Resolution("resolved", group, spelling=reading.core)


def _point(lat, lon) -> tuple[float, float] | None:
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    if lat == round(lat) or lon == round(lon):
        return None  # a whole degree ("45.0, 9.43"): ±50 km, no town's point; the name decides
    return lat, lon


def _authority(gazetteer, reading: naming.Reading, country, point) -> "Resolution":
    """A metropolitan body, county, district or rayon: its own place, linked to its seat city."""
    from places.gazetteer import Place, Resolution

    core = naming.Reading(text=reading.core, core=reading.core, hints=reading.hints)
    seat = _city(gazetteer, reading.core, core, country, point)
    area = gazetteer.area_named(reading.core, country or (seat.place.country if seat.place else None))
    if seat.status != "resolved" and area is None:
        return Resolution("unknown", candidates=seat.candidates, spelling=reading.core,
                          reason=f"a {reading.kind} whose place {reading.core!r} is not known"
                          + (f" ({seat.reason})" if seat.reason else ""))
    where = seat.place.country if seat.place else area[1]
    name = reading.text
    lat, lon = (seat.place.lat, seat.place.lon) if seat.place else gazetteer.area_point(area[0])
    place = Place(name, where, reading.kind, area[2] if area else None, seat.place.population if seat.place else 0,
                  None, "authority", lat=lat, lon=lon, area=area[0] if area else None,
                  seat=seat.place if seat.status == "resolved" else None)
    return Resolution("resolved", place, spelling=reading.core)


def _spellings(name: str, reading: naming.Reading) -> list[str]:
    from places.gazetteer import _spellings as gazetteer_spellings, fold

    spellings = [reading.core, fold(reading.text)]
    spellings += [fold(a) for a in reading.alternates if not _is_country(a)]
    spellings += [_core_of(part) for part in reading.parts]
    spellings += [naming.without_article(s) for s in list(spellings[:2])]
    spellings += [spelling for spelling, _hint, _ in gazetteer_spellings(reading.text)]
    return [s for s in dict.fromkeys(spellings) if s]


def _core_of(part: str) -> str:
    return naming.read(part).core


def _is_country(text: str) -> bool:
    from places.countries import country_code

    return country_code(text) is not None


def _city(gazetteer, name: str, reading: naming.Reading, country, point) -> "Resolution":
    from places.gazetteer import Resolution

    if point is None:
        hinted = _by_hint(gazetteer, name, reading, country)
        if hinted is not None:
            return hinted
        resolution = gazetteer._decide(reading.text if reading.text != name else name, country)
        if resolution.status == "unknown" and reading.core and reading.text != reading.core:
            resolution = gazetteer._decide(reading.core, country)
        return resolution
    spellings = _spellings(name, reading)
    found = {}
    for spelling in spellings:
        for place, weight in gazetteer._places_named(spelling):
            if place.kind != "city" or place.lat is None or (country and place.country != country):
                continue
            found.setdefault(place.geonames_id or id(place), (place, weight))
    if found:
        chosen = _nearest(list(found.values()), point)
        if chosen is not None:
            return Resolution("resolved", gazetteer._canonical(chosen), spelling=spellings[0])
    more = _more_town(gazetteer, spellings, country, point)
    if more is not None:
        return Resolution("resolved", more, spelling=spellings[0])
    twin = _same_but_article(gazetteer, reading.core, country, point)
    if twin is not None:
        return Resolution("resolved", gazetteer._canonical(twin), spelling=reading.core)
    near = _near_spelling(gazetteer, reading, country, point)
    if near is not None:
        return Resolution("resolved", gazetteer._canonical(near), spelling=reading.core)
    division = _division(gazetteer, spellings, country, point)
    if division is not None:
        return Resolution("resolved", division, spelling=reading.core)
    ranked = sorted((place for place, _w in found.values()), key=lambda p: _distance(p, point))
    if ranked:
        nearest = ranked[0]
        reason = (f"the nearest place named so, {nearest.label()}, is {_distance(nearest, point):.0f} km "
                  f"from the source's coordinates")
        return Resolution("unknown", candidates=tuple(ranked[:5]), spelling=spellings[0], reason=reason)
    plain = gazetteer._decide(reading.text, country)
    candidates = list(plain.candidates or ((plain.place,) if plain.place else ()))
    candidates += [p for p in _spelled_like(gazetteer, reading, country, point) if p not in candidates]
    return Resolution("unknown", candidates=tuple(candidates[:5]), spelling=spellings[0],
                      reason="no town of this name near the source's coordinates")


def _more_town(gazetteer, spellings, country, point) -> "Place | None":
    """A town of the second data set (places/gazetteer.py: _add_more_towns) answering to the name,
    the nearest within ACCEPT_KM of the point (a town over a big city's quarter, as for GeoNames)."""
    found = {}
    for spelling in spellings:
        for place in gazetteer.more_towns_named(spelling, country):
            found.setdefault(place.ref or place.geonames_id, (place, 0))
    chosen = _nearest(list(found.values()), point)
    return gazetteer._canonical(chosen) if chosen is not None else None


def _division(gazetteer, spellings, country, point) -> "Place | None":
    """A municipality that GeoNames lists as a division, not a town (Turkey's district
    municipalities, "Yenimahalle"): the division of that name nearest the point, if near."""
    from places.gazetteer import Place

    for spelling in spellings[:2]:
        for name, code, geonames_id, level, kind, lat, lon, population in gazetteer.areas_near(
                spelling, country, point, ACCEPT_KM):
            if level >= 2:
                return Place(name, code.split(".", 1)[0], "city", geonames_id, population or 0, None, "area",
                             lat=lat, lon=lon, area=code)
    return None


def _distance(place, point) -> float:
    from places.gazetteer import distance_km

    straight = distance_km(point[0], point[1], place.lat, place.lon)
    if straight <= ACCEPT_KM or not (-90 <= point[1] <= 90):
        return straight
    return min(straight, distance_km(point[1], point[0], place.lat, place.lon))  # lat and lon swapped


def _nearest(found: list, point) -> "Place | None":
    measured = ((_distance(place, point), place.section, weight, place) for place, weight in found)
    within = sorted((row for row in measured if row[0] <= ACCEPT_KM), key=lambda row: row[:3])
    if not within:
        return None
    towns = [row for row in within if not row[1]]
    best = (towns or within)[0]
    return best[3]


ARTICLE_MIN = 5  # letters of the name once its article is gone ("caniza")


def _same_but_article(gazetteer, core: str, country, point) -> "Place | None":
    """"A Cañiza" is GeoNames' "La Cañiza", "Al-Zarqa" its "Zarqa": the same name once a leading
    article (in any language) is gone is a namesake, the nearest within ACCEPT_KM (looked up by
    name with each article, not by scanning the towns around)."""
    bare = naming.without_article(core) or core
    if len(bare) < ARTICLE_MIN:
        return None
    spellings = [spelling for spelling in naming.with_articles(bare) if spelling != core]  # the name itself: asked first
    found = {place.ref or place.geonames_id: (place, 0) for place in gazetteer.towns_named_any(spellings, country)}
    return _nearest(list(found.values()), point)


def _near_spelling(gazetteer, reading: naming.Reading, country, point) -> "Place | None":
    """The one town near the point spelled nearly like the name (GeoNames' and the second data
    set's), else one whose name the source wrote in another form: the same consonants, a
    community's adjective, a genitive (each rule below says which)."""
    from rapidfuzz import fuzz

    from places.gazetteer import fold

    scored = []
    core = reading.core
    bare = naming.without_article(core)
    bare = bare if bare and len(bare) >= ARTICLE_MIN else None
    nearby = gazetteer.places_near(point, FUZZY_KM, country, more=True)
    for place in nearby:
        name = fold(place.name)
        score = fuzz.ratio(core, name)
        if bare:  # "Al-Russifa", GeoNames' "Russeifa"
            score = max(score, fuzz.ratio(bare, naming.without_article(name) or name))
        if score < FUZZY_MIN_SCORE and len(name) >= 5 and (core.startswith(name + " ") or name.startswith(core + " ")):
            score = FUZZY_MIN_SCORE  # "Caravaca de la Cruz" is GeoNames' "Caravaca"; "Fusignano 2030"
        if score < FUZZY_MIN_SCORE and _initials_agree(core, name):
            score = FUZZY_MIN_SCORE  # "Fara F. Petri" is "Fara Filiorum Petri"
        if score >= FUZZY_MIN_SCORE:
            scored.append((score, -place.population, place))
    scored.sort(key=lambda row: (-row[0], row[1]))
    if not scored:
        # Consonants alone are a weak likeness: only GeoNames' towns (their names are checked
        # spellings), never the second set's hamlets ("Etxarri" is not its "Etxauri").
        towns = [place for place in nearby if place.layer == "geonames"]
        return (_same_skeleton(core, towns) or _community_adjective(gazetteer, core, country, point)
                or _genitive(gazetteer, core, country, point))
    if len(scored) > 1 and scored[1][0] == scored[0][0] and _distance_between(scored[0][2], scored[1][2]) > SAME_PLACE_KM:
        return None  # two places spelled equally near: a question
    return scored[0][2]


def _initials_agree(core: str, name: str) -> bool:
    """Word by word the same, where the source abbreviated a word to its initial ("fara f petri",
    "fara filiorum petri"); at least two words written out whole."""
    mine, theirs = core.split(), name.split()
    if len(mine) != len(theirs) or len(mine) < 3:
        return False
    whole = sum(1 for a, b in zip(mine, theirs) if a == b)
    return whole >= 2 and all(a == b or (len(a) == 1 and b.startswith(a)) for a, b in zip(mine, theirs))


def _one_place(found: list) -> "Place | None":
    """The place when all found lie together (one town listed twice), else None (a question)."""
    if not found or any(_distance_between(found[0], other) > SAME_PLACE_KM for other in found[1:]):
        return None
    return max(found, key=lambda p: p.population)


SKELETON_MIN = 4  # consonants: shorter skeletons ("brn": Braone, Brione) are shared by neighbours
SKELETON_MIN_SCORE = 70  # and the spellings alike still, first letter included


def _same_skeleton(core: str, nearby: list) -> "Place | None":
    """"Qalqilia" is GeoNames' "Qalqīlyah", "Daliat El Carmel" its "Daliyat al Karmel": two
    transliterations of one name keep its consonants. The one town near the point with the same
    consonants (and a spelling still alike) is taken; none, or two apart, is a question."""
    from rapidfuzz import fuzz

    from places.gazetteer import fold

    wanted = naming.skeleton(core)
    if len(wanted) < SKELETON_MIN:
        return None
    return _one_place([place for place in nearby
                       if naming.skeleton(fold(place.name)) == wanted and fold(place.name)[:1] == core[:1]
                       and fuzz.ratio(core, fold(place.name)) >= SKELETON_MIN_SCORE])


# Countries whose communities name themselves by an adjective of their town: Ukraine's hromadas
# ("Radyvylivska miska hromada", the city community of Radyvyliv), and its neighbours' like them.
ADJECTIVE_COUNTRIES = frozenset({"UA", "BY", "RU"})
ADJECTIVE_SAME_START = 3


def _community_adjective(gazetteer, core: str, country, point) -> "Place | None":
    """"radyvylivska" is the community of Radyvyliv, "mezhivska" of Mezhova, "shyrokivska" of
    Shyroke, "drabivetska" of Drabivtsi, "malodanylivska" of Mala Danylivka, "pervomaiska" of
    Pervomaisk. The adjective keeps the town's consonants (its vowels change: o -> i) and adds
    -sk- (after the town's final -k, or with -iv- after a final vowel): the one town within
    ACCEPT_KM of the point whose consonants make the adjective's, and whose name begins as the
    adjective does, is taken."""
    from places.gazetteer import fold

    if country not in ADJECTIVE_COUNTRIES or not core.endswith("ska") or " " in core:
        return None
    wanted = naming.skeleton(core)
    if len(wanted) < SKELETON_MIN + 1:
        return None

    def makes_it(town: str) -> bool:
        stem = naming.skeleton(town)
        # Consonants alone are shared by neighbours ("Velyke" and "Voloka" are both v-l-k): the
        # town's first three letters are the adjective's too.
        if len(stem) < 3 or town[:ADJECTIVE_SAME_START] != core[:ADJECTIVE_SAME_START]:
            return False
        forms = {stem + "sk", stem + "vsk", stem}
        if stem.endswith("s"):
            forms.add(stem + "k")  # Hrabovets -> hrabovetska
        if stem.endswith("k"):
            forms.add(stem[:-1] + "sk")  # Danylivka -> danylivska
        return wanted in forms

    around = gazetteer.places_near(point, ACCEPT_KM, country, more=True)
    return _one_place([place for place in around if makes_it(fold(place.name))])


# Greek municipalities named in the genitive ("Dimos Aliveriou", "Kymis", "Sikyonion", "Δήμος
# Πάργας"): the town's name is the stem, with its own ending (Alivéri, Kými, Sikyón, Párga).
_GENITIVE_ENDINGS = ("ion", "eon", "on", "ou", "s", "ιων", "ων", "ου", "σ")
GENITIVE_COUNTRIES = frozenset({"GR", "CY"})
GENITIVE_MIN_STEM = 4


def _genitive(gazetteer, core: str, country, point) -> "Place | None":
    """The one town near the point whose name (any of its names) is the genitive's stem and at
    most two letters more."""
    if country not in GENITIVE_COUNTRIES:
        return None
    for ending in _GENITIVE_ENDINGS:
        stem = core[: -len(ending)]
        if core.endswith(ending) and len(stem) >= GENITIVE_MIN_STEM:
            found = {place.geonames_id: place for place in gazetteer.places_starting(stem, 2, country)
                     if place.lat is not None and _distance(place, point) <= FUZZY_KM}
            if found:
                return _one_place(list(found.values()))
    return None


SPELLED_LIKE_POOL = 300


def _spelled_like(gazetteer, reading: naming.Reading, country, point, limit: int = 3) -> list:
    """For a reviewer: the towns near the source's point whose names are spelled most like it."""
    from rapidfuzz import fuzz

    from places.gazetteer import fold

    # Nothing of the country within 25 km (a border town, a point given loosely): the towns of any
    # country, so the reviewer still has a place to start from. Only the biggest few hundred are
    # scored: a point in a dense region has thousands of hamlets around it.
    nearby = gazetteer.places_near(point, ACCEPT_KM, country) or gazetteer.places_near(point, ACCEPT_KM)
    if len(nearby) > SPELLED_LIKE_POOL:
        nearby = sorted(nearby, key=lambda p: -p.population)[:SPELLED_LIKE_POOL]
    ranked = sorted(nearby, key=lambda p: (-fuzz.ratio(reading.core, fold(p.name)), -p.population))
    return ranked[:limit]


def _distance_between(a, b) -> float:
    from places.gazetteer import distance_km

    return distance_km(a.lat, a.lon, b.lat, b.lon)


def _by_hint(gazetteer, name: str, reading: naming.Reading, country) -> "Resolution | None":
    """"Mykolayiv, Lviv oblast", "Grumo Nevano (NA)": the namesake in the hinted division, if one."""
    from places.gazetteer import Resolution

    # "Madrid (Colombia)" with the country CO: the hint only repeats the country.
    hints = [hint for hint in reading.hints if not (country and gazetteer.country_code(hint) == country)]
    if not hints:
        return None
    reading = naming.Reading(reading.text, reading.core, reading.kind, tuple(hints), reading.members,
                             reading.alternates, reading.parts)
    codes = set()
    for hint in reading.hints:
        codes |= gazetteer.area_codes(hint, country)
    if not codes:
        return None
    found = {}
    for spelling in _spellings(name, reading):
        for place, weight in gazetteer._places_named(spelling):
            if place.kind == "city" and place.area and (not country or place.country == country) and \
                    any(code in codes for code in place.area.split("|")):
                found.setdefault(place.geonames_id, (weight, place.section, -place.population, place))
        if found:
            break
    if not found:
        hinted = {gazetteer.country_code(hint) for hint in reading.hints} - {None}
        if hinted and (not country or country in hinted):
            return None  # "Birmingham, UK", "Portland, ME": the hint may be a country; the gazetteer reads both
        # "College, PA" in the US: PA is Pennsylvania there, not Panama; no College in it is an answer.
        others = [p for s in _spellings(name, reading)[:1] for p, _w in gazetteer._places_named(s)
                  if p.kind == "city" and (not country or p.country == country)]
        return Resolution("unknown", candidates=tuple(others[:5]), spelling=reading.core,
                          reason=f"no place of this name in {', '.join(reading.hints)}, the division the name gives")
    ranked = sorted(found.values(), key=lambda row: row[:3])
    towns = [row for row in ranked if not row[1]] or ranked
    primary = [row for row in towns if row[0] == 0] or towns
    if len(primary) > 1 and _distance_between(primary[0][3], primary[1][3]) > SAME_PLACE_KM:
        return Resolution("ambiguous", candidates=tuple(row[3] for row in primary[:5]), spelling=reading.core,
                          reason=f"{len(primary)} places of this name in the division the name gives")
    return Resolution("resolved", gazetteer._canonical(primary[0][3]), spelling=reading.core)
