"""The docs cannot drift: every table column, command, setting and spider is documented."""

import importlib
import re
from pathlib import Path

import pytest

from crawler import settings as project_settings
from cli.common import spider_names
from cli.main import cli
from store import open_db

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"


def sections(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


SCHEMA = sections(DOCS / "schema.md")
_db = open_db(memory=True)
# FTS5 keeps its index in shadow tables (<index>_data, _idx, ...): SQLite's, not part of the interface.
_SHADOWS = {f"{fts}{suffix}" for fts in _db.table_names(fts5=True)
            for suffix in ("_data", "_idx", "_content", "_docsize", "_config")}
RELATIONS = {name: list(_db[name].columns_dict) for name in _db.table_names()
             if not name.startswith("_") and name not in _SHADOWS}
RELATIONS.update({name: list(_db[name].columns_dict) for name in _db.view_names()})
_db.close()


# The checks over hundreds of names (columns, cited files, settings) are one test each that lists
# every miss: a test item costs pytest and its workers about 3 ms of CPU whatever it checks, and
# these ~1,000 checks together cost less than that.

def test_every_table_and_view_has_a_section():
    missing = [relation for relation in sorted(RELATIONS) if relation not in SCHEMA]
    assert not missing, "docs/schema.md has no section for: " + ", ".join(f"'## {r}'" for r in missing)


def test_every_column_is_documented():
    assert len(RELATIONS) > 20 and all(RELATIONS.values())  # the migrated schema was read
    missing = [f"section {relation}: no row for `{column}`" for relation, columns in sorted(RELATIONS.items())
               for column in columns
               if not re.search(rf"^\|\s*`{re.escape(column)}`\s*\|", SCHEMA.get(relation, ""), flags=re.M)]
    assert not missing, "docs/schema.md, " + "; ".join(missing)


CLI_DOCS = sections(DOCS / "cli.md")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_a_section(name):
    command = cli.commands[name]
    assert command.help and "Example" in command.help
    assert f"glocal {name}" in CLI_DOCS, f"docs/cli.md has no '## glocal {name}' section"


# Every project setting, whatever its prefix (sources' own included): the table of crawler/settings.py,
# which tests/crawler/test_settings.py holds every project setting of the module to. Scrapy's own
# settings the environment sets are documented with the crawling manners instead.
SETTINGS = [setting.name for setting in project_settings.table if not setting.scrapy]
SETTINGS_DOCS = sections(DOCS / "settings.md")


def test_every_project_setting_is_documented():
    assert len(SETTINGS) > 20  # the settings table was read
    missing = [name for name in SETTINGS if name not in SETTINGS_DOCS]
    assert not missing, "docs/settings.md has no section for: " + ", ".join(f"'## {n}'" for n in missing)


SOURCES = (DOCS / "sources.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("spider", spider_names())
def test_every_spider_has_its_parser_fixtures_tests_and_a_line_in_sources(spider):
    from spiders.parsers.roster_source import source_named

    configured = source_named(spider)  # a roster of spiders/rosters.toml: the generic reader is its parser
    parser = configured or importlib.import_module(f"spiders.parsers.{spider}")
    assert parser.EXPECTATIONS.landmarks and parser.EXPECTATIONS.min_items
    assert (ROOT / "tests" / "fixtures" / spider / "meta.json").exists()
    assert (ROOT / "tests" / "spiders" / ("test_rosters.py" if configured else f"test_{spider}.py")).exists()
    assert f"`{spider}`" in SOURCES or f"## {spider}" in SOURCES


@pytest.mark.parametrize("spider", spider_names())
def test_fixture_folders_and_meta_agree(spider):
    import json

    folder = ROOT / "tests" / "fixtures" / spider
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    saved = {p.name for p in folder.iterdir() if p.name not in ("meta.json", "SOURCES.md")}
    assert saved == set(meta), "every saved page needs a meta.json entry (url, fetched_at), and the reverse"
    for info in meta.values():
        assert info["url"].startswith("https://") and info["fetched_at"].endswith("Z")


def test_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.+?)\n```", readme, flags=re.S)
    assert "glocal crawl --all --replay tests/fixtures/sample.warc.gz" in blocks[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1].strip() in ci, ".ci/run must run exactly the README's test command"
    heavier = [block.strip() for block in blocks if "-m 'slow or browser or realdata'" in block]
    assert heavier and heavier[0] in ci, ".ci/run must run the README's command for the heavier forms too"


# --- paths the docs cite exist ------------------------------------------------------------------------

_CITED = re.compile(r"`((?:[a-z_]+/)+[A-Za-z0-9_.-]+\.(?:py|md|toml|csv|tmpl))`")
_PLACEHOLDER = re.compile(r"SLUG|SPIDER|NAME|<")


def cited_paths() -> list[tuple[str, str]]:
    pages = [*sorted(DOCS.glob("*.md")), ROOT / "README.md"]
    return sorted({(page.name, path) for page in pages for path in _CITED.findall(page.read_text(encoding="utf-8"))
                   if not _PLACEHOLDER.search(path)})


def test_every_file_the_docs_cite_exists():
    cited = cited_paths()
    assert len(cited) > 100  # the docs cite hundreds of files: a reader that finds none is broken
    missing = [f"{page} cites {path}" for page, path in cited if not (ROOT / path).exists()]
    assert not missing, "files the docs cite that do not exist: " + "; ".join(missing)


@pytest.mark.parametrize("package", sorted(p.parent.name for p in ROOT.glob("*/__init__.py")))
def test_every_module_a_package_docstring_names_exists(package):
    doc = importlib.import_module(package).__doc__ or ""
    named = set(re.findall(r"(?<![/\w])([a-z_]+)\.py\b", doc))  # a bare name: a module of this package
    assert {name for name in named if not (ROOT / package / f"{name}.py").exists()} == set()


def test_adding_a_source_stays_one_screen():
    assert len((DOCS / "adding-a-source.md").read_text(encoding="utf-8").splitlines()) <= 65


@pytest.mark.parametrize("page", ["docs/architecture.md", "README.md"])
def test_the_architecture_and_the_readme_name_every_room(page):
    from tests.test_layering import PACKAGES

    text = (ROOT / page).read_text(encoding="utf-8")
    assert [room for room in PACKAGES if f"`{room}/`" not in text] == []
