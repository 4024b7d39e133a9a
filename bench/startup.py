"""Startup: how long `glocal --help` and a read-only command take, over a bare interpreter.

Every cron job, shell completion and status check pays the startup; Scrapy and Twisted must be
imported only by the commands that crawl. Baseline: `python -c pass` measured in the same run.
Target: under 0.5 s above the bare interpreter (the ratio column shows ours / bare).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Row

GLOCAL = Path(sys.executable).parent / "glocal"
TARGET_EXTRA_SECONDS = 0.5


def _wall(command: list[str], repeats: int, env: dict) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(quick: bool = False) -> list[Row]:
    repeats = 3 if quick else 7
    with tempfile.TemporaryDirectory(prefix="glocal-bench-") as tmp:
        env = {**os.environ, "GLOCAL_DB": str(Path(tmp) / "glocal.db")}
        bare = _wall([sys.executable, "-c", "pass"], repeats, env)
        rows = []
        commands = [["--help"], ["spiders"]]
        if _has_command("status", env):
            commands.append(["status"])
        for args in commands:
            ours = _wall([str(GLOCAL), *args], repeats, env)
            extra = ours - bare
            rows.append(Row("startup", f"glocal {' '.join(args)} (extra over bare python)",
                            f"python -c pass {bare * 1000:.0f} ms", f"{ours * 1000:.0f} ms (+{extra * 1000:.0f} ms)",
                            extra / TARGET_EXTRA_SECONDS, 1.0, lower_is_better=True,
                            note="ratio = extra seconds / 0.5 s allowed"))
    return rows


def _has_command(name: str, env: dict) -> bool:
    return subprocess.run([str(GLOCAL), name, "--help"], capture_output=True, env=env).returncode == 0
