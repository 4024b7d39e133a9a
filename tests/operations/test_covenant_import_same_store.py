"""The importer's speed work (issue 24) changed how a file is read and resolved, not what it
writes: every table of a store after an import, and after an unchanged re-import, holds the rows
the importer wrote before that work (tests/data/covenant_import_store.json, written by the old
importer with `python -m tests.operations.test_covenant_import_same_store`).

Two files: the JRC-shaped fixture (real names, damaged rows, namesakes) and 150 rows of the
benchmark's synthetic file (names of no place, with coordinates: every fallback of the resolver,
down to the candidates offered for review). Times (when a row was seen, a run started) are the
only values left out. A table a later migration adds is not in the recorded file and is not
compared; a column a later migration adds is not compared either. If the places data or a
migration's seed rows change what an import writes, re-record the file and read its diff.

Since issue 24's m310, a name the resolver met nothing for is stored with the decision's reason
alone (offer_at_read = 1), and its reviewer's candidates are offered when the review queue is read:
such an actor is compared as `glocal actors review` shows it (its reason with the offered clause,
its offered candidates), which must be what the old importer stored.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path

from operations.covenant_import import import_file
from tests.helpers import FIXTURES

RECORDED = Path(__file__).parents[1] / "data" / "covenant_import_store.json"
JRC_CSV = FIXTURES / "covenant_open_data" / "df1_Signatories_2024.csv"
SYNTHETIC_ROWS = 150
# Columns that hold the clock's time of the import, not anything read from the file.
TIME_COLUMNS = frozenset({"applied_at", "first_seen_at", "last_seen_at", "detected_at", "observed_at",
                          "finished_at", "started_at", "fetched_at"})
# The migrations' own bookkeeping and the full-text index's internal tables (its content is the
# instruments table, compared itself).
NOT_COMPARED = ("_sqlite_migrations", "search_index")
FILE_TIME = 1_764_316_800  # 2025-11-28T08:00:00Z: the page's Last-Modified is the file's mtime


def _files(folder: Path) -> dict[str, Path]:
    from bench.covenant_import import write_file

    jrc = folder / JRC_CSV.name
    shutil.copyfile(JRC_CSV, jrc)
    synthetic = folder / "df1_Signatories_bench.csv"
    write_file(synthetic, SYNTHETIC_ROWS)
    for path in (jrc, synthetic):
        os.utime(path, (FILE_TIME, FILE_TIME))
    return {"jrc": jrc, "synthetic": synthetic}


def _tables(db: Path, only: dict | None = None) -> dict:
    """{table: {"columns": [...], "rows": [...]}}, rows sorted, time columns emptied."""
    connection = sqlite3.connect(db)
    try:
        names = [row[0] for row in connection.execute(
            "select name from sqlite_master where type = 'table' order by name")
            if not row[0].startswith(("sqlite_", *NOT_COMPARED))]
        tables = {}
        for name in names:
            if only is not None and name not in only:
                continue  # added after the recording
            # The recorded columns (a column dropped since fails the select, loudly), else all.
            columns = only[name]["columns"] if only is not None else \
                [row[1] for row in connection.execute(f"pragma table_info('{name}')")]
            select = ", ".join(f'"{c}"' if c not in TIME_COLUMNS else "null" for c in columns)
            rows = [list(row) for row in connection.execute(f'select {select} from "{name}"')]  # noqa: S608
            tables[name] = {"columns": columns, "rows": sorted(rows, key=repr)}
        return tables
    finally:
        connection.close()


def _stores(folder: Path, only: dict | None = None) -> dict:
    """{file: {"first": tables after the import, "again": tables after the re-import}}."""
    out = {}
    for label, path in _files(folder).items():
        db = folder / f"{label}.db"
        url = f"https://data.jrc.ec.europa.eu/dataset/covenant-signatories/{path.name}"
        import_file(db, path, url=url)
        first = _as_reviewed(db, _tables(db, only and only[label]["first"]))
        import_file(db, path, url=url)
        out[label] = {"first": first, "again": _as_reviewed(db, _tables(db, only and only[label]["again"]))}
    return out


def _as_reviewed(db: Path, tables: dict) -> dict:
    """The actors whose offer is made at read with the reason and candidates the review queue shows
    (research.actor_review, the command's own code), in the columns the old importer filled."""
    from sqlite_utils import Database

    from places.gazetteer import full_gazetteer
    from research.actor_review import review_candidates

    actors = tables.get("actors")
    if not actors:
        return tables
    store = Database(db)
    try:
        owed = {id_ for (id_,) in store.execute("select id from actors where offer_at_read = 1")}
        shown = {row["id"]: row for row in review_candidates(store, full_gazetteer()) if row["id"] in owed}
    finally:
        store.close()
    at = {column: actors["columns"].index(column) for column in ("id", "review_reason", "review_candidates")}
    for row in actors["rows"]:
        if row[at["id"]] in shown:
            queue = shown[row[at["id"]]]
            row[at["review_reason"]] = queue["review_reason"]
            # An empty offer was stored as null (the queue then shows the gazetteer's plain candidates).
            empty = queue["review_reason"].endswith("nothing spelled like it either")
            row[at["review_candidates"]] = None if empty else json.dumps(queue["candidates"], ensure_ascii=False)
    return tables


def _recorded() -> dict:
    """The recording, its re-import tables completed: it keeps only those the re-import changed."""
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    for phases in recorded.values():
        phases["again"] = {**phases["first"], **phases.pop("again_changed")}
    return recorded


def test_an_import_and_a_reimport_write_the_rows_recorded_before_the_speed_work(tmp_path):
    recorded = _recorded()
    ours = json.loads(json.dumps(_stores(tmp_path, recorded)))  # JSON's types, as recorded
    for label, phases in recorded.items():
        for phase, tables in phases.items():
            assert set(ours[label][phase]) == set(tables), f"{label} {phase}: tables missing"
            for name, table in tables.items():
                got = ours[label][phase][name]
                assert got["columns"] == table["columns"], f"{label} {phase} {name}: columns"
                assert len(got["rows"]) == len(table["rows"]), f"{label} {phase} {name}: row count"
                for mine, theirs in zip(got["rows"], table["rows"]):
                    assert mine == theirs, f"{label} {phase} {name}: {mine} != {theirs}"
    # Not a vacuous comparison: the recording holds the import's rows, and the re-import's run.
    assert len(recorded["jrc"]["first"]["signatures"]["rows"]) == 117
    assert len(recorded["synthetic"]["again"]["actors"]["rows"]) == SYNTHETIC_ROWS
    assert len(recorded["synthetic"]["again"]["crawl_runs"]["rows"]) == 2


def _record() -> None:
    """Write the recording: one line per row, so that a re-recording's diff reads row by row."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        stores = _stores(Path(folder))
    lines = ["{"]
    for n, (label, phases) in enumerate(stores.items()):
        first = phases["first"]
        changed = {name: table for name, table in phases["again"].items() if first.get(name) != table}
        lines.append(f"{json.dumps(label)}: {{")
        for m, (phase, tables) in enumerate((("first", first), ("again_changed", changed))):
            lines.append(f"{json.dumps(phase)}: {{")
            for k, (name, table) in enumerate(tables.items()):
                rows = ",\n".join(json.dumps(row, ensure_ascii=False) for row in table["rows"])
                lines.append(f'{json.dumps(name)}: {{"columns": {json.dumps(table["columns"])}, "rows": [\n{rows}]}}'
                             + ("," if k < len(tables) - 1 else ""))
            lines.append("}" + ("," if m == 0 else ""))
        lines.append("}" + ("," if n < len(stores) - 1 else ""))
    lines.append("}")
    RECORDED.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RECORDED}")


if __name__ == "__main__":
    sys.exit(_record())
