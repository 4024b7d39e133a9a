"""`glocal new-spider` writes a source whose generated test fails until its expectations are read
off the saved page, then passes; nothing existing is overwritten."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.helpers import ROOT

URL = "https://www.example.org/declarations/coastal-cities-pledge/"
PAGE = """<html><head><title>Coastal Cities Pledge | Example Network</title></head><body>
<h1>Coastal Cities Pledge</h1><p>Adopted in Lisbon in 2025.</p>
<h2>Signatories</h2><ul><li>Lisbon</li><li>Porto</li><li>Κέρκυρα</li><li>Valparaíso</li></ul>
</body></html>"""


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
    for module in ("spiders/base.py", "spiders/platforms.py", "spiders/parsers/wordpress.py",
                   "spiders/parsers/drupal.py", "tests/helpers.py", "tests/site_server.py"):
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


def run_generated_test(root):
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/spiders/test_coastal.py"],
                          cwd=root, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(root)})


def test_the_generated_test_fails_until_filled_in_then_passes(project):
    root, page = project
    result = new_spider(root, "coastal", URL, "--from", page)
    assert result.exit_code == 0, result.output
    before = run_generated_test(root)
    assert before.returncode == 1
    assert "5 failed, 3 passed" in before.stdout, before.stdout
    assert "FILL_IN (read this value off the saved page)" in before.stdout

    test_file = root / "tests" / "spiders" / "test_coastal.py"
    text = test_file.read_text(encoding="utf-8")
    for field, value in (("title", '"Coastal Cities Pledge"'), ("key", '"coastal/coastal-cities-pledge"'),
                         ("signatories", "4"), ("first", '"Lisbon"'), ("last", '"Valparaíso"')):
        text = text.replace(f'"{field}": FILL_IN,', f'"{field}": {value},', 1)
    test_file.write_text(text, encoding="utf-8")
    after = run_generated_test(root)
    assert after.returncode == 0, after.stdout
    assert "8 passed" in after.stdout


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
    import json

    meta = json.loads((root / "tests" / "fixtures" / "coastal" / "meta.json").read_text())
    assert meta["saved.html"]["url"] == URL and meta["saved.html"]["status"] == 200
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
    ("coastal", "www.example.org/x", "is not an http(s) URL"),
])
def test_bad_names_and_urls_are_refused(project, slug, url, message):
    root, _ = project
    result = new_spider(root, slug, url)
    assert result.exit_code == 1 and message in result.output
    assert not (root / "spiders" / "coastal.py").exists()


def test_outside_a_project_it_says_so(tmp_path):
    result = new_spider(tmp_path, "coastal", URL)
    assert result.exit_code == 1 and "no glocal-watch project" in result.output
