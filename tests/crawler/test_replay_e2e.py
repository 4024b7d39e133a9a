"""The whole pipeline through the real Scrapy engine, replaying archives built from the saved pages:
baseline, one city added and one dropped, a 500 in between, the drop confirmed, a redesign, a stale replay."""

import dataclasses
import hashlib
import json

import pytest

from crawler.archive import read_record
from tests.helpers import archive_of, crawl_in_process, crawl_like_cli, run_cli, saved_pages

SPIDER = "c40_accelerators"
LIST_PAGES = ["hub.html", "green-healthy-streets.html", "clean-air-cities.html", "net-zero-carbon-buildings.html",
              "good-food-cities.html", "divest-invest.html", "urban-nature.html", "equity-pledge.html",
              "water-safe-cities.html"]
CLEAN_AIR = "https://www.c40.org/accelerators/clean-air-cities/"


def amman_leaves_accra_joins(body: bytes) -> bytes:
    assert b"Amman, Austin" in body
    return body.replace(b"Amman, Austin", b"Accra, Austin")


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Five replays into one store, in capture order; each step's command result kept for the tests."""
    folder = tmp_path_factory.mktemp("replay")
    db = folder / "glocal.db"
    steps = {
        "baseline": saved_pages(SPIDER, LIST_PAGES, day="2026-11-02"),
        "changed": saved_pages(SPIDER, LIST_PAGES, day="2026-11-09",
                               edits={"clean-air-cities.html": amman_leaves_accra_joins}),
        "server_error": saved_pages(SPIDER, LIST_PAGES, day="2026-11-12",
                                    statuses={"clean-air-cities.html": (500, b"<html><body>Error</body></html>")}),
        "confirmed": saved_pages(SPIDER, LIST_PAGES, day="2026-11-16",
                                 edits={"clean-air-cities.html": amman_leaves_accra_joins}),
    }
    results = {}
    for name, pages in steps.items():
        archive = archive_of(folder / f"{name}.warc.gz", pages)
        results[name] = crawl_like_cli(SPIDER, db=db, replay=archive)
    return {"db": db, "results": results, "folder": folder}


def query(history, sql, params=()):
    import sqlite3

    connection = sqlite3.connect(history["db"])
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql, params)]
    finally:
        connection.close()


def run_changes(history, run_id, notify=1):
    return [(c["entity"], c["change"], c["entity_key"]) for c in query(
        history, "select * from changes where run_id = ? and notify = ? order by id", (run_id, notify))]


# --- replay 1: the baseline ------------------------------------------------------------------------

def test_baseline_run_is_healthy(history):
    result = history["results"]["baseline"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "baseline of 9 lists recorded, nothing to alert" in result.stdout


def test_baseline_stores_everything(history):
    assert query(history, "select count(*) as n from instruments")[0]["n"] == 8
    counts = query(history, "select count(*) as n from signatures where removed_at is null and instrument_key = ?",
                   ("c40_accelerators/clean-air-cities",))
    assert counts[0]["n"] == 35
    assert query(history, "select count(*) as n from changes where run_id = 1")[0]["n"] == 8 + 209 + 1


def test_baseline_alerts_nothing(history):
    assert run_changes(history, 1) == []


def test_baseline_run_row(history):
    (run,) = query(history, "select * from crawl_runs where id = 1")
    assert (run["spider"], run["status"], run["finish_reason"], run["healthy"]) == (SPIDER, "finished", "finished", 1)
    assert run["pages"] == 9 and run["errors"] == 0
    assert run["replay"].endswith("baseline.warc.gz")
    assert all(check["passed"] for check in json.loads(run["health"]))


def test_first_seen_is_the_capture_time(history):
    (row,) = query(history, "select first_seen_at, signed_on from signatures where key = ?",
                   ("c40_accelerators/clean-air-cities/amman",))
    assert row == {"first_seen_at": "2026-11-02T08:15:06Z", "signed_on": None}


def test_pages_point_at_the_archived_bytes(history):
    pages = query(history, "select * from pages where run_id = 1 and url = ?", (CLEAN_AIR,))
    (page,) = pages
    record = read_record(page["archive"], page["archive_offset"])
    assert record.url == CLEAN_AIR
    assert hashlib.sha256(record.body).hexdigest() == page["sha256"]
    assert page["fetched_at"] == "2026-11-02T08:15:06Z"


def test_every_baseline_change_names_its_evidence_page(history):
    assert query(history, "select count(*) as n from changes where run_id = 1 and page_id is null")[0]["n"] == 0


# --- replay 2: Accra joins, Amman is gone from the page ----------------------------------------------

def test_one_addition_is_the_only_alert(history):
    assert run_changes(history, 2) == [("signature", "added", "c40_accelerators/clean-air-cities/accra")]


def test_a_city_missing_once_is_kept_until_a_second_healthy_run_confirms(history):
    assert "1 missing from the page" in history["results"]["changed"].stdout
    (row,) = query(history, "select removed_at from signatures where key = ?",
                   ("c40_accelerators/clean-air-cities/amman",))
    assert row["removed_at"] is not None  # removed by replay 4 (see below), not by replay 2
    (removal,) = query(history, "select run_id from changes where change = 'removed'")
    assert removal["run_id"] == 4


# --- replay 3: the page answers 500 -----------------------------------------------------------------

def test_server_error_run_is_unhealthy_and_says_why(history):
    result = history["results"]["server_error"]
    assert result.returncode == 1
    assert "UNHEALTHY" in result.stdout
    assert f"{CLEAN_AIR}: HTTP 500" in result.stdout


def test_server_error_run_changes_nothing(history):
    assert run_changes(history, 3) == []
    assert run_changes(history, 3, notify=0) == []


def test_server_error_does_not_count_towards_removal(history):
    (scope_run,) = query(history, "select * from scope_runs where run_id = 3 and scope = ?",
                         ("signatures:c40_accelerators/clean-air-cities",))
    assert (scope_run["complete"], scope_run["healthy"]) == (0, 0)
    assert scope_run["reason"] == "HTTP 500"


# --- replay 4: the drop is confirmed ----------------------------------------------------------------

def test_second_healthy_run_without_the_city_removes_it(history):
    assert run_changes(history, 4) == [("signature", "removed", "c40_accelerators/clean-air-cities/amman")]
    (row,) = query(history, "select removed_at from signatures where key = ?",
                   ("c40_accelerators/clean-air-cities/amman",))
    assert row["removed_at"] == "2026-11-09T08:15:06Z"  # the first capture without it


def test_changes_command_lists_the_alerts(history):
    result = run_cli("changes", "--db", history["db"])
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert "signature.added" in lines[0] and "Accra - Clean Air Accelerator" in lines[0]
    assert "signature.removed" in lines[1] and "Amman" in lines[1]


def test_changes_command_json(history):
    rows = json.loads(run_cli("changes", "--db", history["db"], "--json").stdout)
    assert [(r["entity"], r["change"]) for r in rows] == [("signature", "added"), ("signature", "removed")]
    assert rows[0]["evidence_url"] == CLEAN_AIR


# --- the list as it stood ------------------------------------------------------------------------------

def signatories(history, *args):
    result = run_cli("signatories", "clean-air-cities", "--db", history["db"], "--json", *args)
    assert result.returncode == 0, result.stderr
    return {row["actor"] for row in json.loads(result.stdout)}


def test_as_of_before_the_addition(history):
    before = signatories(history, "--as-of", "2026-11-05")
    assert "Amman" in before and "Accra" not in before
    assert len(before) == 35


def test_as_of_after_the_change(history):
    after = signatories(history, "--as-of", "2026-11-10")
    assert "Accra" in after and "Amman" not in after


def test_current_list(history):
    now = signatories(history)
    assert "Accra" in now and "Amman" not in now and len(now) == 35


def test_as_of_before_any_crawl_is_empty(history):
    assert signatories(history, "--as-of", "2026-10-01") == set()


def test_signatories_text_output(history):
    result = run_cli("signatories", "clean air", "--db", history["db"], "--as-of", "2026-11-05")
    assert result.stdout.splitlines()[0] == (
        "Clean Air Accelerator (c40_accelerators/clean-air-cities): 35 signatories as of 2026-11-05")
    assert "  Durban, ZA  on the list since 2026-11-02  [as published: Durban (eThekwini)]" in result.stdout


# --- a redesign and a stale replay, after the history above ---------------------------------------------

@pytest.fixture(scope="module")
def redesign(history):
    pages = saved_pages(SPIDER, LIST_PAGES, day="2026-11-23")
    pages = [p for p in pages if p.url != CLEAN_AIR] + saved_pages(SPIDER, ["clean-air-cities-2025.html"],
                                                                  day="2026-11-23")
    archive = archive_of(history["folder"] / "redesign.warc.gz", pages)
    return crawl_like_cli(SPIDER, db=history["db"], replay=archive)


def test_a_list_that_vanished_is_a_failed_health_check_naming_the_landmark(redesign):
    assert redesign.returncode == 1
    assert 'a line "Signatory cities:" or "The signatory cities are:" followed by the names: not found on ' \
           f'{CLEAN_AIR}, which listed 35 before' in redesign.stdout


def test_a_list_that_vanished_removes_nothing(history, redesign):
    assert query(history, "select count(*) as n from changes where run_id = 5 and change = 'removed'")[0]["n"] == 0
    active = query(history, "select count(*) as n from signatures where removed_at is null and instrument_key = ?",
                   ("c40_accelerators/clean-air-cities",))
    assert active[0]["n"] == 35


def test_the_new_count_is_recorded_as_an_observation(history, redesign):
    rows = query(history, "select count, qualifier, first_seen_at from count_claims where subject_key = ?",
                 ("c40_accelerators/clean-air-cities",))
    assert rows == [{"count": 50, "qualifier": "more than", "first_seen_at": "2026-11-23T08:20:06Z"}]


def test_replaying_an_older_archive_rewrites_no_history(history, redesign):
    before = query(history, "select count(*) as n from changes")[0]["n"]
    result = crawl_like_cli(SPIDER, db=history["db"], replay=history["folder"] / "baseline.warc.gz")
    assert query(history, "select count(*) as n from changes")[0]["n"] == before
    assert "older than the last recorded" in result.stdout
    (row,) = query(history, "select removed_at from signatures where key = ?",
                   ("c40_accelerators/clean-air-cities/amman",))
    assert row["removed_at"] == "2026-11-09T08:15:06Z"


# --- an archived refusal: the archive answers the same record however often it is asked -------------

@pytest.mark.parametrize("status, headers", [(429, [("Retry-After", "3600")]), (503, [("Retry-After", "2")]), (500, [])])
def test_an_archived_error_is_read_once_not_retried_or_waited_for(tmp_path, status, headers):
    """A live site may answer a retry; an archive cannot: each URL has one record. Retrying it (at
    once, or after the Retry-After the record carries, up to CRAWL_MAX_RETRY_AFTER) only slowed the
    replay down and counted one failure several times."""
    pages = [dataclasses.replace(page, status=status, headers=[*page.headers, *headers],
                                 body=b"<html><body>busy</body></html>") if page.url == CLEAN_AIR else page
             for page in saved_pages(SPIDER, LIST_PAGES)]
    stats: dict = {}
    run = crawl_in_process(SPIDER, db=tmp_path / "glocal.db", replay=archive_of(tmp_path / "refused.warc.gz", pages),
                           stats=stats)
    assert stats.get("retry/count", 0) == 0
    assert stats["downloader/request_count"] == len(LIST_PAGES) + 1  # each page once, and robots.txt
    assert run["status"] == "finished" and not run["healthy"]
    assert f"{CLEAN_AIR}: HTTP {status}" in run["health"] + run["summary"]
