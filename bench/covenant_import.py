"""Benchmark: `glocal import covenant` on a 15,000-row JRC file vs a plain sqlite-utils insert of the same rows.

Run from the repository root:

    .venv/bin/python bench/covenant_import.py [--rows 15000] [--repeats 3]

a. **insert_all** (the baseline): the same CSV read with `csv.DictReader` and written with
   `db["signatories"].insert_all(rows)` into a fresh SQLite file in WAL mode: no parsing of
   values, no keys, no actors, no history.
b. **importer**: `operations.covenant_import.import_file` into a fresh store: the JRC reader (decimal
   commas, missing-value markers, country codes, dates), keys, actors with their refs, the
   signatures scope with its baseline and one `changes` row per signatory.
c. **re-import** of the unchanged file into (b)'s store: it must record no change (checked).

Median of --repeats; the target is importer >= 0.5 x insert_all (rows/s). The peak RSS row is
that of `glocal import covenant` importing the same file into a fresh store in a process of its
own, as a user runs it: this benchmark's process has run others before (`store_ingest`'s 100,000
rows under `python -m bench`), and its own peak would be theirs. `run(quick)` returns
bench.common.Row rows for `python -m bench`.
"""

from __future__ import annotations

import argparse
import csv
import random
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlite_utils import Database  # noqa: E402

from operations.covenant_import import import_file  # noqa: E402

COLUMNS = ("organisation_id", "organisation_name", "country_code", "country_name", "organisation_latitude",
           "organisation_longitude", "population_adhesion", "signatory_status", "adhesion_type", "date_of_adhesion",
           "group_profile")
CODES = ("it", "ES", "pl", "de", "FR", "pt", "be", "el", "ua", "ro", "HR", "bg", "se", "md", "ge")
STATUSES = ("signatory", "action_plan_submitted", "monitoring_started", "on_hold")


def write_file(path: Path, rows: int, seed: int = 8) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(COLUMNS)
        for number in range(1, rows + 1):
            writer.writerow([
                100000 + number, f"Comune {number} di {rng.choice(('Sopra', 'Sotto', 'Monte', 'Valle'))}",
                rng.choice(CODES), "", f"{rng.uniform(35, 60):.5f}".replace(".", ","),
                "null" if number % 17 == 0 else f"{rng.uniform(-9, 40):.5f}".replace(".", ","),
                "-" if number % 23 == 0 else rng.randrange(200, 900000), rng.choice(STATUSES), "Individual",
                f"{rng.randrange(2008, 2026)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}", "false",
            ])


def time_insert_all(db_path: Path, csv_path: Path) -> float:
    started = time.perf_counter()
    db = Database(db_path)
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    with csv_path.open(encoding="utf-8", newline="") as source:
        db["signatories"].insert_all(csv.DictReader(source, delimiter=";"), batch_size=2000)
    db.close()
    return time.perf_counter() - started


def time_import(db_path: Path, csv_path: Path) -> tuple[float, object]:
    started = time.perf_counter()
    result = import_file(db_path, csv_path)
    return time.perf_counter() - started, result


# The child: the CLI's own entry point, then its peak resident memory (VmHWM) as the last line.
_IMPORT_CHILD = """
import json, sys
from bench.common import peak_rss_mib
from cli.main import main
sys.argv = ["glocal", "import", "covenant", sys.argv[1], "--db", sys.argv[2], "--no-progress"]
try:
    main()
finally:
    print(json.dumps({"peak_mib": peak_rss_mib()}))
"""


def import_peak_mib(csv_path: Path, db_path: Path) -> float:
    """Peak RSS, in MiB, of `glocal import covenant` importing `csv_path` into a new store at
    `db_path`, in a child process of its own."""
    child = subprocess.run([sys.executable, "-c", _IMPORT_CHILD, str(csv_path), str(db_path)], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = child.stdout.strip().splitlines()
    if child.returncode != 0 or not lines or not lines[-1].startswith("{"):
        raise RuntimeError(f"glocal import covenant failed (exit {child.returncode}): {child.stderr.strip()[-500:]}")
    return json.loads(lines[-1])["peak_mib"]


def run(quick: bool = False, rows: int | None = None, repeats: int | None = None) -> list:
    """The rows of `python -m bench` (bench.common.Row): 15,000 rows x 3, or 3,000 x 1 when quick."""
    from bench.common import Row

    rows = rows or (3_000 if quick else 15_000)
    repeats = repeats or (1 if quick else 3)
    times = {"insert_all": [], "import": [], "reimport": []}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        source = folder / "df1_Signatories_bench.csv"
        write_file(source, rows)
        for repeat in range(repeats):
            times["insert_all"].append(time_insert_all(folder / f"plain{repeat}.db", source))
            seconds, first = time_import(folder / f"store{repeat}.db", source)
            times["import"].append(seconds)
            seconds, again = time_import(folder / f"store{repeat}.db", source)
            times["reimport"].append(seconds)
            if first.signatures != rows or sum(v for k, v in again.counts.items() if k != "unchanged"):
                raise RuntimeError(f"first import {first.signatures} signatories (want {rows}); "
                                   f"re-import counts {again.counts}")
        connection = sqlite3.connect(folder / "store0.db")
        actors = connection.execute("select count(*) from actors").fetchone()[0]
        connection.close()
        peak = import_peak_mib(source, folder / "alone.db")
    plain, ours, again = (statistics.median(times[k]) for k in ("insert_all", "import", "reimport"))
    return [
        Row("covenant_import", f"rows/s, glocal import covenant vs sqlite-utils insert_all ({rows:,} rows)",
            f"insert_all {rows / plain:.0f}/s", f"{rows / ours:.0f}/s", plain / ours, 0.5),
        Row("covenant_import", "rows/s, unchanged re-import vs insert_all", f"insert_all {rows / plain:.0f}/s",
            f"{rows / again:.0f}/s", plain / again, 0.5),
        Row("covenant_import", "actors per authority", f"{rows:,} authorities", f"{actors:,} actors",
            actors / rows, None, note="one authority, one actor"),
        Row("covenant_import", "peak RSS of `glocal import covenant`, a process of its own", "300 MB allowed", f"{peak:.0f} MB", peak / 300,
            1.0, lower_is_better=True),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=15_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    from bench.__main__ import table

    print(table(run(rows=args.rows, repeats=args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
