"""The sample store the research tests share (conftest.py's `sample_store`) is built in process, to
spare the suite the command's fifteen child crawls: this checks, once per CI run (`-m slow`), that
`glocal crawl --all --replay tests/fixtures/sample.warc.gz`, the README's first command, builds the
same store, table by table and row by row, but for the moments each crawl ran."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import crawl_all_in_process

pytestmark = pytest.mark.slow

SAMPLE_ARCHIVE = Path(__file__).parents[1] / "fixtures" / "sample.warc.gz"
# Columns holding the wall-clock moment a crawl or its bookkeeping ran, which differ between any two builds.
WHEN = {"applied_at", "detected_at", "started_at", "finished_at"}


def contents(path: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        tables = [row[0] for row in connection.execute(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")]
        found = {}
        for table in tables:
            columns = [row[1] for row in connection.execute(f"pragma table_info([{table}])") if row[1] not in WHEN]
            selected = ", ".join(f"[{column}]" for column in columns)
            found[table] = sorted(connection.execute(f"select {selected} from [{table}]").fetchall(), key=repr)
        return found
    finally:
        connection.close()


def test_the_command_builds_the_store_the_tests_build_in_process(tmp_path):
    glocal = Path(sys.executable).parent / "glocal"
    command = subprocess.run([str(glocal), "crawl", "--all", "--workers", "1", "--replay", str(SAMPLE_ARCHIVE), "--db",
                              str(tmp_path / "command" / "glocal.db")], capture_output=True, text=True, timeout=900)
    assert command.returncode == 0, command.stdout + command.stderr
    in_process = crawl_all_in_process(SAMPLE_ARCHIVE, tmp_path / "in-process" / "glocal.db")
    assert in_process.returncode == 0, in_process.stdout
    assert in_process.stdout == command.stdout  # the same spiders, in the same order, with the same outcome
    by_command, by_tests = contents(tmp_path / "command" / "glocal.db"), contents(tmp_path / "in-process" / "glocal.db")
    assert list(by_tests) == list(by_command)
    for table, rows in by_command.items():
        assert by_tests[table] == rows, f"{table} differs"
