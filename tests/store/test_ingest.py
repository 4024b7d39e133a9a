"""store.ingest: the baseline, removal, health and history rules, on a real (in-memory) SQLite store."""

import json

import pytest

from kit.items import Signature, as_record
from store import ingest, runs
from places.curated import gazetteer
from store.actors import ActorResolver

SCOPE = "signatures:test/clean-air"
URL = "https://example.org/clean-air/"


def signature(name, **fields):
    return as_record(Signature(source="test", key=f"test/clean-air/{name.lower().replace(' ', '-')}", url=URL,
                               instrument_key="test/clean-air", actor_name=name, **fields))


def crawl(db, names, *, day, healthy=True, complete=True, records=None, removal_runs=2, kind="roster"):
    """One run of the test spider over one scope, as crawler/session.py drives the store."""
    now = f"2026-11-{day:02d}T08:00:00Z"
    run_id = runs.start_run(db, spider="test", now=now)
    records = records if records is not None else [signature(n) for n in names]
    state = ingest.begin_scope(db, run_id=run_id, scope=SCOPE, entity="signature", url=URL, observed_at=now,
                               complete=complete, healthy=healthy, kind=kind,
                               keys=[r["key"] for r in records] if complete else None)
    ingest.apply_records(db, state, records, now=now, resolver=ActorResolver(db, "test", gazetteer(), now))
    ingest.close_scope(db, state, now=now, removal_runs=removal_runs)
    runs.finish_run(db, run_id, now=now, finish_reason="finished", pages=1, items=len(records), errors=0,
                    healthy=healthy, health=[], summary="")
    return state


def changes(db, **where):
    clauses = " and ".join(f"{k} = ?" for k in where) or "1"
    return list(db.query(f"select * from changes where {clauses} order by id", list(where.values())))


def active(db):
    return sorted(r["actor_name"] for r in db.query(
        "select actor_name from signatures where removed_at is null"))


# --- baseline ------------------------------------------------------------------------------------

def test_first_healthy_complete_run_records_everything(db):
    crawl(db, ["Paris", "Lima", "Oslo"], day=1)
    assert active(db) == ["Lima", "Oslo", "Paris"]


def test_baseline_changes_never_notify(db):
    crawl(db, ["Paris", "Lima", "Oslo"], day=1)
    assert [c["notify"] for c in changes(db)] == [0, 0, 0]
    assert runs.run_changes(db, 1) == {}


def test_baseline_state_is_reported(db):
    state = crawl(db, ["Paris"], day=1)
    assert state.baseline
    assert not crawl(db, ["Paris"], day=2).baseline


def test_first_seen_is_the_capture_time_and_signed_on_stays_unknown(db):
    crawl(db, ["Paris"], day=1)
    crawl(db, ["Paris"], day=8)
    row = db["signatures"].get("test/clean-air/paris")
    assert row["first_seen_at"] == "2026-11-01T08:00:00Z"
    assert row["last_seen_at"] == "2026-11-08T08:00:00Z"
    assert row["signed_on"] is None


def test_signed_on_is_kept_as_published(db):
    crawl(db, [], day=1, records=[signature("Paris", signed_on="2019-10-11")])
    assert db["signatures"].get("test/clean-air/paris")["signed_on"] == "2019-10-11"


# --- additions -----------------------------------------------------------------------------------

def test_an_addition_after_the_baseline_notifies_once(db):
    crawl(db, ["Paris", "Lima"], day=1)
    crawl(db, ["Paris", "Lima", "Accra"], day=8)
    crawl(db, ["Paris", "Lima", "Accra"], day=15)
    added = changes(db, change="added", notify=1)
    assert [c["entity_key"] for c in added] == ["test/clean-air/accra"]
    assert added[0]["observed_at"] == "2026-11-08T08:00:00Z"
    assert json.loads(added[0]["diff"])["actor_name"] == "Accra"


def test_unchanged_rerun_writes_no_changes(db):
    crawl(db, ["Paris", "Lima"], day=1)
    before = len(changes(db))
    state = crawl(db, ["Paris", "Lima"], day=8)
    assert len(changes(db)) == before
    assert state.counts["unchanged"] == 2


def test_a_name_listed_twice_is_one_row(db):
    crawl(db, [], day=1, records=[signature("Paris"), signature("Paris")])
    assert active(db) == ["Paris"]


# --- removals ------------------------------------------------------------------------------------

def test_missing_once_is_not_removed(db):
    crawl(db, ["Paris", "Lima", "Amman"], day=1)
    state = crawl(db, ["Paris", "Lima"], day=8)
    assert "Amman" in active(db)
    assert state.counts["missing"] == 1
    assert changes(db, change="removed") == []


def test_missing_from_two_healthy_complete_runs_is_removed(db):
    crawl(db, ["Paris", "Lima", "Amman"], day=1)
    crawl(db, ["Paris", "Lima"], day=8)
    crawl(db, ["Paris", "Lima"], day=15)
    assert active(db) == ["Lima", "Paris"]
    (removed,) = changes(db, change="removed")
    assert removed["entity_key"] == "test/clean-air/amman"
    assert removed["notify"] == 1
    # removed_at is when the list first lacked the name, known for sure once K runs agree
    assert db["signatures"].get("test/clean-air/amman")["removed_at"] == "2026-11-08T08:00:00Z"
    assert json.loads(removed["diff"]) == {"missing_since": "2026-11-08T08:00:00Z", "missing_runs": 2}


@pytest.mark.parametrize("k", [1, 2, 3])
def test_removal_needs_k_runs(db, k):
    crawl(db, ["Paris", "Amman"], day=1, removal_runs=k)
    for day in range(2, 2 + k - 1):
        crawl(db, ["Paris"], day=day, removal_runs=k)
        assert "Amman" in active(db)
    crawl(db, ["Paris"], day=20, removal_runs=k)
    assert active(db) == ["Paris"]


def test_unhealthy_run_removes_nothing_and_does_not_count(db):
    crawl(db, ["Paris", "Lima", "Amman"], day=1)
    crawl(db, ["Paris", "Lima"], day=8)
    crawl(db, ["Paris"], day=10, healthy=False)
    assert "Amman" in active(db) and "Lima" in active(db)
    crawl(db, ["Paris", "Lima"], day=15)
    assert active(db) == ["Lima", "Paris"]


def test_incomplete_run_removes_nothing_and_does_not_count(db):
    crawl(db, ["Paris", "Amman"], day=1)
    crawl(db, ["Paris"], day=8)
    crawl(db, ["Paris"], day=10, complete=False)
    assert "Amman" in active(db)
    crawl(db, ["Paris"], day=15)
    assert active(db) == ["Paris"]


def test_a_wave_of_missing_names_from_a_broken_list_removes_nothing(db):
    crawl(db, ["Paris", "Lima", "Oslo", "Rome"], day=1)
    crawl(db, [], day=8, healthy=False)
    crawl(db, [], day=15, healthy=False)
    assert active(db) == ["Lima", "Oslo", "Paris", "Rome"]


def test_seen_again_resets_the_count(db):
    crawl(db, ["Paris", "Amman"], day=1)
    crawl(db, ["Paris"], day=8)
    crawl(db, ["Paris", "Amman"], day=10)
    crawl(db, ["Paris"], day=15)
    assert "Amman" in active(db)


def test_seen_in_an_unhealthy_run_also_resets_the_count(db):
    crawl(db, ["Paris", "Amman"], day=1)
    crawl(db, ["Paris"], day=8)
    crawl(db, ["Paris", "Amman"], day=10, healthy=False)
    crawl(db, ["Paris"], day=15)
    assert "Amman" in active(db)


# --- restorations and updates ----------------------------------------------------------------------

def test_a_removed_name_that_returns_is_restored(db):
    crawl(db, ["Paris", "Amman"], day=1)
    crawl(db, ["Paris"], day=8)
    crawl(db, ["Paris"], day=15)
    crawl(db, ["Paris", "Amman"], day=22)
    assert "Amman" in active(db)
    (restored,) = changes(db, change="restored")
    assert restored["entity_key"] == "test/clean-air/amman"
    assert db["signatures"].get("test/clean-air/amman")["removed_at"] is None


def test_a_changed_field_is_an_update_with_a_diff(db):
    crawl(db, [], day=1, records=[signature("Paris", network_member=True)])
    crawl(db, [], day=8, records=[signature("Paris", network_member=False)])
    (updated,) = changes(db, change="updated")
    assert json.loads(updated["diff"]) == {"network_member": [1, 0]}
    assert db["signatures"].get("test/clean-air/paris")["network_member"] == 0


# --- unhealthy runs change nothing ---------------------------------------------------------------

def test_unhealthy_run_adds_nothing(db):
    crawl(db, ["Paris"], day=1)
    state = crawl(db, ["Paris", "Garbage Sentence Parsed As A City"], day=8, healthy=False)
    assert active(db) == ["Paris"]
    assert state.counts["held"] == 1


def test_unhealthy_run_updates_nothing_but_refreshes_last_seen(db):
    crawl(db, [], day=1, records=[signature("Paris", status="active")])
    crawl(db, [], day=8, healthy=False, records=[signature("Paris", status="withdrawn")])
    row = db["signatures"].get("test/clean-air/paris")
    assert row["status"] == "active"
    assert row["last_seen_at"] == "2026-11-08T08:00:00Z"


def test_additions_held_back_arrive_with_the_next_healthy_run(db):
    crawl(db, ["Paris"], day=1)
    crawl(db, ["Paris", "Accra"], day=8, healthy=False)
    crawl(db, ["Paris", "Accra"], day=15)
    (added,) = changes(db, change="added", notify=1)
    assert added["entity_key"] == "test/clean-air/accra"


def test_no_baseline_until_a_healthy_complete_run(db):
    crawl(db, ["Paris"], day=1, healthy=False)
    state = crawl(db, ["Paris", "Lima"], day=8)
    assert state.baseline
    assert [c["notify"] for c in changes(db)] == [0, 0]


# --- history is never rewritten --------------------------------------------------------------------

def test_an_older_observation_than_the_last_is_stale_and_changes_nothing(db):
    crawl(db, ["Paris", "Lima"], day=15)
    state = crawl(db, ["Paris"], day=1)
    assert state.stale and not state.trusted
    assert active(db) == ["Lima", "Paris"]
    assert db["signatures"].get("test/clean-air/paris")["last_seen_at"] == "2026-11-15T08:00:00Z"
    reason = db.execute("select reason from scope_runs order by id desc limit 1").fetchone()[0]
    assert "older than the last recorded" in reason


# --- scope bookkeeping -----------------------------------------------------------------------------

def test_scope_runs_record_counts(db):
    crawl(db, ["Paris", "Amman"], day=1)
    crawl(db, ["Paris", "Accra"], day=8)
    crawl(db, ["Paris", "Accra"], day=15)
    rows = list(db.query("select added, removed, baseline, listed, complete, healthy from scope_runs order by id"))
    assert rows == [
        {"added": 2, "removed": 0, "baseline": 1, "listed": 2, "complete": 1, "healthy": 1},
        {"added": 1, "removed": 0, "baseline": 0, "listed": 2, "complete": 1, "healthy": 1},
        {"added": 0, "removed": 1, "baseline": 0, "listed": 2, "complete": 1, "healthy": 1},
    ]


def test_scope_status_tells_a_vanished_list_from_a_new_one(db):
    assert ingest.scope_status(db, SCOPE, "signature") == {"active": 0}
    crawl(db, ["Paris", "Lima"], day=1)
    assert ingest.scope_status(db, SCOPE, "signature") == {"active": 2}


# --- actors ----------------------------------------------------------------------------------------

def test_spellings_of_one_city_are_one_actor(db):
    resolver = ActorResolver(db, "test", gazetteer(), "2026-11-01T00:00:00Z")
    ids = {resolver.actor_id(n) for n in ["Bogota", "Bogotá", "Bogotá D.C."]}
    assert len(ids) == 1
    actor = db["actors"].get(ids.pop())
    assert (actor["name"], actor["country"], actor["geonames_id"], actor["needs_review"]) == ("Bogotá", "CO", 3688689, 0)


def test_spellings_across_sources_are_one_actor(db):
    a = ActorResolver(db, "c40", gazetteer(), "2026-11-01T00:00:00Z").actor_id("Durban (eThekwini)")
    b = ActorResolver(db, "uclg", gazetteer(), "2026-11-01T00:00:00Z").actor_id("Durban")
    assert a == b
    assert db["actor_names"].count == 2


def test_unknown_name_becomes_its_own_actor_flagged_for_review(db):
    resolver = ActorResolver(db, "test", gazetteer(), "2026-11-01T00:00:00Z")
    actor = db["actors"].get(resolver.actor_id("Ville-Nouvelle-sur-Mer"))
    assert actor["needs_review"] == 1
    assert actor["name"] == "Ville-Nouvelle-sur-Mer"


# --- transactions ----------------------------------------------------------------------------------

def test_a_failure_mid_batch_leaves_nothing_of_it(db):
    crawl(db, ["Paris"], day=1)
    run_id = runs.start_run(db, spider="test", now="2026-11-08T08:00:00Z")
    records = [signature(n) for n in ["Paris", "Accra", "Lima"]]
    state = ingest.begin_scope(db, run_id=run_id, scope=SCOPE, entity="signature", url=URL,
                               observed_at="2026-11-08T08:00:00Z", complete=True, healthy=True,
                               keys=[r["key"] for r in records])

    class Failing(ActorResolver):
        def actor_id(self, name, *args, **kwargs):
            if name == "Lima":
                raise RuntimeError("disk full")
            return super().actor_id(name, *args, **kwargs)

    with pytest.raises(RuntimeError):
        ingest.apply_records(db, state, records, now="2026-11-08T08:00:00Z",
                             resolver=Failing(db, "test", gazetteer(), "2026-11-08T08:00:00Z"))
    assert active(db) == ["Paris"]
    assert len(changes(db)) == 1
    assert db["actor_names"].count == 1


def test_a_dead_run_is_closed_as_aborted_by_the_next(db):
    first = runs.start_run(db, spider="test", now="2026-11-01T08:00:00Z")
    runs.start_run(db, spider="test", now="2026-11-02T08:00:00Z")
    assert db["crawl_runs"].get(first)["status"] == "aborted"


# --- count claims ----------------------------------------------------------------------------------

def claim(count, qualifier=None):
    return {"key": "test/x@/x/", "source": "test", "subject_key": "test/x", "count": count, "unit": "cities",
            "qualifier": qualifier, "text": f"unites {count} cities", "url": "https://example.org/x/"}


def test_count_claims_are_a_dated_series(db):
    for day, count in [(1, 35), (8, 35), (15, 36)]:
        run_id = runs.start_run(db, spider="test", now=f"2026-11-{day:02d}T00:00:00Z")
        ingest.record_count_claims(db, run_id, [claim(count)], now=f"2026-11-{day:02d}T00:00:00Z")
    rows = list(db.query("select count, first_seen_at, last_seen_at from count_claims order by id"))
    assert rows == [
        {"count": 35, "first_seen_at": "2026-11-01T00:00:00Z", "last_seen_at": "2026-11-08T00:00:00Z"},
        {"count": 36, "first_seen_at": "2026-11-15T00:00:00Z", "last_seen_at": "2026-11-15T00:00:00Z"},
    ]
    assert [(c["change"], c["notify"]) for c in changes(db, entity="count_claim")] == [("added", 0), ("updated", 1)]


def test_older_evidence_never_overwrites_newer(db):
    crawl(db, [], day=15, records=[signature("Paris", status="active")])
    run_id = runs.start_run(db, spider="test", now="2026-11-20T00:00:00Z")
    state = ingest.begin_scope(db, run_id=run_id, scope=SCOPE, entity="signature", url=URL,
                               observed_at=None, complete=False, healthy=True, keys=None)
    older = signature("Paris", status="withdrawn")
    ingest.apply_records(db, state, [older], now="2026-11-20T00:00:00Z",
                         page_of=lambda url: (None, "2026-11-01T00:00:00Z"), resolver=ActorResolver(db, "test", gazetteer()))
    row = db["signatures"].get("test/clean-air/paris")
    assert (row["status"], row["last_seen_at"]) == ("active", "2026-11-15T08:00:00Z")


def test_a_scope_run_without_a_page_is_never_stale_nor_makes_others_stale(db):
    run_id = runs.start_run(db, spider="test", now="2026-11-28T00:00:00Z")
    state = ingest.begin_scope(db, run_id=run_id, scope=SCOPE, entity="signature", url=URL, observed_at=None,
                               complete=False, healthy=False, keys=None, reason="HTTP 404")
    ingest.close_scope(db, state, now="2026-11-28T00:00:00Z", removal_runs=2)
    assert not state.stale
    assert not crawl(db, ["Paris"], day=2).stale


def test_an_unfinished_scope_run_is_no_baseline(db):
    run_id = runs.start_run(db, spider="test", now="2026-11-01T08:00:00Z")
    ingest.begin_scope(db, run_id=run_id, scope=SCOPE, entity="signature", url=URL,
                       observed_at="2026-11-01T08:00:00Z", complete=True, healthy=True, keys=["test/clean-air/lima"])
    # the process dies here, before the scope's items and its close were written
    state = crawl(db, ["Lima", "Paris"], day=8)
    assert state.baseline
    assert [c["notify"] for c in changes(db)] == [0, 0]


def test_a_count_that_changes_its_unit_is_a_change(db):
    for day, (count, unit) in [(1, (36, "mayors")), (8, (36, "cities"))]:
        run_id = runs.start_run(db, spider="test", now=f"2026-11-{day:02d}T00:00:00Z")
        ingest.record_count_claims(db, run_id, [{**claim(count), "unit": unit}], now=f"2026-11-{day:02d}T00:00:00Z")
    (updated,) = changes(db, entity="count_claim", change="updated")
    assert json.loads(updated["diff"]) == {"unit": ["mayors", "cities"]}


def test_a_list_whose_items_never_all_arrived_is_closed_as_incomplete(db):
    crawl(db, ["Paris", "Amman"], day=1)
    run_id = runs.start_run(db, spider="test", now="2026-11-08T08:00:00Z")
    keys = ["test/clean-air/paris", "test/clean-air/lima"]
    state = ingest.begin_scope(db, run_id=run_id, scope=SCOPE, entity="signature", url=URL,
                               observed_at="2026-11-08T08:00:00Z", complete=True, healthy=True, keys=keys)
    ingest.apply_records(db, state, [signature("Paris")], now="2026-11-08T08:00:00Z", resolver=ActorResolver(db, "t", gazetteer()))
    ingest.close_scope(db, state, now="2026-11-08T08:00:00Z", removal_runs=2, incomplete="1 listed item never reached the store")
    crawl(db, ["Paris"], day=15)
    assert "Amman" in active(db)  # the stopped run did not count as a miss


# --- scope kinds ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,removed", [("roster", ["Lima"]), ("append-only", [])])
def test_only_a_roster_removes_what_is_missing(db, kind, removed):
    crawl(db, ["Paris", "Lima"], day=1, kind=kind)
    for day in (8, 15, 22):
        crawl(db, ["Paris"], day=day, kind=kind)
    assert [c["entity_key"].rsplit("/", 1)[1] for c in changes(db, change="removed")] == [n.lower() for n in removed]
    assert active(db) == sorted({"Paris", "Lima"} - set(removed))


def test_an_append_only_scope_still_adds_and_updates(db):
    crawl(db, ["Paris"], day=1, kind="append-only")
    crawl(db, [], day=8, kind="append-only", records=[signature("Lima"), signature("Paris", status="active")])
    assert [(c["change"], c["notify"]) for c in changes(db, run_id=2)] == [("added", 1), ("updated", 1)]


def test_the_scope_kind_is_recorded(db):
    crawl(db, ["Paris"], day=1, kind="append-only")
    assert [r["kind"] for r in db.query("select kind from scope_runs")] == ["append-only"]


def test_an_unknown_scope_kind_is_refused(db):
    with pytest.raises(ValueError, match="kind 'list' is not one of"):
        crawl(db, ["Paris"], day=1, kind="list")


