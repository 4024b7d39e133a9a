"""Health as alerts: a spider that went blind or stale opens an incident (`health.failed`), the
next healthy run closes it (`health.recovered`); one of each per incident, never one per run.

Blind, judged from the spider's recorded runs (the health checks of crawler/run_health.py):
- a finished run failed a content check: nothing or too few items, a list far short of the
  page's own stated count or vanished, a field suddenly empty;
- or it yielded less than `1 - drop_ratio` of the median item count of its last healthy runs
  (a layout change that leaves some items parseable, the rest silently gone);
- or the last `failed_runs` runs all failed (site down, HTTP errors, killed): one failure is a
  blip, several in a row are a spider that sees nothing.
Stale: no healthy run for longer than `factor` intervals of the spider's schedule.
"""

from __future__ import annotations

import json
import statistics
from datetime import datetime

from kit.schedules import interval_of
from store.clock import iso_utc, parse_moment, utcnow
from store import incidents, runs

# Checks about reaching the site rather than reading it: failing them alone is not blindness.
FETCH_CHECKS = {"finish reason", "errors", "pages"}


_HISTORY = 5  # healthy runs whose median item count a new run is compared with


def assess(db, spider: str, *, failed_runs: int, drop_ratio: float) -> tuple[str | None, str | None, int | None]:
    """("blind", reason, run_id), ("ok", None, run_id), or (None, None, run_id) when the runs so
    far do not decide (a first failure, a run still going)."""
    recent = runs.recent_finished_runs(db, spider, max(failed_runs, 1))
    if not recent:
        return None, None, None
    latest = recent[0]
    if latest["status"] == "finished" and latest["healthy"]:
        earlier = runs.healthy_item_counts(db, spider, before_id=latest["id"], limit=_HISTORY)
        if len(earlier) >= 3:
            usual = statistics.median(earlier)
            if (latest["items"] or 0) < usual * (1 - drop_ratio):
                return "blind", (f"{latest['items'] or 0} items, against a median of {usual:g} over its last "
                                 f"{len(earlier)} healthy runs (a drop of more than {drop_ratio:.0%})"), latest["id"]
        return "ok", None, latest["id"]
    checks = json.loads(latest["health"] or "[]")
    blind = [c["detail"] for c in checks if not c["passed"] and c["check"] not in FETCH_CHECKS]
    if latest["status"] == "finished" and blind:
        return "blind", "; ".join(blind), latest["id"]
    if len(recent) >= failed_runs and not any(r["status"] == "finished" and r["healthy"] for r in recent):
        last = latest["summary"] or latest["status"]
        return "blind", f"{len(recent)} failed runs in a row; the last: {last}", latest["id"]
    return None, None, latest["id"]


def after_run(db, spider: str, *, failed_runs: int, drop_ratio: float, outbox=None,
              now: str | None = None) -> str | None:
    """Open or close the spider's incident after a crawl; returns the change written, if any."""
    state, reason, run_id = assess(db, spider, failed_runs=failed_runs, drop_ratio=drop_ratio)
    return _transition(db, spider, state, reason, run_id, kind="blind", outbox=outbox, now=now)


def check_stale(db, schedules: dict[str, str], *, factor: float, timezone, outbox=None,
                now: datetime | None = None) -> list[str]:
    """Open a `stale` incident for each spider with no healthy run for `factor` schedule intervals.
    Returns the spiders newly found stale."""
    now_text = iso_utc(now) if now else utcnow()
    now = now or parse_moment(now_text)
    found = []
    for spider, cron in sorted(schedules.items()):
        interval = interval_of(cron, timezone, now)
        last_any, first_any, last_good, run_id = runs.run_span(db, spider)
        reference = last_good or first_any
        if reference is None or parse_moment(reference) >= now - interval * factor:
            continue
        reason = (f"no healthy run since {last_good}" if last_good else f"no healthy run since the first one at "
                  f"{first_any}") + f" (schedule {cron!r}: more than {factor:g} intervals; last run {last_any})"
        if _transition(db, spider, "blind", reason, run_id, kind="stale", outbox=outbox, now=now_text):
            found.append(spider)
    return found


def _transition(db, spider, state, reason, run_id, *, kind, outbox, now) -> str | None:
    now = now or utcnow()
    incident = incidents.open_incident(db, spider)
    if state == "blind" and incident is None:
        incidents.record(db, spider=spider, change="failed", run_id=run_id,
                         detail={"kind": kind, "reason": reason}, now=now, outbox=outbox)
        return "health.failed"
    if state == "ok" and incident is not None:
        incidents.record(db, spider=spider, change="recovered", run_id=run_id,
                         detail={"since": incident["detected_at"], "was": incident["diff"].get("kind")},
                         now=now, outbox=outbox)
        return "health.recovered"
    return None
