"""The query of docs/queries.md ("cities committed under an instrument tied to a treaty their country
has not ratified or has left"), run as documented on a store filled by real replays: C40's
accelerators and the Paris Agreement's status before and after the United States withdrew."""

import re
import sqlite3
from pathlib import Path

import pytest

from store import open_db
from tests.helpers import archive_of, saved_pages
from tests.helpers import replay_like_cli as replay

DOCS = Path(__file__).parents[2] / "docs" / "queries.md"
HEADING = "## Cities committed under an instrument tied to a treaty their country has not ratified or has left"
C40_PAGES = ["hub.html", "green-healthy-streets.html", "clean-air-cities.html", "net-zero-carbon-buildings.html",
             "good-food-cities.html", "divest-invest.html", "urban-nature.html", "equity-pledge.html",
             "water-safe-cities.html"]


def documented_query() -> str:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    (sql,) = re.findall(r"```sql\n(.+?)```", section, flags=re.S)
    return sql


def run(db_path, sql):
    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql)]
    finally:
        connection.close()


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("treaty_query")
    db = folder / "glocal.db"
    c40 = archive_of(folder / "c40.warc.gz", saved_pages("c40_accelerators", C40_PAGES))
    before = archive_of(folder / "paris-2018.warc.gz", saved_pages("untc_status", ["XXVII-7-d.en.xml"]))
    after = archive_of(folder / "paris-2020.warc.gz", saved_pages("untc_status", ["XXVII-7-d.2020-12.en.xml"]))
    results = {"none": None}
    assert replay("c40_accelerators", c40, db).returncode == 0
    results["no treaty crawled"] = run(db, documented_query())
    only_paris = 'UNTC_TREATIES=["XXVII-7-d"]'
    assert replay("untc_status", before, db, only_paris).returncode == 0
    results["2018"] = run(db, documented_query())
    assert replay("untc_status", after, db, only_paris).returncode == 0
    results["2020"] = run(db, documented_query())
    results["db"] = db
    return results


def test_the_query_is_in_the_docs_under_its_heading():
    assert documented_query().lstrip().startswith("with sovereign")


def test_no_city_is_an_outsider_of_a_treaty_never_crawled(answers):
    assert answers["no treaty crawled"] == []


def test_while_the_us_is_a_party_no_us_city_is_listed(answers):
    assert [row for row in answers["2018"] if row["country"] == "US"] == []


def test_colombia_had_signed_but_not_yet_ratified_in_january_2018(answers):
    colombian = {(row["city"], row["state_status"]) for row in answers["2018"] if row["country"] == "CO"}
    assert colombian == {("Bogotá", "signatory"), ("Medellín", "signatory")}


def test_a_territory_is_judged_by_its_state(answers):
    assert [row for row in answers["2018"] if row["country"] == "HK"] == []  # China is a party


def test_after_the_withdrawal_us_cities_are_listed_with_the_state_status(answers):
    us = [row for row in answers["2020"] if row["country"] == "US"]
    assert us
    assert {row["state_status"] for row in us} == {"withdrawn"}
    assert {row["printed_by_the_un"] for row in us} == {"22 Apr 2016 | [3 Sep 2016 A]"}
    assert {row["treaty"] for row in us} == {"Paris Agreement"}
    assert {row["state_action"] for row in us} == {"acceptance"}


def test_the_cities_are_those_that_signed_accelerators(answers):
    cities = {row["city"] for row in answers["2020"] if row["country"] == "US"}
    assert {"Los Angeles", "New York City", "Washington DC", "Santa Monica", "Chicago"} <= cities
    for row in answers["2020"]:
        assert row["instrument_key"].startswith("c40_accelerators/")
        assert row["treaty_key"] == "untc_status/XXVII-7-d"


def test_a_city_of_a_state_that_only_signed_or_never_joined_is_listed():
    db = open_db(memory=True)
    conn = db.conn
    conn.executescript("""
        insert into actors (id, name, country, kind, key, needs_review) values
            (1, 'Istanbul', 'TR', 'city', 'istanbul|TR', 0), (2, 'Turkey', 'TR', 'state', 'state|TR', 0),
            (3, 'Tehran', 'IR', 'city', 'tehran|IR', 0), (4, 'Paris', 'FR', 'city', 'paris|FR', 0),
            (5, 'France', 'FR', 'state', 'state|FR', 0);
        insert into instruments (key, title, kind) values
            ('untc_status/XXVII-7-d', 'Paris Agreement', 'treaty'),
            ('c40_accelerators/clean-air-cities', 'Clean Air Accelerator', 'accelerator');
        insert into signatures (key, instrument_key, actor_id, actor_name, country, status, action, action_on) values
            ('untc_status/XXVII-7-d/turkey', 'untc_status/XXVII-7-d', 2, 'Turkey', 'TR', 'signatory', null, null),
            ('untc_status/XXVII-7-d/france', 'untc_status/XXVII-7-d', 5, 'France', 'FR', 'party', 'approval',
             '2016-10-05'),
            ('c40_accelerators/clean-air-cities/istanbul', 'c40_accelerators/clean-air-cities', 1, 'Istanbul', 'TR',
             null, null, null),
            ('c40_accelerators/clean-air-cities/tehran', 'c40_accelerators/clean-air-cities', 3, 'Tehran', 'IR',
             null, null, null),
            ('c40_accelerators/clean-air-cities/paris', 'c40_accelerators/clean-air-cities', 4, 'Paris', 'FR',
             null, null, null);
    """)
    rows = [dict(zip([c[0] for c in cursor.description], values, strict=True))
            for cursor in [conn.execute(documented_query())] for values in cursor.fetchall()]
    db.close()
    assert [(r["city"], r["state_status"]) for r in rows] == [("Tehran", "not a participant"),
                                                              ("Istanbul", "signatory")]
