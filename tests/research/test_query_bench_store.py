"""The query benchmark's synthetic store is built through the real migrations: when the schema
changes under it (as m011 renamed count_claims.seen_at), these tests fail with the column named,
instead of the benchmark row silently turning into "SKIPPED"."""

import pytest

from bench import queries as bench_queries
from store import open_db
from store.queries import QUERIES, run
from tests.research.conftest import BENCH_SIZES as SIZES

# The schema-drift checks fail on the first rows of a table, whatever the store's size.
DRIFT_SIZES = {"signatures": 200, "actors": 60, "instruments": 6, "seed": 7}


@pytest.fixture(scope="module")
def tiny(bench_store):
    path, world = bench_store
    database = open_db(path)
    yield database, world
    database.close()


def test_every_table_the_queries_read_is_filled(tiny):
    db, _ = tiny
    for table in ("crawl_runs", "pages", "scope_runs", "actors", "actor_names", "instruments", "signatures",
                  "memberships", "events", "announcements", "count_claims", "changes"):
        assert db[table].count > 0, f"the benchmark store has no {table}"
    assert db["signatures"].count >= SIZES["signatures"] * 0.8
    assert db.execute("select count(*) from search_index").fetchone()[0] > 0  # the FTS triggers ran


def test_every_row_points_at_rows_that_exist(tiny):
    db, _ = tiny
    assert db.execute("pragma foreign_key_check").fetchall() == []


def test_removed_rows_carry_their_removal_change(tiny):
    db, _ = tiny
    for table, entity in (("signatures", "signature"), ("memberships", "membership")):
        removed = db.execute(f"select count(*) from {table} where removed_at is not null").fetchone()[0]
        logged = db.execute("select count(*) from changes where entity = ? and change = 'removed'", [entity]).fetchone()[0]
        assert removed == logged


def test_every_named_query_answers_every_parameter_set(tiny):
    db, world = tiny
    sets = bench_queries.parameter_sets(world, 6, SIZES["seed"])
    assert set(sets) == set(QUERIES), "bench/queries.py samples no parameters for a named query"
    answered = {name: sum(len(run(db, name, **params)) for params in sets[name]) for name in QUERIES}
    assert all(answered[name] > 0 for name in QUERIES), answered


def test_a_renamed_column_fails_naming_the_column(tmp_path):
    path = tmp_path / "drifted.db"
    db = open_db(path)  # migrated, then a column renamed behind the generator's back
    db["count_claims"].transform(rename={"first_seen_at": "seen_on"})
    db.close()
    with pytest.raises(bench_queries.SchemaDrift, match=r"count_claims\.first_seen_at"):
        bench_queries.build(path, **DRIFT_SIZES)


def test_a_new_constraint_fails_naming_the_table(tmp_path):
    path = tmp_path / "constrained.db"
    db = open_db(path)
    db["memberships"].transform(not_null={"category"})  # a column the generator does not fill
    db.close()
    with pytest.raises(bench_queries.SchemaDrift, match="memberships"):
        bench_queries.build(path, **DRIFT_SIZES)


def test_no_named_query_reads_a_big_table_whole(tiny):
    db, _ = tiny
    scans = {name: bench_queries.full_scans(plan, QUERIES[name].sql) for name, plan in bench_queries.plans(db).items()}
    assert not any(scans.values()), scans


@pytest.mark.parametrize("step", [
    "SCAN signatures",
    "SCAN s",  # an alias of signatures in the SQL below
    "SCAN s USING INDEX idx_signatures_instrument_key",  # the whole index, in its order: every row
    "SEARCH c USING COVERING INDEX idx_changes_entity_entity_key_observed_at_id_change (entity=?)",
])
def test_the_full_scan_check_sees_a_whole_table_read(step):
    sql = "select 1 from signatures s cross join changes c on c.entity = 'signature' and c.entity_key = s.key"
    assert bench_queries.full_scans([step], sql) == [step]


@pytest.mark.parametrize("step", [
    "SEARCH s USING COVERING INDEX idx_signatures_instrument_key_scope_key_actor_id (instrument_key=?)",
    "SEARCH c USING COVERING INDEX idx_changes_entity_entity_key_observed_at_id_change (entity=? AND entity_key=?)",
    "SCAN instruments",  # a small table
    "SCAN x VIRTUAL TABLE INDEX 32:M4",
])
def test_the_full_scan_check_lets_an_index_search_pass(step):
    sql = "select 1 from signatures s cross join changes c on c.entity = 'signature' and c.entity_key = s.key"
    assert bench_queries.full_scans([step], sql) == []
