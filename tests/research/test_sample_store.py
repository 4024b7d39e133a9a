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


@pytest.fixture(scope="module")
def by_command(tmp_path_factory):
    """The README's command, once: its store (every spider's crawler in one batch child,
    crawler/batch.py) and what it printed, which both tests below compare with another path."""
    folder = tmp_path_factory.mktemp("command")
    glocal = Path(sys.executable).parent / "glocal"
    command = subprocess.run([str(glocal), "crawl", "--all", "--replay", str(SAMPLE_ARCHIVE), "--db",
                              str(folder / "glocal.db")], capture_output=True, text=True, timeout=900)
    assert command.returncode == 0, command.stdout + command.stderr
    return folder / "glocal.db", command.stdout


def test_the_command_builds_the_store_the_tests_build_in_process(tmp_path, by_command):
    db, stdout = by_command
    in_process = crawl_all_in_process(SAMPLE_ARCHIVE, tmp_path / "in-process" / "glocal.db")
    assert in_process.returncode == 0, in_process.stdout
    assert in_process.stdout == stdout  # the same spiders, in the same order, with the same outcome
    by_command, by_tests = contents(db), contents(tmp_path / "in-process" / "glocal.db")
    assert list(by_tests) == list(by_command)
    for table, rows in by_command.items():
        assert by_tests[table] == rows, f"{table} differs"


def test_the_batch_replay_builds_the_store_a_child_per_spider_builds(tmp_path, by_command):
    """`glocal crawl --replay` runs every spider in one child (crawler/batch.py); a child per spider
    (crawler/child.py, still the path of live crawls and of a batch that died) builds the same store."""
    from cli.common import spider_class, spider_names, start_urls
    from crawler.download_handlers import archive_index
    from crawler.pool import crawl_each

    batch_db, stdout = by_command
    index = archive_index(SAMPLE_ARCHIVE)
    names = [name for name in spider_names()
             if (starts := start_urls(spider_class(name))) and all(url in index for url in starts)]
    children_db = tmp_path / "children" / "glocal.db"
    children_db.parent.mkdir()
    children = list(crawl_each({name: spider_class(name) for name in names}, workers=1, db_path=children_db,
                               timeout=300, replay=str(SAMPLE_ARCHIVE)))
    assert stdout.splitlines() == [o.message for o in children]  # every run healthy: each line on stdout
    by_batch, by_children = contents(batch_db), contents(children_db)
    assert list(by_batch) == list(by_children)
    for table, rows in by_children.items():
        assert by_batch[table] == rows, f"{table} differs"
