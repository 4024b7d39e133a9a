"""The sample archive the README crawls is exactly what the saved pages build."""

import hashlib

from crawler.archive import ArchiveIndex, build_archive
from tests.helpers import FIXTURES, saved_pages

SAMPLE = FIXTURES / "sample.warc.gz"
SAMPLE_PAGES = ["robots.txt", "hub.html", "green-healthy-streets.html", "clean-air-cities.html",
                "net-zero-carbon-buildings.html", "good-food-cities.html", "divest-invest.html", "urban-nature.html",
                "equity-pledge.html", "water-safe-cities.html"]
REBUILD = ("glocal build-archive tests/fixtures/c40_accelerators -o tests/fixtures/sample.warc.gz "
           + " ".join(f"--only {name}" for name in SAMPLE_PAGES))


def test_sample_archive_is_built_from_the_fixtures(tmp_path):
    rebuilt = build_archive(saved_pages("c40_accelerators", SAMPLE_PAGES), tmp_path / SAMPLE.name)
    assert hashlib.sha256(rebuilt.read_bytes()).hexdigest() == hashlib.sha256(SAMPLE.read_bytes()).hexdigest(), (
        f"a fixture changed: rebuild the sample with\n    {REBUILD}")


def test_sample_archive_holds_the_start_url_and_every_accelerator():
    index = ArchiveIndex.load(SAMPLE)
    assert "https://www.c40.org/what-we-do/raising-climate-ambition/high-impact-accelerators/" in index
    assert len([url for url in index.entries if "/accelerators/" in url]) == 8
