"""glocal snapshot as a Frictionless Data Package: valid (checked by the frictionless library),
valid still when moved, stating its capture range and sources, with checksums that hold, the
same bytes twice apart from its date, and CSVs no spreadsheet runs as formulas."""

import csv
import hashlib
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from frictionless import validate

from cli.main import cli
from research.snapshot import write_snapshot
from store import open_db

DAY = "2026-12-01"


def glocal(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def snapshot(db_path, directory, **options):
    db = open_db(db_path)
    try:
        return write_snapshot(db, str(directory), today=options.pop("today", DAY), **options)
    finally:
        db.close()


def valid(folder: Path):
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


@pytest.fixture(scope="module")
def plain(research_store, tmp_path_factory):
    """One snapshot without the archive, written once for the tests that only read it: (folder, counts)."""
    return snapshot(research_store, tmp_path_factory.mktemp("plain-snapshot"))


def test_the_snapshot_is_a_valid_data_package_that_states_its_capture_range(research_store, plain):
    folder, counts = plain
    valid(folder)
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    first, last = sqlite3.connect(research_store).execute("select min(fetched_at), max(fetched_at) from pages").fetchone()
    assert package["glocal_watch"]["capture_range"] == {"first": first, "last": last}
    assert package["glocal_watch"]["tool_version"] and package["sources"][0]["path"] == "https://www.c40.org/"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert f"Pages captured from **{first} to {last}**" in readme
    assert "3 of 9 runs were replays of web archives" in readme
    for view in ("signatories", "signing_dates", "scope_runs", "treaty_links", "count_history"):
        assert view in counts and (folder / f"{view}.csv").exists()
    signatures = [r for r in package["resources"] if r["name"] == "signatures"][0]
    assert signatures["schema"]["primaryKey"] == ["key"]
    signed_on = [f for f in signatures["schema"]["fields"] if f["name"] == "signed_on"][0]
    assert signed_on["description"].startswith("Signing date only as the site printed it")
    cff = (folder / "CITATION.cff").read_text(encoding="utf-8")
    assert "cff-version: 1.2.0" in cff and f"date-released: {DAY}" in cff
    # No README line is cut mid-word (the old one cut descriptions at 160 characters).
    rows = [line for line in readme.splitlines() if line.startswith("| ") and ".csv |" in line]
    assert rows and all(line.rstrip(" |").endswith((".", "...")) for line in rows)


def test_every_file_has_its_sha256_and_they_hold(plain):
    folder, _ = plain
    sums = dict(reversed(line.split("  ", 1)) for line in (folder / "SHA256SUMS").read_text().splitlines())
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert set(sums) == files
    for name, digest in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        assert resource["hash"] == "sha256:" + sums[resource["path"]]
        assert resource["bytes"] == (folder / resource["path"]).stat().st_size


def test_with_archive_the_package_moves_and_its_provenance_still_resolves(research_store, tmp_path):
    folder, _ = snapshot(research_store, tmp_path / "here", with_archive=True)
    moved = Path(shutil.move(str(folder), str(tmp_path / "elsewhere")))
    valid(moved)
    pages = list(csv.DictReader((moved / "pages.csv").open(encoding="utf-8")))
    archived = [p for p in pages if p["archive"]]
    assert archived and all(p["archive"].startswith("archive/") for p in archived)
    import warcio.archiveiterator

    page = archived[-1]
    with open(moved / page["archive"], "rb") as stream:
        stream.seek(int(page["archive_offset"]))
        record = next(iter(warcio.archiveiterator.ArchiveIterator(stream)))
        assert record.rec_headers.get_header("WARC-Target-URI") == page["url"]
    package = json.loads((moved / "datapackage.json").read_text(encoding="utf-8"))
    assert package["glocal_watch"]["archives_included"] is True
    assert any(r["path"].startswith("archive/") and r["mediatype"] == "application/warc" for r in package["resources"])


def test_without_archive_the_paths_are_still_relative_and_the_readme_says_how_to_include_them(plain):
    folder, _ = plain
    pages = list(csv.DictReader((folder / "pages.csv").open(encoding="utf-8")))
    assert all(p["archive"].startswith("archive/") for p in pages if p["archive"])
    assert not any(p["archive"].startswith("/") for p in pages)
    assert "--with-archive" in (folder / "README.md").read_text(encoding="utf-8")
    assert not (folder / "archive").exists()


def test_two_snapshots_of_one_store_differ_by_their_date_alone(research_store, tmp_path):
    one, _ = snapshot(research_store, tmp_path / "a", today="2026-12-01")
    two, _ = snapshot(research_store, tmp_path / "b", today="2026-12-24")
    names = sorted(p.relative_to(one).as_posix() for p in one.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(two).as_posix() for p in two.rglob("*") if p.is_file())
    for name in names:
        if name == "SHA256SUMS":
            continue
        a, b = (one / name).read_bytes(), (two / name).read_bytes()
        assert a.replace(b"2026-12-01", b"DATE") == b.replace(b"2026-12-24", b"DATE"), name
    undated = [line for line in (one / "SHA256SUMS").read_text().splitlines()
               if not line.endswith(("README.md", "CITATION.cff", "datapackage.json"))]
    assert undated and set(undated) <= set((two / "SHA256SUMS").read_text().splitlines())


def test_a_non_empty_folder_is_refused_unless_forced(research_store, tmp_path):
    target = tmp_path / f"glocal-watch-{DAY}"
    target.mkdir()
    snapshot(research_store, tmp_path)  # an empty folder of that name is fine
    before = (target / "README.md").read_bytes()
    result = glocal("snapshot", tmp_path, "--db", research_store)
    assert result.exit_code == 0  # another day's folder: the command's own date
    from kit.errors import GlocalError

    with pytest.raises(GlocalError, match="already exists and is not empty"):
        snapshot(research_store, tmp_path)
    assert (target / "README.md").read_bytes() == before
    (target / "stray.txt").write_text("mine")
    snapshot(research_store, tmp_path, force=True)
    assert not (target / "stray.txt").exists() and (target / "datapackage.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_the_cli_refuses_a_second_snapshot_in_one_line(research_store, tmp_path):
    assert glocal("snapshot", tmp_path, "--db", research_store).exit_code == 0
    again = glocal("snapshot", tmp_path, "--db", research_store)
    assert again.exit_code == 1 and "already exists and is not empty" in again.output and "--force" in again.output
    assert glocal("snapshot", tmp_path, "--force", "--db", research_store).exit_code == 0


FORMULAS = ['=HYPERLINK("http://evil.example/","click")', "@SUM(A1:A9)", "+1+1", "-2+3"]


@pytest.fixture
def formula_store(store_copy):
    connection = sqlite3.connect(store_copy)
    ids = [row[0] for row in connection.execute("select id from actors order by id limit 4")]
    for actor_id, text in zip(ids, FORMULAS):
        connection.execute("update actors set name = ? where id = ?", [text, actor_id])
    connection.commit()
    connection.close()
    return store_copy


def test_formula_leading_cells_are_defused_in_every_csv(formula_store, tmp_path):
    exported = glocal("export", "actors", "--format", "csv", "--db", formula_store).output
    names = [row["name"] for row in csv.DictReader(io.StringIO(exported))]
    for text in FORMULAS:
        assert "'" + text in names and text not in names
    as_json = json.loads(glocal("export", "actors", "--format", "json", "--db", formula_store).output)
    assert FORMULAS[0] in {row["name"] for row in as_json}  # JSON is no spreadsheet: the text as it is
    folder, _ = snapshot(formula_store, tmp_path)
    in_snapshot = {row["name"] for row in csv.DictReader((folder / "actors.csv").open(encoding="utf-8"))}
    assert {"'" + text for text in FORMULAS} <= in_snapshot
    dictionary = list(csv.DictReader((folder / "data-dictionary.csv").open(encoding="utf-8")))
    assert any("apostrophe" in row["meaning"] for row in dictionary)
    valid(folder)
