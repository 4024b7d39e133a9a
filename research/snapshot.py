"""`glocal snapshot`: the dataset as a citable Frictionless Data Package.

DIRECTORY/glocal-watch-<date>/ holds one CSV per table and view a researcher uses, a data
dictionary, `datapackage.json` (a Table Schema per CSV, the capture range, the sources, the tool
version, the SHA-256 and size of every file), `CITATION.cff`, a README and `SHA256SUMS`. Archive
paths in `pages.csv` are relative to the package (`archive/<file>`); `--with-archive` copies the
WARC files there, so the provenance stays valid when the folder is moved.

Only README.md, CITATION.cff and datapackage.json carry the snapshot's date: a snapshot of the same
store on another day differs from this one by that date alone (rows in key order, no clock in the
CSVs, JSON with sorted keys).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import textwrap
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database

from kit.errors import GlocalError
from research.exports import current_umask

# What a snapshot holds, in this order when the store has it: the facts, who they are about, the
# views researchers read, and where each fact came from (pages, runs, scope runs).
SNAPSHOT_RELATIONS = (
    "instruments", "instrument_records", "actors", "actor_names", "actor_decisions", "signings", "signatures",
    "memberships", "networks", "network_aliases", "reports", "events", "announcements", "count_claims", "treaty_links", "signatories", "signing_dates", "count_history",
    "changes", "pages", "scope_runs", "crawl_runs",
)
# Bookkeeping a researcher does not cite: alert deliveries, crawl locks, the search index, backfill plans.
LEFT_OUT = ("deliveries", "crawl_locks", "search_index", "archive_listings", "archive_captures")
DATED_FILES = ("README.md", "CITATION.cff", "datapackage.json")  # the only files that carry the date
ARCHIVE_FOLDER = "archive"


def relations(db: Database) -> list[str]:
    """The tables and views of a snapshot: the listed ones the store has, then any other view."""
    from store.publication import view_names
    from store.tables import public_relations

    present = public_relations(db)
    listed = [name for name in SNAPSHOT_RELATIONS if name in present]
    views = [name for name in view_names(db) if name not in listed and name not in LEFT_OUT]
    return listed + sorted(views)


def write_snapshot(db: Database, directory: str, *, today: str | None = None, with_archive: bool = False,
                   force: bool = False) -> tuple[Path, dict]:
    """Write the package; refuse a non-empty DIRECTORY/glocal-watch-<date>/ unless `force` (it is then
    replaced whole, once the new package is complete). Returns (folder, {relation: rows})."""
    today = today or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    parent = Path(directory)
    folder = parent / f"glocal-watch-{today}"
    if folder.is_file() or (folder.is_dir() and any(folder.iterdir()) and not force):
        raise GlocalError(f"{folder} already exists and is not empty: a snapshot is never written into "
                          "an earlier one (--force replaces it, or choose another folder)")
    archives = _archive_names(db)
    if with_archive:
        missing = [source for source in archives if not Path(source).is_file()]
        if missing:
            raise GlocalError(f"cannot include the archive {missing[0]}: no such file "
                              "(snapshot without --with-archive, or restore the file)")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{folder.name}-"))
    except OSError as error:
        raise GlocalError(f"cannot write a snapshot in {parent}: {error.strerror or error}") from None
    try:
        counts = _write_package(db, staging, today, archives if with_archive else {}, archives)
        os.chmod(staging, 0o777 & ~current_umask())  # mkdtemp's 0700 would keep the package private
        if folder.exists():
            shutil.rmtree(folder) if any(folder.iterdir()) else folder.rmdir()
        os.replace(staging, folder)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise GlocalError(f"cannot write a snapshot in {parent}: {error.strerror or error}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder, counts


def _archive_names(db: Database) -> dict[str, str]:
    """{archive as the store records it: its path in the package}, one distinct name per file."""
    from store.publication import archive_files

    names, taken = {}, set()
    for source in archive_files(db):
        base = Path(source).name or "archive.warc.gz"
        name, number = base, 1
        while name in taken:
            number += 1
            name = f"{number}-{base}"
        taken.add(name)
        names[source] = f"{ARCHIVE_FOLDER}/{name}"
    return names


def _write_package(db: Database, staging: Path, today: str, included: dict, archives: dict) -> dict:
    from kit import __version__
    from research.exports import schema_descriptions, write_csv
    from store.publication import capture_range, primary_key, replayed_share, sources_by_capture
    from store.tables import relation_rows

    docs = schema_descriptions()
    counts, resources = {}, []
    dictionary = []
    for name in relations(db):
        columns, rows = relation_rows(db, name)
        if name == "pages" and "archive" in columns:
            at = columns.index("archive")
            rows = [row[:at] + (archives.get(row[at], row[at]),) + row[at + 1:] for row in rows]
        counts[name] = len(rows)
        described = docs.get(name, {}).get("columns", {})
        fields = []
        for index, column in enumerate(columns):
            kind = _field_type([row[index] for row in rows])
            meaning = described.get(column, ("", ""))[1]
            dictionary.append((name, column, described.get(column, (kind, ""))[0] or kind, meaning))
            fields.append({"name": column, "type": kind, **({"description": meaning} if meaning else {})})
        schema = {"fields": fields}
        if primary_key(db, name):
            schema["primaryKey"] = primary_key(db, name)
        _write_text(staging / f"{name}.csv", _csv_text(write_csv, columns, rows))
        resources.append(_resource(staging, f"{name}.csv", name, _description(docs, name), schema))
    dictionary.append(("*", "*", "note", FORMULA_NOTE))
    _write_text(staging / "data-dictionary.csv",
                _csv_text(write_csv, ["table", "column", "type", "meaning"], dictionary))
    resources.append(_resource(staging, "data-dictionary.csv", "data-dictionary",
                               "Every column of every file: table, column, type, meaning.",
                               {"fields": [{"name": n, "type": "string"} for n in ("table", "column", "type", "meaning")]}))
    for source, inside in sorted(included.items(), key=lambda pair: pair[1]):
        target = staging / inside
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, target)
        resources.append({**_resource(staging, inside, _resource_name(inside), "A WARC file: the pages as captured "
                                      "(pages.csv archive and archive_offset point into it).", None),
                          "format": "warc", "mediatype": "application/warc"})
    first, last = capture_range(db)
    replays, runs = replayed_share(db)
    facts = {
        "today": today, "version": __version__, "first": first, "last": last, "replays": replays, "runs": runs,
        "sources": sources_by_capture(db), "sites": _sites(db), "counts": counts, "docs": docs,
        "archives": archives, "included": bool(included),
    }
    _write_text(staging / "README.md", _readme(facts))
    _write_text(staging / "CITATION.cff", _citation(facts))
    package = _package(facts, resources)
    _write_text(staging / "datapackage.json", json.dumps(package, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    _write_text(staging / "SHA256SUMS", "".join(
        f"{_sha256(path)}  {path.relative_to(staging).as_posix()}\n"
        for path in sorted(staging.rglob("*")) if path.is_file() and path.name != "SHA256SUMS"))
    return counts


FORMULA_NOTE = ("A text cell that begins with =, +, -, @, a tab or a carriage return is written with an "
                "apostrophe before it, so that no spreadsheet runs scraped text as a formula; remove the "
                "leading apostrophe to get the text as published.")


def _csv_text(write_csv, columns, rows) -> str:
    buffer = io.StringIO()
    write_csv(buffer, columns, rows)
    return buffer.getvalue()


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _field_type(values: list) -> str:
    """A Table Schema type that every value of the column fits (SQLite's own types may be mixed)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "integer"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "number"
    return "string"


def _resource_name(path: str) -> str:
    name = "".join(c if c.isalnum() or c in "._-" else "-" for c in path.lower())
    return name.strip("-") or "file"


def _resource(staging: Path, inside: str, name: str, description: str, schema: dict | None) -> dict:
    path = staging / inside
    resource = {"name": _resource_name(name), "path": inside, "bytes": path.stat().st_size,
                "hash": f"sha256:{_sha256(path)}"}
    if description:
        resource["description"] = description
    if schema is not None:
        resource.update({"profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
                         "encoding": "utf-8", "schema": schema})
    return resource


def _description(docs: dict, name: str) -> str:
    """The schema docs' paragraph for a table, whole (never cut mid-word)."""
    return docs.get(name, {}).get("description", "")


def _first_sentence(text: str, width: int = 220) -> str:
    sentence = text.split(". ")[0].rstrip(".")
    return textwrap.shorten(sentence, width=width, placeholder=" ...") + ("." if sentence else "")


def _sites(db: Database) -> list[str]:
    from store.tables import page_sites

    return page_sites(db)


def _range_text(facts: dict) -> str:
    if not facts["first"]:
        return "no page captured"
    return f"{facts['first']} to {facts['last']}"


def _package(facts: dict, resources: list[dict]) -> dict:
    today = facts["today"]
    return {
        "profile": "data-package",
        "name": f"glocal-watch-{today}",
        "id": f"glocal-watch-{today}",
        "title": f"glocal-watch dataset, snapshot of {today}",
        "description": ("Declarations, charters and pledges that cities sign through their networks: signatories, "
                        "memberships, events and the dated history of every change, each with the page that said it. "
                        f"Pages captured {_range_text(facts)}. " + FORMULA_NOTE),
        "version": today,
        "created": f"{today}T00:00:00Z",
        "keywords": ["cities", "city networks", "declarations", "pledges", "local governments"],
        "contributors": [{"title": "glocal-watch", "role": "author"}],
        "sources": [{"title": site.split("://", 1)[-1].rstrip("/"), "path": site} for site in facts["sites"]],
        "licenses": [{"name": "other-at", "title": "Facts as published by the listed sources; check each site's terms"}],
        "glocal_watch": {
            "tool_version": facts["version"],
            "capture_range": {"first": facts["first"], "last": facts["last"]},
            "runs": facts["runs"], "replayed_runs": facts["replays"],
            "spiders": facts["sources"],
            "archives": sorted(facts["archives"].values()),
            "archives_included": facts["included"],
        },
        "resources": resources,
    }


def _citation(facts: dict) -> str:
    today = facts["today"]
    abstract = (f"Which cities signed which declarations, charters and pledges, with history and provenance; "
                f"pages captured {_range_text(facts)}; made with glocal-watch {facts['version']}.")
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use this dataset, please cite it as below, naming the snapshot date."',
        "type: dataset",
        f'title: "glocal-watch dataset, snapshot of {today}"',
        "authors:",
        '  - name: "glocal-watch"',
        f'version: "{today}"',
        f"date-released: {today}",
        f"abstract: {json.dumps(abstract, ensure_ascii=False)}",
        "keywords:",
        *[f'  - "{word}"' for word in ("cities", "city networks", "declarations", "pledges")],
        'license-url: "https://spdx.org/licenses/"',
        "references:",
        "  - type: software",
        '    title: "glocal-watch"',
        f'    version: "{facts["version"]}"',
        "    authors:",
        '      - name: "glocal-watch"',
    ]
    return "\n".join(lines) + "\n"


def _readme(facts: dict) -> str:
    today, docs, counts = facts["today"], facts["docs"], facts["counts"]
    replay_note = (f"{facts['replays']} of {facts['runs']} runs were replays of web archives "
                   "(`glocal crawl --replay`): their capture times are the archives' own (WARC-Date), "
                   "not the day of the replay." if facts["replays"] else
                   f"All {facts['runs']} runs were live crawls.")
    archive_note = ("The WARC files are included in `archive/`; `pages.csv` points into them "
                    "(`archive`, a path inside this folder, and `archive_offset`)."
                    if facts["included"] else
                    "The WARC files are not included (`glocal snapshot --with-archive` includes them); "
                    "`pages.csv` names each page's archive by its path inside such a snapshot "
                    "(`archive/<file>`), and records its SHA-256 either way.")
    lines = [
        f"# glocal-watch dataset, snapshot of {today}",
        "",
        f"Pages captured from **{_range_text(facts)}** (UTC), exported on {today} with glocal-watch "
        f"{facts['version']}. Cite as: *glocal-watch dataset, snapshot of {today}* (see `CITATION.cff`),",
        "with the source pages listed in `pages.csv`.",
        "",
        "This folder is a [Frictionless Data Package](https://specs.frictionlessdata.io/): `datapackage.json`",
        "describes every file (a Table Schema per CSV, sizes and SHA-256); `SHA256SUMS` can be checked with",
        "`sha256sum -c SHA256SUMS`.",
        "",
        "Every fact carries its provenance: `source` (the spider), `url` (the page that said it),",
        "`first_seen_at`/`last_seen_at` (capture times) and `removed_at`; `changes.csv` is the dated log of",
        "every change with the page (`page_id` -> `pages.csv`: URL, capture time, SHA-256, archive record).",
        "Dates ending in `_on` are as the sites printed them; `_at` columns are capture times (UTC).",
        "",
        replay_note,
        "",
        archive_note,
        "",
        "## Sources",
        "",
        "| spider | runs | replays | first capture | last capture |",
        "|---|---|---|---|---|",
        *[f"| {s['spider']} | {s['runs']} | {s['replays']} | {s['first_capture'] or '-'} | {s['last_capture'] or '-'} |"
          for s in facts["sources"]],
        "",
        "Sites: " + (", ".join(facts["sites"]) if facts["sites"] else "none recorded"),
        "",
        "## Files and row counts",
        "",
        "| file | rows | what one row is |",
        "|---|---|---|",
        *[f"| {name}.csv | {count} | {_first_sentence(docs.get(name, {}).get('description', ''))} |"
          for name, count in counts.items()],
        "",
        "`data-dictionary.csv` describes every column (table, column, type, meaning).",
        "",
        "## Reading the CSVs",
        "",
        "UTF-8, comma-separated, a header row, an empty cell for NULL. " + FORMULA_NOTE,
        "",
        "Licence: the data is facts published by the listed sites; check each site's terms before republishing.",
        "",
    ]
    return "\n".join(lines)
