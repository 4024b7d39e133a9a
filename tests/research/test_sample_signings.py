"""The signing as the unit, on the sample archive the README crawls: one actor x one instrument,
whatever number of sources report it, in every count, list, export and named query.

Expected rows are those of tests/fixtures/sample.warc.gz as the resolver of today places its names;
when the resolver changes (the places issue), actor rows may move: update them then, with the
reason in the commit."""

import sqlite3
from collections import Counter

import pytest

from store import open_db
from store import signings as signing_store
from store.queries import QUERIES, overlap_matrix, run

CLEAN_AIR = "c40_accelerators/clean-air-cities"
KYOTO = "untc_status/XXVII-7-a"


@pytest.fixture(scope="module")
def db(sample_store):
    database = open_db(sample_store)
    yield database
    database.close()


@pytest.fixture(scope="module")
def summaries(db):
    return {row["key"]: row for row in signing_store.instrument_summaries(db)}


# -- one signing, one count -------------------------------------------------------------------

def test_every_printed_count_is_the_number_of_distinct_signatories_listed(db, summaries):
    assert len(summaries) >= 20
    for key, summary in summaries.items():
        rows = signing_store.signings(db, key)
        actors = [row["actor_id"] for row in rows]
        assert len(actors) == len(set(actors)), key  # no actor twice in a list
        assert summary["signatories"] == len(rows) == summary["listed"] + summary["news_only"], key


def test_clean_air_is_35_on_the_list_and_3_named_only_by_news(db, summaries):
    assert (summaries[CLEAN_AIR]["signatories"], summaries[CLEAN_AIR]["listed"], summaries[CLEAN_AIR]["news_only"]) == (
        38, 35, 3)
    news_only = [(r["actor"], r["signed_on"], r["signed_on_source"]) for r in signing_store.signings(db, CLEAN_AIR)
                 if r["standing"] == "news only"]
    assert news_only == [("Accra", "2024-06-05", "c40_news"), ("Addis Ababa", "2024-06-05", "c40_news"),
                         ("Nairobi", "2024-06-05", "c40_news")]


def test_the_other_doubled_lists_count_each_city_once(summaries):
    # The issue's figures before: Divest-Invest 36, Good Food 28, Net Zero Carbon Buildings 38, Water Safe 32.
    assert {key.split("/")[1]: summaries[key]["signatories"] for key in (
        "c40_accelerators/divest-invest", "c40_accelerators/good-food-cities",
        "c40_accelerators/net-zero-carbon-buildings", "c40_accelerators/water-safe-cities")} == {
        "divest-invest": 18, "good-food-cities": 14, "net-zero-carbon-buildings": 19, "water-safe-cities": 16}


def test_no_actor_twice_in_any_export_count_history_or_portfolio(db, summaries):
    for key in summaries:
        if not summaries[key]["signatories"]:
            continue
        as_of = run(db, "signatories_as_of", instrument=key, as_of="2026-12-31")
        assert len({r["actor_id"] for r in as_of}) == len(as_of), key
        history = run(db, "count_history", instrument=key)
        if not summaries[key].get("treaty"):
            assert history[-1]["observed"] == summaries[key]["signatories"], key
    # The portfolios that could list an instrument twice: actors with two signature rows of one
    # instrument (two sources). Every actor's portfolio: the `slow` test below (16 ms a portfolio).
    doubled = [actor for (actor,) in db.execute(
        "select actor_id from signatures group by actor_id having count(*) > count(distinct instrument_key)")]
    assert len(doubled) >= 20
    portfolios_list_each_instrument_once(db, doubled)


def test_no_actor_twice_in_the_portfolio_of_every_actor(db):
    portfolios_list_each_instrument_once(db, [actor for (actor,) in db.execute(
        "select distinct actor_id from signatures")])


def portfolios_list_each_instrument_once(db, actors):
    for actor in actors:
        keys = [r["key"] for r in run(db, "portfolio", actor_id=actor)]
        assert len(keys) == len(set(keys)), actor


def test_durbans_portfolio_lists_each_instrument_once_with_its_best_date(db):
    rows = [(r["relation"], r["key"], r["dated"]) for r in run(db, "portfolio", actor_id="Durban")]
    assert rows == [
        ("signature", "c40_accelerators/clean-air-cities", "2019-10-11"),
        ("signature", "c40_accelerators/divest-invest", "2020-09-22"),
        ("signature", "c40_accelerators/zero-waste", "2022-10-20"),
        ("signature", "c40_accelerators/cool-cities", "2025-11-03"),
        ("signature", "one-planet-charter", None),
        ("signature", "c40_accelerators/urban-nature", None),
        ("signature", "c40_accelerators/equity-pledge", None),
        ("membership", "c40_members/durban", None),
        ("signature", "uclg_declarations/rome-charter", None),
        ("signature", "worldgbc-net-zero-carbon-buildings-commitment", None),  # the roster sources' sample page
    ]


# -- instruments only news names ----------------------------------------------------------------

def test_an_instrument_named_only_by_news_has_a_record_and_a_list(db, summaries):
    for key, title, count in (("c40_accelerators/zero-waste", "C40 Pathway Towards Zero Waste Accelerator", 36),
                              ("c40_accelerators/cool-cities", "C40 Cool Cities Accelerator", 12)):
        record = signing_store.find_instrument(db, key.split("/")[1])
        assert (record["key"], record["title"], record["known_from"], record["issuer"]) == (key, title, "news", "C40 Cities")
        assert summaries[key]["signatories"] == summaries[key]["news_only"] == count


# -- treaties -----------------------------------------------------------------------------------

def test_canada_shows_as_withdrawn_from_kyoto_with_its_dates(db):
    canada = [r for r in signing_store.signings(db, KYOTO) if r["actor"] == "Canada"][0]
    assert (canada["status"], canada["action"], canada["action_on"], canada["withdrawal_notified_on"],
            canada["withdrawal_effective_on"]) == ("withdrawn", "ratification", "2002-12-17", "2011-12-15", "2012-12-15")
    assert canada["treaty_standing"] == (
        "withdrawn (ratification 2002-12-17; withdrawal notified 2011-12-15; effective 2012-12-15)")


def test_kyoto_counts_parties_and_signatories_beside_what_the_un_states(summaries):
    kyoto = summaries[KYOTO]
    assert (kyoto["parties"], kyoto["signatory_only"], kyoto["withdrawn"], kyoto["signatories"]) == (192, 1, 1, 194)
    assert {s["unit"]: s["count"] for s in kyoto["stated"]} == {"parties": 192, "signatories": 83}


@pytest.mark.parametrize("day,status", [("2011-12-31", "party"), ("2012-12-15", "withdrawn"), ("2013-01-01", "withdrawn"),
                                        ("2002-12-16", "signatory")])
def test_as_of_respects_the_withdrawal_effective_date(db, day, status):
    rows = {r["actor"]: r["status"] for r in run(db, "signatories_as_of", instrument=KYOTO, as_of=day)}
    assert rows["Canada"] == status
    python = {r["actor"]: r["status"] for r in signing_store.signings_as_of(db, KYOTO, day + "T23:59:59Z", treaty=True)}
    assert python == rows


def test_before_it_signed_a_state_is_not_on_the_treaty(db):
    assert "Canada" not in {r["actor"] for r in run(db, "signatories_as_of", instrument=KYOTO, as_of="1998-01-01")}


# -- stated counts --------------------------------------------------------------------------------

def test_marrakech_states_104_and_publishes_no_list(summaries):
    marrakech = summaries["marrakech_declaration/marrakech-mayors-declaration"]
    assert (marrakech["signatories"], marrakech["list_note"]) == (0, "list not published")
    assert [s["words"] for s in marrakech["stated"]] == ["104 local and regional governments"]
    assert [s["words"] for s in summaries["one-planet-charter"]["stated"]] == ["over 800 cities"]


# -- networks ---------------------------------------------------------------------------------------

C40_NAMES = ("C40", "C40 Cities", "c40 cities", "C40 Cities Climate Leadership Group")


@pytest.mark.parametrize("name", C40_NAMES)
def test_network_overlap_gives_one_answer_for_every_alias(db, name):
    reference = run(db, "network_overlap", network="C40 Cities", other="Covenant of Mayors")
    assert run(db, "network_overlap", network=name, other="Covenant of Mayors - Europe") == reference
    assert len(reference) == 113
    assert [(r["actor"], r["instruments_signed"]) for r in reference if r["in_other"]] == [("Barcelona", 5)]
    # Paris signed 8 distinct C40 instruments (the issue counted 11: 7 lists + 4 news copies).
    assert [r["instruments_signed"] for r in reference if r["actor"] == "Paris"] == [8]


def test_a_network_includes_its_statutory_bodies(db):
    years = run(db, "instruments_per_year", issuer="UCLG")
    assert {(r["year"], r["issuer"], r["instruments"]) for r in years} == {
        ("2013", "UCLG World Congress", 1), ("2016", "UCLG World Council", 1), ("2022", "UCLG World Council", 1),
        ("2026", "UCLG", 2), ("2026", "UCLG World Congress", 1)}


def test_the_overlap_matrix_has_networks_not_reviews_or_spellings(db):
    names, _matrix = overlap_matrix(db)
    assert "C40" not in names and "C40 Cities" in names
    assert "UCLG World Council" not in names and "UCLG" in names
    assert not any("," in name for name in names)  # no "Accra, Ghana" issuer of a review
    assert len(names) == len(set(names))


# -- reports ----------------------------------------------------------------------------------------

def test_voluntary_local_reviews_are_reports_with_their_precision(db):
    assert db.execute("select count(*) from instruments where kind = 'voluntary_local_review'").fetchone()[0] == 0
    assert db.execute("select count(*) from reports").fetchone()[0] == 18
    assert db.execute("""select r.actor_name, a.name, r.published, r.published_precision from reports r
                         join actors a on a.id = r.actor_id where r.key = 'undesa_vlrs/accra-2020'""").fetchall() == [
        ("Accra", "Accra", "2020", "year")]
    assert ("review", "undesa_vlrs/accra-2020", "2020") in {
        (r["relation"], r["key"], r["dated"]) for r in run(db, "portfolio", actor_id="Accra")}


# -- the research questions, each by a named query ---------------------------------------------------

def test_who_signed_and_when(db):
    rows = run(db, "who_signed", instrument="clean-air-cities")
    assert len(rows) == 38 and Counter(r["standing"] for r in rows) == {"listed": 35, "news only": 3}
    durban = [r for r in rows if r["actor"] == "Durban"][0]
    assert (durban["name_as_published"], durban["signed_on"], durban["signed_on_from"], durban["evidence_rows"]) == (
        "Durban (eThekwini)", "2019-10-11", "news", 2)


def test_counts_over_time(db):
    assert [(r["day"], r["observed"]) for r in run(db, "count_history", instrument="clean-air-cities")] == [
        ("2026-11-02", 38)]
    assert [(r["day"], r["observed"], r["stated"]) for r in run(db, "count_history", instrument="green-healthy-streets")] == [
        ("2026-11-02", 35, 36)]


def test_treaty_uptake_against_national_ratification(db):
    rows = run(db, "treaty_uptake", treaty="paris agreement")
    outside = sorted({(r["city"], r["country"], r["state_status"], r["instrument_key"]) for r in rows
                      if r["state_status"] != "party"})
    assert outside == [
        ("Bogotá", "CO", "signatory", "c40_accelerators/green-healthy-streets"),
        ("Bogotá", "CO", "signatory", "c40_accelerators/urban-nature"),
        ("Dar es Salaam", "TZ", "signatory", "c40_accelerators/zero-waste"),
        ("Medellín", "CO", "signatory", "c40_accelerators/clean-air-cities"),
        ("Medellín", "CO", "signatory", "c40_accelerators/equity-pledge"),
        ("Medellín", "CO", "signatory", "c40_accelerators/green-healthy-streets"),
        ("Medellín", "CO", "signatory", "c40_accelerators/urban-nature"),
    ]


def test_which_source_said_what(db):
    rows = run(db, "signing_evidence", instrument="clean-air-cities", actor_id="Durban")
    assert [(r["evidence"], r["source"], r["name_as_published"], r["signed_on"]) for r in rows] == [
        ("list", "c40_accelerators", "Durban (eThekwini)", None), ("news", "c40_news", "Durban (eThekwini)", "2019-10-11")]


# -- Datasette: the canned queries resolve parameters as the CLI does --------------------------------

@pytest.mark.parametrize("name,params", [
    ("who_signed", {"instrument": "clean-air-cities"}),
    ("signatories_as_of", {"instrument": "clean-air-cities", "as_of": "2026-11-05"}),
    ("count_history", {"instrument": "clean-air-cities"}),
    ("portfolio", {"actor_id": "Durban"}),
    ("portfolio", {"actor_id": "durban (ethekwini)"}),
    ("signing_evidence", {"instrument": "Clean Air", "actor_id": "Durban"}),
    ("network_overlap", {"network": "C40", "other": "Covenant of Mayors"}),
    ("treaty_uptake", {"treaty": "paris agreement"}),
])
def test_the_raw_sql_answers_the_cli_forms_with_the_clis_rows(sample_store, db, name, params):
    raw = sqlite3.connect(sample_store)  # as Datasette runs a canned query: the SQL as it stands
    try:
        cursor = raw.execute(QUERIES[name].sql, params)
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
    finally:
        raw.close()
    assert rows and rows == run(db, name, **params)


@pytest.mark.parametrize("name,params,message", [
    ("who_signed", {"instrument": "zero-gravity"}, "unknown instrument 'zero-gravity' (see: glocal instruments)"),
    ("who_signed", {"instrument": "accelerator"}, "'accelerator' matches"),
    ("portfolio", {"actor_id": "Atlantis"}, "unknown place 'Atlantis' (see: glocal actors list)"),
    ("network_overlap", {"network": "C40", "other": "League of Atlantis"}, "unknown network 'League of Atlantis'"),
])
def test_the_raw_sql_says_loudly_what_matched_nothing(sample_store, name, params, message):
    raw = sqlite3.connect(sample_store)
    try:
        rows = raw.execute(QUERIES[name].sql, params).fetchall()
    finally:
        raw.close()
    assert len(rows) == 1 and rows[0][0].startswith(message) and set(rows[0][1:]) == {None}


@pytest.mark.parametrize("day", ["2026-11-01", "2026-11-02", "2026-12-31"])
def test_the_commands_as_of_and_the_named_query_agree(db, day):
    sql = [(r["actor_id"], r["on_list"]) for r in run(db, "signatories_as_of", instrument=CLEAN_AIR, as_of=day)]
    python = [(r["actor_id"], r["on_list"]) for r in signing_store.signings_as_of(db, CLEAN_AIR, day + "T23:59:59Z")]
    assert sorted(sql) == sorted(python)
    assert len(sql) == (0 if day == "2026-11-01" else 38)


def test_an_alert_carries_the_signings_best_date_and_its_source(db):
    from alerts.facts import facts
    from alerts.render import single

    (change,) = [dict(row) for row in db.query(
        "select * from changes where entity = 'signature' and entity_key = 'c40_accelerators/clean-air-cities/durban'")]
    (fact,) = facts(db, [change])
    assert (fact["signed_on"], fact["signed_on_source"]) == ("2019-10-11", "c40_news")
    fact["kind"] = "signature.added"  # as the change would alert once the list's baseline is past
    text = single(fact).text
    assert "Signed on: 2019-10-11 (per c40_news)" in text
    assert "Date from: https://www.c40.org/news/35-cities-unite" in text
