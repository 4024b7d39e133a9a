"""A new store file is a copy of a store migrated once per process (store._copy_migrated_schema):
the copy must be the store the migrations build on a new file, schema and seed rows alike."""

import sqlite3
from datetime import datetime, timezone

from sqlite_utils import Database

from store import open_db
from store.migrations import migrations

TABLE = migrations.migrations_table


def migrated_from_nothing(path):
    """A new file migrated one migration after another, as open_db did before the copy."""
    db = Database(path)
    db.execute("PRAGMA synchronous = NORMAL")
    migrations.apply(db)
    db.close()


def described(path) -> dict:
    connection = sqlite3.connect(path)
    try:
        pragmas = {name: connection.execute(f"pragma {name}").fetchone()[0]
                   for name in ("journal_mode", "user_version", "page_size", "auto_vacuum", "encoding",
                                "application_id")}
        schema = connection.execute("select type, name, tbl_name, sql from sqlite_master order by type, name").fetchall()
        rows = {}
        for (table,) in connection.execute("select name from sqlite_master where type = 'table' order by name"):
            columns = [row[1] for row in connection.execute(f"pragma table_info([{table}])") if row[1] != "applied_at"]
            selected = ", ".join(f"[{column}]" for column in columns)
            rows[table] = sorted(connection.execute(f"select {selected} from [{table}]").fetchall(), key=repr)
        rows["migrations, in order"] = connection.execute(f"select name from [{TABLE}] order by id").fetchall()
        return {"pragmas": pragmas, "schema": schema, "rows": rows}
    finally:
        connection.close()


def test_a_new_store_is_the_store_the_migrations_build(tmp_path):
    migrated_from_nothing(tmp_path / "migrated.db")
    open_db(tmp_path / "copied.db").close()
    migrated, copied = described(tmp_path / "migrated.db"), described(tmp_path / "copied.db")
    assert copied["pragmas"] == migrated["pragmas"] and migrated["pragmas"]["journal_mode"] == "wal"
    assert copied["schema"] == migrated["schema"]
    assert copied["rows"] == migrated["rows"]  # the migrations' names in order, the seed vocabularies
    assert copied["rows"]["migrations, in order"] == [(m.name,) for m in migrations.pending(Database(memory=True))]


def test_the_copy_is_dated_when_it_was_made(tmp_path):
    before = str(datetime.now(timezone.utc))
    open_db(tmp_path / "first.db").close()
    open_db(tmp_path / "second.db").close()
    after = str(datetime.now(timezone.utc))
    for name in ("first.db", "second.db"):
        connection = sqlite3.connect(tmp_path / name)
        dates = {row[0] for row in connection.execute(f"select applied_at from [{TABLE}]")}
        connection.close()
        assert len(dates) == 1 and before <= dates.pop() <= after


def test_an_empty_file_is_new_and_a_store_with_migrations_pending_is_only_migrated(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    open_db(empty).close()
    assert described(empty)["schema"] == described(_migrated(tmp_path))["schema"]

    older = tmp_path / "older.db"
    db = Database(older)
    migrations.apply(db, stop_before="m104_signings")
    db.execute("insert into crawl_runs (spider, started_at, status) values ('x', '2026-01-01T00:00:00Z', 'finished')")
    db.conn.commit()
    db.close()
    with open_db(older) as upgraded:
        assert [row["spider"] for row in upgraded["crawl_runs"].rows] == ["x"]  # kept, not replaced by a copy
        assert not migrations.pending(upgraded)


def _migrated(tmp_path):
    path = tmp_path / "reference.db"
    if not path.exists():
        migrated_from_nothing(path)
    return path
