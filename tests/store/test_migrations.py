"""store.migrations and open_db: the schema researchers query."""

import pytest

from store.errors import StoreError
from store import open_db
from store.migrations import migrations

TABLES = {"crawl_runs", "pages", "scope_runs", "actors", "actor_names", "instruments", "signatures", "memberships",
          "events", "announcements", "count_claims", "changes", "deliveries"}


def test_every_table_of_the_design_exists(db):
    assert TABLES <= set(db.table_names())
    assert {"signatories", "count_history"} <= set(db.view_names())


def test_applying_twice_changes_nothing(db):
    schema = db.schema
    migrations.apply(db)
    assert db.schema == schema


def test_a_file_store_uses_wal(db_path):
    db = open_db(db_path)
    assert db.journal_mode == "wal"
    db.close()


def test_parent_folders_are_created(tmp_path):
    db = open_db(tmp_path / "a" / "b" / "glocal.db")
    assert (tmp_path / "a" / "b" / "glocal.db").exists()
    db.close()


def test_a_directory_is_not_a_database(tmp_path):
    with pytest.raises(StoreError, match="is a directory"):
        open_db(tmp_path)


def test_an_unwritable_place_is_a_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open database"):
        open_db(blocker / "glocal.db")


def test_columns_of_the_design(db):
    assert {"key", "instrument_key", "actor_id", "signed_on", "status", "first_seen_at", "last_seen_at",
            "removed_at"} <= set(db["signatures"].columns_dict)
    assert {"id", "run_id", "entity", "entity_key", "change", "diff", "detected_at"} <= set(db["changes"].columns_dict)
    assert {"channel", "dedupe_key", "status", "attempts", "next_attempt_at", "last_error", "sent_at"} <= set(
        db["deliveries"].columns_dict)
