"""Issue 21's done-when: the Rome Charter redesigned, read by the generic roster reader standing in.

Three `glocal crawl uclg_declarations --replay` runs (the crawl in process, then the command's
parent's own health assessment, crawler.child.settle, and the real outbox writing `deliveries`
under an alert rules file; tests/helpers.py's glocal_crawl_in_process) into one store: the sample archive's pages as published (baseline); then the Rome Charter page with
its 47 adhering cities and one new one (Valencia) as tiles under another heading, twice. The
parser finds no list there and says nothing of one (its route's `rosters` list on an append-only
instrument page, named after the instrument the title gives); the store knows the page held the
list, so the spider asks the generic reader, which reads the tiles. Expected: one health alert in
the outbox, no removal, Valencia recorded in the "reader standing in" state and held until the
second run agrees, and only then alerted.
"""

import json
import re

import pytest

from spiders.parsers.stand_in import READER
from tests.alerts.support import ops_rules, rules_file
from tests.helpers import archive_of, glocal_crawl_in_process, query, saved_pages

SPIDER = "uclg_declarations"
ROME = "https://uclg.org/rome-charter-2020/"
SCOPE = "signatures:uclg_declarations/rome-charter"
VALENCIA = "uclg_declarations/rome-charter/valencia"
PAGES = ["rabat.html", "bogota.html", "durban.html", "rome-charter.html", "pact.html", "lampedusa.html"]
DAYS = ("2026-11-20", "2026-11-21", "2026-11-22")
RULES = ops_rules(("operations", ["health.failed", "health.recovered"]),
                  ("signings", ["signature.added", "signature.removed"]), hook="TEST_SLACK_WEBHOOK")


def as_tiles(body: bytes) -> bytes:
    """The adhering cities, and one new (Valencia), as tiles under another heading."""
    html = body.decode("utf-8")
    names = re.findall(r"<li>(.+?)</li>", html.split('<ul class="adhering-cities">')[1].split("</ul>")[0])
    assert len(names) == 47
    tiles = "".join(f'<div class="c-tile"><span class="c-tile__name">{name}</span></div>'
                    for name in names + ["Valencia (Spain)"])
    start, end = html.index("<h2>Cities that have adhered"), html.index("</ul>", html.index("adhering-cities"))
    return (html[:start] + f'<h2>Who is on board</h2><div class="c-grid">{tiles}</div>' + html[end + 5:]).encode()


def deliveries(db) -> list[tuple[str, str]]:
    return [(row["kind"], row["entity_key"]) for row in query(
        db, "select d.kind, c.entity_key from deliveries d join changes c on c.id = d.change_id order by d.id")]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stand-in-rome")
    db = folder / "glocal.db"
    config = rules_file(folder, RULES)
    outcomes, outbox = [], []
    for number, day in enumerate(DAYS):
        edits = {"rome-charter.html": as_tiles} if number else None
        pages = (saved_pages(SPIDER, PAGES, day=day, edits=edits)
                 + saved_pages("uclg_news", ["new-listing.html"], day=day))
        archive = archive_of(folder / f"{day}.warc.gz", pages)
        with pytest.MonkeyPatch.context() as environment:  # `glocal crawl` with GLOCAL_ALERTS=config
            environment.setenv("TEST_SLACK_WEBHOOK", "https://hooks.invalid/x")
            outcomes.append(glocal_crawl_in_process(SPIDER, db=db, replay=archive, alerts_config=config))
        outbox.append(deliveries(db))
    return db, outcomes, outbox


def scope_runs(db):
    return query(db, "select run_id, complete, healthy, hold, held, stand_in, listed, added, removed "
                     "from scope_runs where scope = ? order by run_id", [SCOPE])


def test_the_baseline_reads_the_list_with_the_parser(runs):
    db, outcomes, outbox = runs
    assert outcomes[0].returncode == 0, outcomes[0].stdout + outcomes[0].stderr
    (baseline, *_) = scope_runs(db)
    assert (baseline["listed"], baseline["stand_in"]) == (47, None)
    assert outbox[0] == []  # a baseline alerts nothing


def test_the_reader_stands_in_on_both_redesigned_runs(runs):
    db, outcomes, _ = runs
    _, first, second = scope_runs(db)
    assert first["stand_in"] == second["stand_in"] == READER
    assert (first["complete"], first["healthy"], first["listed"]) == (1, 1, 48)
    assert "[health.failed]" in outcomes[1].stdout and outcomes[1].returncode == 1
    health = json.loads(query(db, "select health from crawl_runs where id = 2")[0]["health"])
    standing = [check for check in health if check["check"] == "reader standing in"]
    assert len(standing) == 1 and not standing[0]["passed"]
    assert "uclg_declarations's parser needs attention: landmark adopters_list not found on " + ROME \
        in standing[0]["detail"]


def test_one_health_alert_in_the_outbox_over_both_runs(runs):
    _, _, outbox = runs
    health = [entry for entry in outbox[2] if entry[0].startswith("health.")]
    assert health == [("health.failed", SPIDER)]
    assert [e for e in outbox[1] if e[0].startswith("health.")] == health  # written by the first redesigned run


def test_the_new_city_waits_for_the_second_agreeing_run(runs):
    db, _, outbox = runs
    _, first, second = scope_runs(db)
    assert (first["hold"], first["added"]) == ("agree", 1)
    assert first["held"] == 0  # released by the second run, which read the same 48
    assert ("signature.added", VALENCIA) not in outbox[1]
    assert [e for e in outbox[2] if e[0] == "signature.added"] == [("signature.added", VALENCIA)]
    (valencia,) = query(db, "select actor_name, country, removed_at from signatures where key = ?", [VALENCIA])
    assert valencia == {"actor_name": "Valencia", "country": "ES", "removed_at": None}


def test_nobody_is_removed_and_the_keys_are_the_parsers(runs):
    db, _, outbox = runs
    assert [r["removed"] for r in scope_runs(db)] == [0, 0, 0]
    assert query(db, "select count(*) n from changes where change = 'removed'")[0]["n"] == 0
    assert not [e for e in outbox[2] if e[0].endswith(".removed")]
    # The 47 read by the reader are the rows the parser wrote: no spelling made a new row.
    assert query(db, "select count(*) n from signatures where scope = ?", [SCOPE])[0]["n"] == 48
    assert query(db, "select count(*) n from instruments where removed_at is null")[0]["n"] == 6
