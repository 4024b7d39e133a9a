"""The operator's one screen (`glocal status`): each spider's last run, health and next run, and
the outbox per channel, as data the command prints (or dumps as JSON)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from crawler import spider_registry as catalogue


def status_report(db_path: str, settings, now: datetime) -> dict:
    """{"database", "spiders": [one entry per spider, in the catalogue's order], "outbox": {channel:
    {status: n}}}. A store not created yet reads as every spider never run and an empty outbox."""
    from store import open_db_readonly

    spiders = catalogue.spiders(settings)
    crons = catalogue.spider_schedules(settings, spiders)
    unconfigured = catalogue.not_configured(settings, spiders)
    report = {"database": str(db_path), "spiders": [], "outbox": {}}
    db = open_db_readonly(db_path) if Path(db_path).exists() else None  # a report writes nothing
    try:
        last = {}
        if db is not None:
            from store import deliveries, runs

            last = runs.last_runs(db)
            report["outbox"] = deliveries.status_counts(db)
        for name in spiders:
            entry = {"spider": name, "schedule": crons[name], "next_run": next_run_text(crons[name], settings, now),
                     "last_run": None, "health": "never run", "reason": None}
            if name in last:
                entry.update(_last_run_health(db, name, last[name]))
            if name in unconfigured:  # not scheduled: its last run (if any) says nothing about now
                entry.update(health="not scheduled", next_run=None, reason=unconfigured[name])
            report["spiders"].append(entry)
    finally:
        if db is not None:
            db.close()
    return report


def _last_run_health(db, name: str, run: dict) -> dict:
    """The entry's last run, and its health: an open incident's kind and reason win over the run's."""
    from store import incidents, runs

    found = {"last_run": {"id": run["id"], "started_at": run["started_at"], "finished_at": run["finished_at"],
                          "status": run["status"], "seconds": run_seconds(run), "pages": run["pages"],
                          "items": run["items"], "changes": runs.notified_change_count(db, run["id"]),
                          "summary": run["summary"]},
             "health": "healthy" if run["healthy"] else "unhealthy"}
    incident = incidents.open_incident(db, name)
    if incident:
        found["health"] = incident["diff"].get("kind") or "blind"
        found["reason"] = incident["diff"].get("reason")
        found["since"] = incident["detected_at"]
    elif not run["healthy"]:
        found["reason"] = run["summary"]
    return found


def next_run_text(cron: str, settings, now: datetime) -> str:
    """When the schedule fires next, in UTC, or why it never does."""
    from zoneinfo import ZoneInfo

    from kit.schedules import next_run

    try:
        when = next_run(cron, ZoneInfo(settings.get("SCHEDULER_TIMEZONE")), now)
    except ValueError:
        return f"never (the schedule {cron!r} does not parse)"
    return f"{when.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ}"


def run_seconds(run: dict) -> float | None:
    """How long a run took (None while it has not finished)."""
    from store.clock import parse_moment

    if not run["finished_at"]:
        return None
    return (parse_moment(run["finished_at"]) - parse_moment(run["started_at"])).total_seconds()
