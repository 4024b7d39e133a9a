"""Health as alerts: a replay in which the page is redesigned gives one health.failed alert and
removes nothing; the page returning gives health.recovered. Stale and repeated failures too."""

import json
import sqlite3
import time
from datetime import datetime, timezone

import pytest

from alerts import health
from alerts.deliver import send_until_idle
from alerts.outbox import Outbox
from alerts.rules import load_config
from crawler import settings
from store import open_db, runs
from tests.alerts.support import SlackReceiver, load_rules, ops_rules, rules_file, sending
from tests.helpers import archive_of, glocal_crawl_in_process, run_cli, saved_pages
from tests.crawler.test_replay_e2e import CLEAN_AIR, LIST_PAGES, SPIDER

# What a crawl passes: the settings ALERTS_HEALTH_FAILED_RUNS and ALERTS_HEALTH_DROP_RATIO.
HEALTH = {"failed_runs": settings.ALERTS_HEALTH_FAILED_RUNS, "drop_ratio": settings.ALERTS_HEALTH_DROP_RATIO}

RULES = ops_rules(("operations", ["health.failed", "health.recovered"]),
                  ("signings", ["signature.added", "signature.removed"]))
HOOK = "https://hooks.slack.com/services/T000/B000/health"


def redesigned(day):
    pages = saved_pages(SPIDER, LIST_PAGES, day=day)
    return [p for p in pages if p.url != CLEAN_AIR] + saved_pages(SPIDER, ["clean-air-cities-2025.html"], day=day)


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    folder = tmp_path_factory.mktemp("health")
    db = folder / "glocal.db"
    config = rules_file(folder, RULES)
    steps = {"baseline": saved_pages(SPIDER, LIST_PAGES, day="2026-11-02"),
             "redesign": redesigned("2026-11-09"),
             "still_redesigned": redesigned("2026-11-10"),
             "back": saved_pages(SPIDER, LIST_PAGES, day="2026-11-11")}
    results, health_rows = {}, {}
    for name, pages in steps.items():
        archive = archive_of(folder / f"{name}.warc.gz", pages)
        with pytest.MonkeyPatch.context() as environment:  # `glocal crawl` with GLOCAL_ALERTS=config HOOK=...
            environment.setenv("HOOK", HOOK)
            results[name] = glocal_crawl_in_process(SPIDER, db=db, replay=archive, alerts_config=config)
        connection = sqlite3.connect(db)
        health_rows[name] = connection.execute(
            "select change, run_id, diff from changes where entity = 'health' order by id").fetchall()
        connection.close()
    return {"db": db, "config": config, "results": results, "health": health_rows}


def test_the_redesign_opens_one_incident(replays):
    (row,) = replays["health"]["redesign"]
    assert row[0] == "failed" and row[1] == 2
    detail = json.loads(row[2])
    assert detail["kind"] == "blind"
    assert 'a line "Signatory cities:" or "The signatory cities are:" followed by the names: not found on ' \
           f'{CLEAN_AIR}, which listed 35 before' in detail["reason"]


def test_the_crawl_says_it_opened_the_incident(replays):
    assert "[health.failed]" in replays["results"]["redesign"].stdout


def test_a_second_blind_run_is_the_same_incident(replays):
    assert len(replays["health"]["still_redesigned"]) == 1


def test_the_page_returning_closes_it(replays):
    rows = replays["health"]["back"]
    assert [r[0] for r in rows] == ["failed", "recovered"]
    assert json.loads(rows[1][2]) == {"since": _detected(replays, 0), "was": "blind"}
    assert "[health.recovered]" in replays["results"]["back"].stdout


def _detected(replays, index):
    connection = sqlite3.connect(replays["db"])
    value = connection.execute("select detected_at from changes where entity = 'health' order by id").fetchall()
    connection.close()
    return value[index][0]


def test_nothing_was_removed(replays):
    connection = sqlite3.connect(replays["db"])
    removed = connection.execute("select count(*) from changes where change = 'removed'").fetchone()[0]
    active = connection.execute("select count(*) from signatures where removed_at is null and instrument_key = ?",
                                ("c40_accelerators/clean-air-cities",)).fetchone()[0]
    connection.close()
    assert removed == 0 and active == 35


def test_one_alert_per_incident_edge_reaches_slack(replays):
    with SlackReceiver() as receiver:
        config = load_config(replays["config"], environ={"HOOK": receiver.url})
        db = open_db(replays["db"])
        send_until_idle(db, config, deadline=time.monotonic() + 10, **sending(slack_interval=0))
        db.close()
    texts = [r.body["text"] for r in receiver.delivered]
    assert texts == ["Spider c40_accelerators went blind", "Spider c40_accelerators recovered"]
    assert "which listed 35 before" in receiver.delivered[0].body["blocks"][1]["text"]["text"]


def test_status_shows_the_spider_healthy_again(replays):
    result = run_cli("status", "--db", replays["db"], "--json")
    spider = next(s for s in json.loads(result.stdout)["spiders"] if s["spider"] == "c40_accelerators")
    assert spider["health"] == "healthy" and spider["last_run"]["id"] == 4
    assert json.loads(result.stdout)["outbox"]["ops"]["sent"] == 2  # by the test above


# --- failed runs in a row, and stale spiders (over the store directly) ----------------------------

def failed_run(db, day):
    run = runs.start_run(db, spider=SPIDER, now=f"{day}T06:20:00Z")
    runs.finish_run(db, run, now=f"{day}T06:21:00Z", finish_reason="finished", pages=1, items=0, errors=1,
                    healthy=False, health=[{"check": "pages", "passed": False, "detail": f"{CLEAN_AIR}: HTTP 503"}],
                    summary="UNHEALTHY: HTTP 503")
    return run


def test_one_failed_fetch_is_a_blip_three_are_blind(db):
    changes = []
    for day in ("2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"):
        failed_run(db, day)
        changes.append(health.after_run(db, SPIDER, **HEALTH))
    assert changes == [None, None, "health.failed", None]
    (detail,) = [json.loads(r["diff"]) for r in db.query("select diff from changes where entity = 'health'")]
    assert detail["reason"].startswith("3 failed runs in a row; the last: UNHEALTHY: HTTP 503")


def test_a_spider_without_a_healthy_run_for_three_intervals_is_stale_once(tmp_path):
    config = load_rules(tmp_path, RULES, {"HOOK": HOOK})
    db = open_db(tmp_path / "glocal.db")
    run = runs.start_run(db, spider=SPIDER, now="2026-11-20T06:20:00Z")
    runs.finish_run(db, run, now="2026-11-20T06:21:00Z", finish_reason="finished", pages=9, items=200, errors=0,
                    healthy=True, health=[], summary="")
    schedules = {SPIDER: "20 6 * * *"}
    check = lambda day: health.check_stale(db, schedules, factor=3, timezone=timezone.utc, outbox=Outbox(config),  # noqa: E731
                                           now=datetime(2026, 11, day, 12, 0, tzinfo=timezone.utc))
    assert check(22) == []  # two days: not yet
    assert check(24) == [SPIDER]  # four days without a healthy run
    assert check(25) == []  # the same incident
    (row,) = db.query("select * from deliveries")
    db.close()
    assert row["kind"] == "health.failed"


def healthy_run(db, day, items):
    run = runs.start_run(db, spider=SPIDER, now=f"{day}T06:20:00Z")
    runs.finish_run(db, run, now=f"{day}T06:21:00Z", finish_reason="finished", pages=9, items=items, errors=0,
                    healthy=True, health=[], summary="")


def test_half_the_usual_items_gone_at_once_is_blind(db):
    for day, items in (("2026-11-01", 218), ("2026-11-02", 220), ("2026-11-03", 219)):
        healthy_run(db, day, items)
        assert health.after_run(db, SPIDER, **HEALTH) is None
    healthy_run(db, "2026-11-04", 100)
    assert health.after_run(db, SPIDER, **HEALTH) == "health.failed"
    (detail,) = [json.loads(r["diff"]) for r in db.query("select diff from changes where entity = 'health'")]
    assert detail["reason"] == "100 items, against a median of 219 over its last 3 healthy runs (a drop of more than 50%)"
    healthy_run(db, "2026-11-05", 221)
    assert health.after_run(db, SPIDER, **HEALTH) == "health.recovered"


def test_a_small_decline_is_no_incident(db):
    for day, items in (("2026-11-01", 218), ("2026-11-02", 220), ("2026-11-03", 219), ("2026-11-04", 150)):
        healthy_run(db, day, items)
        assert health.after_run(db, SPIDER, **HEALTH) is None


def test_backfill_runs_say_nothing_of_health_today(db):
    for day in ("2026-11-01", "2026-11-02", "2026-11-03"):
        run = failed_run(db, day)
        db.conn.execute("update crawl_runs set kind = 'backfill' where id = ?", [run])
        assert health.after_run(db, SPIDER, **HEALTH) is None
    assert db.conn.execute("select count(*) from changes where entity = 'health'").fetchone()[0] == 0
