"""store/shared_writes.py: a connection that read before another committed can still write."""

import sqlite3

import pytest

from store import open_db
from store.shared_writes import SharedWriter


def test_a_deferred_transaction_fails_after_another_connections_commit(tmp_path):
    """Why SharedWriter exists: sqlite_utils' atomic() reads, then cannot write (SQLITE_BUSY_SNAPSHOT)."""
    path = tmp_path / "glocal.db"
    first, second = open_db(path), open_db(path)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        with first.atomic():
            first.conn.execute("select count(*) from actors").fetchone()
            second.conn.execute("insert into actors (name, key, needs_review) values ('Lyon', 'lyon|FR', 0)")
            second.conn.commit()
            first.conn.execute("insert into actors (name, key, needs_review) values ('Paris', 'paris|FR', 0)")


def test_a_shared_writer_holds_the_lock_and_says_when_another_connection_wrote(tmp_path):
    path = tmp_path / "glocal.db"
    first, second = open_db(path), open_db(path)
    writer = SharedWriter(first)
    with writer.transaction() as others_wrote:
        assert not others_wrote
        first.conn.execute("select count(*) from actors").fetchone()
        with first.atomic():  # a savepoint of the writer's transaction
            first.conn.execute("insert into actors (name, key, needs_review) values ('Paris', 'paris|FR', 0)")
    second.conn.execute("insert into actors (name, key, needs_review) values ('Lyon', 'lyon|FR', 0)")
    second.conn.commit()
    with writer.transaction() as others_wrote:
        assert others_wrote  # the resolver must read the actors again
        first.conn.execute("insert into actors (name, key, needs_review) values ('Nice', 'nice|FR', 0)")
    with writer.transaction() as others_wrote:
        assert not others_wrote  # its own commits do not count
    assert sorted(n for n, in second.conn.execute("select name from actors")) == ["Lyon", "Nice", "Paris"]


def test_a_failed_write_is_rolled_back(tmp_path):
    db = open_db(tmp_path / "glocal.db")
    writer = SharedWriter(db)
    with pytest.raises(ZeroDivisionError):
        with writer.transaction():
            db.conn.execute("insert into actors (name, key, needs_review) values ('Paris', 'paris|FR', 0)")
            1 / 0
    assert db.conn.execute("select count(*) from actors").fetchone()[0] == 0
    assert not db.conn.in_transaction
