"""`glocal new-spider` writes a source whose generated test fails until its expectations are read
off the saved page, then passes; the new spider's first replay crawl is healthy and stores its
instrument and signatories; nothing existing is overwritten; a refused name or URL writes nothing."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.helpers import ROOT, query

URL = "https://www.example.org/declarations/coastal-cities-pledge/"
# A pledge page as a browser saves it: a navigation menu and a footer (lists too) around the pledge.
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Coastal Cities Pledge | Example Network</title>
<link rel="stylesheet" href="/assets/site.css"></head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/members/">Members</a></li>
<li><a href="/declarations/">Declarations</a></li></ul></nav></header>
<main><h1>Coastal Cities Pledge</h1><p>Adopted in Lisbon in 2025.</p>
<p>Cities pledge to adapt their coasts to rising seas by 2040.</p>
<h2>Signatories</h2><ul><li>Lisbon</li><li>Porto</li><li>Κέρκυρα</li><li>Valparaíso</li></ul></main>
<footer><ul><li><a href="/privacy/">Privacy</a></li><li><a href="/contact/">Contact</a></li></ul></footer>
</body></html>"""
# What the saved page says, read by eye: the values docs/adding-a-source.md asks to fill in.
FILLED_IN = (("title", '"Coastal Cities Pledge"'), ("key", '"coastal/coastal-cities-pledge"'),
             ("signatories", "4"), ("first", '"Lisbon"'), ("last", '"Valparaíso"'))


@pytest.fixture
def project(tmp_path):
    """A copy of the project's layout: the real packages linked in, spiders/ and tests/ writable."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("kit", "crawler", "store", "scheduler", "places", "alerts", "research", "operations", "cli", "scrapy.cfg"):
        (root / name).symlink_to(ROOT / name)
    for package in ("spiders", "spiders/parsers", "tests", "tests/spiders"):
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("")
    # The spiders' shared modules (base classes; the parsers' page, listing and platform helpers), no source.
    shared = [p for p in (ROOT / "spiders").glob("*.py") if not (ROOT / "spiders" / "parsers" / p.name).exists()]
    shared += [p for p in (ROOT / "spiders" / "parsers").glob("*.py") if not (ROOT / "spiders" / p.name).exists()]
    for path in shared:
        if path.name != "__init__.py":
            (root / path.relative_to(ROOT)).symlink_to(path)
    for module in ("tests/helpers.py", "tests/site_server.py"):
        (root / module).symlink_to(ROOT / module)
    (root / "tests" / "fixtures").mkdir()
    (root / "docs").mkdir()
    (root / "docs" / "sources.md").write_text("# Sources\n")
    page = tmp_path / "saved.html"
    page.write_text(PAGE, encoding="utf-8")
    return root, page


def new_spider(root, *args):
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(cli, ["new-spider", *map(str, args)])
    finally:
        os.chdir(cwd)


def in_project(root, *command, timeout=180):
    """A command run in the project copy, its packages first on the path (as in a clone of it)."""
    return subprocess.run(list(map(str, command)), cwd=root, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(root)})


def glocal_in(root, *args):
    return in_project(root, Path(sys.executable).parent / "glocal", *args)


def run_generated_test(root):
    return in_project(root, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                      "tests/spiders/test_coastal.py")


def fill_in(root):
    """Replace each FILL_IN of the generated test by what the saved page says (the hand edit the docs ask)."""
    test_file = root / "tests" / "spiders" / "test_coastal.py"
    text = test_file.read_text(encoding="utf-8")
    for field, value in FILLED_IN:
        text = text.replace(f'"{field}": FILL_IN,', f'"{field}": {value},', 1)
    assert "FILL_IN," not in text
    test_file.write_text(text, encoding="utf-8")


def tree(root):
    """Every file of the project copy (links not followed) and its bytes: what a refused scaffold must not change."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts}


_LISTINGS = {}  # the files of a project copy -> `glocal spiders` run in it


def spiders_listed(root):
    """`glocal spiders` in the project copy, run once for each set of files a copy holds: a refused
    scaffold leaves every copy as the fixture made it, and the same files list the same spiders."""
    files = frozenset(tree(root).items())
    if files not in _LISTINGS:
        _LISTINGS[files] = glocal_in(root, "spiders", "--db", root / "glocal.db")
    return _LISTINGS[files]


def test_the_generated_test_fails_until_filled_in_then_passes(project):
    root, page = project
    result = new_spider(root, "coastal", URL, "--from", page)
    assert result.exit_code == 0, result.output
    before = run_generated_test(root)
    assert before.returncode == 1, before.stdout
    assert "6 failed, 3 passed" in before.stdout, before.stdout
    assert "FILL_IN (read this value off the saved page)" in before.stdout

    fill_in(root)
    after = run_generated_test(root)
    assert after.returncode == 0, after.stdout
    assert "9 passed" in after.stdout  # with the replay crawl of the spider over the saved page


def test_a_scaffolded_spider_crawls_healthy_on_its_first_replay(project, tmp_path):
    """From a saved pledge page to a healthy crawl, by the commands docs/adding-a-source.md names."""
    root, page = project
    assert new_spider(root, "coastal", URL, "--from", page).exit_code == 0
    fill_in(root)
    archive, db = tmp_path / "coastal.warc.gz", tmp_path / "glocal.db"
    built = glocal_in(root, "build-archive", "tests/fixtures/coastal", "-o", archive)
    assert built.returncode == 0, built.stderr
    crawl = glocal_in(root, "crawl", "coastal", "--replay", archive, "--db", db)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    assert "coastal: run 1 finished [ok]" in crawl.stdout and "UNHEALTHY" not in crawl.stdout
    assert query(db, "select status, healthy, items from crawl_runs") == [
        {"status": "finished", "healthy": 1, "items": 5}]
    assert query(db, "select key, title, url from instruments") == [
        {"key": "coastal/coastal-cities-pledge", "title": "Coastal Cities Pledge", "url": URL}]
    signatories = query(db, "select actor_name, instrument_key from signatures where removed_at is null order by rowid")
    assert signatories == [{"actor_name": name, "instrument_key": "coastal/coastal-cities-pledge"}
                           for name in ("Lisbon", "Porto", "Κέρκυρα", "Valparaíso")]
    scopes = query(db, "select scope, healthy, complete from scope_runs order by scope")
    assert scopes == [{"scope": "instruments:coastal/coastal-cities-pledge", "healthy": 1, "complete": 1},
                      {"scope": "signatures:coastal/coastal-cities-pledge", "healthy": 1, "complete": 1}]
    listed = glocal_in(root, "spiders", "--db", db)
    assert listed.returncode == 0 and "coastal" in listed.stdout and "healthy" in listed.stdout, listed.stdout


def test_the_generated_files(project):
    root, page = project
    result = new_spider(root, "coastal", URL, "--from", page)
    assert result.exit_code == 0, result.output
    spider = (root / "spiders" / "coastal.py").read_text()
    assert len(spider.splitlines()) < 20
    assert 'allowed_domains = ["www.example.org", "example.org"]' in spider
    parser = (root / "spiders" / "parsers" / "coastal.py").read_text()
    assert "EXPECTATIONS = Expectations(" in parser and "Landmark(\"signatory_list\"" in parser
    assert "ROUTES = Routes(" in parser and "example=START_URL" in parser
    assert "soup_of(html, url" in parser and "BeautifulSoup" not in parser
    meta = json.loads((root / "tests" / "fixtures" / "coastal" / "meta.json").read_text())
    assert meta["saved.html"]["url"] == URL and meta["saved.html"]["status"] == 200
    assert meta["saved.html"]["fetched_at"].endswith("Z")
    assert (root / "tests" / "fixtures" / "coastal" / "saved.html").read_text(encoding="utf-8") == PAGE
    assert "## coastal" in (root / "docs" / "sources.md").read_text()
    compile(spider, "coastal.py", "exec")
    compile(parser, "parsers/coastal.py", "exec")


def test_nothing_is_overwritten(project):
    root, page = project
    assert new_spider(root, "coastal", URL, "--from", page).exit_code == 0
    again = new_spider(root, "coastal", URL)
    assert again.exit_code == 1 and "coastal exists already" in again.output


@pytest.mark.parametrize("slug,url,message", [
    ("Coastal", URL, "is not a spider name"),
    ("import", URL, "is a Python keyword"),
    ("class", URL, "is a Python keyword"),
    ("c" * 300, URL, "300 characters, at most 40"),
    ("coastal", "www.example.org/x", "is not an http(s) URL"),
    ("coastal", 'https://www.example.org/pledge"; import os; "', "it contains '\"'"),
    ("coastal", "https://www.example.org/coastal pledge", "it contains ' '"),
    ("coastal", "https://www.example.org/pledge\\", "it contains '\\\\'"),
    ("coastal", "https://www.example.org/pledge\x00", "it contains '\\x00'"),
    ("coastal", "http://[www.example.org/", "is not an http(s) URL"),
])
def test_bad_names_and_urls_are_refused_in_one_line_and_write_nothing(project, slug, url, message):
    root, page = project
    before = tree(root)
    result = new_spider(root, slug, url, "--from", page)
    assert result.exit_code == 1 and message in result.output, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert tree(root) == before
    listed = spiders_listed(root)
    assert listed.returncode == 0 and not listed.stderr, listed.stderr


def test_a_saved_page_named_meta_json_is_refused(project, tmp_path):
    root, _ = project
    (tmp_path / "meta.json").write_text(PAGE, encoding="utf-8")
    before = tree(root)
    result = new_spider(root, "coastal", URL, "--from", tmp_path / "meta.json")
    assert result.exit_code == 1 and "cannot be a fixture's file name" in result.output
    assert tree(root) == before


def test_a_write_that_fails_half_way_takes_back_what_it_wrote(project):
    root, page = project
    (root / "tests" / "spiders" / "__init__.py").unlink()
    (root / "tests" / "spiders").rmdir()  # the test file cannot be written: the spider and parser were
    before = tree(root)
    result = new_spider(root, "coastal", URL, "--from", page)
    assert result.exit_code == 1 and "cannot write the scaffold of coastal" in result.output, result.output
    assert result.output.count("\n") == 1 and tree(root) == before
    assert not (root / "tests" / "fixtures" / "coastal").exists()


def test_every_value_reaches_the_generated_code_as_a_literal(project, tmp_path):
    """Quotes, dollars, other scripts and percent escapes in the URL or the saved page's file name
    come out of the generated modules as they went in."""
    root, _ = project
    url = "https://www.example.org/it's-a-pledge/déclaration?x=$slug&y=%22'''"
    saved = tmp_path / "it's $page.html"
    saved.write_text(PAGE, encoding="utf-8")
    result = new_spider(root, "coastal", url, "--from", saved)
    assert result.exit_code == 0, result.output
    spec = importlib.util.spec_from_file_location("scaffolded_coastal", root / "spiders" / "parsers" / "coastal.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.START_URL == url and module.ROUTES.match(url).parse is module.parse_page
    assert "PAGE_FILE = \"it's $page.html\"" in (root / "tests" / "spiders" / "test_coastal.py").read_text(encoding="utf-8")
    meta = json.loads((root / "tests" / "fixtures" / "coastal" / "meta.json").read_text(encoding="utf-8"))
    assert meta["it's $page.html"]["url"] == url


def test_outside_a_project_it_says_so(tmp_path):
    result = new_spider(tmp_path, "coastal", URL)
    assert result.exit_code == 1 and "no glocal-watch project" in result.output
