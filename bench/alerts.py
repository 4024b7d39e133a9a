"""Benchmark: an alert backlog of 10,000 changes (a long outage), rendered and handed to a real
SMTP server (aiosmtpd) and a real Slack-style webhook receiver (http.server), both on 127.0.0.1
(tests/alerts/support.py's receivers, run in a child process by bench/_receivers.py so their own
work is not counted as the sender's; quick: 2,000 changes).

The backlog is made through the real store path: a baseline crawl of five signatories, then a
healthy crawl listing 10,000 more, written with `store.ingest` and the real `Outbox` of the rules
below, so each signing is a `changes` row and its outbox rows (`deliveries`) are written in the
same transaction, exactly as a crawl writes them. The store is built once per rules file and
copied for each measurement.

**Digest mode** (a `daily` rule to an email and a Slack channel: 20,000 outbox rows). Drained as
`glocal alerts send` and the service's delivery job drain it: `send_due` in steps of
ALERTS_SEND_BATCH (500) rows, one digest per channel per step, here back to back, until the outbox
is empty (checked: every row sent, every signing in the mails). "Bounded" is read as linear: the
drain's time per change at the full backlog over its time per change at a backlog a tenth as large
(1,000; quick: 2,000 over 500), measured in the same run. Target <= 1.5 (flat, as growth's).
Where the time goes is printed against the rendering alone of the very same messages (the same
steps and units: `facts` read from the store and `render.digest`, what a dry run does): the rest
is delivery (claim, SMTP, webhook POST, mark sent). The Slack pacing
(ALERTS_SLACK_INTERVAL, 1 s between two messages to one webhook) is 0 here: it is a wait, not
work, and the service sends one digest per channel per run (runs 60 s apart), so it never waits
on it; the pacing is what per-item mode measures.
The time judged is this process's CPU time (the sender's: rendering, the SMTP and HTTP client
work, the SQLite bookkeeping; the store runs in WAL mode with synchronous=NORMAL, so a commit
does not wait for the disk): on this shared machine the wall time of the same drain moved by a
factor of two between runs. Wall times are printed in the notes.

**Per-item mode** (an `immediate` rule to one Slack webhook; flood_limit raised above the
backlog, otherwise more than 20 immediate alerts at once are folded into one message). With the
real pacing (ALERTS_SLACK_INTERVAL 1 s), a sample of messages is sent (quick: 4, full: 8) and the
receiver timestamps their arrival: the measured rate = (messages - 1) / (last - first arrival).
Target: <= 1 message/s per webhook (Slack's limit), ratio = measured rate / limit <= 1. Sending the
whole backlog this way would take one second per change (10,000 s, 2.8 hours): that is the
projection printed, not waited for; the default flood_limit exists to avoid it.

    .venv/bin/python -m bench --only alerts [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import Row, alert_config  # noqa: E402

BATCH = 500  # ALERTS_SEND_BATCH's default (crawler/settings.py)
SLACK_LIMIT_PER_S = 1.0  # Slack: about one message per second per incoming webhook
DIGEST_TARGET = 1.5  # the full backlog's time per change over a tenth's
NOW = "2026-11-16T09:00:00Z"  # after the daily digest's period (changes detected 2026-11-09 08:16)

DIGEST_RULES = """
[channels.team]
type = "email"
host = "127.0.0.1"
port = {port}
security = "plain"
from = "alerts@glocal.test"
to = "team@glocal.test"

[channels.ops]
type = "slack"
webhook_url_env = "BENCH_HOOK"

[[rules]]
name = "daily"
kinds = ["signature.added"]
channels = ["team", "ops"]
delivery = "daily 08:00"
"""

ITEM_RULES = """
[settings]
flood_limit = {flood}

[channels.ops]
type = "slack"
webhook_url_env = "BENCH_HOOK"

[[rules]]
name = "each"
kinds = ["signature.added"]
channels = ["ops"]
delivery = "immediate"
"""


def build_store(path: Path, config, changes: int) -> float:
    """A store whose outbox holds `changes` new signings, through the real ingest path; seconds."""
    from alerts.outbox import Outbox
    from store import open_db
    from tests.alerts.support import BASELINE, crawl

    started = time.perf_counter()
    db = open_db(path)
    try:
        crawl(db, source="c40_accelerators", day="2026-11-02", cities=BASELINE, outbox=Outbox(config))
        new = [(f"Town {n:05d}", ("FR", "IT", "DE", "ES", "PL")[n % 5]) for n in range(changes)]
        crawl(db, source="c40_accelerators", day="2026-11-09", cities=BASELINE + new, outbox=Outbox(config))
    finally:
        db.close()
    return time.perf_counter() - started


def copy_store(source: Path, target: Path) -> Path:
    with sqlite3.connect(source) as a, sqlite3.connect(target) as b:
        a.backup(b)
    a.close()
    b.close()
    return target


def count(path: Path, sql: str) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def digest(folder: Path, changes: int) -> dict:
    from bench._receivers import Receivers
    from alerts.deliver import lock_path_for, message_for, send_due, units
    from crawler import settings
    from store import deliveries, open_db

    with Receivers() as far:
        config = alert_config(folder, DIGEST_RULES.format(port=far.smtp_port), {"BENCH_HOOK": far.webhook_url})
        built = folder / "digest-built.db"
        build_seconds = build_store(built, config, changes)
        rows = count(built, "select count(*) from deliveries where status = 'pending'")
        if rows != 2 * changes:
            raise RuntimeError(f"{rows} outbox rows for {changes} changes, want {2 * changes}")

        # Baseline: render alone the messages the drain will send, step by step as it will.
        db = open_db(copy_store(built, folder / "digest-render.db"))
        started, cpu_started = time.perf_counter(), time.process_time()
        due = deliveries.due(db, now=NOW)
        rendered = 0
        for step in range(0, len(due), BATCH):
            for unit in units(due[step:step + BATCH], config):
                message_for(db, unit, config)
                rendered += 1
        render_seconds, render_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        db.close()

        # Ours: the same drain, sent for real.
        path = copy_store(built, folder / "digest-send.db")
        db = open_db(path)
        started, cpu_started, steps, sent, slowest = time.perf_counter(), time.process_time(), 0, 0, 0.0
        while True:
            step_started = time.perf_counter()
            outcome = send_due(db, config, lock_path=lock_path_for(path), now=NOW, limit=BATCH, slack_interval=0,
                               backoff_base=settings.ALERTS_BACKOFF_BASE, backoff_max=settings.ALERTS_BACKOFF_MAX)
            if not outcome.sent and not outcome.failed:
                break
            if outcome.failed or outcome.dead:
                raise RuntimeError(f"digest send failed: {outcome.summary()}")
            slowest = max(slowest, time.perf_counter() - step_started)
            steps, sent = steps + 1, sent + outcome.sent
        send_seconds, send_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        db.close()
        left = count(path, "select count(*) from deliveries where status != 'sent'")
    got = far.report
    if left or sent != rendered or got["mails"] + got["posts"] != sent or got["mail_lines"] < changes:
        raise RuntimeError(f"digest drain: {left} rows left, {sent} sent of {rendered} rendered, "
                           f"{got['mails']} mails + {got['posts']} posts, {got['mail_lines']} mail lines")
    return {"changes": changes, "rows": rows, "build": build_seconds, "render": render_cpu,
            "send": send_cpu, "render_wall": render_seconds, "send_wall": send_seconds, "steps": steps,
            "messages": sent, "slowest_step": slowest}


def per_item(folder: Path, changes: int, sample: int) -> dict:
    from bench._receivers import Receivers
    from alerts.deliver import lock_path_for, send_due
    from crawler import settings
    from store import open_db

    with Receivers() as far:
        config = alert_config(folder, ITEM_RULES.format(flood=changes + 1), {"BENCH_HOOK": far.webhook_url})
        path = folder / "items.db"
        build_store(path, config, changes)
        rows = count(path, "select count(*) from deliveries where status = 'pending'")
        db = open_db(path)
        started = time.perf_counter()
        outcome = send_due(db, config, lock_path=lock_path_for(path), now=NOW, limit=sample,
                           slack_interval=settings.ALERTS_SLACK_INTERVAL, backoff_base=settings.ALERTS_BACKOFF_BASE,
                           backoff_max=settings.ALERTS_BACKOFF_MAX)
        seconds = time.perf_counter() - started
        db.close()
    arrivals = far.report["arrivals"]
    if outcome.sent != sample or len(arrivals) != sample or rows != changes:
        raise RuntimeError(f"per-item: {outcome.summary()}, {len(arrivals)} arrived, {rows} outbox rows")
    span = arrivals[-1] - arrivals[0]
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    return {"changes": changes, "sample": sample, "rate": (sample - 1) / span, "seconds": seconds,
            "min_gap": min(gaps), "interval": settings.ALERTS_SLACK_INTERVAL}


def rows_of(small: dict, d: dict, p: dict) -> list[Row]:
    per_change = {f["changes"]: f["send"] / f["changes"] * 1000 for f in (small, d)}
    projected = p["changes"] / p["rate"]
    return [
        Row("alerts", f"digest backlog of {d['changes']:,} changes ({d['rows']:,} outbox rows) rendered and delivered "
                      f"to SMTP + webhook: CPU ms per change",
            f"{small['changes']:,} changes: {per_change[small['changes']]:.3f} ms",
            f"{per_change[d['changes']]:.3f} ms ({d['send']:.2f}s)",
            per_change[d["changes"]] / per_change[small["changes"]], DIGEST_TARGET, lower_is_better=True,
            note=f"{d['messages']} messages in {d['steps']} steps of {BATCH} rows; wall {d['send_wall']:.2f}s, slowest "
                 f"step {d['slowest_step']:.2f}s (the service runs one step a minute); backlog built in {d['build']:.1f}s"),
        Row("alerts", f"digest backlog of {d['changes']:,}: render + deliver vs render alone (CPU)",
            f"render alone {d['render']:.2f}s", f"{d['send']:.2f}s", d["send"] / d["render"], None,
            note=f"the rest is claim, SMTP and webhook clients, mark sent; wall {d['render_wall']:.2f}s "
                 f"vs {d['send_wall']:.2f}s"),
        Row("alerts", f"per-item mode: messages/s to one Slack webhook (sample of {p['sample']})",
            f"Slack limit {SLACK_LIMIT_PER_S:g}/s", f"{p['rate']:.3f}/s (closest two {p['min_gap']:.3f}s apart)",
            p["rate"] / SLACK_LIMIT_PER_S, 1.0, lower_is_better=True,
            note=f"ALERTS_SLACK_INTERVAL {p['interval']:g}s; all {p['changes']:,} one by one would take "
                 f"{projected:,.0f}s ({projected / 3600:.1f} h): projected, not waited for"),
    ]


def run(quick: bool = False) -> list[Row]:
    try:
        import aiosmtpd  # noqa: F401  (the SMTP server the benchmark delivers to)
    except ImportError:
        from bench.common import skipped

        return [skipped("alerts", "(all)", "aiosmtpd is not installed (pip install -e '.[dev]')")]
    changes, sample = (2_000, 4) if quick else (10_000, 8)
    small = 500 if quick else 1_000
    folder = Path(tempfile.mkdtemp(prefix="glocal-bench-alerts-"))
    try:
        (folder / "small").mkdir()
        (folder / "full").mkdir()
        return rows_of(digest(folder / "small", small), digest(folder / "full", changes),
                       per_item(folder, changes, sample))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    from bench.__main__ import table

    print(table(run(quick=args.quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
