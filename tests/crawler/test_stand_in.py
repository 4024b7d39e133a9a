"""The generic roster reader standing in for a parser after a redesign ("reader standing in").

Three replays of the C40 accelerator pages into one store: the list as published (baseline); then
the Clean Air page redesigned (its "Signatory cities:" line gone, the same 35 names plus Accra as
cards under another heading), twice. The parser finds no signatory list; the generic reader reads
the cards. Expected: the list is recorded with the reader named, Accra's addition held until the
second redesigned run agrees, nobody removed, and one health alert saying the parser needs
attention (not one per run).
"""

import re

import pytest

from spiders.parsers.stand_in import READER
from tests.helpers import health_after_run, query, replay_steps, saved_pages

SPIDER = "c40_accelerators"
PAGES = ["hub.html", "green-healthy-streets.html", "clean-air-cities.html", "net-zero-carbon-buildings.html",
         "good-food-cities.html", "divest-invest.html", "urban-nature.html", "equity-pledge.html",
         "water-safe-cities.html"]
SCOPE = "signatures:c40_accelerators/clean-air-cities"
DAYS = ("2026-11-02", "2026-11-09", "2026-11-16")


def redesigned(body: bytes) -> bytes:
    html = body.decode("utf-8")
    names = re.search(r"Signatory cities:</h3>\s*<p>(.*?)</p>", html, re.S).group(1).split(", ")
    cards = "".join(f'<li class="city-card"><a href="/cities/x/">{name}</a></li>' for name in names + ["Accra"])
    new = f'<section class="cities"><h2>Cities in the Accelerator</h2><ul class="city-cards">{cards}</ul></section>'
    html, replaced = re.subn(r'<div class="wp-block-group signatories">.*?</div>', new, html, flags=re.S)
    assert replaced == 1
    return html.encode("utf-8")


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stand-in")
    db_path = folder / "glocal.db"
    steps, alerts = [], []
    for number, day in enumerate(DAYS):
        edits = {"clean-air-cities.html": redesigned} if number else None
        steps = [(day, saved_pages(SPIDER, PAGES, day=day, edits=edits))]
        replay_steps(folder, SPIDER, steps, db=db_path)
        alerts.append(health_after_run(db_path, SPIDER))  # as the crawl's parent does
    return db_path, alerts


def scope_runs(db):
    return query(db, "select run_id, complete, healthy, hold, held, stand_in, listed, added, removed "
                     "from scope_runs where scope = ? order by run_id", [SCOPE])


def test_the_reader_stands_in_and_is_named_on_the_scope_run(history):
    db, _ = history
    baseline, first, second = scope_runs(db)
    assert baseline["stand_in"] is None and baseline["listed"] == 35
    assert first["stand_in"] == second["stand_in"] == READER
    assert first["complete"] == 1 and first["listed"] == 36


def test_the_new_city_waits_for_a_second_agreeing_run(history):
    db, _ = history
    _, first, second = scope_runs(db)
    assert (first["hold"], first["added"]) == ("agree", 1)
    assert first["held"] == 0  # released by the second run, which showed the same list
    accra = query(db, "select notify, held from changes where entity = 'signature' and entity_key = ?",
                  ["c40_accelerators/clean-air-cities/accra"])
    assert accra == [{"notify": 1, "held": 0}]


def test_nobody_is_removed(history):
    db, _ = history
    assert [r["removed"] for r in scope_runs(db)] == [0, 0, 0]
    active = query(db, "select count(*) n from signatures where scope = ? and removed_at is null", [SCOPE])
    assert active[0]["n"] == 36
    assert query(db, "select count(*) n from changes where change = 'removed'")[0]["n"] == 0


def test_one_health_alert_names_the_parser_that_needs_attention(history):
    db, alerts = history
    assert alerts == [None, "health.failed", None]
    runs = query(db, "select healthy, health from crawl_runs order by id")
    assert [r["healthy"] for r in runs] == [1, 0, 0]
    failed = query(db, "select diff from changes where entity = 'health'")
    assert len(failed) == 1
    assert "c40_accelerators's parser needs attention" in failed[0]["diff"]
    assert "generic roster reader stands in" in failed[0]["diff"]
