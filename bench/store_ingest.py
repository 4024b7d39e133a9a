"""Benchmark: how fast the store ingests signatures, compared with a plain sqlite-utils insert.

Run from the repository root:

    .venv/bin/python bench/store_ingest.py [--rows 100000] [--repeats 3] [--seed 2026]

What is measured, on fresh temporary SQLite *files* (the product writes files, in WAL mode):

a. **insert_all** (the baseline): ``db["signatures"].insert_all(rows, pk="key")`` of the same N
   rows, with the columns the store writes for a signature, into a new database file that uses
   the store's journal settings (WAL, synchronous=NORMAL). The table is created by insert_all
   itself: no secondary indexes, no changes log, no actors.
b. **first ingest** through the store's real API, the way ``crawler/session.py`` drives it:
   ``open_db``, ``runs.start_run``, then per scope ``ingest.begin_scope`` (complete, healthy,
   with the scope's keys), ``ingest.apply_records`` in batches of 1000 with an
   ``ActorResolver`` over the gazetteer a crawl uses (``places.gazetteer.full_gazetteer``, its
   cache built before timing), ``ingest.close_scope``; finally ``runs.finish_run`` and close. This
   is a baseline run: every row is added, with one ``changes`` row each. The in-process caches of
   folded names are emptied before each timed run: a crawl is a new process.
c. **unchanged re-ingest**: a second run over the same records into the database of (b), observed
   a week later. Nothing changed, so it must write no ``changes`` rows and no new signatures;
   that is checked, and a failure exits with status 1.

Each measurement runs ``--repeats`` times (fresh files for a and b each time; c re-ingests into
that repetition's b) and the median is reported.

Why ratios: the machines this runs on are shared and noisy, so absolute rows/s move from run to
run. The baseline runs in the same process, on the same disk, interleaved with the store's runs,
so store / insert_all is the figure to compare over time. The targets:

- first ingest        >= 0.7 x insert_all (it also keeps indexes, actors and a changes log)
- unchanged re-ingest >= 1.5 x insert_all (it reads and compares, and writes only last_seen_*)

A benchmark reports; it does not fail CI: the exit status is 0 whether or not a target is met.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, bench/ is sys.path[0], not the repository
    sys.path.insert(0, str(ROOT))

from sqlite_utils import Database  # noqa: E402

from kit.items import Signature, as_record  # noqa: E402
from kit.text import slugify  # noqa: E402
from places import gazetteer as full_gazetteer_module  # noqa: E402
from kit import text  # noqa: E402
from store import ingest, open_db, runs  # noqa: E402
from store.actors import ActorResolver  # noqa: E402

SOURCE = "bench"
BATCH = 1000  # records per apply_records call, as crawler/session.py flushes them
SYNTHETIC_NAMES = 5000
MIN_INSTRUMENTS = 200
FIRST_RUN_AT = "2026-01-05T06:00:00Z"
SECOND_RUN_AT = "2026-01-12T06:00:00Z"
TARGETS = {"first ingest": 0.7, "unchanged re-ingest": 1.5}

_SYLLABLES = ("ba", "lo", "mar", "ten", "vik", "sa", "dor", "el", "gra", "no", "ri", "ton", "ka",
              "lin", "por", "ve", "stad", "ham", "bé", "zö", "qui", "ar", "mon", "tre", "ul", "és")
_PREFIXES = ("", "", "", "", "New ", "Port ", "San ", "North ", "Saint-", "Lake ", "Upper ")
_SUFFIXES = ("", "", "", "", " City", "ville", "burg", " Bay", "-on-Sea", " (Metropolitan Area)")
_COUNTRIES = ("BR", "CA", "CN", "DE", "ES", "FR", "GB", "IN", "IT", "JP", "KE", "MX", "NG", "NL",
              "PH", "SE", "US", "ZA", "AR", "ID")


class BenchError(Exception):
    """The store did something it must not (a correctness check failed)."""


# --- data -----------------------------------------------------------------------------------------

def gazetteer_names() -> list[tuple[str, str | None]]:
    """Every spelling in places/data/places.csv (names and aliases) with its country."""
    names = []
    with open(ROOT / "places" / "data" / "places.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for spelling in (row["name"], *row["aliases"].split("|")):
                if spelling:
                    names.append((spelling, row["country"] or None))
    return names


def synthetic_name(rng: random.Random) -> str:
    root = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{rng.choice(_PREFIXES)}{root}{rng.choice(_SUFFIXES)}"


def name_pool(rng: random.Random) -> list[tuple[str, str | None]]:
    """~5,000 invented (name, country) pairs plus the gazetteer's real spellings, unique by slug
    (a signature key holds the slug, so two names must never share one)."""
    pool, slugs = [], set()
    for name, country in gazetteer_names():
        if slugify(name) not in slugs:
            slugs.add(slugify(name))
            pool.append((name, country))
    invented = 0
    while invented < SYNTHETIC_NAMES:
        name = synthetic_name(rng)
        if slugify(name) not in slugs:
            slugs.add(slugify(name))
            pool.append((name, rng.choice(_COUNTRIES)))
            invented += 1
    return pool


def scope_sizes(rng: random.Random, rows: int, instruments: int) -> list[int]:
    """Uneven list lengths (real lists run from a dozen to thousands) that sum to `rows`."""
    weights = [rng.uniform(0.2, 1.8) for _ in range(instruments)]
    sizes = [0] * instruments
    for index in rng.choices(range(instruments), weights=weights, k=rows):
        sizes[index] += 1
    return sizes


def signature_record(rng: random.Random, instrument: int, name: str, country: str | None) -> dict:
    signed_on = None
    if rng.random() < 0.6:
        signed_on = (date(2015, 1, 1) + timedelta(days=rng.randrange(4000))).isoformat()
    item = Signature(
        source=SOURCE,
        key=f"bench/instrument-{instrument}/{slugify(name)}",
        url=f"https://bench.example/instruments/{instrument}/signatories",
        instrument_key=f"bench/instrument-{instrument}",
        actor_name=name,
        country=country if rng.random() < 0.85 else None,
        signed_on=signed_on,
        role=None,
        status=rng.choice((None, None, "signed", "endorsed")),
        network_member=rng.choice((True, False, None)),
        commitments=None,
        scope=None,
    )
    return as_record(item)


def make_scopes(rows: int, seed: int) -> dict[str, list[dict]]:
    """N signature records, deterministic for a seed, grouped by scope ("signatures:<instrument>")."""
    rng = random.Random(seed)
    pool = name_pool(rng)
    instruments = max(MIN_INSTRUMENTS, -(-rows * 3 // len(pool)))  # no list longer than the pool
    scopes: dict[str, list[dict]] = {}
    for instrument, size in enumerate(scope_sizes(rng, rows, instruments)):
        if size:
            scopes[f"signatures:bench/instrument-{instrument}"] = [
                signature_record(rng, instrument, name, country) for name, country in rng.sample(pool, size)
            ]
    return scopes


def baseline_rows(scopes: dict[str, list[dict]]) -> list[dict]:
    """The rows the store would write for these records, with plausible tracking values."""
    actor_ids: dict[str, int] = defaultdict(lambda: len(actor_ids) + 1)
    rows = []
    for scope, records in scopes.items():
        for record in records:
            # actor_kind is an item field the store keeps no column for (the resolver reads it)
            row = {k: v for k, v in record.items() if k not in ("scope", "actor_kind")}
            member = row["network_member"]
            row.update(
                network_member=None if member is None else int(member),
                actor_id=actor_ids[record["actor_name"]],
                scope=scope,
                first_seen_at=FIRST_RUN_AT,
                last_seen_at=FIRST_RUN_AT,
                removed_at=None,
                first_run_id=1,
                last_seen_run_id=1,
            )
            rows.append(row)
    return rows


# --- measurements ---------------------------------------------------------------------------------

def time_insert_all(path: Path, rows: list[dict]) -> float:
    started = time.perf_counter()
    db = Database(path)
    db.enable_wal()  # the store's journal settings, so the ratio compares code, not pragmas
    db.execute("PRAGMA synchronous = NORMAL")
    db["signatures"].insert_all(rows, pk="key")
    db.close()
    return time.perf_counter() - started


def places():
    """The gazetteer a crawl hands the resolver (crawler/session.py: GeoNames and ISO 3166 under the
    curated table), its lookup tables built before any timing (once per machine, in a cache folder)."""
    gazetteer = full_gazetteer_module.full_gazetteer()
    gazetteer.resolve("Paris", "FR")
    return gazetteer


def forget_names() -> None:
    """Empty the in-process caches of folded names and lookups: each crawl is a new process, so a
    timed run must not reuse what an earlier repetition in this process learnt."""
    text.name_key.cache_clear()
    full_gazetteer_module.fold.cache_clear()
    full_gazetteer_module._lookup_cached.cache_clear()
    full_gazetteer_module._decision_cached.cache_clear()


def store_run(path: Path, scopes: dict[str, list[dict]], now: str) -> int:
    """One crawl run of every scope through the store's API, as crawler/session.py does it."""
    db = open_db(path)
    run_id = runs.start_run(db, spider=SOURCE, now=now)
    resolver = ActorResolver(db, SOURCE, full_gazetteer_module.full_gazetteer(), now)
    items = 0
    for scope, records in scopes.items():
        state = ingest.begin_scope(
            db, run_id=run_id, scope=scope, entity="signature", url=records[0]["url"], observed_at=now,
            complete=True, healthy=True, keys=[r["key"] for r in records], listed=len(records),
        )
        for start in range(0, len(records), BATCH):
            ingest.apply_records(db, state, records[start:start + BATCH], now=now, resolver=resolver)
        ingest.close_scope(db, state, now=now, removal_runs=2)
        items += len(records)
    runs.finish_run(db, run_id, now=now, finish_reason="finished", pages=len(scopes), items=items,
                    errors=0, healthy=True, health=[], summary="bench")
    db.close()
    return run_id


def timed_store_run(path: Path, scopes: dict[str, list[dict]], now: str) -> tuple[float, int]:
    places()
    forget_names()
    started = time.perf_counter()
    run_id = store_run(path, scopes, now)
    return time.perf_counter() - started, run_id


def counts(path: Path, run_id: int) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {
            "signatures": conn.execute("select count(*) from signatures").fetchone()[0],
            "changes": conn.execute("select count(*) from changes").fetchone()[0],
            "run_changes": conn.execute("select count(*) from changes where run_id = ?", (run_id,)).fetchone()[0],
        }


def check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchError(message)


def check_first_ingest(path: Path, run_id: int, rows: int) -> dict[str, int]:
    seen = counts(path, run_id)
    check(seen["signatures"] == rows, f"first ingest stored {seen['signatures']} signatures, expected {rows}")
    check(seen["run_changes"] == rows,
          f"first ingest wrote {seen['run_changes']} changes rows, expected {rows} (one 'added' each)")
    return seen


def check_reingest(path: Path, run_id: int, before: dict[str, int]) -> None:
    seen = counts(path, run_id)
    check(seen["run_changes"] == 0,
          f"unchanged re-ingest (run {run_id}) wrote {seen['run_changes']} changes rows; expected none")
    check(seen["signatures"] == before["signatures"],
          f"unchanged re-ingest changed the signature count from {before['signatures']} to {seen['signatures']}")


def measure(scopes: dict[str, list[dict]], rows: list[dict], repeats: int) -> dict[str, list[float]]:
    """Seconds per repetition for each measurement, interleaved so drift hits all three alike."""
    seconds: dict[str, list[float]] = defaultdict(list)
    for repeat in range(repeats):
        with tempfile.TemporaryDirectory(prefix="glocal-bench-") as tmp:
            seconds["insert_all"].append(time_insert_all(Path(tmp) / "baseline.db", rows))
            path = Path(tmp) / "store.db"
            elapsed, run_id = timed_store_run(path, scopes, FIRST_RUN_AT)
            seconds["first ingest"].append(elapsed)
            before = check_first_ingest(path, run_id, len(rows))
            elapsed, run_id = timed_store_run(path, scopes, SECOND_RUN_AT)
            seconds["unchanged re-ingest"].append(elapsed)
            check_reingest(path, run_id, before)
        print(f"  repeat {repeat + 1}/{repeats}: "
              + ", ".join(f"{name} {values[-1]:.2f}s" for name, values in seconds.items()), flush=True)
    return seconds


# --- report ---------------------------------------------------------------------------------------

def report(seconds: dict[str, list[float]], rows: int) -> None:
    median = {name: statistics.median(values) for name, values in seconds.items()}
    print(f"\nmedian of {len(seconds['insert_all'])} ({rows:,} rows):")
    for name, value in median.items():
        print(f"  {name:<20} {value:7.2f} s  {rows / value:>10,.0f} rows/s")
    print("\nratios (rows/s of the store / rows/s of insert_all):")
    for name, target in TARGETS.items():
        ratio = median["insert_all"] / median[name]
        verdict = "PASS" if ratio >= target else "MISS"
        print(f"  {name + ' / insert_all':<33} {ratio:5.2f}x  target >= {target:.1f}x  {verdict}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    peak_mib = peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    print(f"\npeak RSS: {peak_mib:,.0f} MiB")


def run(quick: bool = False) -> list:
    """The suite's rows (python -m bench): first and unchanged ingest against insert_all."""
    from bench.common import Row, peak_rss_mib

    rows_wanted, repeats = (10_000, 1) if quick else (100_000, 3)
    scopes = make_scopes(rows_wanted, 2026)
    rows = baseline_rows(scopes)
    seconds = measure(scopes, rows, repeats)
    median = {name: statistics.median(values) for name, values in seconds.items()}
    base = median["insert_all"]
    result = []
    for name, target in TARGETS.items():
        result.append(Row("store_ingest", f"{name}, {len(rows):,} signatures",
                          f"sqlite-utils insert_all {len(rows) / base:,.0f} rows/s",
                          f"{len(rows) / median[name]:,.0f} rows/s", base / median[name], target))
    result.append(Row("store_ingest", "peak RSS of the ingest", "", f"{peak_rss_mib():,.0f} MiB", None, None))
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="signature records (default 100000)")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions; the median is reported (default 3)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the synthetic data (default 2026)")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeats < 1:
        parser.error("--rows and --repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scopes = make_scopes(args.rows, args.seed)
    rows = baseline_rows(scopes)
    print(f"{len(rows):,} signature records in {len(scopes)} scopes, seed {args.seed}; "
          f"sqlite {sqlite3.sqlite_version}, python {sys.version.split()[0]}", flush=True)
    try:
        seconds = measure(scopes, rows, args.repeats)
    except BenchError as error:
        print(f"\nCORRECTNESS FAILURE: {error}", file=sys.stderr)
        return 1
    report(seconds, len(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
