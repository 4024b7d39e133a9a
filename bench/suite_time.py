"""The test suite's wall time: a cost every change pays. Printed with its slowest tests.

The suite runs as CI runs it (`python -m pytest -q`, so with the addopts of pyproject.toml: four
xdist workers). Baseline: pytest collecting the same suite without running it (interpreter,
imports and collection), measured in the same run. Target: the whole run under three minutes here.
Beside the wall time: the CPU seconds of pytest and every process it started (the load of other
work does not inflate them) and the serial sum of the tests' durations (what one worker would
take). Skipped with --quick: it is the suite itself.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import time

from bench.common import ROOT, Row, skipped

BUDGET_SECONDS = 180.0
SHOWN = 10


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _pytest(*args: str) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (pytest, its workers and their children) and the output."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=ROOT,
                          capture_output=True, text=True)
    return time.perf_counter() - start, _children_cpu() - cpu, done.stdout


def durations(output: str) -> list[tuple[float, str, str]]:
    """(seconds, phase, test) of every line --durations printed, slowest first."""
    found = re.findall(r"^(\d+\.\d+)s (call|setup|teardown)\s+(\S+)", output, flags=re.M)
    return sorted(((float(s), what, name) for s, what, name in found), reverse=True)


def run(quick: bool = False) -> list[Row]:
    if quick:
        return [skipped("suite_time", "test suite wall time", "not in --quick (it runs the whole suite)")]
    collect, _, _ = _pytest("--collect-only")
    wall, cpu, output = _pytest("--durations=0")
    summary = next((line for line in reversed(output.splitlines()) if re.search(r"\d+ (passed|failed)", line)), "")
    timed = durations(output)
    serial = sum(seconds for seconds, _, _ in timed)
    print("slowest tests:\n" + "\n".join(f"  {s:.2f}s {what} {name}" for s, what, name in timed[:SHOWN]),
          file=sys.stderr)
    rows = [Row("suite_time", f"pytest, whole suite ({summary.strip('= ')})", f"collection only {collect:.1f} s",
                f"{wall:.1f} s", wall / BUDGET_SECONDS, 1.0, lower_is_better=True,
                note="ratio = wall time / the 180 s budget"),
            Row("suite_time", "CPU seconds, pytest and every process it started", "", f"{cpu:.1f} s", None, None,
                note="user + system; the machine's load does not inflate it"),
            Row("suite_time", "serial sum of the tests' durations", "", f"{serial:.1f} s", None, None,
                note="what one worker would take; wall time / this = the parallel gain")]
    for seconds, what, name in timed[:5]:
        rows.append(Row("suite_time", f"slow: {name} ({what})", "", f"{seconds:.1f} s", None, None))
    return rows
