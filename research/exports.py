"""Files for researchers: exports of tables and named queries (snapshots: research/snapshot.py).

A file is written next to its destination and renamed into place, so an export that fails
(unwritable folder, full disk) leaves nothing behind and changes nothing that was there.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import tempfile
from pathlib import Path

from sqlite_utils import Database

from kit.errors import GlocalError
from kit.terminal import json_text
from store.tables import public_relations, relation_rows

SCHEMA_DOC = Path(__file__).parent.parent / "docs" / "schema.md"


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


# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula
# (`=HYPERLINK(...)`, `@SUM(...)`, `+1`, `-1`): scraped text must never be one.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def defused(value):
    """A text cell a spreadsheet would run as a formula, prefixed with an apostrophe; others as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def write_csv(out, columns: list[str], rows) -> None:
    """Every CSV the project writes goes through here: header, rows, formula-leading text defused."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([defused(c) for c in columns])
    writer.writerows([defused(v) for v in row] for row in rows)


def current_umask() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def public_file_mode() -> int:
    """The mode a file gets from open() under the process's umask (0644 under the usual 022):
    a temporary file is created 0600, and a figure or export must not stay private by accident."""
    return 0o666 & ~current_umask()


def render(columns: list[str], rows: list[tuple], fmt: str, out) -> int:
    if fmt == "csv":
        write_csv(out, columns, rows)
    elif fmt == "jsonl":  # json_text: C1 controls and bidi overrides as \\uXXXX too (lossless, inert on a terminal)
        for row in rows:
            out.write(json_text(dict(zip(columns, row))) + "\n")
    else:
        out.write(json_text([dict(zip(columns, row)) for row in rows], indent=1) + "\n")
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
        os.chmod(temp, public_file_mode())
        os.replace(temp, path)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise GlocalError(f"cannot write {path}: {error.strerror or error}") from None


def schema_descriptions(path: Path = SCHEMA_DOC) -> dict[str, dict]:
    """{table: {"description": first paragraph, "columns": {column: (type, meaning)}, "prose": the
    Markdown before the column table}} from docs/schema.md."""
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    described = {}
    for title, body in zip(parts[1::2], parts[2::2]):
        paragraph = body.strip().split("\n\n")[0]
        columns = {m.group(1): (m.group(2).strip(), m.group(3).strip())
                   for m in re.finditer(r"^\|\s*`([^`]+)`\s*\|\s*([^|]*)\|\s*(.*?)\s*\|\s*$", body, flags=re.M)}
        prose = body.strip().split("\n|", 1)[0].strip()  # everything before the column table
        described[title.strip()] = {"description": " ".join(paragraph.split()), "columns": columns, "prose": prose}
    return described
