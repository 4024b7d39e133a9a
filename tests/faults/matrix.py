"""Print the fault matrix: `python -m tests.faults.matrix [--short] [--only WORDS]`.

One row per fault: trials, runs with the right status, changes lost, false alerts, false
removals, integrity failures, secrets leaked, tracebacks shown. The goal is zero in the last six. Then
one row per redesigned roster fixture: redesigns tried, read right, flagged, silently missed (the goal:
zero). docs/reliability.md holds the latest full matrix and the command that made it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator

from tests.faults.plan import FULL, SHORT, Plan
from tests.faults.trials import TrialResult

COLUMNS = ("fault", "trials", "right status", "changes lost", "false alerts", "false removals", "integrity failures",
           "secrets leaked", "tracebacks shown")
REDESIGN_COLUMNS = ("redesigned roster", "redesigns tried", "read right", "flagged", "silently missed")


def rows(plan: Plan, wanted: Callable[[str], bool]) -> Iterator[tuple[str, int, TrialResult]]:
    """(group, trials, summed result) per fault, running the trials of `plan`."""
    from tests.faults.fuzz import fixture_pages, fuzz_page
    from tests.faults.site import FaultySite
    from tests.faults.trials import DiskTrials, SiteTrials, kill_reference, kill_trial, site_faults

    with FaultySite() as site:
        trials = SiteTrials(site)
        for fault in site_faults(trials.before):
            if (plan.site_faults is None or fault.name in plan.site_faults) and wanted(fault.name):
                yield "site", plan.site_trials, merge(fault.name, [trials.run(fault, n) for n in range(plan.site_trials)])
        trials.close()
        kills = [point for point in plan.kill_points if wanted(f"SIGKILL after {point} items")]
        if kills:
            reference = kill_reference(site)
            for point in kills:
                yield "kill", 1, kill_trial(site, point, reference)
    disks = [p for p in plan.disk_first if wanted(f"full disk at {p} pages, first run")] + \
        [-p - 1 for p in plan.disk_later if wanted(f"full disk at +{p} pages, later run")]
    if disks:
        disk = DiskTrials()
        for point in disks:
            yield "disk", 1, disk.first_run(point) if point >= 0 else disk.later_run(-point - 1)
        disk.close()
    if plan.scripts and wanted("names in six scripts, then a punctuation-only name"):
        from tests.faults.trials import script_trial

        yield "keys", 1, script_trial()
    for page in fixture_pages():
        name = f"fuzz {page.spider}/{page.filename}"
        if not wanted(name):
            continue
        result = TrialResult(name)
        outcomes: list = []
        try:
            fuzz_page(page, plan.fuzz_examples, outcomes)
        except Exception as error:  # noqa: BLE001 - a parser's failure is the finding
            result.notes.append(f"{type(error).__name__}: {error}"[:200])
            result.judge(False, "")
        for _ in outcomes:
            result.judge(True, "")
        yield "fuzz", plan.fuzz_examples, result
    yield from round_two(plan, wanted)


def round_two(plan: Plan, wanted: Callable[[str], bool]) -> Iterator[tuple[str, int, TrialResult]]:
    """The classes of issue 20: alerts' far ends and configuration, times from elsewhere, stop
    signals, configuration that says nothing, large pages nested deep, the command line's output
    and arguments."""
    from tests.faults import alert_trials, cli_trials, clock_trials, config_trials, signal_trials
    from tests.faults.plan import FULL

    for module in (alert_trials, clock_trials, config_trials, cli_trials):
        for key, trial in module.TRIALS.items():
            if wanted(key):
                result = trial()
                yield "round two", result.runs, result
    if wanted("signal") or wanted("SIGTERM"):
        result = signal_trials.signal_trial(full=plan is FULL)
        result.notes = [note for note in result.notes if "stopped in" not in note]
        yield "round two", result.runs, result
    if wanted("nested"):
        from tests.faults.fuzz import depth_cost, fixture_pages

        result = TrialResult("a large text nested 240 deep (cost over the flat page < 4x)")
        for page in fixture_pages():
            if page.filename.endswith((".html", ".htm")) and (plan is FULL or page.spider == "c40_accelerators"):
                ratio = depth_cost(page)  # best of two: one run on a loaded machine is noise
                result.judge(ratio < 4, f"{page.spider}/{page.filename}: {ratio:.1f}x")
        yield "round two", result.runs, result


def redesign_rows(plan: Plan, wanted: Callable[[str], bool]):
    """(fixture id, Tally) per roster fixture, running the redesigns of `plan` (tests/faults/redesign.py)."""
    from itertools import groupby

    from tests.faults.redesign_trials import RedesignTrials, Tally, cases

    chosen = [(f, name) for f, name in cases(plan.redesigns) if wanted(f"redesign {f.id} {name}")]
    trials = RedesignTrials()
    try:
        for fixture_id, group in groupby(chosen, key=lambda case: case[0].id):
            tally = Tally()
            for fixture, name in group:
                tally.add(trials.run(fixture, name))
            yield fixture_id, tally
    finally:
        trials.close()


COUNTS = ("runs", "right", "lost", "false_alerts", "false_removals", "integrity_failures", "secrets_leaked",
          "tracebacks")


def row_record(result: TrialResult, trials: int = 1) -> dict:
    """A trial's row as plain data (it travels on a pytest report, tests/faults/recording.py)."""
    return {"fault": result.fault, "trials": trials, **{name: getattr(result, name) for name in COUNTS}}


def table_line(result: TrialResult, trials) -> str:
    return (f"| {result.fault} | {trials} | {result.right}/{result.runs} | {result.lost} | {result.false_alerts} | "
            f"{result.false_removals} | {result.integrity_failures} | {result.secrets_leaked} | {result.tracebacks} |")


def markdown(records: list[dict], redesigns: dict[str, list[str]]) -> str:
    """The matrix of recorded rows (row_record) and redesign outcomes per roster fixture, as markdown."""
    from tests.faults.redesign_trials import FLAGGED, READ, SKIPPED

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    totals = TrialResult("total")
    for record in records:
        result = TrialResult(record["fault"], **{name: record[name] for name in COUNTS})
        lines.append(table_line(result, record["trials"]))
        totals = merge("total", [totals, result])
    lines.append(f"| **total** | {sum(r['trials'] for r in records)} | {totals.right}/{totals.runs} | {totals.lost} | {totals.false_alerts} | "
                 f"{totals.false_removals} | {totals.integrity_failures} | {totals.secrets_leaked} | {totals.tracebacks} |")
    if redesigns:
        lines += ["", "| " + " | ".join(REDESIGN_COLUMNS) + " |", "|" + "|".join("---" for _ in REDESIGN_COLUMNS) + "|"]
        sums = [0, 0, 0, 0]
        for fixture_id in sorted(redesigns):
            tried = [o for o in redesigns[fixture_id] if o != SKIPPED]
            counts = [len(tried), tried.count(READ), tried.count(FLAGGED), len(tried) - tried.count(READ) - tried.count(FLAGGED)]
            sums = [a + b for a, b in zip(sums, counts)]
            lines.append(f"| {fixture_id} | " + " | ".join(map(str, counts)) + " |")
        lines.append("| **total** | " + " | ".join(map(str, sums)) + " |")
    return "\n".join(lines)


def merge(name: str, results: list[TrialResult]) -> TrialResult:
    total = TrialResult(name)
    for result in results:
        total.runs += result.runs
        total.right += result.right
        total.lost += result.lost
        total.false_alerts += result.false_alerts
        total.false_removals += result.false_removals
        total.integrity_failures += result.integrity_failures
        total.secrets_leaked += result.secrets_leaked
        total.tracebacks += result.tracebacks
        total.notes += result.notes
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults.matrix", description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the short form CI runs (seconds)")
    parser.add_argument("--only", nargs="*", default=[], help="only faults whose name contains one of these words")
    args = parser.parse_args(argv)
    plan = SHORT if args.short else FULL
    wanted = (lambda name: any(word.lower() in name.lower() for word in args.only)) if args.only else (lambda name: True)
    started = time.monotonic()
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "|".join("---" for _ in COLUMNS) + "|")
    failed = []
    totals = TrialResult("total")
    for _group, trials, result in rows(plan, wanted):
        print(table_line(result, trials), flush=True)
        totals = merge("total", [totals, result])
        if not result.ok:
            failed.append(result)
    print(f"| **total** | | {totals.right}/{totals.runs} | {totals.lost} | {totals.false_alerts} | "
          f"{totals.false_removals} | {totals.integrity_failures} | {totals.secrets_leaked} | {totals.tracebacks} |")
    print("\n| " + " | ".join(REDESIGN_COLUMNS) + " |")
    print("|" + "|".join("---" for _ in REDESIGN_COLUMNS) + "|")
    from tests.faults.redesign_trials import Tally

    total = Tally()
    for fixture_id, tally in redesign_rows(plan, wanted):
        print(f"| {fixture_id} | {tally.tried} | {tally.read} | {tally.flagged} | {tally.missed} |", flush=True)
        for name, value in vars(tally).items():
            setattr(total, name, getattr(total, name) + value)
    print(f"| **total** | {total.tried} | {total.read} | {total.flagged} | {total.missed} |")
    print(f"\n{'short' if args.short else 'full'} matrix in {time.monotonic() - started:.0f}s")
    for result in failed:
        print(f"- {result.fault}: " + "; ".join(result.notes[:3]), file=sys.stderr)
    for miss in total.misses:
        print(f"- silently missed: {miss}", file=sys.stderr)
    return 1 if failed or total.missed else 0


if __name__ == "__main__":
    sys.exit(main())
