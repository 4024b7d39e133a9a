"""Every replayed crawl of `glocal crawl --replay` in ONE child process (crawler/batch_runner.py).

A child per spider (crawler/child.py) pays Scrapy's start-up each time (about 2.8 CPU-seconds),
which is most of a replay: the sample's fifteen spiders took over 30 s one child after another.
Here one child holds one crawler per spider on one reactor, one after another (a replay is
CPU-bound: one start-up, then each crawl's own work; see crawler/batch_runner.py). Per spider nothing changes for a person: its
own run row, its own log file (logs/SPIDER.log), its own time limit, its own failure, and this
process records its health after it (child.settle, as after a child crawl) and prints its line.
If the batch child itself dies, the spiders whose runs did not finish are crawled again, one by
one, each in its own child (child.crawl_in_child). Live crawls keep one child each (crawler/pool.py).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from alerts.outbox import outbox_for
from crawler import child
from crawler.settings import from_environment
from store import open_db, runs

# Seconds the batch child is given beyond the longest time limit to close its crawlers and exit.
BATCH_EXIT_MARGIN = 30.0


def replay_all(spiders: list[str], *, db_path: str | Path, timeout: float, replay: str,
               overrides: tuple[str, ...] = (), alerts_config: str | None = None,
               timeouts: dict[str, float] | None = None,
               spider_overrides: dict[str, tuple[str, ...]] | None = None,
               log_level: str | None = None) -> Iterator[child.CrawlOutcome]:
    """Crawl every spider of `spiders` from the archive `replay` in one child process; yield each
    one's outcome in the order of `spiders`.

    :param timeout: each crawl's time limit in seconds; `timeouts` may give a spider its own
    :param spider_overrides: NAME=VALUE settings for one spider's crawler only (tests, experiments)
    :param log_level: the crawls' log level (`glocal check` reads DEBUG lines); else LOG_LEVEL's
    """
    if not spiders:
        return  # nothing to crawl: no child, no plan file
    settings = child.project_settings()
    alerts_config = alerts_config or settings.get("ALERTS_CONFIG")
    failed_runs = settings.getint("ALERTS_HEALTH_FAILED_RUNS")
    drop_ratio = settings.getfloat("ALERTS_HEALTH_DROP_RATIO")
    from crawler.spider_registry import spider_names

    outbox = outbox_for(alerts_config, sources=spider_names() if alerts_config else None)
    db_path = Path(db_path)
    logs = db_path.parent / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    limits = {name: float((timeouts or {}).get(name, timeout)) for name in spiders}
    log_files = {name: logs / f"{name}.log" for name in spiders}
    plan = [{"spider": name, "timeout": limits[name], "log_file": str(log_files[name]),
             "set": list((spider_overrides or {}).get(name, ()))} for name in spiders]
    plan_file = logs / f"replay-batch.{os.getpid()}.plan"
    outcome_file = logs / f"replay-batch.{os.getpid()}.outcome"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    outcome_file.unlink(missing_ok=True)
    level = log_level or from_environment("LOG_LEVEL") or "WARNING"
    command = [sys.executable, "-m", "crawler.batch_runner", "--plan", str(plan_file), "--db", str(db_path),
               "--replay", str(Path(replay).resolve()), "--log-level", level, "--outcome", str(outcome_file)]
    if alerts_config:
        command += ["--set", f"ALERTS_CONFIG={json.dumps(str(alerts_config))}"]
    for assignment in overrides:
        command += ["--set", assignment]

    with open_db(db_path) as db:  # makes a new store (its migrations) here, once
        last = runs.last_runs(db)
    previous = {name: (last.get(name) or {}).get("id", 0) for name in spiders}
    code, interrupted = child.run_supervised(command, timeout=max(limits.values()) + BATCH_EXIT_MARGIN,
                                             grace=settings.getfloat("CRAWL_STOP_GRACE"))
    plan_file.unlink(missing_ok=True)
    reported = _read(outcome_file)

    for name in spiders:
        verdict = reported.get(name) if reported is not None else None
        if verdict is None and not interrupted and not _closed_after(db_path, name, previous[name]):
            # The batch child died (or was killed) before this crawl ended: crawl it again, alone.
            yield child.crawl_in_child(name, db_path=db_path, timeout=limits[name], replay=replay,
                                       overrides=(*overrides, *(spider_overrides or {}).get(name, ())),
                                       alerts_config=alerts_config)
            continue
        if interrupted and verdict is not None and verdict.get("skipped"):
            continue  # not started before the stop: left out, as the pool leaves out what it did not start
        # a crawl that ended before the stop keeps its own line; the one it cut short says so. A stop
        # can reach the batch child after a crawl closed its run as finished but before the child
        # moved on to the next (the verdict then says "stopped"): a run the store holds as finished
        # ended on its own (a crawl the stop cut short closes as failed, finish reason "shutdown").
        stopped_here = interrupted if verdict is None or verdict.get("stopped") else None
        if stopped_here and _finished_after(db_path, name, previous[name]):
            stopped_here = None
        timed_out = bool((verdict or {}).get("timed_out"))
        reason = (verdict or {}).get("error") or (f"timed out after {limits[name]:g}s" if timed_out else None)
        # (a killed batch's open runs were crawled again above: here code None is not this crawl's kill)
        yield child.settle(name, db_path=db_path, previous=previous[name], log_file=log_files[name],
                           timeout=limits[name], code=0 if code is None else code,
                           reason=reason, interrupted=stopped_here, outbox=outbox, failed_runs=failed_runs,
                           drop_ratio=drop_ratio, timed_out=timed_out)


def _closed_after(db_path: Path, spider: str, previous: int) -> bool:
    """Whether the spider has a run newer than `previous` that is closed (not left running)."""
    with open_db(db_path) as db:
        run = runs.last_runs(db).get(spider)
    return run is not None and run["id"] > previous and run["status"] != "running"


def _finished_after(db_path: Path, spider: str, previous: int) -> bool:
    """Whether the spider has a run newer than `previous` that finished."""
    with open_db(db_path) as db:
        run = runs.last_runs(db).get(spider)
    return run is not None and run["id"] > previous and run["status"] == "finished"


def _read(path: Path) -> dict | None:
    """The batch child's per-spider verdicts, None when it left none (it died)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    path.unlink(missing_ok=True)
    try:
        return json.loads(text)
    except ValueError:
        return None
