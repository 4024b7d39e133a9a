"""Files for researchers: exports of tables and named queries, and dated snapshots of the dataset.

A file is written next to its destination and renamed into place, so an export that fails
(unwritable folder, full disk) leaves nothing behind and changes nothing that was there.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database

from kit.errors import GlocalError
from store.tables import column_types, crawl_sources, page_sites, public_relations, relation_rows

SCHEMA_DOC = Path(__file__).parent.parent / "docs" / "schema.md"
# What a snapshot holds: the facts, who they are about, and where each came from.
# `signings` is what to count (one row per actor and instrument); `signatures` its evidence rows.
SNAPSHOT_TABLES = ("instruments", "instrument_records", "actors", "actor_names", "actor_decisions", "signings",
                   "signatures", "memberships", "networks", "network_aliases", "reports", "events", "announcements",
                   "count_claims", "changes", "pages", "crawl_runs")


def export_rows(db: Database, what: str, params: dict) -> tuple[list[str], list[tuple]]:
    """Columns and rows of a table, view or named query, in a stable order."""
    from store.queries import QUERIES, QueryError, execute

    if what in QUERIES:
        return execute(db, what, **params)
    if what not in public_relations(db):
        raise QueryError(f"unknown table or query {what!r} (tables: {', '.join(public_relations(db))}; "
                         f"queries: {', '.join(QUERIES)})")
    if params:
        raise QueryError(f"{what} is a table: -p parameters belong to named queries")
    return relation_rows(db, what)


def render(columns: list[str], rows: list[tuple], fmt: str, out) -> int:
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(dict(zip(columns, row)), ensure_ascii=False) + "\n")
    else:
        json.dump([dict(zip(columns, row)) for row in rows], out, ensure_ascii=False, indent=1)
        out.write("\n")
    return len(rows)


def write_rows(columns: list[str], rows: list[tuple], fmt: str, output: str | None) -> int:
    if output is None:
        return render(columns, rows, fmt, sys.stdout)
    buffer = io.StringIO()
    count = render(columns, rows, fmt, buffer)
    write_atomically(Path(output), buffer.getvalue())
    return count


def write_atomically(path: Path, text: str) -> None:
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=".glocal-", suffix=".part")
    except OSError as error:
        raise GlocalError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(temp, path)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise GlocalError(f"cannot write {path}: {error.strerror or error}") from None


def schema_descriptions(path: Path = SCHEMA_DOC) -> dict[str, dict]:
    """{table: {"description": first paragraph, "columns": {column: (type, meaning)}}} from docs/schema.md."""
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    described = {}
    for title, body in zip(parts[1::2], parts[2::2]):
        paragraph = body.strip().split("\n\n")[0]
        columns = {m.group(1): (m.group(2).strip(), m.group(3).strip())
                   for m in re.finditer(r"^\|\s*`([^`]+)`\s*\|\s*([^|]*)\|\s*(.*?)\s*\|\s*$", body, flags=re.M)}
        described[title.strip()] = {"description": " ".join(paragraph.split()), "columns": columns}
    return described


def write_snapshot(db: Database, directory: str, *, today: str | None = None) -> tuple[Path, dict]:
    """Write DIRECTORY/glocal-watch-<date>/ (CSVs, data-dictionary.csv, README.md); refuse to overwrite."""
    today = today or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    parent = Path(directory)
    folder = parent / f"glocal-watch-{today}"
    if folder.exists():
        raise GlocalError(f"{folder} already exists: a snapshot is never overwritten; choose another folder")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{folder.name}-"))
    except OSError as error:
        raise GlocalError(f"cannot write a snapshot in {parent}: {error.strerror or error}") from None
    try:
        counts = {}
        docs = schema_descriptions()
        dictionary = [("table", "column", "type", "meaning")]
        for table in SNAPSHOT_TABLES:
            columns, rows = export_rows(db, table, {})
            with open(staging / f"{table}.csv", "w", encoding="utf-8", newline="") as fh:
                render(columns, rows, "csv", fh)
            counts[table] = len(rows)
            described = docs.get(table, {}).get("columns", {})
            types = column_types(db, table)
            for column in columns:
                kind, meaning = described.get(column, (types[column].__name__, ""))
                dictionary.append((table, column, kind, meaning))
        with open(staging / "data-dictionary.csv", "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(dictionary)
        (staging / "README.md").write_text(_readme(db, today, counts, docs), encoding="utf-8")
        os.replace(staging, folder)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise GlocalError(f"cannot write a snapshot in {parent}: {error.strerror or error}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder, counts


def _readme(db: Database, today: str, counts: dict, docs: dict) -> str:
    sources = crawl_sources(db)
    hosts = page_sites(db)
    lines = [
        f"# glocal-watch dataset, snapshot of {today}",
        "",
        f"Exported on {today} (UTC) from a glocal-watch store. Cite as: glocal-watch dataset, snapshot "
        f"{today}, with the source pages listed in `pages.csv`.",
        "",
        "Every fact carries its provenance: `source` (the spider), `url` (the page that said it),",
        "`first_seen_at`/`last_seen_at` (capture times) and `removed_at`; `changes.csv` is the dated log of",
        "every change with the page (`page_id` -> `pages.csv`: URL, capture time, SHA-256, archive record).",
        "Dates ending in `_on` are as the sites printed them; `_at` columns are capture times (UTC).",
        "",
        "## Sources",
        "",
        "| spider | runs | first run | last run | replays |",
        "|---|---|---|---|---|",
        *[f"| {s['spider']} | {s['runs']} | {s['first_run']} | {s['last_run']} | {s['replays']} |" for s in sources],
        "",
        "Sites: " + (", ".join(hosts) if hosts else "none recorded"),
        "",
        "## Files and row counts",
        "",
        "| file | rows | what one row is |",
        "|---|---|---|",
        *[f"| {table}.csv | {count} | {docs.get(table, {}).get('description', '')[:160]} |"
          for table, count in counts.items()],
        "",
        "`data-dictionary.csv` describes every column (table, column, type, meaning).",
        "",
        "Licence: the data is facts published by the listed sites; check each site's terms before republishing.",
        "",
    ]
    return "\n".join(lines)
