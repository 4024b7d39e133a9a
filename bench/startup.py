"""Startup: how long `glocal --help` and the read-only commands take, over a bare interpreter.

Every cron job, shell completion and status check pays the startup; Scrapy and Twisted must be
imported only by the commands that crawl. Baseline: `python -c pass` measured in the same run.
Target: under 0.5 s above the bare interpreter (the ratio column shows extra / 0.5 s).

The store commands run on a fresh (migrated, empty) store, so what is measured is starting,
opening the store and answering, not a query's work. The project's modules are compiled to
bytecode first, as installing the package does: without it (PYTHONDONTWRITEBYTECODE=1, as on
the shared machine) every run would also pay for compiling the project's source.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Row, skipped

GLOCAL = Path(sys.executable).parent / "glocal"
ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kit", "crawler", "spiders", "scheduler", "store", "places", "alerts", "research", "operations", "cli")
TARGET_EXTRA_SECONDS = 0.5
COMMANDS = [["--help"], ["spiders"], ["status"], ["changes"], ["alerts", "status"], ["schedule", "--list"]]


def _wall(command: list[str], repeats: int, env: dict) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the command, in seconds. On a
    shared machine the wall time grows with everyone else's load; the CPU time much less."""
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, env=env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def run(quick: bool = False) -> list[Row]:
    repeats = 3 if quick else 7
    with tempfile.TemporaryDirectory(prefix="glocal-bench-") as tmp:
        env = {**os.environ, "GLOCAL_DB": str(Path(tmp) / "glocal.db")}
        env.pop("GLOCAL_ALERTS", None)
        _compile_project(env)
        _make_store(env)
        bare, bare_cpu = _wall([sys.executable, "-c", "pass"], repeats, env)
        rows = []
        for args in COMMANDS:
            if args[0] != "--help" and not _has_command(args, env):
                rows.append(skipped("startup", f"glocal {' '.join(args)}", "no such command in this version"))
                continue
            ours, cpu = _wall([str(GLOCAL), *args], repeats, env)
            extra = ours - bare
            rows.append(Row("startup", f"glocal {' '.join(args)} (extra over bare python)",
                            f"python -c pass {bare * 1000:.0f} ms",
                            f"{ours * 1000:.0f} ms (+{extra * 1000:.0f} ms; CPU +{(cpu - bare_cpu) * 1000:.0f} ms)",
                            extra / TARGET_EXTRA_SECONDS, 1.0, lower_is_better=True,
                            note="ratio = extra wall seconds / 0.5 s allowed"))
    return rows


def _compile_project(env: dict) -> None:
    """Bytecode for the project's packages, beside their source (ignored by git), as an install writes it."""
    folders = [str(ROOT / name) for name in PACKAGES if (ROOT / name).is_dir()]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], capture_output=True, check=False, env=env)


def _make_store(env: dict) -> None:
    """A migrated store at GLOCAL_DB, in a child (this process may not have the store's code loaded)."""
    subprocess.run([sys.executable, "-c", "import os, store; store.open_db(os.environ['GLOCAL_DB']).close()"],
                   capture_output=True, check=True, env=env, cwd=ROOT)


def _has_command(args: list[str], env: dict) -> bool:
    words = [arg for arg in args if not arg.startswith("-")]
    return subprocess.run([str(GLOCAL), *words, "--help"], capture_output=True, env=env).returncode == 0
