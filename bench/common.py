"""What every benchmark shares: a result row, a ratio against a baseline measured in the same run,
and the few measuring helpers (median of repeats, peak memory of a child).

Machines here are shared and noisy, so a figure alone says little: each row pairs our measure
with a baseline measured in the same run, and the ratio is what is compared with the target.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class Row:
    """One line of the table: our figure, its baseline, their ratio, the target it must meet.

    `ratio` is oriented so that bigger is better unless `lower_is_better` (a time or a size
    compared with a bound); `target` is read as ">= target" or "<= target" accordingly.
    """

    benchmark: str
    measure: str
    baseline: str  # what the baseline is, with its figure
    ours: str  # our figure, with its unit
    ratio: float | None
    target: float | None
    lower_is_better: bool = False
    note: str = ""
    skipped: str | None = None  # why the row could not be measured
    load: str = ""  # the machine's 1-minute load average at its benchmark's start and end ("1.2-2.9")

    @property
    def verdict(self) -> str:
        if self.skipped:
            return "SKIPPED"
        if self.ratio is None or self.target is None:
            return "info"
        met = self.ratio <= self.target if self.lower_is_better else self.ratio >= self.target
        return "met" if met else "MISSED"

    @property
    def target_text(self) -> str:
        if self.target is None:
            return ""
        return f"{'<=' if self.lower_is_better else '>='} {self.target:g}"

    def as_dict(self) -> dict:
        return {**asdict(self), "verdict": self.verdict, "target_text": self.target_text}


def skipped(benchmark: str, measure: str, why: str) -> Row:
    return Row(benchmark, measure, "", "", None, None, skipped=why)


def median_seconds(fn, repeats: int) -> float:
    """Median wall time of `fn()` over `repeats` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB: Linux's VmHWM, which starts anew at
    exec, where it can be read; getrusage's ru_maxrss keeps a child's forking parent's peak (a
    crawl child of `python -m bench` would report the benchmark process's)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def children_peak_rss_mib() -> float:
    """Peak resident memory of the largest waited-for child process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def alert_config(folder: Path, text: str, environ: dict):
    """The alert rules `text`, written to FOLDER/alerts.toml and loaded with `environ` as the
    environment its *_env keys read: the benchmarks' one alert setup (the tests have theirs in
    tests/alerts/support.py, load_rules; a benchmark imports no test module for it)."""
    from alerts.rules import load_config

    path = folder / "alerts.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, environ=environ)
