"""Which trials run: the short form (with the ordinary suite, seconds) or the full one
(`pytest -m faults`, `python -m tests.faults.matrix`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    site_faults: tuple[str, ...] | None  # None: every fault of trials.site_faults
    site_trials: int  # trials per site fault
    kill_points: tuple[int, ...]  # SIGKILL once the store holds this many changes
    disk_first: tuple[int, ...]  # max_page_count of a capped first run (an empty store is 47 pages)
    disk_later: tuple[int, ...]  # pages allowed beyond the store's size in a capped later run
    fuzz_examples: int  # mutations per fixture page
    scripts: bool = True  # the trial of names in other scripts (keys, from the source kit)
    # Redesigns of roster fixtures ("spider/file: redesign", tests/faults/redesign.py); None: all of them.
    redesigns: tuple[str, ...] | None = ()


# The short form leaves kills and full disks to tests/crawler/test_kill.py and tests/store/test_store_failures.py,
# which the ordinary suite runs anyway.
SHORT = Plan(site_faults=("off-site redirect", "UTF-8 labelled iso-8859-1 in the header"), site_trials=1, kill_points=(),
             disk_first=(), disk_later=(), fuzz_examples=3, scripts=False,
             redesigns=("uclg_declarations/rome-charter.html: ul to tiles", "unfccc_gcap/actors-58.json: keys renamed"))
FULL = Plan(site_faults=None, site_trials=1, kill_points=(1, 30, 60, 100, 150, 170),
            disk_first=(48, 55, 65, 75, 85, 95), disk_later=(0,), fuzz_examples=60, redesigns=None)


def plan_for(markexpr: str | None) -> Plan:
    return FULL if markexpr and "faults" in markexpr and "not faults" not in markexpr else SHORT
