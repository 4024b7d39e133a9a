"""The sample archive the README crawls is exactly what the saved pages marked "sample" build.

Each fixture folder marks its own sample pages (``"sample": true`` in its meta.json), so a new
source joins the sample without editing a shared list.
"""

import hashlib

from crawler.archive import ArchiveIndex, build_archive, pages_from_fixtures
from tests.helpers import FIXTURES

SAMPLE = FIXTURES / "sample.warc.gz"
REBUILD = "glocal build-archive tests/fixtures/*/ --sample -o tests/fixtures/sample.warc.gz"


def sample_pages():
    return [page for folder in sorted(p.parent for p in FIXTURES.glob("*/meta.json"))
            for page in pages_from_fixtures(folder, sample=True)]


def test_sample_archive_is_built_from_the_fixtures(tmp_path):
    rebuilt = build_archive(sample_pages(), tmp_path / SAMPLE.name)
    assert hashlib.sha256(rebuilt.read_bytes()).hexdigest() == hashlib.sha256(SAMPLE.read_bytes()).hexdigest(), (
        f"a fixture changed: rebuild the sample with\n    {REBUILD}")


def test_sample_archive_holds_the_start_url_and_every_accelerator():
    index = ArchiveIndex.load(SAMPLE)
    assert "https://www.c40.org/what-we-do/raising-climate-ambition/high-impact-accelerators/" in index
    assert len([url for url in index.entries if "/accelerators/" in url]) == 8
