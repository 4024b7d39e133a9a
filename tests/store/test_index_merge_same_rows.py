"""m300 (one signatures index by instrument instead of two) changes how fast a list's first ingest
writes, never what it writes: the same crawls through a store with the old indexes (m106's two)
and through a store with the new one leave every table's rows identical, byte for byte."""

import random

from kit.items import Signature, as_record
from places.curated import gazetteer
from store import ingest, open_db, runs
from store.actors import ActorResolver

OLD_INDEXES = ("create index idx_signatures_instrument_key_removed_at_actor_id_scope "
               "on signatures (instrument_key, removed_at, actor_id, scope)",
               "create index idx_signatures_instrument_key_scope_key_actor_id "
               "on signatures (instrument_key, scope, key, actor_id)")
NAMES = ("Paris", "Lima", "Oslo", "Durban", "Accra", "Amman", "Austin", "Bogotá", "London", "Milano", "Quito",
         "Nowhere Town", "Springfield", "Barcelona", "Castelldefels", "Dhaka")


def old_store(path):
    """A store as it was before m300: m106's two indexes, not m300's."""
    db = open_db(path)
    for sql in OLD_INDEXES:
        db.execute(sql)
    db.execute("drop index idx_signatures_instrument_key_removed_at_actor_id_scope_key")
    return db


def crawls(seed=24):
    """Three weekly runs over six lists: baselines, then additions, updates, removals, a news scope."""
    rng = random.Random(seed)
    lists = {f"test/list-{n}": rng.sample(NAMES, rng.randint(4, len(NAMES))) for n in range(6)}
    for week in range(3):
        scopes = []
        for instrument, names in lists.items():
            shown = [n for n in names if rng.random() > 0.2 * week]
            records = [as_record(Signature(source="test", key=f"{instrument}/{n.lower().replace(' ', '-')}",
                                           url=f"https://example.org/{instrument}", instrument_key=instrument,
                                           actor_name=n, country=None,
                                           signed_on=f"2026-0{1 + week}-0{1 + i % 9}" if rng.random() < 0.3 else None))
                       for i, n in enumerate(shown)]
            scopes.append((f"signatures:{instrument}", "roster", records))
        news = [as_record(Signature(source="test", key=f"news/{week}/{n}", url="https://example.org/news",
                                    instrument_key="test/list-0", actor_name=n, signed_on="2025-12-01"))
                for n in rng.sample(NAMES, 3)]
        scopes.append(("signatures:test/news", "append-only", news))
        yield f"2026-11-{2 + 7 * week:02d}T08:00:00Z", scopes


def ingest_all(db):
    for now, scopes in crawls():
        run_id = runs.start_run(db, spider="test", now=now)
        resolver = ActorResolver(db, "test", gazetteer(), now)
        for scope, kind, records in scopes:
            state = ingest.begin_scope(db, run_id=run_id, scope=scope, entity="signature", url=records[0]["url"],
                                       observed_at=now, complete=True, healthy=True, kind=kind,
                                       keys=[r["key"] for r in records])
            for start in range(0, len(records), 5):  # several batches per list, as a crawl flushes them
                ingest.apply_records(db, state, records[start:start + 5], now=now, resolver=resolver)
            ingest.close_scope(db, state, now=now, removal_runs=2)
        runs.finish_run(db, run_id, now=now, finish_reason="finished", pages=len(scopes), items=0, errors=0,
                        healthy=True, health=[], summary="")


def dump(db) -> dict[str, list[tuple]]:
    """Every table's rows in a fixed order (the migrations' own bookkeeping aside: its times differ)."""
    tables = [name for name, in db.execute(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' "
        "and name not like '\\_sqlite_migrations%' escape '\\' and name not like 'search_index_%' order by name")]
    return {table: db.execute(f"select * from [{table}] order by 1, 2").fetchall() for table in tables}


def test_the_same_crawls_leave_the_same_rows_with_the_old_and_the_new_indexes(tmp_path):
    old, new = old_store(tmp_path / "old.db"), open_db(tmp_path / "new.db")
    assert "idx_signatures_instrument_key_scope_key_actor_id" in {
        name for name, in old.execute("select name from sqlite_master where type = 'index'")}
    ingest_all(old)
    ingest_all(new)
    before, after = dump(old), dump(new)
    assert before.keys() == after.keys() and {"signatures", "changes", "actors", "scope_runs"} <= after.keys()
    assert len(after["signatures"]) > 40 and {row[4] for row in after["changes"]} >= {"added", "removed"}
    for table in before:
        assert before[table] == after[table], table
    # Byte for byte: the files' row text (typeof included), not only Python's equality.
    for table in ("signatures", "changes"):
        query = f"select quote(key) from [{table}]" if table == "signatures" else "select quote(diff) from changes"
        assert old.execute(query + " order by 1").fetchall() == new.execute(query + " order by 1").fetchall()
