"""The networks and instruments of the configured rosters (spiders/rosters.toml) in the store the
README builds from the sample archive (`glocal crawl --all --replay tests/fixtures/sample.warc.gz`):
each with its list and the count its page states, and the overlap query reaching each by every name
the network vocabulary gives it (m251)."""

import json

import pytest

from spiders.parsers.roster_source import load_sources
from store import open_db
from store.queries import network_names, overlap_matrix, run
from tests.helpers import FIXTURES

SOURCES = load_sources()
# The vocabulary's name of each roster's network or issuer, and names a researcher may use for it.
ALIASES = {
    "ECCAR": ("ECCAR", "European Coalition of Cities Against Racism"),
    "Eurocities": ("EUROCITIES", "eurocities"),
    "Milan Urban Food Policy Pact": ("City of Milan", "MUFPP", "Urban Food Policy Pact", "Comune di Milano"),
    "World Green Building Council": ("World Green Building Council", "WorldGBC", "worldgbc"),
    "Climate Mayors": ("Climate Mayors", "Mayors National Climate Action Agenda"),
    "CEDAMIA": ("CEDAMIA", "Climate Emergency Declaration", "Climate Energy Declaration"),
    "Mayors for Peace": ("Mayors for Peace", "World Conference of Mayors for Peace through Inter-city Solidarity"),
}


@pytest.fixture(scope="module")
def db(sample_store):
    database = open_db(sample_store)
    yield database
    database.close()


def stated_of(source) -> int:
    (info,) = json.loads((FIXTURES / source.slug / "meta.json").read_text(encoding="utf-8")).values()
    return info["stated"]


def test_at_least_six_new_networks_or_instruments_are_in_the_sample_store(db):
    assert len(SOURCES) >= 6
    for source in SOURCES:
        name = f"members:{source.network}" if source.network else f"signatures:{source.instrument}"
        (scope,) = db.execute("select listed, stated, complete, healthy from scope_runs where scope = ? and url = ?",
                              [name, source.url]).fetchall()
        assert scope == (stated_of(source), stated_of(source), 1, 1), source.slug


@pytest.mark.parametrize("source", SOURCES, ids=[s.slug for s in SOURCES])
def test_each_states_its_count(db, source):
    subject = f"network:{source.network}" if source.network else source.instrument
    counts = [row[0] for row in db.execute("select count from count_claims where subject_key = ?", [subject])]
    assert counts == [stated_of(source)]


@pytest.mark.parametrize("network", sorted(ALIASES))
def test_the_overlap_query_reaches_each_by_every_name(db, network):
    reference = run(db, "network_overlap", network=network, other="C40")
    assert reference and not str(reference[0]["actor_id"]).startswith("unknown")
    for alias in ALIASES[network]:
        assert run(db, "network_overlap", network=alias, other="C40 Cities") == reference, alias
        assert run(db, "network_overlap", network="C40", other=alias) == \
            run(db, "network_overlap", network="C40", other=network), alias


def test_the_overlap_between_two_of_them(db):
    rows = run(db, "network_overlap", network="MUFPP", other="WorldGBC")
    both = sorted(row["actor"] for row in rows if row["in_other"])
    assert len(rows) == stated_of(next(s for s in SOURCES if s.slug == "mufpp_signatories"))
    assert both and len(both) < len(rows)


def test_the_overlap_matrix_names_them_by_the_vocabulary(db):
    names, matrix = overlap_matrix(db)
    assert set(ALIASES) <= set(names)
    assert not {"City of Milan", "WorldGBC", "EUROCITIES"} & set(names)
    size = {name: matrix[i][i] for i, name in enumerate(names)}
    assert size["Milan Urban Food Policy Pact"] == stated_of(next(s for s in SOURCES if s.slug == "mufpp_signatories"))


def test_every_name_of_a_roster_network_is_in_the_vocabulary(db):
    assert {"City of Milan", "MUFPP", "Milan Urban Food Policy Pact"} <= set(network_names(db, "Comune di Milano"))
