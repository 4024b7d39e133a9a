"""The configured rosters in one store, as the sample archive brings them: stated counts stored,
and network_overlap spanning the new networks and instruments' issuers."""

import pytest

from spiders.parsers.roster_source import load_sources
from store import open_db
from store.queries import execute
from tests.helpers import FIXTURES, query, replay_steps, saved_pages

import json

SOURCES = load_sources()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rosters")
    db = folder / "glocal.db"
    for source in SOURCES:
        files = list(json.loads((FIXTURES / source.slug / "meta.json").read_text(encoding="utf-8")))
        results = replay_steps(folder, source.slug, [(source.slug, saved_pages(source.slug, files))], db=db)
        assert results[source.slug].returncode == 0, results[source.slug].stdout
    return db


def test_every_roster_is_stored_with_its_stated_count(store):
    claims = {row["subject_key"]: row["count"] for row in query(store, "select subject_key, count from count_claims")}
    for source in SOURCES:
        subject = f"network:{source.network}" if source.network else source.instrument
        names = json.loads((FIXTURES / source.slug / "meta.json").read_text(encoding="utf-8"))
        (info,) = names.values()
        assert claims[subject] == info["stated"]
    runs = query(store, "select stated, listed from scope_runs where stated is not null")
    assert len(runs) == len(SOURCES) and all(r["stated"] == r["listed"] for r in runs)


def overlap(store, network, other):
    with open_db(store) as db:
        columns, rows = execute(db, "network_overlap", network=network, other=other)
    return {row[columns.index("actor")]: row[columns.index("in_other")] for row in rows}


def test_overlap_between_two_new_networks(store):
    eurocities = overlap(store, "EUROCITIES", "ECCAR")
    assert len(eurocities) == 12
    assert sorted(name for name, inside in eurocities.items() if inside) == ["Barcelona", "Malmö"]


def test_overlap_between_a_network_and_an_instruments_issuer(store):
    mayors = overlap(store, "Climate Mayors", "City of Milan")  # Climate Mayors x the Milan pact's signatories
    shared = sorted(name for name, inside in mayors.items() if inside)
    assert {"Austin", "Minneapolis", "Pittsburgh", "Madison"} <= {name.split(",")[0] for name in shared}
