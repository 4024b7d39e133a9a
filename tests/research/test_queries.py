"""The named queries against a store filled by replay, with known answers."""

import json

import pytest

from store import open_db
from store.history import end_of
from store.signings import signings_as_of
from store.queries import QUERIES, QueryError, run
from tests.research.conftest import CLEAN_AIR


@pytest.fixture(scope="module")
def db(research_store):
    database = open_db(research_store)
    yield database
    database.close()


def names(rows, column="actor"):
    return {row[column] for row in rows}


# -- signatories as of a date ---------------------------------------------------------------

def test_before_the_change_amman_is_listed_and_accra_not(db):
    rows = run(db, "signatories_as_of", instrument="clean-air-cities", as_of="2026-11-05")
    assert len(rows) == 35
    assert "Amman" in names(rows) and "Accra" not in names(rows)


def test_after_the_change_accra_is_listed_and_amman_not(db):
    rows = run(db, "signatories_as_of", instrument="clean-air-cities", as_of="2026-11-20")
    assert len(rows) == 35
    assert "Accra" in names(rows) and "Amman" not in names(rows)


def test_an_instant_before_the_capture_still_has_the_old_list(db):
    rows = run(db, "signatories_as_of", instrument=CLEAN_AIR, as_of="2026-11-09T08:00:00Z")
    assert "Amman" in names(rows) and "Accra" not in names(rows)


def test_before_the_first_capture_the_list_is_empty(db):
    assert run(db, "signatories_as_of", instrument=CLEAN_AIR, as_of="2026-11-01") == []


@pytest.mark.parametrize("day", ["2026-11-02", "2026-11-05", "2026-11-09", "2026-11-12", "2026-11-20"])
def test_sql_and_python_as_of_agree(db, day):
    sql = names(run(db, "signatories_as_of", instrument=CLEAN_AIR, as_of=day))
    python = names(signings_as_of(db, CLEAN_AIR, end_of(day)))
    assert sql == python


def test_as_of_rows_carry_the_published_name_and_first_capture(db):
    durban = [r for r in run(db, "signatories_as_of", instrument=CLEAN_AIR, as_of="2026-11-20") if r["actor"] == "Durban"]
    assert durban[0]["name_as_published"] == "Durban (eThekwini)"
    assert durban[0]["first_seen_at"] == "2026-11-02T08:15:06Z"
    accra = [r for r in run(db, "signatories_as_of", instrument=CLEAN_AIR, as_of="2026-11-20") if r["actor"] == "Accra"]
    assert accra[0]["first_seen_at"] == "2026-11-09T08:15:06Z" and accra[0]["signed_on"] is None


# -- portfolio ------------------------------------------------------------------------------

def portfolio(db, place):
    return run(db, "portfolio", actor_id=place)


def test_bogota_portfolio_joins_both_spellings_and_the_membership(db):
    rows = portfolio(db, "Bogota")
    assert {(r["relation"], r["key"]) for r in rows} == {
        ("signature", "c40_accelerators/green-healthy-streets"), ("signature", "c40_accelerators/urban-nature"),
        ("membership", "c40-members/Bogotá")}
    assert portfolio(db, "Bogotá") == rows


def test_durban_portfolio_has_its_hosted_congress_with_its_dates(db):
    rows = portfolio(db, "Durban")
    hosted = [r for r in rows if r["relation"] == "hosted event"]
    assert [(r["key"], r["dated"]) for r in hosted] == [("uclg/world-congress-2019", "2019-11-11")]
    assert rows[0]["relation"] == "hosted event"  # dated rows first, oldest first
    assert {r["key"] for r in rows if r["relation"] == "signature"} >= {CLEAN_AIR, "c40_accelerators/divest-invest"}


def test_bristol_portfolio_has_its_vlr(db):
    rows = portfolio(db, "Bristol")
    assert ("review", "un/vlr/bristol-2019", "2019-07") in {(r["relation"], r["key"], r["dated"]) for r in rows}


def test_portfolio_by_actor_id(db):
    actor = db.execute("select id from actors where name = 'Paris'").fetchone()[0]
    assert portfolio(db, str(actor)) == portfolio(db, "Paris")
    assert {r["body"] for r in portfolio(db, "Paris") if r["relation"] == "membership"} == {
        "C40 Cities", "Covenant of Mayors - Europe"}  # the vocabulary's name of "Covenant of Mayors"


# -- counts over time -----------------------------------------------------------------------

def test_green_healthy_streets_observed_beside_stated(db):
    rows = run(db, "count_history", instrument="green-healthy-streets")
    first = rows[0]
    assert (first["day"], first["observed"], first["stated"]) == ("2026-11-02", 35, 36)
    assert first["stated_url"] == "https://www.c40.org/accelerators/green-healthy-streets/"
    assert [(r["day"], r["observed"], r["stated"]) for r in rows[1:]] == [("2026-11-09", 35, None), ("2026-11-16", 35, 36)]


def test_clean_air_count_stays_35_through_the_swap(db):
    rows = run(db, "count_history", instrument=CLEAN_AIR)
    assert [(r["day"], r["observed"]) for r in rows] == [("2026-11-02", 35), ("2026-11-09", 35), ("2026-11-16", 35)]


def test_stated_counts_name_source_and_dates(db):
    rows = run(db, "stated_counts", subject="c40_accelerators/green-healthy-streets")
    assert [(r["source"], r["count"]) for r in rows] == [("c40_accelerators", 36)]
    assert rows[0]["first_seen_at"] == "2026-11-02T08:15:03Z" and rows[0]["last_seen_at"].startswith("2026-11-16")


# -- networks -------------------------------------------------------------------------------

def test_which_c40_members_are_covenant_signatories(db):
    rows = run(db, "network_overlap", network="C40 Cities", other="Covenant of Mayors")
    both = {r["actor"] for r in rows if r["in_other"]}
    # Milan is in "C40 Cities" as a signatory of its accelerators, and a Covenant signatory as "Milano".
    assert both == {"Paris", "Barcelona", "Milan"}


def test_which_c40_members_signed_no_accelerator(db):
    rows = run(db, "network_overlap", network="C40 Cities", other="Covenant of Mayors")
    assert {r["actor"] for r in rows if r["instruments_signed"] == 0} == {"Dhaka"}
    by_actor = {r["actor"]: r["instruments_signed"] for r in rows}
    assert by_actor["Accra"] == 2  # clean air (since the 9th) and equity
    assert "Amman" not in by_actor  # its only signature was removed, and it is no listed member


def test_overlap_matrix_counts_shared_members(db):
    from store.queries import overlap_matrix

    networks, matrix = overlap_matrix(db)
    c40, covenant = networks.index("C40 Cities"), networks.index("Covenant of Mayors - Europe")
    assert matrix[c40][covenant] == matrix[covenant][c40] == 3  # Paris, Barcelona, Milan (signatory as "Milano")
    assert matrix[covenant][covenant] == 4


# -- instruments, events, provenance, search ------------------------------------------------

def test_new_instruments_per_year_by_issuer(db):
    rows = run(db, "instruments_per_year", issuer="")
    assert {(r["year"], r["issuer"], r["instruments"], r["dated_by"]) for r in rows} == {
        ("2026", "C40 Cities", 8, "first_seen_at"), ("2019", "UCLG", 1, "adopted_on")}  # a VLR is a report, not here
    assert [r["issuer"] for r in run(db, "instruments_per_year", issuer="UCLG")] == ["UCLG"]


def test_adopted_at_the_durban_congress(db):
    rows = run(db, "adopted_at_event", event="uclg/world-congress-2019")
    assert [(r["instrument_key"], r["adopted_on"], r["city"]) for r in rows] == [
        ("uclg/durban-political-declaration", "2019-11-15", "Durban")]


def test_provenance_of_accra_signing_clean_air(db):
    key = db.execute("select key from signatures where instrument_key = ? and actor_name = 'Accra'", [CLEAN_AIR]).fetchone()[0]
    rows = run(db, "provenance", entity="signature", key=key)
    assert [r["change"] for r in rows] == ["added"]
    row = rows[0]
    assert row["observed_at"] == "2026-11-09T08:15:06Z" and row["source"] == "c40_accelerators"
    assert row["page_url"] == "https://www.c40.org/accelerators/clean-air-cities/"
    assert len(row["sha256"]) == 64 and row["archive"] and row["archive_offset"] is not None
    assert json.loads(row["diff"])["actor_name"] == "Accra"


def test_provenance_of_amman_shows_added_then_removed(db):
    key = db.execute("select key from signatures where instrument_key = ? and actor_name = 'Amman'", [CLEAN_AIR]).fetchone()[0]
    assert [(r["change"], r["observed_at"][:10]) for r in run(db, "provenance", entity="signature", key=key)] == [
        ("added", "2026-11-02"), ("removed", "2026-11-09")]


def test_search_finds_instrument_texts_and_announcements(db):
    assert ("instrument", CLEAN_AIR) in {(r["entity"], r["entity_key"]) for r in run(db, "search", q="breathe")}
    found = run(db, "search", q="durban")
    assert {r["entity_key"] for r in found} == {"uclg/durban-political-declaration", "uclg/news/durban-closes"}
    assert "[Durban]" in " ".join(r["excerpt"] or "" for r in found) or "[Durban]" in " ".join(r["title"] for r in found)


def test_search_ignores_accents(db):
    assert run(db, "search", q="municipal movement") == run(db, "search", q="municípal movement")


def test_search_index_follows_updates_and_deletes(store_copy):
    db = open_db(store_copy)
    db.execute("update announcements set summary = 'Rewritten: the Tangier congress' where key = 'uclg/news/durban-closes'")
    assert {r["entity_key"] for r in run(db, "search", q="tangier")} == {"uclg/news/durban-closes"}
    assert "uclg/news/durban-closes" not in {r["entity_key"] for r in run(db, "search", q="council")}
    db.execute("delete from announcements where key = 'uclg/news/durban-closes'")
    assert run(db, "search", q="tangier") == []
    db.close()


# -- bad input: one clear message -----------------------------------------------------------

@pytest.mark.parametrize("name,params,message", [
    ("signatories_as_of", {"instrument": CLEAN_AIR, "as_of": "next tuesday"}, "is not a date"),
    ("signatories_as_of", {"instrument": CLEAN_AIR, "as_of": "2026-02-30"}, "is not a date"),
    ("signatories_as_of", {"instrument": "zero-gravity", "as_of": "2026-11-05"}, "unknown instrument"),
    ("signatories_as_of", {"instrument": "accelerator", "as_of": "2026-11-05"}, r"matches \d+ instruments"),
    ("portfolio", {"actor_id": "Atlantis"}, "unknown place"),
    ("portfolio", {"actor_id": "99999"}, "unknown place"),
    ("network_overlap", {"network": "C40 Cities", "other": "League of Atlantis"}, "unknown network"),
    ("adopted_at_event", {"event": "cop99"}, "unknown event"),
    ("provenance", {"entity": "rumour", "key": "x"}, "unknown entity"),
    ("search", {"q": "air AND ("}, "syntax error"),
    ("count_history", {}, "needs instrument"),
    ("no_such_query", {}, "unknown query"),
])
def test_bad_parameters_are_one_clear_error(db, name, params, message):
    with pytest.raises(QueryError, match=message):
        run(db, name, **params)


def test_every_query_is_documented_in_its_own_section():
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "queries.md").read_text(encoding="utf-8")
    for name in QUERIES:
        assert f"\n## {name}\n" in text, f"docs/queries.md has no '## {name}' section"
