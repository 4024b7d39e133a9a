"""The service's alert jobs: draining the outbox, and finding stale spiders; `--list` output.

Both run on the scheduler's "alerts" executor (one thread of its own), so a slow SMTP server or
a long Slack backoff never holds a crawl back, and a hung crawl never holds an alert back.
A failing job logs one line and runs again at its next time: the service keeps running.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.triggers.interval import IntervalTrigger

from kit.errors import GlocalError
from store.errors import StoreError
from store import open_db

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedJob:
    """One job of the service, as APScheduler's add_job takes it. A plan is listed (`--list`)
    without building a scheduler; scheduler.main.build_scheduler adds it to one."""

    id: str
    name: str
    func: Callable
    trigger: object
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    executor: str = "default"
    next_run_time: datetime | None = None  # None: the trigger's next time (a crawl job not catching up)


def alert_jobs(settings, alerts, *, db_path, schedules: dict[str, str], timezone, now: datetime) -> list[PlannedJob]:
    interval = settings.getfloat("ALERTS_SEND_INTERVAL")
    options = {"backoff_base": settings.getfloat("ALERTS_BACKOFF_BASE"),
               "backoff_max": settings.getfloat("ALERTS_BACKOFF_MAX"),
               "slack_interval": settings.getfloat("ALERTS_SLACK_INTERVAL"),
               "limit": settings.getint("ALERTS_SEND_BATCH") or None}
    return [
        PlannedJob("deliver", "deliver alerts", delivery_job, IntervalTrigger(seconds=interval), executor="alerts",
                   next_run_time=now, kwargs={"db_path": str(db_path), "config": alerts, "options": options}),
        PlannedJob("stale", "stale check", stale_job, IntervalTrigger(hours=1), executor="alerts",
                   next_run_time=now + timedelta(minutes=1),
                   kwargs={"db_path": str(db_path), "config": alerts, "schedules": schedules,
                           "timezone": timezone, "factor": settings.getfloat("ALERTS_STALE_FACTOR")}),
    ]


def delivery_job(*, db_path: str, config, options: dict) -> None:
    from alerts.deliver import lock_path_for, send_due  # the sending machinery, for the running service only

    if not Path(db_path).exists():
        logger.error("alerts: the database %s is gone; nothing sent (is the data volume mounted?)", db_path)
        return
    try:
        with open_db(db_path) as db:
            outcome = send_due(db, config, lock_path=lock_path_for(db_path), **options)
    except (GlocalError, StoreError) as error:
        logger.error("alerts: %s", error)
        return
    if outcome.sent or outcome.failed or outcome.dead:
        (logger.warning if outcome.failed or outcome.dead else logger.info)("alerts: %s", outcome.summary())


def stale_job(*, db_path: str, config, schedules: dict[str, str], timezone, factor: float) -> None:
    from alerts.health import check_stale
    from alerts.outbox import Outbox

    if not Path(db_path).exists():
        logger.error("stale check: the database %s is gone", db_path)
        return
    with open_db(db_path) as db:
        for spider in check_stale(db, schedules, factor=factor, timezone=timezone, outbox=Outbox(config)):
            logger.warning("%s is stale: no healthy run for %g of its schedule intervals (health.failed recorded)",
                           spider, factor)


def job_lines(jobs, now: datetime) -> list[str]:
    """One line per job (PlannedJobs, or the Jobs of a scheduler not started): its id, what
    triggers it, and its next run."""
    lines = []
    for job in sorted(jobs, key=lambda j: j.id):
        upcoming = getattr(job, "next_run_time", None) or job.trigger.get_next_fire_time(None, now)
        when = f"{upcoming:%Y-%m-%d %H:%M:%S %Z}" if upcoming else "never"
        if getattr(job, "next_run_time", None) is not None and job.id.startswith("crawl:"):
            when += " (catching up)"
        lines.append(f"{job.id:<28} {str(job.trigger):<60} next {when}")
    return lines
