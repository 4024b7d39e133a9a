"""The crawl's store session is a Scrapy extension, and the Scrapy tools work on the project as
documented: `scrapy check` passes offline through the replay handler without touching the store,
scope reports are not scraped items, and `-O out.jsonl` gives typed items."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.common import spider_class, spider_names
from tests.helpers import FIXTURES, ROOT, archive_of, crawl_in_process, saved_pages

SAMPLE = FIXTURES / "sample.warc.gz"
CLEAN_AIR = "https://www.c40.org/accelerators/clean-air-cities/"


def scrapy(*args, cwd=ROOT):
    command = [str(Path(sys.executable).parent / "scrapy"), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"})


FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0")


def test_scrapy_check_passes_offline_and_leaves_no_run_behind(tmp_path):
    db = tmp_path / "glocal.db"
    result = scrapy("check", "c40_accelerators", "-s", f"ARCHIVE_REPLAY_FILE={SAMPLE}", "-s", f"STORE_DB_PATH={db}",
                    *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ran 3 contracts" in result.stderr and "OK" in result.stderr
    assert not db.exists()  # no session was opened: no run row, not even a file


def test_scrapy_check_fails_when_a_page_no_longer_holds_what_its_contract_says(tmp_path):
    pages = saved_pages("c40_accelerators", ["hub.html", "clean-air-cities-2025.html"])
    archive = archive_of(tmp_path / "changed.warc.gz", pages)
    result = scrapy("check", "c40_accelerators", "-s", f"ARCHIVE_REPLAY_FILE={archive}",
                    "-s", f"STORE_DB_PATH={tmp_path / 'glocal.db'}", *FAST)
    assert result.returncode != 0
    assert "check_parse_accelerator" in result.stderr and "FAILED" in result.stderr


@pytest.mark.parametrize("name", spider_names())
def test_every_route_of_every_spider_carries_a_contract(name):
    cls = spider_class(name)
    if not any(route.example for route in cls.parser.ROUTES):
        # Spiders written before routes could carry contracts: shown by `pytest -ra` until they do.
        pytest.xfail(f"{name}: no route names an example page yet (Route(..., example=URL, returns=...))")
    for route in cls.parser.ROUTES:
        assert route.example, f"{name}: the route {route.pattern} names no example page"
        assert route.matches(route.example), f"{name}: {route.example} is not read by {route.pattern}"
        check = getattr(cls, f"check_{route.parse.__name__}")
        assert f"@url {route.example}" in check.__doc__


def test_scope_reports_are_not_scraped_items_and_feeds_are_typed(tmp_path):
    feed = tmp_path / "out.jsonl"
    stats = {}
    run = crawl_in_process("c40_accelerators", db=tmp_path / "glocal.db", replay=SAMPLE, stats=stats,
                           settings={"FEEDS": {str(feed): {"format": "jsonlines"}}})
    assert run["healthy"] == 1
    assert stats["item_scraped_count"] == run["items"] == 8 + 209 + 1
    records = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    kinds = {}
    for record in records:
        kinds[record["type"]] = kinds.get(record["type"], 0) + 1
    assert kinds == {"instrument": 8, "signature": 209, "count_claim": 1}


def test_the_session_is_opened_only_by_its_extension(tmp_path):
    """With the extension off, a crawl writes nothing: no component opens a session on its own."""
    db = tmp_path / "glocal.db"
    stats = {}
    run = crawl_in_process("c40_accelerators", db=db, replay=SAMPLE, stats=stats, settings={"STORE_ENABLED": False})
    assert run is None and not db.exists()
    assert stats["item_scraped_count"] == 218  # the crawl itself ran


def test_the_extension_closes_the_run_when_the_spider_closes(tmp_path):
    run = crawl_in_process("c40_accelerators", db=tmp_path / "glocal.db", replay=SAMPLE)
    assert (run["status"], run["finish_reason"]) == ("finished", "finished")
    assert run["finished_at"] is not None
