"""unfccc_gcap: initiatives and their city and region participants from the portal's JSON API; the
stated count of cities and regions; off by default; a challenge page instead of JSON fails the run and removes nothing."""

import json
import sqlite3

import pytest

from kit.errors import ParseError
from kit.items import Instrument, ScopeReport, Signature
from spiders.parsers import unfccc_gcap as parser
from tests.helpers import FIXTURES, archive_of, glocal, saved_pages
from tests.helpers import replay_like_cli as replay

SPIDER = "unfccc_gcap"
FOLDER = FIXTURES / SPIDER
PAGES = ["initiative-list.json", "actors-7.json", "actors-112.json", "actors-58.json"]
ON = "UNFCCC_GCAP_ENABLED=true"


def text(filename):
    return (FOLDER / filename).read_text(encoding="utf-8")


INITIATIVES, ITEMS = parser.parse_initiatives(text("initiative-list.json"))
ITEMS = list(ITEMS)
BY_ID = {i["id"]: i for i in INITIATIVES}


def actors(number):
    return list(parser.parse_actors(text(f"actors-{number}.json"), parser.actors_url(number), BY_ID[number]))


def test_initiatives_are_instruments():
    instruments = [i for i in ITEMS if isinstance(i, Instrument)]
    assert [i.key for i in instruments] == ["unfccc_gcap/cip-7", "unfccc_gcap/cip-112", "unfccc_gcap/cip-58"]
    assert instruments[0].title == "Global Covenant of Mayors for Climate & Energy"
    assert {i.kind for i in instruments} == {"cooperative_initiative"}
    assert instruments[1].text.startswith("Cities committed to reach net zero")
    assert instruments[0].adopted_on is None  # addedDate is when the portal added it, not an adoption


def test_initiative_scope_report():
    report = ITEMS[0]
    assert isinstance(report, ScopeReport) and report.complete
    assert report.keys == ["unfccc_gcap/cip-7", "unfccc_gcap/cip-112", "unfccc_gcap/cip-58"]


def test_city_participants_are_signatures_and_companies_are_not():
    items = actors(7)
    names = [s.actor_name for s in items if isinstance(s, Signature)]
    assert names == ["Paris", "Quezon City", "Bogotá", "Los Angeles"]
    assert {s.role for s in items if isinstance(s, Signature)} == {"participant"}


def test_country_from_iso3():
    by_name = {s.actor_name: s for s in actors(7) if isinstance(s, Signature)}
    assert (by_name["Paris"].country, by_name["Quezon City"].country, by_name["Los Angeles"].country) == (
        "FR", "PH", "US")


def test_report_carries_the_stated_city_count():
    report = actors(7)[0]
    assert (report.scope, report.complete, report.stated, report.listed) == (
        "signatures:unfccc_gcap/cip-7", True, 4, 4)


def test_the_stated_count_is_of_cities_and_regions_the_list_holds():
    report = actors(58)[0]  # two regions, no city: the list states 2, not citiesStats' 0
    assert (report.stated, report.stated_qualifier, report.listed) == (2, None, 2)
    answer = json.loads(text("actors-58.json"))
    del answer["stats"]["regionsStats"]  # only the cities counted: a lower bound of the list
    (report, *_) = parser.parse_actors(json.dumps(answer), parser.actors_url(58), BY_ID[58])
    assert (report.stated, report.stated_qualifier) == (0, "at least")
    answer["stats"] = {}
    (report, *_) = parser.parse_actors(json.dumps(answer), parser.actors_url(58), BY_ID[58])
    assert report.stated is None


def test_regions_are_read_too():
    names = [(s.actor_name, s.actor_kind) for s in actors(58) if isinstance(s, Signature)]
    assert names == [("California", "region"), ("Scotland", "region")]


def test_request_bodies_follow_the_documented_shape():
    assert parser.initiatives_body() == {"take": 150, "skip": 0, "searchText": "", "reportingCycle": {"years": []},
                                         "hasProgress": False, "sorting": 0}
    body = parser.actors_body(7)
    assert body["cooperativeInitiatives"] == {"cooperativeInitiativeIds": [7]}
    assert body["actorsType"] == {"includeCountries": True}


def test_a_challenge_page_instead_of_json_is_refused_with_that_reason():
    with pytest.raises(ParseError, match="answered an anti-bot challenge page .Imperva/Incapsula. instead of JSON"):
        parser.parse_initiatives(text("challenge.html"), parser.INITIATIVES_URL)


def test_json_without_initiatives_is_a_parse_error():
    with pytest.raises(ParseError) as error:
        parser.parse_initiatives('{"error": "Bad Request"}', parser.INITIATIVES_URL)
    assert error.value.landmarks == ("initiatives",)


def test_an_actor_without_a_name_makes_the_list_incomplete():
    data = json.loads(text("actors-7.json"))
    data["actors"].append({"id": 9, "actorType": "City"})
    report = list(parser.parse_actors(json.dumps(data), parser.actors_url(7), BY_ID[7]))[0]
    assert not report.complete and "1 actors without a readable name" in report.reason


# --- the spider through the engine --------------------------------------------------------------------

def query(db, sql):
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def test_off_by_default_crawls_nothing_and_stays_healthy(tmp_path):
    db = tmp_path / "glocal.db"
    result = replay(SPIDER, archive_of(tmp_path / "a.warc.gz", saved_pages(SPIDER, PAGES)),
                    db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 items from 0 pages" in result.stdout
    assert query(db, "select count(*) from instruments") == [(0,)]


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gcap")
    db = folder / "glocal.db"
    baseline = replay(SPIDER, archive_of(folder / "a.warc.gz", saved_pages(SPIDER, PAGES)),
                      db, ON)
    challenged = [replay(SPIDER, archive_of(folder / f"{day}.warc.gz", saved_pages(
        SPIDER, ["challenge.html"], day=day)), db, ON) for day in ("2026-11-14", "2026-11-21")]
    return db, baseline, challenged


def test_enabled_replay_records_initiatives_and_participants(replays):
    db, baseline, _ = replays
    assert baseline.returncode == 0, baseline.stdout + baseline.stderr
    assert query(db, "select count(*) from instruments") == [(3,)]
    assert query(db, "select count(*) from signatures") == [(9,)]
    assert query(db, "select count(distinct actor_id) from signatures where actor_name = 'Paris'") == [(1,)]


def test_a_challenge_page_fails_the_run_with_that_reason_and_removes_nothing(replays):
    db, _, challenged = replays
    for result in challenged:
        assert result.returncode == 1
        assert "anti-bot challenge page" in result.stdout
    assert query(db, "select count(*) from signatures where removed_at is not null") == [(0,)]
    assert query(db, "select count(*) from instruments where removed_at is not null") == [(0,)]
    assert query(db, "select healthy from crawl_runs order by id") == [(1,), (0,), (0,)]
