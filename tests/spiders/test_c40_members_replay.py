"""c40_members and the 2025 card layout through the real engine (WARC replay into one store)."""

import pytest

from tests.helpers import archive_of, query, replay_like_cli, replay_steps, saved_pages


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    folder = tmp_path_factory.mktemp("members")
    db = folder / "glocal.db"
    steps = [("baseline", "homepage.html", "2026-11-02"), ("track_missing", "homepage-one-track-missing.html", "2026-11-09"),
             ("track_missing_again", "homepage-one-track-missing.html", "2026-11-16"), ("back", "homepage.html", "2026-11-23")]
    results = replay_steps(folder, "c40_members", [(name, saved_pages("c40_members", [filename], day=day))
                                                   for name, filename, day in steps], db=db)
    return {"db": db, "results": results}


def test_baseline_is_healthy_and_quiet(members):
    result = members["results"]["baseline"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "baseline of 1 lists recorded" in result.stdout
    assert query(members["db"], "select count(*) as n from changes where notify = 1 and run_id = 1")[0]["n"] == 0


def test_baseline_stores_97_memberships_of_c40(members):
    rows = query(members["db"], "select * from memberships where removed_at is null")
    assert len(rows) == 97
    assert {r["network"] for r in rows} == {"C40"}


def test_the_stated_count_is_kept(members):
    (claim,) = query(members["db"], "select * from count_claims")
    assert (claim["count"], claim["subject_key"]) == (97, "network:C40")


def test_members_are_actors_shared_with_other_sources(members):
    (row,) = query(members["db"], "select a.name, a.country from memberships m join actors a on a.id = m.actor_id "
                                  "where m.actor_name = 'Durban (eThekwini)'")
    assert row == {"name": "Durban", "country": "ZA"}


@pytest.mark.parametrize("step", ["track_missing", "track_missing_again"])
def test_a_partial_carousel_is_unhealthy_and_removes_nobody(members, step):
    result = members["results"][step]
    assert result.returncode == 1
    assert "member cities (the homepage carousel): not found on https://www.c40.org/, which listed 97 before" \
        in result.stdout
    assert query(members["db"], "select count(*) as n from memberships where removed_at is not null")[0]["n"] == 0


def test_the_full_list_back_changes_nothing(members):
    result = members["results"]["back"]
    assert result.returncode == 0, result.stdout + result.stderr
    # The health incident of the partial runs may alert (spider blind, then recovered); no member does.
    assert query(members["db"], "select count(*) as n from changes where notify = 1 and entity = 'membership'")[0]["n"] == 0


# --- the 2025 card layout after the 2021-2024 list: a redesign is not churn ---------------------------

def test_a_redesign_to_cards_keeps_the_list_without_changes(tmp_path):
    db = tmp_path / "glocal.db"
    url = "https://www.c40.org/accelerators/green-healthy-streets/"
    pages = ["hub.html", "green-healthy-streets.html", "clean-air-cities.html", "net-zero-carbon-buildings.html",
             "good-food-cities.html", "divest-invest.html", "urban-nature.html", "equity-pledge.html",
             "water-safe-cities.html"]
    before = saved_pages("c40_accelerators", pages, day="2026-11-02")
    cards = saved_pages("c40_accelerators", ["ghs-2025-cards.html"], day="2026-11-09")[0]
    after = [p for p in saved_pages("c40_accelerators", pages, day="2026-11-09") if p.url != url] + [cards]
    first = replay_like_cli("c40_accelerators", archive_of(tmp_path / "a.warc.gz", before), db)
    second = replay_like_cli("c40_accelerators", archive_of(tmp_path / "b.warc.gz", after), db)
    assert first.returncode == 0 and second.returncode == 0, second.stdout
    scope = "signatures:c40_accelerators/green-healthy-streets"
    (run,) = query(db, "select * from scope_runs where scope = ? and run_id = 2", (scope,))
    assert (run["complete"], run["healthy"], run["listed"], run["stated"]) == (1, 1, 35, 35)
    changed = query(db, "select change, entity_key, diff from changes where run_id = 2 and scope = ?", (scope,))
    # Spellings moved ("Bogota" -> "Bogotá"): updates of actor_name, never a removal or an addition.
    assert {c["change"] for c in changed} <= {"updated"}
    assert query(db, "select count(*) as n from signatures where scope = ? and removed_at is null", (scope,))[0]["n"] == 35
