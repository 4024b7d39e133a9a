"""A roster shorter than its own history alarms the run even when every landmark is found, and the
hold rule keeps its removals until a second run agrees.

The Rome Charter lists 47 adhering cities; a run that reads 37 of them (10 gone, 21%: within the
page's stated "more than 45" by the 80% rule, and under the 30% hold share against the previous
list) used to be healthy and quiet, the 10 removed by the next run. Now that run is unhealthy (the
"list sizes" check names the page), one health alert opens, its list is held (nobody removed), and
the next run showing the same 37 releases it: the 10 are removed then, and the incident closes.
"""

import json
import re

import pytest

from tests.helpers import archive_of, health_after_run, query, replay_like_cli, saved_pages

ROME = "https://uclg.org/rome-charter-2020/"
SCOPE = "signatures:uclg_declarations/rome-charter"
PAGES = ["rabat.html", "bogota.html", "durban.html", "rome-charter.html", "pact.html", "lampedusa.html"]


def without_ten(body: bytes) -> bytes:
    html = body.decode("utf-8")
    items = re.findall(r"  <li>[^<]+</li>\n", html)
    for item in items[-10:]:
        html = html.replace(item, "", 1)
    return html.encode("utf-8")


@pytest.fixture(scope="module")
def shrinking(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scope_history")
    db = folder / "glocal.db"
    results, alerts = {}, {}
    steps = [("baseline", {}), ("same", {}), ("shorter", {"rome-charter.html": without_ten}),
             ("shorter-again", {"rome-charter.html": without_ten})]
    for day, (name, edits) in enumerate(steps, start=20):
        pages = saved_pages("uclg_declarations", PAGES, day=f"2026-11-{day}", edits=edits) + \
            saved_pages("uclg_news", ["new-listing.html"], day=f"2026-11-{day}")
        results[name] = replay_like_cli("uclg_declarations", archive_of(folder / f"{name}.warc.gz", pages), db)
        alerts[name] = health_after_run(db, "uclg_declarations")
    return {"db": db, "results": results, "alerts": alerts}


def scope_run(db, run_id):
    (row,) = query(db, "select * from scope_runs where run_id = ? and scope = ?", (run_id, SCOPE))
    return row


def test_the_shorter_list_alarms_the_run_and_names_the_page(shrinking):
    result = shrinking["results"]["shorter"]
    assert result.returncode == 1, result.stdout
    checks = {c["check"]: c for c in json.loads(result.run["health"])}
    assert not checks["list sizes"]["passed"]
    assert f"the list on {ROME} has 37 names against a median of 47 over its last 2 runs" in \
        checks["list sizes"]["detail"]
    assert checks["lists"]["passed"]  # every landmark was found: the list itself was read


def test_its_list_is_recorded_and_held_nobody_removed(shrinking):
    row = scope_run(shrinking["db"], 3)
    assert (row["healthy"], row["complete"], row["hold"], row["listed"]) == (1, 1, "agree", 37)
    assert query(shrinking["db"], "select * from changes where run_id = 3 and change = 'removed'") == []


def test_one_health_alert_then_recovery_once_a_second_run_agrees(shrinking):
    assert shrinking["alerts"] == {"baseline": None, "same": None, "shorter": "health.failed",
                                   "shorter-again": "health.recovered"}


def test_the_agreeing_run_releases_the_hold_and_removes_the_ten(shrinking):
    assert shrinking["results"]["shorter-again"].returncode == 0, shrinking["results"]["shorter-again"].stdout
    assert scope_run(shrinking["db"], 3)["held"] == 0
    row = scope_run(shrinking["db"], 4)
    assert (row["healthy"], row["hold"], row["removed"]) == (1, None, 10)
    active = query(shrinking["db"], "select count(*) as n from signatures where scope = ? and removed_at is null",
                   (SCOPE,))
    assert active[0]["n"] == 37
