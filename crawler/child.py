"""One crawl of one spider in a child process, with a timeout: what `glocal crawl` and the
scheduler both run.

A child process per crawl, because Twisted's reactor cannot be restarted, and because a hung
crawl must be killable without killing the daemon. The exit status of the child is not trusted
for health: the run row it wrote in crawl_runs is.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from alerts import health
from alerts.outbox import outbox_for
from crawler.settings import from_environment
from store.errors import StoreError
from store import open_db, runs

logger = logging.getLogger(__name__)

_children: set[subprocess.Popen] = set()
_children_lock = threading.Lock()


@dataclass
class CrawlOutcome:
    spider: str
    run: dict | None  # the crawl_runs row this crawl wrote, None if it never opened one
    message: str  # one line for a person
    log_file: Path
    health: str | None = None  # "health.failed" / "health.recovered" when this crawl opened or closed an incident
    error: str | None = None  # why the crawl itself failed (the child's own reason), None when it ran
    interrupted: str | None = None  # the signal that stopped it ("SIGTERM"), None when nobody did

    @property
    def ok(self) -> bool:
        return bool(self.run and self.run["status"] == "finished" and self.run["healthy"])


def crawl_in_child(spider: str, *, db_path: str | Path, timeout: float, replay: str | None = None,
                   host_map: str | None = None, overrides: tuple[str, ...] = (), verbose: bool = False,
                   alerts_config: str | None = None, failed_runs: int | None = None) -> CrawlOutcome:
    """Crawl `spider` in a child process and return what its run recorded.

    :param timeout: seconds before the child is killed; its run is then closed as "aborted"
    :param overrides: NAME=VALUE settings for this crawl only, as Scrapy's -s (tests, experiments)
    :param alerts_config: the alert rules file (default: the ALERTS_CONFIG setting); the child
        routes the run's changes with it, and this process records the spider's health after it
    """
    settings = project_settings()
    alerts_config = alerts_config or settings.get("ALERTS_CONFIG")
    failed_runs = failed_runs or settings.getint("ALERTS_HEALTH_FAILED_RUNS")
    from crawler.spider_registry import spider_names

    # a wrong rules file stops here, in one line, before any crawl
    outbox = outbox_for(alerts_config, sources=spider_names() if alerts_config else None)
    db_path = Path(db_path)
    log_file = db_path.parent / "logs" / f"{spider}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    # The log file keeps warnings and errors, unless $GLOCAL_LOG_LEVEL (the LOG_LEVEL setting's
    # variable) asks for another level; -v shows the crawl's progress.
    level = "INFO" if verbose else (from_environment("LOG_LEVEL") or "WARNING")
    command = [sys.executable, "-m", "crawler.runner", spider, "--db", str(db_path), "--log-level", level]
    if not verbose:  # the outcome line is the person's view; the whole log is kept in a file
        command += ["--set", f"LOG_FILE={json.dumps(str(log_file))}", "--set", "LOG_FILE_APPEND=true"]
    if replay:
        command += ["--replay", str(Path(replay).resolve())]
    if host_map:
        command += ["--host-map", host_map]
    if alerts_config:
        command += ["--set", f"ALERTS_CONFIG={json.dumps(str(alerts_config))}"]
    for assignment in overrides:
        command += ["--set", assignment]
    outcome_file = log_file.parent / f"{spider}.{os.getpid()}.outcome"
    outcome_file.unlink(missing_ok=True)
    command += ["--outcome", str(outcome_file)]

    with open_db(db_path) as db:
        previous = (runs.last_runs(db).get(spider) or {}).get("id", 0)
    code, interrupted = run_supervised(command, timeout=timeout, grace=settings.getfloat("CRAWL_STOP_GRACE"))
    reason = _read_outcome(outcome_file)
    return settle(spider, db_path=db_path, previous=previous, log_file=log_file, timeout=timeout, code=code,
                  reason=reason, interrupted=interrupted, outbox=outbox, failed_runs=failed_runs,
                  drop_ratio=settings.getfloat("ALERTS_HEALTH_DROP_RATIO"))


def settle(spider: str, *, db_path: Path, previous: int, log_file: Path, timeout: float, code: int | None,
           reason: str | None, interrupted: str | None, outbox, failed_runs: int, drop_ratio: float,
           timed_out: bool = False) -> CrawlOutcome:
    """After a crawl ended (in its own child or in a batch, crawler/batch.py): close its run if it
    was left running, record the spider's health, and word the line a person reads.

    :param previous: the spider's last run id before this crawl (a run at or below it is not this crawl's)
    :param code: the crawl's exit code, None when it ran past `timeout` and was killed
    :param timed_out: the crawl was closed at its time limit (a batch closes one crawler alone)
    """
    try:
        with open_db(db_path) as db:
            run = runs.last_runs(db).get(spider)
            if run is not None and run["id"] <= previous:
                run = None  # the child died before it could open a run of its own
            if run is not None and run["status"] == "running":
                why = (f"interrupted by {interrupted}" if interrupted else
                       f"killed after {timeout:g}s" if code is None else
                       f"timed out after {timeout:g}s" if timed_out else (reason or f"exit {code}"))
                runs.abort_run(db, run["id"], reason=why)
                run = runs.last_runs(db).get(spider)
            # Here, not in the child: a crawl that was killed or crashed never reaches its own end.
            health_change = health.after_run(db, spider, outbox=outbox, failed_runs=failed_runs,
                                             drop_ratio=drop_ratio)
    except StoreError as error:  # the store the child could not write may be unusable here too
        run, reason, health_change = None, reason or str(error), None
    if interrupted:
        closed = f"run {run['id']} closed as {run['status']}" if run else "no run was opened"
        message = f"{spider}: crawl interrupted by {interrupted}; {closed} (log: {log_file})"
    elif code is None:
        message = f"{spider}: crawl timed out after {timeout:g}s and was killed (log: {log_file})"
    elif timed_out:
        message = f"{spider}: crawl timed out after {timeout:g}s and was stopped (log: {log_file})"
    elif reason and (run is None or run["status"] != "finished"):
        message = f"{spider}: crawl failed: {reason} (log: {log_file})"
    elif run is None or run["status"] == "aborted":
        message = f"{spider}: crawl ended with exit code {code} before finishing its run (log: {log_file})"
    else:
        message = run_line(spider, run)
    if health_change:
        message += f" [{health_change}]"
    return CrawlOutcome(spider=spider, run=run, message=message, log_file=log_file, health=health_change,
                        error=reason or (f"interrupted by {interrupted}" if interrupted else None),
                        interrupted=interrupted)


def run_supervised(command: list[str], *, timeout: float, grace: float) -> tuple[int | None, str | None]:
    """Run a crawl child to its end: (exit code, or None when killed at `timeout`; what stopped
    it, e.g. "SIGTERM", or None). While it runs, a signal to this process is passed on to it
    (see stop_on_signals) and stop_children reaches it."""
    with stop_on_signals():
        child = subprocess.Popen(command, env={**os.environ, "GLOCAL_PARENT_PID": str(os.getpid())})
        with _children_lock:
            _children.add(child)
        try:
            code = _wait(child, timeout=timeout, grace=grace)
        finally:
            with _children_lock:
                _children.discard(child)
    return code, (_stop_signal[0] if _stop_requested.is_set() else None)


def _wait(child: subprocess.Popen, *, timeout: float, grace: float) -> int | None:
    """The child's exit code, or None when it ran past `timeout` and was killed.

    Once a stop is asked (a signal to this process, or stop_children), the child has `grace`
    seconds to close its run after the SIGTERM it was sent; then a second SIGTERM (Scrapy's
    unclean shutdown), then SIGKILL 5 s later: a stop never outlasts a service manager's stop
    timeout (deploy/glocal-watch.service gives 120 s) however long a download hangs."""
    deadline = time.monotonic() + timeout
    asked_at, forced = None, False
    while True:
        try:
            return child.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if _stop_requested.is_set():
            asked_at = asked_at or now
            if now - asked_at > grace + 5:
                child.kill()
                child.wait()
                return -signal.SIGKILL
            if now - asked_at > grace and not forced:
                forced = True
                _signal(child, signal.SIGTERM)
        if now > deadline:
            child.kill()
            child.wait()
            return None


_stop_signal = ["a stop request"]


@contextlib.contextmanager
def stop_on_signals():
    """While a crawl runs in the main thread of a command (`glocal crawl`, `glocal backfill`),
    SIGTERM, SIGHUP and SIGINT reach the crawl: they are passed on to the child, which closes its
    run, instead of ending this process and leaving the child crawling with parent 1. (The
    scheduler service installs its own handlers, which call stop_children.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, _frame):
        _stop_signal[0] = signal.Signals(signum).name
        if signum == signal.SIGINT and _terminal_sent_it():
            _stop_requested.set()  # the terminal sent it to the child too: one signal, not two
            return
        stop_children()

    previous = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _terminal_sent_it() -> bool:
    """Whether this process is in its terminal's foreground group (so a Ctrl-C reached the child too)."""
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError, AttributeError):
        return False


def _signal(child: subprocess.Popen, number: int) -> None:
    try:
        child.send_signal(number)
    except ProcessLookupError:
        pass


def _read_outcome(path: Path) -> str | None:
    """The one-line reason a failed child left (see crawler/runner.py --outcome), if any."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    path.unlink(missing_ok=True)
    return text or None


def project_settings():
    """The project's Scrapy settings (crawler/settings.py with the environment's overrides)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    return get_project_settings()


def run_line(spider: str, run: dict) -> str:
    """The one line `glocal crawl` prints for a run that closed: its status, health and summary."""
    mark = "ok" if run["healthy"] else "UNHEALTHY"
    return f"{spider}: run {run['id']} {run['status']} [{mark}] {run['summary']}"

_stop_requested = threading.Event()


def stopping() -> bool:
    """Whether stop_children was called: no new crawl may start in this process."""
    return _stop_requested.is_set()


def stop_children() -> None:
    """Ask every running crawl to stop (SIGTERM: Scrapy closes the spider and its run cleanly)."""
    _stop_requested.set()
    with _children_lock:
        children = list(_children)
    for child in children:
        if child.poll() is None:
            _signal(child, signal.SIGTERM)
