"""Every example of docs/queries.md and every read-only example of docs/cli.md runs as written on the
sample store (`glocal crawl --all --replay tests/fixtures/sample.warc.gz`): the commands exit 0, the
SQL executes. Live crawls, backfills, Scrapyd, imports and commands that write the store or send
messages are exempt: they are tested where they live."""

import re
import shlex
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli

DOCS = Path(__file__).parents[2] / "docs"
# Commands (first words after `glocal`) whose examples only read the store or the repository.
READ_ONLY = {"signatories", "instruments", "changes", "spiders", "status", "show-page", "export", "events",
             "parse", "actors list", "actors review", "alerts status", "plot"}
WRITES = {"changes confirm"}  # a read-only command's subcommand that writes


def sh_examples(path: Path) -> list[str]:
    """The `glocal ...` lines of the ```sh blocks, continuation lines joined, comments dropped."""
    text = path.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        block = re.sub(r"\\\n\s*", " ", block)
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("glocal "):
                commands.append(line)
    return commands


def words(command: str) -> list[str]:
    text = command.split(" | ")[0].split(" > ")[0]
    return shlex.split(text, comments=True)[1:]


def family(args: list[str]) -> str:
    two = " ".join(args[:2])
    return two if two in READ_ONLY | WRITES else args[0]


def runnable(path: Path) -> list[str]:
    return [c for c in sh_examples(path) if family(words(c)) in READ_ONLY and family(words(c)) not in WRITES
            and not any(missing in c for missing in ("page.html", "data/checks"))]


QUERY_EXAMPLES = sh_examples(DOCS / "queries.md")
CLI_EXAMPLES = runnable(DOCS / "cli.md")


def test_the_docs_have_examples_to_run():
    assert len(QUERY_EXAMPLES) >= 12 and all(words(c)[0] == "export" for c in QUERY_EXAMPLES)
    assert len(CLI_EXAMPLES) >= 8


def run_example(command: str, db: Path, folder: Path):
    args = words(command)
    if "-o" in args:  # write files into the test's folder, not the repository
        index = args.index("-o")
        args[index + 1] = str(folder / Path(args[index + 1]).name)
    if args[0] != "parse":  # parse reads a saved page, no store
        args = [*args, "--db", str(db)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, f"{command}\n{result.output}"
    return result


@pytest.mark.parametrize("command", QUERY_EXAMPLES)
def test_every_example_of_queries_md_runs(command, sample_store, tmp_path):
    result = run_example(command, sample_store, tmp_path)
    if "accra" not in command:  # Accra is on the research store's Clean Air list, not the sample's
        assert result.output.count("\n") >= 2 and result.output.strip() != "[]", command  # rows, not only a header


@pytest.mark.parametrize("command", CLI_EXAMPLES)
def test_every_read_only_example_of_cli_md_runs(command, sample_store, tmp_path):
    run_example(command, sample_store, tmp_path)


def sql_examples(path: Path) -> list[str]:
    return re.findall(r"```sql\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("sql", sql_examples(DOCS / "queries.md"))
def test_every_sql_example_of_queries_md_runs(sql, sample_store):
    connection = sqlite3.connect(sample_store)
    try:
        connection.execute(sql).fetchall()
    finally:
        connection.close()
