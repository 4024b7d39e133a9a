"""The review queue's merge targets (store.review.actors_at_places): the right actors, found through
the geonames_id index, not by reading every actor not merged away for each doubtful one."""

from __future__ import annotations

from store import open_db
from store.review import actors_at_places


def _store(tmp_path):
    db = open_db(tmp_path / "review.db")
    rows = [{"id": i, "name": f"Town {i}", "country": "DE", "key": f"town {i}|DE", "needs_review": 0,
             "geonames_id": 1000 + i % 50} for i in range(1, 401)]
    db["actors"].insert_all(rows)
    db.execute("update actors set merged_into = 2 where id = 52")  # geonames 1002, merged away
    db.conn.commit()
    return db


def test_merge_targets_are_the_unmerged_other_actors_at_those_places(tmp_path):
    db = _store(tmp_path)
    found = actors_at_places(db, [1002, 1003], other_than=3)
    expected = sorted(i for i in range(1, 401) if 1000 + i % 50 in (1002, 1003) and i not in (3, 52))
    assert sorted(row["id"] for row in found) == expected
    assert actors_at_places(db, [], other_than=3) == []


def test_merge_targets_are_searched_by_place_not_by_merged_into(tmp_path):
    db = _store(tmp_path)
    statements = []
    db.conn.set_trace_callback(statements.append)  # the statement as SQLite ran it, values bound
    actors_at_places(db, [1002, 1003], other_than=3)
    db.conn.set_trace_callback(None)
    [sql] = [s for s in statements if "geonames_id in" in s]
    plan = [row[3] for row in db.execute("explain query plan " + sql).fetchall()]
    assert any("idx_actors_geonames_id" in step for step in plan), plan
    assert not any("merged_into" in step for step in plan), plan
