"""The SQLite store: the one way code opens the database (`open_db`), with migrations applied."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from store.errors import StoreError
from store.migrations import migrations


def open_db(path: str | Path | None = None, *, memory: bool = False) -> Database:
    """Open (creating if needed) the store at `path`, apply pending migrations, return it.

    Raises StoreError with the path and SQLite's reason when the file cannot be opened or written.
    """
    try:
        if memory:
            db = Database(memory=True)
        else:
            path = Path(path)
            if path.is_dir():
                raise StoreError(f"cannot use {path} as the database: it is a directory")
            path.parent.mkdir(parents=True, exist_ok=True)
            db = Database(path)
        # A crawl writes while researchers read: wait for a lock rather than fail at once.
        db.execute("PRAGMA busy_timeout = 10000")
        migrations.apply(db)
        if not memory:
            db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; a crash loses no committed run
        return db
    except StoreError:
        raise
    except (sqlite3.Error, OSError) as error:
        raise StoreError(f"cannot open database {path}: {error}") from None
