"""A roster whose page is read but whose list is not found is an unread scope, named, never silent.

Issue 21: the Rome Charter page (uclg_declarations) served again without its list of adhering
cities where the parser looks (here: the list now drawn by a script, the page carrying only an
empty grid). Before, the parser read the instrument and nothing else, and the run was healthy with
no word of the list. Now the run is unhealthy, its one health alert names the page and the missing
landmark, the generic roster reader (which finds no list to read) does not stand in, and nobody is
removed. (The
same page with the names as tiles, which the reader can read, is tests/crawler/test_stand_in_rome.py.)
"""

import json
import re

import pytest

from tests.helpers import archive_of, health_after_run, query, replay_like_cli, saved_pages

ROME = "https://uclg.org/rome-charter-2020/"
SCOPE = "signatures:uclg_declarations/rome-charter"
PAGES = ["rabat.html", "bogota.html", "durban.html", "rome-charter.html", "pact.html", "lampedusa.html"]


def script_rendered(body: bytes) -> bytes:
    """The adhering cities gone from the markup: an empty grid a script fills from an API."""
    html = body.decode("utf-8")
    start, end = html.index("<h2>Cities that have adhered"), html.index("</ul>", html.index("adhering-cities"))
    grid = ('<h2>Who is on board</h2><div class="c-grid" data-endpoint="/wp-json/uclg/v1/adherents"></div>'
            '<script src="/assets/adherents.js"></script>')
    return (html[:start] + grid + html[end + 5:]).encode()


def crawl(folder, db, name, pages):
    pages = pages + saved_pages("uclg_news", ["new-listing.html"], day=pages[0].fetched_at[:10])
    return replay_like_cli("uclg_declarations", archive_of(folder / f"{name}.warc.gz", pages), db)


@pytest.fixture(scope="module")
def redesigned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("unread_rosters")
    db = folder / "glocal.db"
    results, alerts = {}, {}
    steps = [("baseline", {}), ("script", {"rome-charter.html": script_rendered}),
             ("script-again", {"rome-charter.html": script_rendered})]
    for day, (name, edits) in enumerate(steps, start=20):
        results[name] = crawl(folder, db, name, saved_pages("uclg_declarations", PAGES, day=f"2026-11-{day}",
                                                            edits=edits))
        alerts[name] = health_after_run(db, "uclg_declarations")
    return {"db": db, "results": results, "alerts": alerts}


def test_the_baseline_reads_the_47_adhering_cities(redesigned):
    assert redesigned["results"]["baseline"].returncode == 0
    assert len(query(redesigned["db"], "select * from signatures where scope = ?", (SCOPE,))) == 47


def test_the_redesigned_list_is_an_unread_scope_naming_page_and_landmark(redesigned):
    result = redesigned["results"]["script"]
    assert result.returncode == 1, result.stdout
    (scope,) = query(redesigned["db"], "select * from scope_runs where run_id = 2 and scope = ?", (SCOPE,))
    assert (scope["complete"], scope["healthy"]) == (0, 0)
    assert ROME in scope["reason"] and 'a heading "Cities that have adhered' in scope["reason"]
    assert "which listed 47 before" in scope["reason"]
    assert scope["stand_in"] is None


def test_one_health_alert_names_the_page_and_the_landmark(redesigned):
    assert redesigned["alerts"] == {"baseline": None, "script": "health.failed", "script-again": None}
    (incident,) = query(redesigned["db"], "select * from changes where entity = 'health'")
    reason = json.loads(incident["diff"])["reason"]
    assert ROME in reason and 'a heading "Cities that have adhered' in reason


def test_nobody_is_removed_and_the_instrument_still_stands(redesigned):
    assert query(redesigned["db"], "select * from changes where change = 'removed'") == []
    assert len(query(redesigned["db"], "select * from signatures where scope = ? and removed_at is null",
                     (SCOPE,))) == 47
    assert query(redesigned["db"], "select count(*) as n from instruments where removed_at is null")[0]["n"] == 6


def test_a_page_that_never_held_a_list_is_not_flagged(redesigned):
    # The other instrument pages were read again too; none of them ever held a roster.
    rows = query(redesigned["db"], "select scope from scope_runs where run_id = 2 and healthy = 0")
    assert [r["scope"] for r in rows] == [SCOPE]
