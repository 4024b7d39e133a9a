"""Held lists: a list that changed too much at once is recorded, but its alerts wait.

Replays of the Clean Air accelerator page through the real spider, pipeline, store and outbox:
- a list dropping from 35 to 3 names is held: nobody is removed, nothing is alerted, however
  many runs repeat it, until `glocal changes confirm RUN`, which removes the 32 and alerts once;
- a list that grows by more than 30% is recorded (the new names are in the store, dated) and its
  alerts wait for a second run that agrees;
- names added by a held run that the next run no longer shows leave quietly: never announced,
  their removal is no news either.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from cli.main import cli
from store import open_db
from tests.alerts.support import ops_rules, rules_file
from tests.helpers import archive_of, copy_store, crawl_in_process, saved_pages

SPIDER = "c40_accelerators"
PAGES = ["robots.txt", "hub.html", "green-healthy-streets.html", "clean-air-cities.html",
         "net-zero-carbon-buildings.html", "good-food-cities.html", "divest-invest.html", "urban-nature.html",
         "equity-pledge.html", "water-safe-cities.html"]
SCOPE = "signatures:c40_accelerators/clean-air-cities"
RULES = ops_rules(("clean-air", ["signature.added", "signature.removed"]), hook="GLOCAL_TEST_HOOK")
LIST = re.compile(rb"(Signatory cities:</h3>\s*<p>)(.*?)(</p>)", re.S)
NEW = [b"Accra", b"Addis Ababa", b"Athens", b"Auckland", b"Bangkok", b"Boston", b"Cape Town", b"Chicago",
       b"Curitiba", b"Dakar", b"Dar es Salaam", b"Freetown", b"Hanoi", b"Istanbul", b"Johannesburg"]


def with_names(names):
    """The Clean Air page whose signatory paragraph lists `names` (None: as saved)."""
    if names is None:
        return lambda body: body
    return lambda body: LIST.sub(lambda m: m.group(1) + b", ".join(names) + m.group(3), body)


def original_names(body):
    return [n.strip() for n in LIST.search(body).group(2).split(b",")]


BASELINE_DAY = "2026-11-02"  # every test's first run: the page as saved


def replay(folder, db_path, day: str, names=None) -> int:
    archive = archive_of(folder / f"{day}.warc.gz",
                         saved_pages(SPIDER, PAGES, day=day, edits={"clean-air-cities.html": with_names(names)}))
    row = crawl_in_process(SPIDER, db=db_path, replay=archive, settings={"ALERTS_CONFIG": str(folder / "alerts.toml")})
    return row["id"]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The store after the baseline run, replayed once for the module; each test starts from a copy."""
    folder = tmp_path_factory.mktemp("held-baseline")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GLOCAL_TEST_HOOK", "http://127.0.0.1:9/hook")
        rules_file(folder, RULES)
        replay(folder, folder / "glocal.db", BASELINE_DAY)
    return folder / "glocal.db"


@pytest.fixture
def crawl(tmp_path, monkeypatch, baseline):
    monkeypatch.setenv("GLOCAL_TEST_HOOK", "http://127.0.0.1:9/hook")
    rules_file(tmp_path, RULES)
    db_path = tmp_path / "glocal.db"
    runs = []

    def run(day: str, names=None):
        if not runs and day == BASELINE_DAY and names is None:  # the module's baseline run, copied
            copy_store(baseline, db_path)
            (run_id,) = query(db_path, "select max(id) from crawl_runs")[0]
        else:
            run_id = replay(tmp_path, db_path, day, names)
        runs.append(run_id)
        return run_id

    run.db_path = db_path
    run.runs = runs
    return run


@pytest.fixture
def page_names():
    body = (saved_pages(SPIDER, ["clean-air-cities.html"])[0]).body
    return original_names(body)


def query(db_path, sql, params=()):
    db = open_db(db_path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def deliveries(db_path):
    return query(db_path, "select kind, count(*) from deliveries group by kind order by kind")


def active(db_path):
    return query(db_path, "select count(*) from signatures where scope = ? and removed_at is null", [SCOPE])[0][0]


def test_a_collapse_is_held_until_confirmed(crawl, page_names):
    assert len(page_names) == 35
    crawl("2026-11-02")
    held = crawl("2026-11-09", page_names[:3])
    crawl("2026-11-16", page_names[:3])
    crawl("2026-11-23", page_names[:3])
    assert active(crawl.db_path) == 35  # three runs agreeing on 3 names remove nobody
    assert deliveries(crawl.db_path) == []
    assert query(crawl.db_path, "select hold, held from scope_runs where run_id = ? and scope = ?",
                 [held, SCOPE]) == [("confirm", 1)]

    result = CliRunner().invoke(cli, ["changes", "confirm", str(held), "--db", str(crawl.db_path),
                                      "--config", str(crawl.db_path.parent / "alerts.toml")])
    assert result.exit_code == 0, result.output
    assert "32 removed" in result.output
    assert active(crawl.db_path) == 3
    removed_at = query(crawl.db_path, "select distinct removed_at from signatures where removed_at is not null "
                                      "and scope = ?", [SCOPE])
    assert removed_at == [("2026-11-09T08:15:06Z",)]  # the capture that first showed the collapse
    assert deliveries(crawl.db_path) == [("signature.removed", 32)]


def test_confirming_twice_or_a_run_without_a_held_list_is_one_clear_line(crawl, page_names):
    crawl("2026-11-02")
    held = crawl("2026-11-09", page_names[:3])
    runner = CliRunner()
    first = runner.invoke(cli, ["changes", "confirm", str(held), "--db", str(crawl.db_path)])
    again = runner.invoke(cli, ["changes", "confirm", str(held), "--db", str(crawl.db_path)])
    missing = runner.invoke(cli, ["changes", "confirm", "999", "--db", str(crawl.db_path)])
    assert first.exit_code == 0
    assert again.exit_code == 1 and f"run {held} has no held list" in again.output
    assert missing.exit_code == 1 and "run 999 does not exist" in missing.output


def test_a_big_growth_is_recorded_and_alerted_once_a_second_run_agrees(crawl, page_names):
    crawl("2026-11-02")
    grown = page_names + NEW
    held = crawl("2026-11-09", grown)
    assert active(crawl.db_path) == 50  # recorded: the new names are in the store, dated
    first_seen = query(crawl.db_path, "select first_seen_at from signatures where actor_name = 'Accra' and scope = ?", [SCOPE])
    assert first_seen == [("2026-11-09T08:15:06Z",)]
    assert deliveries(crawl.db_path) == []  # ... but not alerted yet
    assert query(crawl.db_path, "select count(*) from changes where run_id = ? and held = 1", [held])[0][0] == 15
    crawl("2026-11-16", grown)
    assert deliveries(crawl.db_path) == [("signature.added", 15)]
    assert query(crawl.db_path, "select held from scope_runs where run_id = ? and scope = ?", [held, SCOPE]) == [(0,)]


def test_names_a_held_run_added_and_the_next_runs_lack_leave_quietly(crawl, page_names):
    crawl("2026-11-02")
    crawl("2026-11-09", page_names + NEW)  # a parser reading a footer, say
    crawl("2026-11-16")
    crawl("2026-11-23")
    assert active(crawl.db_path) == 35
    notified = query(crawl.db_path, "select count(*) from changes where scope = ? and change = 'removed' "
                                    "and notify = 1", [SCOPE])[0][0]
    assert notified == 0
    assert deliveries(crawl.db_path) == []


def test_an_ordinary_change_is_not_held(crawl, page_names):
    crawl("2026-11-02")
    crawl("2026-11-09", page_names + NEW[:2])
    assert deliveries(crawl.db_path) == [("signature.added", 2)]
    assert query(crawl.db_path, "select count(*) from scope_runs where held = 1")[0][0] == 0
