"""What a researcher sees (the front page's counts, the maps) counts signings, not sightings.

One store, written through the store's own ingest API: Amman signed Clean Air once but was seen
twice, on the accelerator's list and in a news post; the list then drops it (two healthy,
complete captures), so the signing is removed although the news row, never removed, still names
it. Lisbon is seen on the list and on an imported copy of it (two roster scopes) and dropped from
both: one removed signing, not two. Paris is on the list and named by news: one current signing."""

import pytest

from kit.items import Signature, as_record
from places import gazetteer
from store import open_db
from store.actors import ActorResolver
from store.ingest import APPEND_ONLY, ROSTER, apply_records, begin_scope, close_scope
from store.publication import mappable_signatories
from store.runs import finish_run, start_run
from store.signings import instrument_summaries, signings

CLEAN_AIR = "c40_accelerators/clean-air-cities"
LIST, COPY, NEWS = f"signatures:{CLEAN_AIR}", f"signatures:{CLEAN_AIR}/imported", "signatures:c40_news"


def sighting(scope, name, country, source="c40_accelerators"):
    return as_record(Signature(source=source, key=f"{scope}/{name.lower()}", url=f"https://www.c40.org/{scope}",
                               instrument_key=CLEAN_AIR, actor_name=name, country=country, scope=scope))


def capture(db, scope, records, *, now, kind=ROSTER, source="c40_accelerators"):
    run_id = start_run(db, spider=source, now=now)
    state = begin_scope(db, run_id=run_id, scope=scope, entity="signature", url=f"https://www.c40.org/{scope}",
                        observed_at=now, complete=True, healthy=True, kind=kind,
                        keys=[r["key"] for r in records] if kind == ROSTER else None)
    apply_records(db, state, records, now=now, resolver=ActorResolver(db, source, gazetteer.default(), now))
    close_scope(db, state, now=now, removal_runs=2)
    finish_run(db, run_id, now=now, finish_reason="finished", pages=1, items=len(records), errors=0, healthy=True,
               health=[], summary="written by the publication tests")


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "glocal.db")
    everyone = [sighting(LIST, "Amman", "JO"), sighting(LIST, "Lisbon", "PT"), sighting(LIST, "Paris", "FR")]
    capture(database, LIST, everyone, now="2026-11-02T10:00:00Z")
    capture(database, COPY, [sighting(COPY, "Lisbon", "PT", "covenant_import")], now="2026-11-02T11:00:00Z",
            source="covenant_import")
    capture(database, NEWS, [sighting(NEWS, "Amman", "JO", "c40_news"), sighting(NEWS, "Paris", "FR", "c40_news")],
            now="2026-11-03T10:00:00Z", kind=APPEND_ONLY, source="c40_news")
    for day in ("2026-11-09", "2026-11-16"):  # two healthy, complete captures confirm the drop
        capture(database, LIST, [sighting(LIST, "Paris", "FR")], now=f"{day}T10:00:00Z")
        capture(database, COPY, [], now=f"{day}T11:00:00Z", source="covenant_import")
    yield database
    database.close()


def test_the_store_holds_two_sightings_of_each_signing(db):
    rows = dict(db.execute("""select a.name, count(*) from signatures s join actors a on a.id = s.actor_id
                              group by a.name order by a.name""").fetchall())
    assert rows == {"Amman": 2, "Lisbon": 2, "Paris": 2}


def test_the_map_has_one_marker_per_signing_and_marks_the_removed_ones(db):
    rows = {row["name"]: row for row in mappable_signatories(db, CLEAN_AIR)}
    assert {name: row["removed"] for name, row in rows.items()} == {"Amman": 1, "Lisbon": 1, "Paris": 0}
    assert [row["country"] for row in rows.values()] == ["JO", "PT", "FR"]
    assert all(row["instruments"] == 1 for row in rows.values())
    assert rows["Paris"]["latitude"] == pytest.approx(48.85, abs=0.1)  # the gazetteer's point for the actor


def test_the_map_agrees_with_the_signings_glocal_signatories_lists(db):
    current = {row["actor_id"] for row in signings(db, CLEAN_AIR)}
    every = {row["actor_id"]: row["standing"] for row in signings(db, CLEAN_AIR, include_removed=True)}
    marked = {row["actor_id"]: row["removed"] for row in mappable_signatories(db, CLEAN_AIR)}
    assert set(marked) == set(every)
    assert {actor for actor, removed in marked.items() if not removed} == current


def test_the_map_of_every_instrument_has_one_marker_per_actor(db):
    assert [(row["name"], row["instruments"]) for row in mappable_signatories(db)] == [
        ("Amman", 1), ("Lisbon", 1), ("Paris", 1)]


def test_the_front_page_counts_are_the_summaries_glocal_instruments_prints(db):
    from research.web import tracked_instruments

    (clean_air,) = [row for row in tracked_instruments(db) if row["key"] == CLEAN_AIR]
    assert (clean_air["signatories"], clean_air["removed"]) == (1, 2)
    assert clean_air == {**[s for s in instrument_summaries(db) if s["key"] == CLEAN_AIR][0],
                         "notes": clean_air["notes"], "stated_words": ""}
