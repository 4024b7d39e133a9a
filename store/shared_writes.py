"""Writes of one connection while other processes write the same store (crawls side by side).

sqlite_utils' `atomic()` opens a deferred transaction: it reads, and takes SQLite's write lock
only at its first write. When another connection committed in between, SQLite cannot let that
transaction write on what it read (WAL: SQLITE_BUSY_SNAPSHOT) and fails at once, "database is
locked", whatever the busy timeout. A transaction begun IMMEDIATE takes the write lock first
(waiting up to the busy timeout for another writer) and so reads what it will write on.

A writer that keeps what it read in memory (the actor resolver: which actors exist, the next id)
must read it again when another connection wrote since: `PRAGMA data_version` says so, cheaply.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlite_utils import Database


class SharedWriter:
    """Each write of `db` in a transaction of its own that holds the write lock from its start."""

    def __init__(self, db: Database):
        self.db = db
        self._version = self._data_version()

    def _data_version(self) -> int:
        return self.db.conn.execute("pragma data_version").fetchone()[0]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[bool]:
        """A write transaction (nested blocks of `atomic()` become its savepoints); yields whether
        another connection committed since this writer's last transaction (cached reads are stale)."""
        conn = self.db.conn
        if conn.in_transaction:  # already inside one: it holds the lock
            yield False
            return
        conn.execute("begin immediate")
        try:
            version = self._data_version()
            others_wrote, self._version = version != self._version, version
            yield others_wrote
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        else:
            if conn.in_transaction:
                conn.commit()
