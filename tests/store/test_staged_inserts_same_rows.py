"""A batch's new rows go into their table by one INSERT ... SELECT from a staging table (issue 24:
one statement journal per batch instead of one per row). The same crawls through that path and
through the replaced one (kept here verbatim: one INSERT per row) leave every table's rows
identical, rowids and the rows triggers wrote included."""

import pytest

from store import ingest, open_db
from tests.store.test_index_merge_same_rows import dump, ingest_all


def insert_one_statement_per_row(conn, table, names, rows):
    """store/ingest.py before issue 24's staging: the replaced code."""
    conn.executemany(f"insert into [{table}] ({', '.join(names)}) values ({', '.join('?' * len(names))})", rows)


def rowids(db) -> dict[str, list[tuple]]:
    return {table: db.execute(f"select rowid, key from [{table}] order by rowid").fetchall()
            for table in ("signatures", "memberships", "instruments")}


def test_the_staged_insert_writes_what_one_insert_per_row_wrote(tmp_path, monkeypatch):
    staged = open_db(tmp_path / "staged.db")
    ingest_all(staged)
    monkeypatch.setattr(ingest, "_insert_rows", insert_one_statement_per_row)
    per_row = open_db(tmp_path / "per_row.db")
    ingest_all(per_row)
    before, after = dump(per_row), dump(staged)
    assert before.keys() == after.keys()
    assert len(after["signatures"]) > 50 and len(after["current_signings"]) > 30
    for table in before:
        assert after[table] == before[table], table
    assert rowids(staged) == rowids(per_row)


def test_a_failing_batch_leaves_no_staged_row_behind(tmp_path):
    db = open_db(tmp_path / "glocal.db")
    with pytest.raises(Exception):
        with db.atomic():
            ingest._insert_rows(db.conn, "signatures", ("key", "instrument_key"), [("k/1", "k"), ("k/1", "k")])
    assert db.execute("select count(*) from signatures").fetchone()[0] == 0
    # The rollback took the staging table's rows (and the table, made in that transaction) with it.
    if db.execute("select 1 from temp.sqlite_master where name = 'staged_signatures'").fetchone():
        assert db.execute("select count(*) from temp.staged_signatures").fetchone()[0] == 0
    ingest._insert_rows(db.conn, "signatures", ("key", "instrument_key"), [("k/1", "k")])
    assert db.execute("select key from signatures").fetchall() == [("k/1",)]
