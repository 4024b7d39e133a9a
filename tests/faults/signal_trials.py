"""A stop signal to `glocal crawl` (issue 20, item 17): it reaches the crawl child, the run is
closed (never left `running`), the command says so, and the stop never outlasts the service
unit's stop timeout however long a download hangs. A parent killed outright (SIGKILL) takes its
child with it (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.faults.site import FaultySite, Reply
from tests.faults.trials import CLEAN_AIR, FAST, HUB, SPIDER, TrialResult, serve, site_pages, workdir
from tests.helpers import ROOT

STOP_TIMEOUT = 120  # deploy/glocal-watch.service TimeoutStopSec


def _reap_orphans(db) -> list[int]:
    """The crawl children still alive 15 s after their parent ended (killed here, so no trial leaks one)."""
    gone_by = time.monotonic() + 15
    while _crawlers_of(db) and time.monotonic() < gone_by:
        time.sleep(0.1)
    orphans = _crawlers_of(db)
    for pid in orphans:
        os.kill(pid, signal.SIGKILL)
    return orphans


def _crawlers_of(db: Path) -> list[int]:
    """Pids of crawl children writing into `db` (their command line names it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"crawler.runner" in command and str(db).encode() in command:
                found.append(int(entry.name))
    return found


def _run_status(db: Path) -> list[tuple]:
    connection = sqlite3.connect(db, timeout=30)
    try:
        return connection.execute("select id, status, finish_reason, summary from crawl_runs").fetchall()
    finally:
        connection.close()


def _stop(result: TrialResult, site: FaultySite, *, how: int, stall: bool, kill_parent: bool = False) -> None:
    folder = workdir()
    db = folder / "glocal.db"
    pages = site_pages(clean_air_changed=False, good_food_changed=False)
    delay = 600 if stall else 0.5
    serve(site, pages, {path: [Reply(body=body, delay=delay)] for path, body in pages.items()
                        if path != HUB and (path == CLEAN_AIR or not stall)})
    # Mid-stall the child cannot finish its download whatever the grace: it is stopped when the grace
    # ends, so a short one only spares the wait (0.5 s: time enough for the child to take the first
    # SIGTERM before the second comes, on a loaded machine too; two that came together would be
    # taken as one, and the child killed 5 s later). Otherwise 3 s, for the child to close its run itself.
    env = {**os.environ, "GLOCAL_CRAWL_STOP_GRACE": "0.5" if stall else "3"}
    command = [str(Path(sys.executable).parent / "glocal"), "crawl", SPIDER, "--db", str(db), "--host-map",
               json.dumps({"www.c40.org": site.address}), *FAST, "--set", "DOWNLOAD_TIMEOUT=900"]
    # Files, not pipes: an orphaned child would hold a pipe open and hang the trial instead of failing it.
    with open(folder / "out", "w") as out_file, open(folder / "err", "w") as err_file:
        parent = subprocess.Popen(command, stdout=out_file, stderr=err_file, text=True, env=env, cwd=ROOT,
                                  start_new_session=True)  # its own group: the signal goes to the parent alone
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (len(site.served) >= 2 and _crawlers_of(db)):
        time.sleep(0.05)
    children = _crawlers_of(db)
    sent = time.monotonic()
    os.kill(parent.pid, signal.SIGKILL if kill_parent else how)
    try:
        parent.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        parent.kill()
        parent.wait()
    err = (folder / "err").read_text()
    took = time.monotonic() - sent
    orphans = _reap_orphans(db)
    runs = _run_status(db)
    name = "SIGKILL" if kill_parent else signal.Signals(how).name
    result.tracebacks += int("Traceback" in err)
    note = f"{name}{' mid-stall' if stall else ''}: {took:.1f}s, orphans {orphans}, children {children}, runs {runs}, {err[-300:]!r}"
    if kill_parent:
        result.judge(bool(children) and not orphans and took < 20, note)
        return
    result.judge(bool(children) and not orphans and took < 20 and bool(runs) and runs[-1][1] != "running"
                 and f"interrupted by {name}" in err and parent.returncode != 0, note)
    result.notes.append(f"{name}{' mid-stall' if stall else ''}: stopped in {took:.1f}s")


def _stop_backfill(result: TrialResult) -> None:
    """SIGTERM to `glocal backfill` while its crawl of one moment hangs on a capture: the crawl is
    stopped, its run closed, the command says so (the same path as `glocal crawl`, operations/backfill.py)."""
    import threading

    from tests.faults.clock_trials import CLEAN_AIR, FIRST, HUB, HUB_PAGE, PAGE
    from tests.site_server import ArchiveServer

    release = threading.Event()

    class StallingArchive(ArchiveServer):
        def _answer(self, handler) -> None:
            if handler.path.startswith("/web/") and handler.path.endswith(CLEAN_AIR):
                self.requests.append(handler.path)
                release.wait(600)  # the capture never comes while the trial runs
                return
            super()._answer(handler)

    folder = workdir()
    db = folder / "glocal.db"
    with StallingArchive({HUB: [(FIRST, HUB_PAGE)], CLEAN_AIR: [(FIRST, PAGE)]}) as archive:
        env = {**os.environ, **archive.env(), "GLOCAL_CRAWL_STOP_GRACE": "3"}
        command = [str(Path(sys.executable).parent / "glocal"), "backfill", SPIDER, "--db", str(db)]
        with open(folder / "out", "w") as out_file, open(folder / "err", "w") as err_file:
            parent = subprocess.Popen(command, stdout=out_file, stderr=err_file, text=True, env=env, cwd=ROOT,
                                      start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (archive.capture_requests() and _crawlers_of(db)):
            time.sleep(0.05)
        children = _crawlers_of(db)
        sent = time.monotonic()
        parent.send_signal(signal.SIGTERM)
        try:
            parent.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            parent.kill()
            parent.wait()
        took = time.monotonic() - sent
        release.set()
    orphans = _reap_orphans(db)
    err = (folder / "err").read_text()
    runs = _run_status(db) if db.exists() else []
    result.tracebacks += int("Traceback" in err)
    result.judge(bool(children) and not orphans and took < 20 and bool(runs) and runs[-1][1] != "running"
                 and "interrupted by SIGTERM" in err and parent.returncode != 0,
                 f"backfill SIGTERM: {took:.1f}s, orphans {orphans}, children {children}, runs {runs}, {err[-300:]!r}")


def signal_trial(full: bool = True, backfill: bool = True) -> TrialResult:
    """Every stop signal, mid-crawl and mid-stall (the short form: SIGTERM mid-stall and SIGKILL),
    then SIGTERM to `glocal backfill` unless `backfill` is false (test_signal_faults.py runs that
    one as a test of its own, `slow` in the default run: the same stop path through another command)."""
    result = TrialResult("SIGTERM, SIGHUP, SIGINT or SIGKILL to glocal crawl (also mid-stall)"
                         + ("; SIGTERM to glocal backfill" if backfill else ""))
    cases = [(signal.SIGTERM, True, False), (signal.SIGTERM, True, True)]
    if full:
        cases += [(signal.SIGTERM, False, False), (signal.SIGINT, False, False), (signal.SIGHUP, True, False)]
    with FaultySite() as site:
        for how, stall, kill_parent in cases:
            _stop(result, site, how=how, stall=stall, kill_parent=kill_parent)
    if backfill:
        _stop_backfill(result)
    return result


def backfill_signal_trial() -> TrialResult:
    """SIGTERM to `glocal backfill` while its crawl hangs on a capture."""
    result = TrialResult("SIGTERM to glocal backfill")
    _stop_backfill(result)
    return result


TRIALS = {"signals": signal_trial}
