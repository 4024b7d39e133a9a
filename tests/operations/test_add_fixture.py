"""glocal fixtures add: archived responses become fixtures, with a test that passes as generated."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

from tests.helpers import FIXTURES, ROOT, archive_of, run_cli, saved_pages

SPIDER = "c40_accelerators"
CLEAN_AIR = "https://www.c40.org/accelerators/clean-air-cities/"
HUB = "https://www.c40.org/what-we-do/raising-climate-ambition/high-impact-accelerators/"


def run_pytest(test_file):
    """pytest on one generated file, in one process: the project's addopts (-n 4) would start four
    workers for it. A generated test uses no Hypothesis: its plugin's import (0.5 s of CPU) is left out."""
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "-p", "no:hypothesispytest", "-o", "addopts=", str(test_file)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_generated_test_passes_as_generated(tmp_path):
    folder, test_file = tmp_path / "fixtures", tmp_path / "test_generated.py"
    result = run_cli("fixtures", "add", SPIDER, CLEAN_AIR, HUB, "--from", FIXTURES / "sample.warc.gz",
                    "--folder", folder, "--test", test_file)
    assert result.returncode == 0, result.stderr
    meta = json.loads((folder / SPIDER / "meta.json").read_text())
    assert meta["clean-air-cities.html"]["url"] == CLEAN_AIR
    assert meta["clean-air-cities.html"]["fetched_at"] == "2026-11-02T08:15:06Z"
    assert (folder / SPIDER / "clean-air-cities.html").read_bytes() == (FIXTURES / SPIDER / "clean-air-cities.html").read_bytes()
    source = test_file.read_text()
    assert "def test_clean_air_cities_instrument_0_title" in source
    assert "def test_clean_air_cities_signature_keys" in source
    run = run_pytest(test_file)
    assert run.returncode == 0, run.stdout[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


def test_the_generated_test_fails_when_the_parser_changes_its_mind(tmp_path):
    folder, test_file = tmp_path / "fixtures", tmp_path / "test_generated.py"
    run_cli("fixtures", "add", SPIDER, CLEAN_AIR, "--from", FIXTURES / "sample.warc.gz", "--folder", folder,
           "--test", test_file)
    page = folder / SPIDER / "clean-air-cities.html"
    page.write_bytes(page.read_bytes().replace(b"Milan, ", b""))  # the page now says something else
    run = run_pytest(test_file)
    assert run.returncode == 1 and "failed" in run.stdout


def test_an_existing_fixture_is_only_replaced_with_force(tmp_path):
    folder = tmp_path / "fixtures"
    args = ("fixtures", "add", SPIDER, CLEAN_AIR, "--folder", folder)
    run_cli(*args, "--from", FIXTURES / "sample.warc.gz")
    changed = [dataclasses.replace(p, body=p.body.replace(b"Milan, ", b""))
               for p in saved_pages(SPIDER, ["clean-air-cities.html"])]
    newer = archive_of(tmp_path / "newer.warc.gz", changed)
    refused = run_cli(*args, "--from", newer)
    assert refused.returncode == 1 and "pass --force" in refused.stderr
    assert b"Milan, " in (folder / SPIDER / "clean-air-cities.html").read_bytes()
    forced = run_cli(*args, "--from", newer, "--force")
    assert forced.returncode == 0 and "replaced:" in forced.stderr
    assert b"Milan, " not in (folder / SPIDER / "clean-air-cities.html").read_bytes()


def test_the_same_page_again_is_unchanged(tmp_path):
    folder = tmp_path / "fixtures"
    run_cli("fixtures", "add", SPIDER, CLEAN_AIR, "--folder", folder, "--from", FIXTURES / "sample.warc.gz")
    again = run_cli("fixtures", "add", SPIDER, CLEAN_AIR, "--folder", folder, "--from", FIXTURES / "sample.warc.gz")
    assert again.returncode == 0 and "unchanged:" in again.stderr


def test_an_error_page_is_no_fixture(tmp_path):
    pages = saved_pages(SPIDER, ["clean-air-cities.html"], statuses={"clean-air-cities.html": (503, b"down")})
    archive = archive_of(tmp_path / "error.warc.gz", pages)
    result = run_cli("fixtures", "add", SPIDER, CLEAN_AIR, "--from", archive, "--folder", tmp_path / "f")
    assert result.returncode == 1 and "an error page is not a fixture" in result.stderr
    assert not (tmp_path / "f").exists()


def test_an_url_the_archive_lacks_is_named(tmp_path):
    result = run_cli("fixtures", "add", SPIDER, "https://www.c40.org/accelerators/nope/", "--from",
                    FIXTURES / "sample.warc.gz", "--folder", tmp_path / "f")
    assert result.returncode == 1 and "has no record of https://www.c40.org/accelerators/nope/" in result.stderr
