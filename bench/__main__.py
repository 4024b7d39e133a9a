"""`python -m bench`: every benchmark, one table: measure, baseline, ours, ratio, target, verdict.

Each module of bench/ with a `run(quick: bool) -> list[Row]` is a benchmark. One that cannot run
(an optional dependency missing, no chromium) says so in its row and the suite carries on.

    .venv/bin/python -m bench                 # every benchmark, full sizes
    .venv/bin/python -m bench --quick         # small sizes: a smoke run in about a minute
    .venv/bin/python -m bench --only startup --only store_ingest --json
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import json
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

from bench.common import Row, skipped

BENCH = Path(__file__).parent
# The order of the table: the store, the crawl, politeness, queries, alerts, memory, startup, tests.
ORDER = ["store_ingest", "covenant_import", "covenant_scale", "warc_on_off", "crawl_all", "growth", "politeness", "queries",
         "alerts", "daemon_memory", "startup", "suite_time"]


def benchmarks() -> list[str]:
    # common and a module named "_..." are helpers shared by benchmarks, not benchmarks themselves.
    found = [m.name for m in pkgutil.iter_modules([str(BENCH)])
             if m.name not in ("common", "__main__") and not m.name.startswith("_")]
    return sorted(found, key=lambda name: (ORDER.index(name) if name in ORDER else len(ORDER), name))


def run_one(name: str, quick: bool) -> list[Row]:
    try:
        module = importlib.import_module(f"bench.{name}")
    except ImportError as error:
        return [skipped(name, "(all)", f"cannot import: {error}")]
    run = getattr(module, "run", None)
    if run is None:
        return []  # a helper module or a standalone script, not a suite member
    try:
        with contextlib.redirect_stdout(sys.stderr):  # a benchmark's progress lines stay out of the table
            rows = run(quick=quick)
    except Exception as error:  # one broken benchmark must not hide the others
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        return [skipped(name, "(all)", f"failed: {detail}")]
    return [row if isinstance(row, Row) else Row(benchmark=name, **row) for row in rows]


def load_average() -> float:
    """The machine's 1-minute load average (0.0 where the system has none to tell)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def with_load(rows: list[Row], before: float, after: float) -> list[Row]:
    """The rows of one benchmark, each carrying the load it ran under: the machines are shared,
    and a ratio is read beside the load it was measured at."""
    return [dataclasses.replace(row, load=f"{before:.1f}-{after:.1f}") for row in rows]


def table(rows: list[Row]) -> str:
    header = ("benchmark", "measure", "baseline", "ours", "ratio", "target", "load", "verdict")
    cells = [header] + [(r.benchmark, r.measure, r.baseline, r.ours,
                         "" if r.ratio is None else f"{r.ratio:.2f}x", r.target_text, r.load,
                         r.verdict if not r.skipped else f"SKIPPED: {r.skipped}") for r in rows]
    widths = [max(len(str(c[i])) for c in cells) for i in range(len(header) - 1)]
    lines = []
    for i, cell in enumerate(cells):
        lines.append("  ".join(str(v).ljust(w) for v, w in zip(cell[:-1], widths)) + "  " + str(cell[-1]))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 7)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="run only this benchmark")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    names = benchmarks()
    unknown = sorted(set(args.only) - set(names))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)} (known: {', '.join(names)})")
    rows: list[Row] = []
    for name in names:
        if args.only and name not in args.only:
            continue
        started, load = time.perf_counter(), load_average()
        print(f"running {name} ... (load {load:.1f})", file=sys.stderr, flush=True)
        rows += with_load(run_one(name, args.quick), load, load_average())
        print(f"  {name} took {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps([r.as_dict() for r in rows], indent=2))
    else:
        print(f"{os.cpu_count()} cores; load: the 1-minute load average at each benchmark's start and end\n")
        print(table(rows))
        missed = [r for r in rows if r.verdict == "MISSED"]
        print(f"\n{len(rows)} rows: {sum(r.verdict == 'met' for r in rows)} met, {len(missed)} missed, "
              f"{sum(r.verdict == 'SKIPPED' for r in rows)} skipped")
    return 0  # a benchmark reports; it never fails a build


if __name__ == "__main__":
    sys.exit(main())
