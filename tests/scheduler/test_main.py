"""The scheduler: jobs from the spiders, catch-up of missed runs, timeouts, and a clean stop on SIGTERM."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler import settings as project_settings
from kit.errors import NotConfigured
from crawler.child import crawl_in_child
from scheduler.main import build_scheduler, missed
from spiders.c40_accelerators import C40AcceleratorsSpider
from store import open_db, runs
from tests.helpers import FIXTURES
from tests.site_server import Answer, SiteServer, SteppedSite
from tests.crawler.test_network import LOOPBACK_SETTINGS, SPIDER, serve_site

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
SPIDERS = {"c40_accelerators": C40AcceleratorsSpider}


def settings(**overrides):
    values = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    values.update(overrides)
    return Settings(values)


def fire_times(trigger, n):
    """The next n times a trigger fires after NOW, as text: what a schedule means, not how APScheduler prints it."""
    times, previous, moment = [], None, NOW
    for _ in range(n):
        previous = trigger.get_next_fire_time(previous, moment)
        times.append(previous.strftime("%Y-%m-%d %H:%M"))
        moment = previous + timedelta(seconds=1)
    return times


def crawl_jobs(scheduler):
    return {job.id: job for job in scheduler.get_jobs() if job.id.startswith("crawl:")}


def test_one_job_per_spider_on_its_own_schedule(db_path):
    scheduler = build_scheduler(settings(SCHEDULER_JITTER=0), SPIDERS, db_path=db_path, now=NOW)
    (job,) = crawl_jobs(scheduler).values()
    assert job.id == "crawl:c40_accelerators"
    assert fire_times(job.trigger, 2) == ["2026-11-29 06:20", "2026-11-30 06:20"]



def test_runs_are_jittered_by_the_setting(db_path):
    scheduler = build_scheduler(settings(SCHEDULER_JITTER=120), SPIDERS, db_path=db_path, now=NOW)
    trigger = crawl_jobs(scheduler)["crawl:c40_accelerators"].trigger
    due = datetime(2026, 11, 29, 6, 20, tzinfo=timezone.utc)
    offsets = {(trigger.get_next_fire_time(None, NOW) - due).total_seconds() for _ in range(20)}
    assert all(0 <= offset <= 120 for offset in offsets) and len(offsets) > 1


def test_a_configured_schedule_overrides_the_spiders(db_path):
    scheduler = build_scheduler(settings(SCHEDULER_SCHEDULES={"c40_accelerators": "0 */6 * * *"}, SCHEDULER_JITTER=0), SPIDERS,
                                db_path=db_path, now=NOW)
    assert fire_times(crawl_jobs(scheduler)["crawl:c40_accelerators"].trigger, 3) == [
        "2026-11-28 12:00", "2026-11-28 18:00", "2026-11-29 00:00"]


@pytest.mark.parametrize("overrides,message", [
    ({"SCHEDULER_SCHEDULES": {"c40_accelerators": "every morning"}}, "the schedule 'every morning' of c40_accelerators"),
    ({"SCHEDULER_SCHEDULES": {"uclg_news": "0 5 * * *"}}, "SCHEDULER_SCHEDULES names unknown spiders: uclg_news"),
    ({"SCHEDULER_TIMEZONE": "Mars/Olympus"}, "SCHEDULER_TIMEZONE='Mars/Olympus' is not a time zone"),
])
def test_a_wrong_configuration_names_the_setting(db_path, overrides, message):
    with pytest.raises(NotConfigured, match=message):
        build_scheduler(settings(**overrides), SPIDERS, db_path=db_path, now=NOW)


def test_a_spider_that_never_ran_crawls_at_start(db_path):
    job = crawl_jobs(build_scheduler(settings(), SPIDERS, db_path=db_path, now=NOW))["crawl:c40_accelerators"]
    assert job.next_run_time == NOW


def test_missed_runs_coalesce_into_one_at_start(db_path):
    with open_db(db_path) as db:  # last crawl three days ago: three daily runs were missed
        runs.start_run(db, spider="c40_accelerators", now="2026-11-25T06:30:00Z")
    job = crawl_jobs(build_scheduler(settings(), SPIDERS, db_path=db_path, now=NOW))["crawl:c40_accelerators"]
    assert job.next_run_time == NOW


def test_nothing_missed_waits_for_the_schedule(db_path):
    with open_db(db_path) as db:
        runs.start_run(db, spider="c40_accelerators", now="2026-11-28T06:25:00Z")
    job = crawl_jobs(build_scheduler(settings(SCHEDULER_JITTER=0), SPIDERS, db_path=db_path, now=NOW))[
        "crawl:c40_accelerators"]
    assert getattr(job, "next_run_time", None) is None  # no catch-up: the trigger decides
    assert job.trigger.get_next_fire_time(None, NOW) == datetime(2026, 11, 29, 6, 20, tzinfo=timezone.utc)


@pytest.mark.parametrize("last,expected", [(None, True), (datetime(2026, 11, 28, 6, 21, tzinfo=timezone.utc), False),
                                           (datetime(2026, 11, 28, 6, 19, tzinfo=timezone.utc), True)])
def test_missed(last, expected):
    from apscheduler.triggers.cron import CronTrigger

    assert missed(CronTrigger.from_crontab("20 6 * * *", timezone="UTC"), last, NOW) is expected


def test_overdue_spiders(db):
    run = runs.start_run(db, spider="c40_accelerators", now="2026-11-20T00:00:00Z")
    runs.finish_run(db, run, now="2026-11-20T00:10:00Z", finish_reason="finished", pages=1, items=1, errors=0,
                    healthy=True, health=[], summary="")
    assert runs.overdue(db, ["c40_accelerators", "other"], older_than=NOW - timedelta(hours=72)) == {
        "c40_accelerators": "2026-11-20T00:00:00Z", "other": None}
    assert runs.overdue(db, ["c40_accelerators"], older_than=NOW - timedelta(days=30)) == {}


# The child reaches the hung page, its run open, after 1.5 to 2 s of start-up CPU: 2.2 s of wall on
# a quiet machine, 3.5 to 5 s at load 6 on two cores. A timeout that came first (the crawl had not
# begun) is no verdict, and the test tries again with a longer one (20 s was not always enough on a
# loaded machine). Each second of the first timeout is a second of idle wall in every run, and a
# miss costs the whole attempt: the first is the shortest one the child can make at the machine's
# load (hung_timeouts). A run left "running", the fault this catches, still fails it.
HUNG_TIMEOUTS = (4, 6, 10, 20, 60, 180)


def hung_timeouts(start_up_cpu=1.5):
    """HUNG_TIMEOUTS from the first that outlasts the child's start-up stretched by the load: each
    core shared with `load per core` other runnable processes gives the child 1 / (1 + that)."""
    stretched = start_up_cpu * (1 + os.getloadavg()[0] / (os.cpu_count() or 1))
    return [t for t in HUNG_TIMEOUTS if t >= stretched] or HUNG_TIMEOUTS[-1:]


def test_a_hung_crawl_is_killed_and_its_run_closed(tmp_path):
    hung = "/accelerators/clean-air-cities/"
    for attempt, timeout in enumerate(hung_timeouts()):
        db = tmp_path / f"attempt-{attempt}" / "glocal.db"
        db.parent.mkdir()
        with SiteServer() as server:
            serve_site(server, overrides={hung: [
                Answer(body=(FIXTURES / SPIDER / "clean-air-cities.html").read_bytes(), delay=3 * timeout)]})
            outcome = crawl_in_child(SPIDER, db_path=db, timeout=timeout,
                                     host_map=json.dumps({"www.c40.org": server.address}),
                                     overrides=("DOWNLOAD_DELAY=0.05", "AUTOTHROTTLE_ENABLED=false"))
            reached = bool(server.requests_for(hung))
        connection = sqlite3.connect(db)
        opened = connection.execute("select count(*) from crawl_runs").fetchone()[0]
        connection.close()
        if reached and opened:  # the crawl was running, its run written, when the timeout killed it
            break
    assert reached and opened, "the crawl never reached the hung page with its run open, even with the longest timeout"
    assert outcome.message.startswith(f"c40_accelerators: crawl timed out after {timeout}s and was killed")
    assert not outcome.ok
    connection = sqlite3.connect(db)
    assert connection.execute("select status, healthy from crawl_runs").fetchall() == [("aborted", 0)]
    assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
    connection.close()


def wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def run_statuses(db, spider=SPIDER):
    """The statuses of `spider`'s runs (other spiders catch up beside it, SCHEDULER_WORKERS at a time)."""
    try:
        connection = sqlite3.connect(db, timeout=5)
        try:
            return [r[0] for r in connection.execute("select status from crawl_runs where spider = ? order by id",
                                                     (spider,))]
        finally:
            connection.close()
    except sqlite3.OperationalError:
        return []


def test_sigterm_stops_a_running_crawl_cleanly(tmp_path):
    db = tmp_path / "glocal.db"
    held = {f"/accelerators/{slug}/" for slug in ["clean-air-cities", "urban-nature", "equity-pledge", "water-safe-cities"]}
    crawl_log = tmp_path / "logs" / f"{SPIDER}.log"
    with SteppedSite(held) as server:  # the crawl is mid-run, waiting on these pages, when it is stopped
        serve_site(server)
        daemon = subprocess.Popen(
            [str(Path(sys.executable).parent / "glocal"), "schedule",
             "--db", str(db), "--host-map", json.dumps({"www.c40.org": server.address}), *LOOPBACK_SETTINGS],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
            env={**os.environ, "GLOCAL_LOG_LEVEL": "INFO"})  # the crawl's log says when it took the signal
        try:
            assert wait_for(lambda: run_statuses(db) == ["running"] and any(r.path in held for r in server.requests)), \
                "the catch-up crawl did not start"
            daemon.send_signal(signal.SIGTERM)
            # Scrapy's graceful stop waits for every request the downloader holds: once the crawl took
            # the signal, they answer at once (they stood for 2 s downloads each, 8 s in all).
            wait_for(lambda: crawl_log.exists() and "Received SIGTERM" in crawl_log.read_text(), seconds=30)
            server.unstep()
            out, err = daemon.communicate(timeout=60)
        finally:
            server.unstep()
            if daemon.poll() is None:
                daemon.kill()
    assert daemon.returncode == 0, err
    assert "c40_accelerators: schedule '20 6 * * *', next run now (catching up)" in out
    assert "received SIGTERM" in err and "scheduler stopped" in err
    assert "Traceback" not in err
    connection = sqlite3.connect(db)
    # Only the crawl that was running is asked about: other spiders' catch-up crawls may follow it.
    (status, reason, healthy), = connection.execute(
        "select status, finish_reason, healthy from crawl_runs where spider = ?", (SPIDER,))
    assert (status, reason, healthy) == ("failed", "shutdown", 0)
    assert connection.execute("select count(*) from scope_runs where finished_at is null").fetchone()[0] == 0
    assert connection.execute("select count(*) from changes where change = 'removed'").fetchone()[0] == 0
    connection.close()


def test_the_listing_plans_the_jobs_the_scheduler_runs(tmp_path, db_path):
    """`glocal schedule --list` prints plan_jobs without building a scheduler: every field of
    every job, and every line printed, is what the built (not started) scheduler holds."""
    from alerts.rules import load_config
    from scheduler.main import plan_jobs
    from scheduler.service import job_lines
    from spiders.c40_news import C40NewsSpider
    from tests.alerts.support import rules_file

    rules = '[channels.ops]\ntype = "slack"\nwebhook_url_env = "HOOK"\n\n[[rules]]\nname = "signings"\nkinds = ["signature.added"]\nchannels = ["ops"]\n'
    alerts = load_config(rules_file(tmp_path, rules), environ={"HOOK": "http://127.0.0.1:9/hook"})
    with open_db(db_path) as db:  # c40_accelerators crawled this morning; c40_news never ran (catches up)
        runs.start_run(db, spider="c40_accelerators", now="2026-11-28T06:25:00Z")
    spiders = {**SPIDERS, "c40_news": C40NewsSpider}
    values = settings(SCHEDULER_JITTER=0, SCHEDULER_TIMEZONE="Europe/Berlin")
    tz, planned = plan_jobs(values, spiders, db_path=db_path, now=NOW, alerts=alerts)
    built = build_scheduler(values, spiders, db_path=db_path, now=NOW, alerts=alerts).get_jobs()

    def fields(job):
        kwargs = {name: value for name, value in job.kwargs.items() if name != "locks"}  # one HostLocks per build
        return (job.id, job.name, job.func, tuple(job.args), kwargs, job.executor, str(job.trigger),
                getattr(job, "next_run_time", None))

    assert str(tz) == "Europe/Berlin"
    assert sorted(map(fields, planned), key=str) == sorted(map(fields, built), key=str)
    lines = job_lines(planned, NOW)
    assert lines == job_lines(built, NOW)
    assert [line.split()[0] for line in lines] == ["crawl:c40_accelerators", "crawl:c40_news", "deliver", "overdue", "stale"]
    # 06:20 in Berlin is 05:20 UTC; the one that never ran is due now, at NOW as given (UTC)
    assert lines[0].endswith("next 2026-11-29 06:20:00 CET")
    assert lines[1].endswith("next 2026-11-28 12:00:00 UTC (catching up)")
    assert lines[3].endswith("next 2026-11-28 12:05:00 UTC")
