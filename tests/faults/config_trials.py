"""Configuration that says nothing (issue 20, item 6 and the schedule strings): a spider enabled by
default but not configured is not scheduled (a crawl of nothing would go "blind" and alert every
start), and says why; a schedule that never comes round or names no day is refused in one line."""

from __future__ import annotations

from tests.faults.trials import TrialResult, workdir
from tests.helpers import glocal


def unconfigured_spider_trial() -> TrialResult:
    """covenant_open_data without its URL and unfccc_gcap switched off: no crawl job, no health
    alert job for them, `schedule --list` and `status` say why; with the URL set it is scheduled."""
    from crawler import spider_registry as catalogue
    from crawler.spider_registry import ProjectSettings, settings
    from scheduler.main import build_scheduler

    result = TrialResult("an enabled spider that is not configured (covenant_open_data without a URL)")
    folder = workdir()
    db = folder / "glocal.db"
    base = settings()
    spiders = catalogue.spiders(base)
    for url, expect_scheduled in ((None, False), ("https://example.org/release.xlsx", True)):
        project = ProjectSettings({**base._values, "COVENANT_OPEN_DATA_URL": url})
        jobs = {job.id for job in build_scheduler(project, spiders, db_path=db).get_jobs()}
        scheduled = "crawl:covenant_open_data" in jobs
        result.false_alerts += int(scheduled and not expect_scheduled)  # each start would alert "went blind"
        result.lost += int(expect_scheduled and not scheduled)
        result.judge(scheduled == expect_scheduled and "crawl:unfccc_gcap" not in jobs, f"url {url}: jobs {sorted(jobs)}")
    listing = glocal("schedule", "--list", "--db", db, env={"GLOCAL_COVENANT_OPEN_DATA_URL": ""})
    status = glocal("status", "--db", db, env={"GLOCAL_COVENANT_OPEN_DATA_URL": ""})
    for output in (listing, status):
        result.tracebacks += int("Traceback" in output.stderr)
    result.judge("covenant_open_data: not scheduled (not configured: COVENANT_OPEN_DATA_URL is not set)" in listing.stdout
                 and "why: not configured: COVENANT_OPEN_DATA_URL is not set" in status.stdout,
                 f"schedule --list / status: {listing.stdout[-300:]!r} {status.stdout[-300:]!r}")
    return result


NEVER = ("0 8 30 2 *", "0 8 31 4 *", "0 8 31 2,4,6 *")
NO_DAY = ("weekly monkey 08:00", "weekly mondays 08:00", "weekly tu 08:00", "weekly sunday 24:00")


def schedule_strings_trial() -> TrialResult:
    """Crontabs that never come round (Feb 30) and digest times that name no day ("monkey") are
    refused at load, in one line; real ones ("weekly monday 08:00", Feb 29) are kept."""
    from zoneinfo import ZoneInfo

    from alerts.rules import parse_delivery
    from kit.errors import NotConfigured
    from kit.schedules import trigger_for

    result = TrialResult("schedules that never come round (Feb 30) or name no day (weekly monkey)")
    for cron in NEVER:
        try:
            trigger_for(cron, ZoneInfo("UTC"))
        except ValueError:
            result.judge(True, "")
        else:
            result.lost += 1  # a job that never runs loses everything it was for
            result.judge(False, f"{cron!r} accepted")
    for text in NO_DAY:
        try:
            parse_delivery(text)
        except NotConfigured:
            result.judge(True, "")
        else:
            result.lost += 1
            result.judge(False, f"{text!r} accepted")
    # Feb 29 on a Monday comes round once in 28 years or more (2044): the search for a next time
    # must look that far before it calls a line one that never comes round
    result.judge(parse_delivery("weekly monday 08:00").day == 0 and parse_delivery("weekly Sun 08:00").day == 6
                 and trigger_for("0 8 29 2 *", ZoneInfo("UTC")) is not None
                 and trigger_for("0 8 29 2 mon", ZoneInfo("UTC")) is not None, "real schedules refused")
    from crawler import spider_registry as catalogue
    from scheduler.main import build_scheduler

    base = catalogue.settings()
    project = catalogue.ProjectSettings({**base._values, "SCHEDULER_SCHEDULES": {"c40_accelerators": "0 8 30 2 *"}})
    try:
        build_scheduler(project, catalogue.spiders(base), db_path=workdir() / "glocal.db")
    except NotConfigured as error:
        result.judge("never comes round" in str(error), str(error))
    except Exception as error:  # noqa: BLE001
        result.tracebacks += 1
        result.judge(False, f"{type(error).__name__}: {error}")
    else:
        result.lost += 1
        result.judge(False, "SCHEDULER_SCHEDULES with Feb 30 accepted")
    return result


TRIALS = {"unconfigured spider": unconfigured_spider_trial, "schedule strings": schedule_strings_trial}
