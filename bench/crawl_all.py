"""Benchmark: `glocal crawl --all` of the sample archive against its spiders' own run times.

Each spider of tests/fixtures/sample.warc.gz runs for about a second, but each crawl is a child
process that pays Python's and Scrapy's start-up (about 1.5 CPU-seconds of imports) before it
crawls. One after another (what `glocal crawl --all` did before crawler/pool.py), that start-up
is most of the wait; side by side (CRAWL_WORKERS at once, never two of one site) it overlaps.

Arms, in the same run, each into a fresh store:
- one after another: crawl_in_child for each spider in turn (the old path); each run's own time
  (crawl_runs: started_at to finished_at, whole seconds) is summed: the baseline;
- `glocal crawl --all --replay sample.warc.gz` as a user runs it (a child process), with the
  default workers (CRAWL_WORKERS, at most the cores for a replay).

Rows: the sum of the spiders' run times over the wall time of `crawl --all` (target >= 0.5: the
command costs at most twice what its crawls themselves take); the wall-time speed-up over the
old path (target >= 1.5); their CPU time (info: the pool saves waiting, not work). On a shared,
loaded machine the wall times follow everyone's load: the CPU row and the load printed beside
them say how far to trust the wall rows.

    .venv/bin/python -m bench --only crawl_all [--quick]
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import Row  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "sample.warc.gz"
GLOCAL = Path(sys.executable).parent / "glocal"
# --quick: four spiders of four sites, enough to show the overlap.
QUICK = ["gcom", "marrakech_declaration", "uap_events", "undesa_vlrs"]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_seconds(db: Path) -> tuple[int, float]:
    from store import open_db

    with open_db(db) as store:
        rows = store.conn.execute("select count(*), sum((julianday(finished_at) - julianday(started_at)) * 86400) "
                                  "from crawl_runs where status = 'finished'").fetchone()
    return rows[0], round(rows[1] or 0.0, 1)


def one_after_another(names: list[str], db: Path) -> dict:
    from crawler.child import crawl_in_child
    from store import open_db

    open_db(db).close()
    cpu, start = _cpu(), time.perf_counter()
    for name in names:
        outcome = crawl_in_child(name, db_path=db, timeout=3600, replay=str(SAMPLE))
        if not outcome.ok:
            raise RuntimeError(outcome.message)
    runs, run_seconds = _run_seconds(db)
    return {"wall": time.perf_counter() - start, "cpu": _cpu() - cpu, "runs": runs, "run_seconds": run_seconds}


def crawl_all(names: list[str] | None, db: Path) -> dict:
    command = [str(GLOCAL), "crawl", *(names or ["--all"]), "--replay", str(SAMPLE), "--db", str(db)]
    cpu, start = _cpu(), time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"glocal crawl failed: {result.stderr.strip()[-300:]}")
    runs, run_seconds = _run_seconds(db)
    return {"wall": wall, "cpu": _cpu() - cpu, "runs": runs, "run_seconds": run_seconds}


def measure(quick: bool) -> dict:
    from crawler.download_handlers import archive_index
    from cli.common import project_settings, spider_class, spider_names
    from crawler.pool import default_workers

    index = archive_index(str(SAMPLE))
    names = QUICK if quick else [n for n in spider_names() if spider_class(n).start_urls
                                 and all(url in index for url in spider_class(n).start_urls)]
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="glocal-bench-crawl-all-") as folder:
        folder = Path(folder)
        before = one_after_another(names, folder / "before" / "glocal.db")
        print(f"  one after another: {before['wall']:.1f}s wall, {before['cpu']:.1f}s CPU", file=sys.stderr)
        pooled = crawl_all(None if not quick else names, folder / "pooled" / "glocal.db")
        print(f"  crawl --all: {pooled['wall']:.1f}s wall, {pooled['cpu']:.1f}s CPU", file=sys.stderr)
    if pooled["runs"] != len(names):
        raise RuntimeError(f"crawl --all finished {pooled['runs']} runs of {len(names)} spiders")
    return {"spiders": len(names), "before": before, "pooled": pooled, "cores": os.cpu_count(),
            "workers": default_workers(project_settings().getint("CRAWL_WORKERS"), replay=True),
            "load": (load + os.getloadavg()[0]) / 2}


def rows_of(f: dict) -> list[Row]:
    before, pooled = f["before"], f["pooled"]
    context = f"{f['spiders']} spiders, CRAWL_WORKERS {f['workers']}, {f['cores']} cores, load average {f['load']:.0f}"
    return [
        Row("crawl_all", f"crawl --all of the sample: the spiders' own run times over its wall time ({context})",
            f"sum of runs {before['run_seconds']:.0f} s", f"{pooled['wall']:.1f} s",
            before["run_seconds"] / pooled["wall"], 0.5,
            note="runs timed alone, one after another (crawl_runs, whole seconds)"),
        Row("crawl_all", "crawl --all wall time, side by side vs one after another (the old path)",
            f"one after another {before['wall']:.1f} s", f"{pooled['wall']:.1f} s",
            before["wall"] / pooled["wall"], 1.5, note=context),
        Row("crawl_all", "crawl --all CPU time (command and children), side by side vs one after another",
            f"one after another {before['cpu']:.1f} s", f"{pooled['cpu']:.1f} s",
            pooled["cpu"] / before["cpu"], None, lower_is_better=True,
            note="each crawl still pays its child's start-up; the pool overlaps it"),
    ]


def run(quick: bool = False) -> list[Row]:
    return rows_of(measure(quick))


if __name__ == "__main__":
    from bench.__main__ import table

    print(table(run(quick="--quick" in sys.argv)))
