"""One replayed crawl in this process, answered like the `glocal crawl` command (exit status and
its one-line summary), so the UN sources' end-to-end tests stay fast (no child process each)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import crawl_in_process


@dataclass
class Outcome:
    returncode: int  # 0 when the run finished healthy, as `glocal crawl` exits
    stdout: str  # the run's summary line
    run: dict | None
    stderr: str = ""  # nothing: the crawl's log goes to the test's own log capture


def replay(spider: str, archive: Path, db: Path, *sets: str) -> Outcome:
    """Crawl `spider` from `archive` into `db`; `sets` are NAME=JSON overrides, as `glocal crawl --set`."""
    settings = {}
    for assignment in sets:
        name, _, value = assignment.partition("=")
        settings[name] = json.loads(value)
    run = crawl_in_process(spider, db=db, replay=archive, settings=settings)
    ok = bool(run) and run["status"] == "finished" and bool(run["healthy"])
    return Outcome(0 if ok else 1, f"{spider}: run {run['id']} {run['summary']}" if run else "", run)
