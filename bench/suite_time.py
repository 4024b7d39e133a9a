"""The test suite's wall time: a cost every change pays. Printed with its ten slowest tests.

Baseline: pytest collecting the same suite without running it (interpreter, imports and
collection), measured in the same run. Target: the whole run under three minutes here.
Skipped with --quick: it is the suite itself.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

from bench.common import ROOT, Row, skipped

BUDGET_SECONDS = 180.0


def _pytest(*args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=ROOT,
                          capture_output=True, text=True)
    return time.perf_counter() - start, done.stdout


def run(quick: bool = False) -> list[Row]:
    if quick:
        return [skipped("suite_time", "test suite wall time", "not in --quick (it runs the whole suite)")]
    collect, _ = _pytest("--collect-only")
    wall, output = _pytest("--durations=10")
    summary = next((line for line in reversed(output.splitlines()) if re.search(r"\d+ (passed|failed)", line)), "")
    slowest = re.findall(r"^(\d+\.\d+)s (call|setup|teardown)\s+(\S+)", output, flags=re.M)
    print("slowest tests:\n" + "\n".join(f"  {s}s {what} {name}" for s, what, name in slowest), file=sys.stderr)
    rows = [Row("suite_time", f"pytest, whole suite ({summary.strip('= ')})", f"collection only {collect:.1f} s",
                f"{wall:.1f} s", wall / BUDGET_SECONDS, 1.0, lower_is_better=True,
                note="ratio = wall time / the 180 s budget")]
    for seconds, what, name in slowest[:5]:
        rows.append(Row("suite_time", f"slow: {name} ({what})", "", f"{float(seconds):.1f} s", None, None))
    return rows
