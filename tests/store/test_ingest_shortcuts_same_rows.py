"""The first ingest's shortcuts (issue 24) change how fast a batch is written, never what: a batch's
column of one value bound once instead of staged row by row, "changes" rows staged like the entity's,
a known name's actor read without the resolver's calls. Each is compared with the plain way, value
by value with its type (repr: 1, 1.0 and True are equal in Python, not in a store)."""

import pytest

from store import ingest, open_db
from store.actors import ActorResolver
from tests.store.test_index_merge_same_rows import dump, ingest_all
from tests.store.test_staged_inserts_same_rows import insert_one_statement_per_row

NAMES = ("key", "instrument_key", "source", "scope", "population", "signed_on", "first_run_id", "actor_name", "url")


def exact(db) -> dict[str, str]:
    """Every table's rows, each value written with its type, rowids of the entity tables included."""
    tables = {table: repr(rows) for table, rows in dump(db).items()}
    for table in ("signatures", "changes", "instrument_mentions"):
        tables[f"{table} by rowid"] = repr(db.execute(f"select rowid, * from [{table}] order by rowid").fetchall())
    return tables


def batch(tag: str, column: str, values_of_column: list, **same) -> list[tuple]:
    """Rows in NAMES order: one per value of `column`, the other columns `same` or the defaults."""
    rows = []
    for n, value in enumerate(values_of_column):
        values = {"key": f"k/{tag}/{n}", "instrument_key": "k", "source": "test", "scope": "signatures:k",
                  "population": None, "signed_on": None, "first_run_id": 1, "actor_name": f"Town {n}", "url": None}
        values.update(same)
        values[column] = value
        rows.append(tuple(values[name] for name in NAMES))
    return rows


BATCHES = [
    batch("mixed", "signed_on", [1, 1.0, True, 1]),  # equal in Python, not in a text column: "1", "1.0"
    batch("numbers", "population", [1, 1.0, True, 1]),
    batch("zeros", "signed_on", [0.0, -0.0, 0.0]),  # equal floats
    batch("nulls", "population", [None, None, None], signed_on="2026-01-01"),  # a column of NULL, one of a text
    batch("ints", "population", [7, 7, 7], first_run_id=2**40),  # one integer, a big one
    batch("empty", "population", [None, 3, None], url=""),  # "" is a value, not NULL
    batch("bytes", "signed_on", [b"\x00", b"\x00"]),  # bytes are staged as they are
    batch("one", "population", [5]),  # one row: every column but the key has one value
    batch("texts", "actor_name", ["1", 1, "1"]),
]


def test_a_batchs_columns_of_one_value_reach_the_table_as_given(tmp_path):
    staged, per_row = open_db(tmp_path / "staged.db"), open_db(tmp_path / "per_row.db")
    for rows in BATCHES:
        with staged.atomic():
            ingest._insert_rows(staged.conn, "signatures", NAMES, rows)
        with per_row.atomic():
            insert_one_statement_per_row(per_row.conn, "signatures", NAMES, rows)
    assert staged.execute("select count(*) from signatures").fetchone()[0] == sum(map(len, BATCHES))
    assert exact(staged) == exact(per_row)
    mixed = staged.execute("select signed_on from signatures where key like 'k/mixed/%' order by rowid")
    assert [text for text, in mixed] == ["1", "1.0", "1", "1"]


def write_changes_one_per_row(db, changes, outbox=None):
    """store/ingest.py's write_changes before issue 24 staged its rows, for a run without an outbox."""
    assert outbox is None
    if changes:
        db.conn.executemany(ingest._INSERT_CHANGE, changes)


def plain_ways(monkeypatch):
    """The ingest before its shortcuts: one INSERT per row (entities and changes), every actor by
    the resolver's own call."""
    monkeypatch.setattr(ingest, "_insert_rows", insert_one_statement_per_row)
    monkeypatch.setattr(ingest, "write_changes", write_changes_one_per_row)
    monkeypatch.setattr(ActorResolver, "known_names", lambda self: None)


def test_the_same_crawls_leave_the_same_rows_with_and_without_the_shortcuts(tmp_path, monkeypatch):
    fast = open_db(tmp_path / "fast.db")
    ingest_all(fast)
    with monkeypatch.context() as patch:
        plain_ways(patch)
        plain = open_db(tmp_path / "plain.db")
        ingest_all(plain)
    assert fast.execute("select count(*) from changes").fetchone()[0] > 50
    assert exact(fast) == exact(plain)


@pytest.mark.parametrize("plain_way", ["_insert_rows", "known_names"])
def test_each_shortcut_is_taken(tmp_path, monkeypatch, plain_way):
    """The comparison above compares something: each shortcut runs in the fast store's ingest."""
    taken = []
    if plain_way == "_insert_rows":
        staged = ingest._insert_rows
        monkeypatch.setattr(ingest, "_insert_rows", lambda conn, table, *rest: taken.append(table)
                            or staged(conn, table, *rest))
    else:
        known_names = ActorResolver.known_names
        monkeypatch.setattr(ActorResolver, "known_names", lambda self: taken.append(1) or known_names(self))
    ingest_all(open_db(tmp_path / "fast.db"))
    assert taken and (plain_way != "_insert_rows" or {"signatures", "changes"} <= set(taken))
