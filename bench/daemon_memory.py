"""Benchmark: the service's resident memory, idle with every spider registered, over a simulated day.

Run from the repository root:

    .venv/bin/python bench/daemon_memory.py [--extra 40] [--idle 5] [--hours 24]
    .venv/bin/python -m bench --only daemon_memory

`run(quick)` (the `python -m bench` entry) measures in a child process of its own, so that the
figures are the daemon's alone, not those of whatever else the calling process loaded. What the
measuring process does (the daemon's own memory; each real crawl runs in a child process whose
memory is not the daemon's):

1. **floor** (the baseline): resident memory (VmRSS) after importing what the daemon imports
   (Scrapy's spider loader, APScheduler, sqlite-utils), before building anything.
2. **service at start**: `build_scheduler` with every spider the project has plus `--extra`
   synthetic ones (a fleet of sources to come), an alert configuration with an email and a Slack
   channel (a local receiver on 127.0.0.1), the delivery and stale jobs; the BlockingScheduler is
   started in a thread and left idle for `--idle` seconds.
3. **a simulated day**: every job's firings over 24 hours, in time order, computed from its
   trigger, are run by calling the job's own function: each crawl firing runs the daemon's side
   of a crawl (its crawl_runs row, then the health judgement, as `crawl_in_child` does after the
   child exits; one spider in ten blind for part of the day, so incidents open and close), the
   delivery job every ALERTS_SEND_INTERVAL (1,440 runs, delivering to the local receiver the
   alerts those incidents produce), the stale check every hour. RSS is sampled every simulated hour.

Targets: under 150 MiB at start (ratio = RSS / 150 MiB, <= 1), and flat: the end of the day
within 10% of the start (ratio = end / start, <= 1.10).
A benchmark reports; it does not fail CI: the exit status is 0 whether or not a target is met.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import Row, alert_config  # noqa: E402

BUDGET_MIB = 150
FLAT = 1.10


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _receiver():
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


RULES = """
[channels.team]
type = "email"
host = "127.0.0.1"
port = 9
security = "plain"
from = "alerts@glocal.test"
to = "team@glocal.test"

[channels.ops]
type = "slack"
webhook_url_env = "BENCH_SLACK_WEBHOOK"

[[rules]]
name = "operations"
kinds = ["health.failed", "health.recovered"]
channels = ["ops"]

[[rules]]
name = "daily"
kinds = ["signature.added", "instrument.added", "event.added"]
channels = ["team"]
delivery = "daily 08:00"
"""


def run(quick: bool = False) -> list[Row]:
    """Measure in a child process; the rows of `python -m bench`."""
    import subprocess

    extra, hours = (10, 6) if quick else (40, 24)
    result = subprocess.run([sys.executable, str(Path(__file__)), "--json", "--extra", str(extra), "--idle", "2",
                             "--hours", str(hours)], capture_output=True, text=True, cwd=ROOT, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "no output")
    figures = json.loads(result.stdout)
    return rows(figures)


def rows(f: dict) -> list[Row]:
    return [
        Row("daemon_memory", f"daemon RSS idle, {f['spiders']} spiders registered",
            f"{BUDGET_MIB} MiB budget (floor after imports {f['floor']:.1f} MiB)", f"{f['at_start']:.1f} MiB",
            f["at_start"] / BUDGET_MIB, 1.0, lower_is_better=True, note="ratio = RSS / 150 MiB"),
        Row("daemon_memory", f"daemon RSS after {f['hours']} simulated hours ({f['crawls']} crawls, "
                             f"{f['delivery_runs']} delivery runs, {f['sent']} alerts sent)",
            f"at start {f['at_start']:.1f} MiB", f"{f['at_end']:.1f} MiB", f["at_end"] / f["at_start"], FLAT,
            lower_is_better=True, note="flat: end / start"),
        Row("daemon_memory", "RSS growth per simulated hour", "0 KiB", f"{f['growth_kib_per_hour']:.1f} KiB",
            None, None, note="hourly samples: " + " ".join(f"{s:.1f}" for s in f["samples"])),
    ]


def measure(extra: int = 40, idle: float = 5.0, hours: int = 24) -> dict:
    os.chdir(ROOT)  # Scrapy finds scrapy.cfg (and so the project settings) from the current directory
    gc.collect()
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.settings import Settings  # noqa: F401
    from scrapy.spiderloader import get_spider_loader
    from scrapy.utils.project import get_project_settings

    import scheduler.main as service
    from alerts import health
    from alerts.outbox import Outbox
    from scheduler import service as alert_jobs
    from store import open_db, runs

    floor = rss_mb()
    settings = get_project_settings()
    settings.set("SCHEDULER_JITTER", 0)
    loader = get_spider_loader(settings)
    spiders = {name: loader.load(name) for name in loader.list()}
    for n in range(extra):  # sources to come: one site each, hourly, spread over the hour
        spiders[f"synthetic_{n:02d}"] = type(f"Synthetic{n}", (), {
            "name": f"synthetic_{n:02d}", "allowed_domains": [f"site-{n}.test"],
            "start_urls": [f"https://site-{n}.test/"], "schedule": f"{n % 60} * * * *"})
    receiver = _receiver()
    folder = Path(tempfile.mkdtemp(prefix="glocal-bench-"))
    db_path = folder / "glocal.db"
    config = alert_config(folder, RULES, {
        "BENCH_SLACK_WEBHOOK": f"http://127.0.0.1:{receiver.server_address[1]}/services/T/B/bench"})
    open_db(db_path).close()
    schedules = service.spider_schedules(settings, spiders)
    scheduler = service.build_scheduler(settings, spiders, db_path=db_path, alerts=config,
                                        crawl=lambda *a, **k: None)
    # Started paused: the jobs stay registered and the scheduler thread waits, nothing fires while idle.
    thread = threading.Thread(target=scheduler.start, kwargs={"paused": True}, daemon=True)
    thread.start()
    time.sleep(idle)
    gc.collect()
    at_start = rss_mb()

    # The interval jobs count from when they were added, so the simulated day starts now.
    start = datetime.now(timezone.utc) + timedelta(seconds=1)
    end = start + timedelta(hours=hours)
    firings = []
    for job in scheduler.get_jobs():
        moment = job.trigger.get_next_fire_time(None, start)
        while moment is not None and moment < end:
            firings.append((moment, job.id))
            moment = job.trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    firings.sort()
    blind = {name for i, name in enumerate(sorted(spiders)) if i % 10 == 0}
    send_options = {"backoff_base": settings.getfloat("ALERTS_BACKOFF_BASE"), "backoff_max": settings.getfloat("ALERTS_BACKOFF_MAX"),
                    "slack_interval": 0, "limit": settings.getint("ALERTS_SEND_BATCH")}
    samples, next_sample, crawls, deliveries_runs = [], start, 0, 0
    for moment, job_id in firings:
        if moment >= next_sample:
            gc.collect()
            samples.append(rss_mb())
            next_sample += timedelta(hours=1)
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        if job_id.startswith("crawl:"):
            name = job_id.removeprefix("crawl:")
            with open_db(db_path) as db:
                run_id = runs.start_run(db, spider=name, now=stamp)
                sick = name in blind and (moment - start).total_seconds() < hours * 1800  # blind for half the time
                runs.finish_run(db, run_id, now=stamp, finish_reason="finished", pages=10, items=0 if sick else 200,
                                errors=0, healthy=not sick,
                                health=[{"check": "signature count", "passed": not sick,
                                         "detail": f"{0 if sick else 200} signature items (at least 10 expected)"}],
                                summary="simulated")
                health.after_run(db, name, outbox=Outbox(config), failed_runs=settings.getint("ALERTS_HEALTH_FAILED_RUNS"),
                                 drop_ratio=settings.getfloat("ALERTS_HEALTH_DROP_RATIO"), now=stamp)
            crawls += 1
        elif job_id == "deliver":
            alert_jobs.delivery_job(db_path=str(db_path), config=config, options={**send_options, "now": stamp})
            deliveries_runs += 1
        elif job_id == "stale":
            alert_jobs.stale_job(db_path=str(db_path), config=config, schedules=schedules, timezone=timezone.utc,
                                 factor=3)
    gc.collect()
    at_end = rss_mb()
    samples.append(at_end)
    scheduler.shutdown(wait=False)
    receiver.shutdown()
    with open_db(db_path) as db:
        sent = db.conn.execute("select count(*) from deliveries where status = 'sent'").fetchone()[0]
    return {"spiders": len(spiders), "floor": floor, "at_start": at_start, "at_end": at_end, "hours": hours,
            "crawls": crawls, "delivery_runs": deliveries_runs, "sent": sent, "samples": samples,
            "growth_kib_per_hour": (at_end - samples[0]) / hours * 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=int, default=40, help="synthetic spiders besides the real ones (default 40)")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds the started scheduler idles (default 5)")
    parser.add_argument("--hours", type=int, default=24, help="simulated hours (default 24)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(extra=args.extra, idle=args.idle, hours=args.hours)
    if args.json:
        print(json.dumps(figures))
        return 0
    for row in rows(figures):
        ratio = "" if row.ratio is None else f"  ratio {row.ratio:.3f} (target {row.target_text}: {row.verdict})"
        print(f"{row.measure}\n    baseline {row.baseline}  ours {row.ours}{ratio}  {row.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
