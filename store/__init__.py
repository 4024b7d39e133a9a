"""The SQLite store: the one way code opens the database (`open_db`), with migrations applied."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database

from store.errors import StoreError
from store.migrations import migrations

CACHE_KIB = 32 * 1024  # page cache of a writing connection (see open_db)
WAL_AUTOCHECKPOINT_PAGES = 4000


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
        if not memory:
            # Safe with WAL: a crash loses no committed run. Set before the migrations, which would
            # otherwise sync the disk at each of their commits (about 40 on a new store); a new
            # file is in WAL mode from the first migration on.
            db.execute("PRAGMA synchronous = NORMAL")
            _copy_migrated_schema(db)
        migrations.apply(db)
        if not memory:
            # A crawl commits a batch at a time, and each batch touches pages all over the indexes
            # (actor ids come in no order). A 32 MiB page cache (an upper bound, used as needed;
            # SQLite's default is 2 MiB) keeps those pages instead of re-reading them, and a
            # checkpoint every 4,000 WAL pages (16 MiB; default 1,000) rather than every 1,000
            # syncs the disk a third as often. docs/performance.md has the figures.
            db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            db.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
            # The ingest stages each batch's new rows in a temporary table (store/ingest.py:
            # _insert_rows), at most a batch at a time: kept in memory, not in a temporary file.
            db.execute("PRAGMA temp_store = MEMORY")
            # SQLite opens a file it may not write without a word and fails at the first write:
            # write once here (rolled back) so that a read-only store fails now, in one line.
            version = db.conn.execute("PRAGMA user_version").fetchone()[0]
            db.conn.execute("begin immediate")
            try:
                db.conn.execute(f"PRAGMA user_version = {int(version)}")
            finally:
                db.conn.execute("rollback")
        return db
    except StoreError:
        raise
    except (sqlite3.Error, OSError) as error:
        raise StoreError(f"cannot open database {path}: {error}") from None


_MIGRATED: list[bytes] = []  # a new store with every migration applied, serialized once per process
_MIGRATED_LOCK = threading.Lock()


def _migrated_schema() -> bytes:
    with _MIGRATED_LOCK:
        if not _MIGRATED:
            template = Database(memory=True)
            migrations.apply(template)
            _MIGRATED.append(template.conn.serialize())
            template.close()
        return _MIGRATED[0]


def _copy_migrated_schema(db: Database) -> None:
    """Give a brand-new (empty) file every migration at once: a copy, by SQLite's backup, of a store
    migrated in memory once per process, then WAL mode (m001) and this moment as applied_at.
    Migrating a new file from nothing costs about 0.08 s of CPU (~40 migrations through
    sqlite-utils' introspection), paid by every crawl child and command that makes a store, and by
    the tests, which make hundreds; the copy costs a few milliseconds. The copy's schema, seed rows
    and migration names are the migrated ones (tests/store/test_new_store.py). An existing file,
    even one migrated only in part, is left to migrations.apply."""
    if db.conn.execute("PRAGMA page_count").fetchone()[0]:
        return
    source = sqlite3.connect(":memory:")
    try:
        source.deserialize(_migrated_schema())
        source.backup(db.conn)
    finally:
        source.close()
    db.enable_wal()
    with db.conn:
        db.conn.execute(f"update [{migrations.migrations_table}] set applied_at = ?",
                        [str(datetime.now(timezone.utc))])


def cap_size(db: Database, max_page_count: int) -> None:
    """Let this connection grow the file to at most `max_page_count` pages (a full store fails
    the write, in one line, instead of filling the disk)."""
    db.execute(f"PRAGMA max_page_count = {int(max_page_count)}")


def database_file(db: Database) -> str:
    """The path of the file `db` has open (its main database)."""
    return db.conn.execute("pragma database_list").fetchone()[2]


def open_db_readonly(path: str | Path) -> Database:
    """Open an existing store for reading only: no migration, no pragma that writes, no lock file
    created where the user cannot write. Read commands (`changes`, `signatories`, `spiders`) use it,
    so a store on a read-only file, folder or medium can still be queried.

    When SQLite cannot even create the WAL's shared-memory file (a read-only folder), the file is
    opened as immutable: correct as long as nobody writes it meanwhile, which a folder nobody here
    may write makes likely. Raises StoreError when the file is missing, not a store, or older than
    this code's schema (a write command upgrades it).
    """
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"no database at {path}")
    uri = path.resolve().as_uri()
    last_error = None
    for options in ("mode=ro", "mode=ro&immutable=1"):
        db = None
        try:
            db = Database(sqlite3.connect(f"{uri}?{options}", uri=True))
            db.execute("PRAGMA busy_timeout = 10000")
            pending = [migration.name for migration in migrations.pending(db)]
            break
        except sqlite3.Error as error:
            last_error = error
            if db is not None:
                db.close()
    else:
        raise StoreError(f"cannot read database {path}: {last_error}")
    if pending:
        db.close()
        raise StoreError(f"database {path} predates this version of glocal ({len(pending)} migrations pending, "
                         f"first {pending[0]}); run a write command such as `glocal crawl` once to upgrade it")
    return db
