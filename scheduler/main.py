"""`glocal schedule`: APScheduler 3 in the foreground, one cron job per spider, each crawl in a child.

Crawls run on SCHEDULER_WORKERS threads (each waiting on its own child process): never two runs
of one spider (max_instances=1), never two crawls of one host at once (HostLocks). The delivery
job and the stale check run on an executor of their own, so a slow SMTP server never delays a
crawl and a hung crawl never delays an alert.

No job store: the jobs are rebuilt from the spiders at every start, and what ran when lives in
crawl_runs. That is also how missed runs coalesce: at start, a spider whose last crawl is older
than its latest scheduled time (or that never ran) crawls once, now, whatever it missed.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Only APScheduler's triggers here: its schedulers, executors and events are imported by the
# functions that run jobs, so `glocal schedule --list`, which only prints the planned jobs, does
# not pay for them (issue 24: they were most of its start-up).
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.settings import check as check_settings
from crawler.spider_registry import not_configured, spider_schedules  # noqa: F401 - shared with `glocal status`
from kit.errors import NotConfigured
from kit.schedules import trigger_for
from store.clock import parse_moment
from crawler import child
from crawler.pool import HostLocks, spider_hosts  # shared with `glocal crawl --all` and `glocal check`
from scheduler.service import PlannedJob, alert_jobs
from store import open_db, runs

if TYPE_CHECKING:
    from apscheduler.schedulers.blocking import BlockingScheduler

logger = logging.getLogger(__name__)


def build_scheduler(settings, spiders: dict[str, type], *, db_path: str | Path, now: datetime | None = None,
                    crawl_options: dict | None = None, alerts=None, crawl=None) -> BlockingScheduler:
    """A scheduler with the jobs of plan_jobs, not started.

    :param crawl: the function that runs one crawl (default: child.crawl_in_child; tests pass fakes)
    """
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    tz, jobs = plan_jobs(settings, spiders, db_path=db_path, now=now, crawl_options=crawl_options, alerts=alerts,
                         crawl=crawl)
    scheduler = BlockingScheduler(
        timezone=tz,
        # Crawls of different sites in parallel, each in its own child; alerts on their own thread.
        executors={"default": ThreadPoolExecutor(settings.getint("SCHEDULER_WORKERS")), "alerts": ThreadPoolExecutor(1)},
        job_defaults={"max_instances": 1, "coalesce": True,
                      "misfire_grace_time": settings.getint("SCHEDULER_MISFIRE_GRACE")},
    )
    for job in jobs:
        # next_run_time=None would add the job paused: leave it out to follow the trigger.
        when = {} if job.next_run_time is None else {"next_run_time": job.next_run_time}
        scheduler.add_job(job.func, job.trigger, args=list(job.args), id=job.id, name=job.name, kwargs=job.kwargs,
                          executor=job.executor, **when)
    scheduler.add_listener(_log_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler


def plan_jobs(settings, spiders: dict[str, type], *, db_path: str | Path, now: datetime | None = None,
              crawl_options: dict | None = None, alerts=None, crawl=None) -> tuple[ZoneInfo, list[PlannedJob]]:
    """The service's time zone and its jobs: one crawl job per spider, an hourly overdue check, and
    (with `alerts`, an AlertConfig) the delivery job and the stale check. Triggers only: what
    `glocal schedule --list` prints, and what build_scheduler gives a scheduler to run."""
    check_settings(settings)  # a value the service could not use stops it here, in one line naming it
    try:
        tz = ZoneInfo(settings.get("SCHEDULER_TIMEZONE"))
    except (ZoneInfoNotFoundError, ValueError):
        raise NotConfigured(f"SCHEDULER_TIMEZONE={settings.get('SCHEDULER_TIMEZONE')!r} is not a time zone") from None
    now = now or datetime.now(timezone.utc)
    with open_db(db_path) as db:
        last = runs.last_runs(db)
    options = {"db_path": str(db_path), "timeout": settings.getfloat("SCHEDULER_CRAWL_TIMEOUT"),
               **(crawl_options or {})}
    if alerts is not None and alerts.path:
        options["alerts_config"] = alerts.path
    locks = HostLocks()
    unconfigured = not_configured(settings, spiders)
    for name, reason in unconfigured.items():
        logger.info("%s is not scheduled: %s", name, reason)  # the service's start lines say so too
    scheduled = {name: cls for name, cls in spiders.items() if name not in unconfigured}
    jobs = []
    for name, cron in spider_schedules(settings, scheduled).items():
        try:
            trigger = trigger_for(cron, tz)
        except ValueError as error:
            raise NotConfigured(f"the schedule {cron!r} of {name} is not a cron expression: {error}") from None
        trigger.jitter = settings.getint("SCHEDULER_JITTER") or None
        started = parse_moment(last[name]["started_at"]) if name in last else None
        catch_up = now if isinstance(trigger, CronTrigger) and missed(trigger, started, now) else None
        jobs.append(PlannedJob(f"crawl:{name}", f"crawl {name}", crawl_job, trigger, args=(name,),
                               kwargs={**options, "hosts": spider_hosts(spiders[name]), "locks": locks,
                                       "crawl": crawl or child.crawl_in_child},
                               next_run_time=catch_up))
    jobs.append(PlannedJob("overdue", "overdue check", overdue_job, IntervalTrigger(hours=1),
                           kwargs={"db_path": str(db_path), "spiders": sorted(scheduled),
                                   "max_age": timedelta(hours=settings.getfloat("SCHEDULER_OVERDUE_HOURS"))},
                           next_run_time=now + timedelta(minutes=5)))
    if alerts is not None:
        jobs += alert_jobs(settings, alerts, db_path=db_path, schedules=spider_schedules(settings, scheduled),
                           timezone=tz, now=now)
    return tz, jobs


def missed(trigger: CronTrigger, last_started: datetime | None, now: datetime) -> bool:
    """Whether a scheduled time passed since the last crawl started (or there never was one)."""
    if last_started is None:
        return True
    due = trigger.get_next_fire_time(None, last_started + timedelta(seconds=1))
    return due is not None and due <= now


def crawl_job(name: str, *, hosts: frozenset[str] = frozenset(), locks: HostLocks | None = None,
              crawl=None, **options) -> None:
    if child.stopping():
        # A crawl still queued in the executor when SIGTERM arrived: shutdown waits for queued
        # jobs, so each would otherwise start a whole crawl after the stop was asked for.
        logger.warning("crawl %s not started: the scheduler is stopping", name)
        return
    db_path = Path(options["db_path"])
    if not db_path.exists():  # the data directory went away: say so, crawl nothing, keep running
        logger.error("%s: not crawled, the database %s is gone (is the data volume mounted?)", name, db_path)
        return
    with (locks.hold(hosts) if locks else contextlib.nullcontext()):
        if child.stopping():  # SIGTERM arrived while this crawl waited for its site's lock
            logger.warning("crawl %s not started: the scheduler is stopping", name)
            return
        outcome = (crawl or child.crawl_in_child)(name, **options)
    (logger.info if outcome.ok else logger.warning)("%s", outcome.message)


def overdue_job(*, db_path: str, spiders: list[str], max_age: timedelta) -> None:
    """Warn about spiders without a healthy, finished run for longer than `max_age`."""
    with open_db(db_path) as db:
        for name, since in runs.overdue(db, spiders, older_than=datetime.now(timezone.utc) - max_age).items():
            logger.warning("%s has had no healthy run %s", name, f"since {since}" if since else "yet")


def run_forever(scheduler: BlockingScheduler) -> None:
    """Start in the foreground until SIGTERM or SIGINT; a running crawl is stopped cleanly first."""

    def stop(signum, frame):
        logger.warning("received %s: stopping the running crawl and the scheduler", signal.Signals(signum).name)
        child.stop_children()
        scheduler.shutdown(wait=True)  # waits for the crawl job to record how its run ended

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()
    logger.warning("scheduler stopped")


def _log_event(event) -> None:
    from apscheduler.events import EVENT_JOB_MISSED

    if event.code == EVENT_JOB_MISSED:
        logger.warning("job %s missed its time %s", event.job_id, event.scheduled_run_time)
    elif event.exception is not None:
        logger.error("job %s failed: %s", event.job_id, event.exception)
