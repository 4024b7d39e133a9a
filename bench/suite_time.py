"""The test suite's wall time: a cost every change pays. Printed with its slowest tests.

Both of the README's test commands, as CI runs them (.ci/run): the default run (`python -m pytest
-q`, with pyproject.toml's addopts: two xdist workers, the `slow`, `browser` and `realdata` tests
left out) and the second command (`-m 'slow or browser or realdata'`). Targets (issue 24): the
default run under 60 s, both together under 5 minutes. Baseline: pytest collecting the default
run without running it (interpreter, imports and collection), measured in the same run. Beside
the wall times: the CPU seconds of pytest and every process it started (the load of other work
does not inflate them; on two idle cores the wall time is about CPU / 2 plus the suite's waits)
and the serial sum of the tests' durations. Skipped with --quick: it is the suite itself.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import time

from bench.common import ROOT, Row, skipped

DEFAULT_BUDGET = 60.0  # seconds: the default run
TOTAL_BUDGET = 300.0  # seconds: the default run and the second command
SECOND = "slow or browser or realdata"
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


def _summary(output: str) -> str:
    return next((line for line in reversed(output.splitlines()) if re.search(r"\d+ (passed|failed)", line)),
                "").strip("= ")


def run(quick: bool = False) -> list[Row]:
    if quick:
        return [skipped("suite_time", "test suite wall time", "not in --quick (it runs the whole suite)")]
    collect, _, _ = _pytest("--collect-only")
    wall, cpu, output = _pytest("--durations=0")
    second_wall, second_cpu, second_output = _pytest("-m", SECOND, "--durations=0")
    timed = durations(output)
    serial = sum(seconds for seconds, _, _ in timed)
    slowest = sorted(timed + durations(second_output), reverse=True)
    print("slowest tests:\n" + "\n".join(f"  {s:.2f}s {what} {name}" for s, what, name in slowest[:SHOWN]),
          file=sys.stderr)
    rows = [Row("suite_time", f"pytest -q, the default run ({_summary(output)})", f"collection only {collect:.1f} s",
                f"{wall:.1f} s", wall / DEFAULT_BUDGET, 1.0, lower_is_better=True,
                note="ratio = wall time / the 60 s budget"),
            Row("suite_time", f"pytest -q -m '{SECOND}', the second command ({_summary(second_output)})", "",
                f"{second_wall:.1f} s", None, None, note="CI runs it after the default run"),
            Row("suite_time", "both commands", "", f"{wall + second_wall:.1f} s", (wall + second_wall) / TOTAL_BUDGET,
                1.0, lower_is_better=True, note="ratio = wall time / the 300 s budget"),
            Row("suite_time", "CPU seconds, default run / second command (pytest and every process it started)", "",
                f"{cpu:.1f} s / {second_cpu:.1f} s", None, None,
                note="user + system; the machine's load does not inflate it"),
            Row("suite_time", "serial sum of the default run's test durations", "", f"{serial:.1f} s", None, None,
                note="what one worker would take; wall time / this = the parallel gain")]
    for seconds, what, name in slowest[:5]:
        rows.append(Row("suite_time", f"slow: {name} ({what})", "", f"{seconds:.1f} s", None, None))
    return rows
