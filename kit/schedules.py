"""Schedule strings, as spiders and SCHEDULER_SCHEDULES write them: a crontab line ("20 6 * * *")
or an interval ("every 6h", "every 30m", "every 0.5s" for tests). One reading for the scheduler,
the stale check and `glocal status`."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

_EVERY = re.compile(r"every\s+(\d+(?:\.\d+)?)\s*(s|m|h|d)", re.I)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def trigger_for(schedule: str, timezone, *, start: datetime | None = None):
    """The APScheduler trigger of a schedule string; ValueError saying what is wrong."""
    match = _EVERY.fullmatch(schedule.strip())
    if match:
        amount = float(match[1])
        if amount <= 0:
            raise ValueError("an interval must be longer than zero")
        return IntervalTrigger(**{_UNITS[match[2].lower()]: amount}, timezone=timezone, start_date=start)
    trigger = CronTrigger.from_crontab(schedule, timezone=timezone)
    # A day that no month has ("0 8 30 2 *", Feb 30) is a valid crontab to APScheduler, and a job
    # that is never run: refused, like any other schedule that says nothing.
    probe = datetime.now(trigger.timezone)
    if _bounded(trigger, probe).get_next_fire_time(None, probe) is None:
        raise ValueError(f"{schedule!r} never comes round (no month has that day)")
    return trigger


# Dates and weekdays repeat every 400 years (146,097 days) in the Gregorian calendar: a crontab
# line that does not come round within them never does. Unbounded, APScheduler searches on to the
# year 9999 (0.2 to 0.7 s of CPU for each refused line).
CALENDAR_CYCLE = timedelta(days=146097)


def _bounded(trigger: CronTrigger, start: datetime) -> CronTrigger:
    """A copy of `trigger` whose search for its next time ends one calendar cycle after `start`."""
    probe = copy.copy(trigger)
    probe.end_date = start + CALENDAR_CYCLE
    return probe


def interval_of(schedule: str, timezone, now: datetime) -> timedelta:
    """How long the schedule waits between two runs (for a cron line: around `now`)."""
    trigger = trigger_for(schedule, timezone, start=now)
    if isinstance(trigger, IntervalTrigger):
        return trigger.interval
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    return second - first


def next_run(schedule: str, timezone, now: datetime) -> datetime | None:
    return trigger_for(schedule, timezone, start=now).get_next_fire_time(None, now)
