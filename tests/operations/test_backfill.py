"""glocal backfill: history from a web archive (a CDX API and captures served on 127.0.0.1).

Three dated captures of the Clean Air accelerator: Nairobi appears in the second, Warsaw is gone
from the third. The history must date Nairobi's addition at the second capture, keep Warsaw
(one healthy miss is not a removal), answer --as-of between captures, alert nothing, and a
second backfill must change nothing.
"""

from __future__ import annotations

import pytest

from operations.wayback import iso_of
from store import history, open_db
from tests.site_server import ArchiveServer
from tests.helpers import FIXTURES, glocal, run_cli

HUB = "https://www.c40.org/what-we-do/raising-climate-ambition/high-impact-accelerators/"
CLEAN_AIR = "https://www.c40.org/accelerators/clean-air-cities/"
KEY = "c40_accelerators/clean-air-cities"
FIRST, SECOND, THIRD = "20190301101500", "20200302093000", "20210304120000"

PAGE = (FIXTURES / "c40_accelerators" / "clean-air-cities.html").read_bytes()
WITH_NAIROBI = PAGE.replace(b"Milan, ", b"Milan, Nairobi, ")
WITHOUT_WARSAW = WITH_NAIROBI.replace(b"Tokyo, Warsaw, ", b"Tokyo, ")


def names(rows):
    return {row["name_as_published"] for row in rows}


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory):
    captures = {
        HUB: [(FIRST, (FIXTURES / "c40_accelerators" / "hub.html").read_bytes())],
        CLEAN_AIR: [(FIRST, PAGE), (SECOND, WITH_NAIROBI), (THIRD, WITHOUT_WARSAW)],
    }
    db_path = tmp_path_factory.mktemp("backfill") / "glocal.db"
    with ArchiveServer(captures) as archive:
        first = glocal("backfill", "c40_accelerators", "--db", db_path, env=archive.env())
        asked_first = list(archive.requests)
        again = glocal("backfill", "c40_accelerators", "--db", db_path, env=archive.env())
        asked_again = archive.requests[len(asked_first):]
    return {"db_path": db_path, "first": first, "again": again, "asked_first": asked_first,
            "asked_again": asked_again, "archive": archive}


@pytest.fixture
def store(backfilled):
    db = open_db(backfilled["db_path"])
    yield db
    db.close()


def test_the_backfill_crawls_each_archived_moment_once(backfilled, store):
    assert backfilled["first"].returncode == 0, backfilled["first"].stderr
    runs = list(store.query("select kind, as_of from crawl_runs order by id"))
    assert [r["as_of"] for r in runs] == [iso_of(FIRST), iso_of(SECOND), iso_of(THIRD)]
    assert {r["kind"] for r in runs} == {"backfill"}


def test_first_seen_is_the_capture_date(store):
    row = store.execute("select first_seen_at from signatures where key like ? and actor_name = 'Nairobi'",
                        [f"{KEY}/%"]).fetchone()
    assert row[0] == iso_of(SECOND)


def test_the_addition_is_dated_at_the_second_capture(store):
    added = list(store.query(
        "select observed_at from changes where entity = 'signature' and change = 'added' and diff like '%Nairobi%'"))
    assert [a["observed_at"] for a in added] == [iso_of(SECOND)]


def test_one_healthy_miss_is_not_a_removal(store):
    warsaw = store.execute("select removed_at from signatures where actor_name = 'Warsaw'").fetchone()
    assert warsaw == (None,)
    assert store.execute("select count(*) from changes where change = 'removed'").fetchone()[0] == 0


def test_backfilled_runs_never_alert(store):
    assert store.execute("select count(*) from changes where notify = 1").fetchone()[0] == 0


@pytest.mark.parametrize(("as_of", "has_nairobi"), [("2019-06-01", False), ("2020-03-02", True),
                                                   ("2020-12-31", True), ("2019-02-01", None)])
def test_as_of_between_captures(store, as_of, has_nairobi):
    rows = history.signatories(store, KEY, as_of=as_of)
    if has_nairobi is None:  # before the first capture the store knows nothing of the list
        assert rows == []
    else:
        assert ("Nairobi" in names(rows)) is has_nairobi
        assert "Warsaw" in names(rows)


def test_captures_are_kept_in_our_archive_with_their_capture_time(store):
    pages = list(store.query("select fetched_at, archive from pages where url = ? order by fetched_at", [CLEAN_AIR]))
    assert [p["fetched_at"] for p in pages] == [iso_of(FIRST), iso_of(SECOND), iso_of(THIRD)]
    assert all(p["archive"] and "backfill" in p["archive"] for p in pages)


def test_each_capture_is_fetched_once(backfilled):
    fetched = [r for r in backfilled["asked_first"] if r.startswith("/web/") and "clean-air-cities" in r]
    assert len(fetched) == 3


def test_a_second_backfill_changes_nothing_and_asks_for_nothing(backfilled, store):
    assert backfilled["again"].returncode == 0, backfilled["again"].stderr
    assert "nothing to backfill" in backfilled["again"].stdout
    assert backfilled["asked_again"] == []
    assert store.execute("select count(*) from crawl_runs").fetchone()[0] == 3


def test_the_cdx_query_asks_for_distinct_successful_captures(backfilled):
    query = next(r for r in backfilled["asked_first"] if r.startswith("/cdx/"))
    assert "output=json" in query and "filter=statuscode%3A200" in query and "collapse=digest" in query


def test_a_capture_the_archive_redirects_is_not_used_and_not_retried(tmp_path):
    captures = {
        HUB: [(FIRST, (FIXTURES / "c40_accelerators" / "hub.html").read_bytes())],
        CLEAN_AIR: [(FIRST, PAGE), (SECOND, WITH_NAIROBI)],
    }
    db_path = tmp_path / "glocal.db"
    with ArchiveServer(captures) as archive:
        archive.answers[f"/web/{SECOND}id_/{CLEAN_AIR}"] = (
            302, {"Location": f"{archive.replay_url}/{FIRST}id_/{CLEAN_AIR}"}, b"")
        first = glocal("backfill", "c40_accelerators", "--db", db_path, env=archive.env())
        again = glocal("backfill", "c40_accelerators", "--db", db_path, env=archive.env())
        redirected = [r for r in archive.requests if r.startswith(f"/web/{SECOND}")]
    assert first.returncode == 0, first.stderr
    assert "nothing to backfill" in again.stdout
    assert len(redirected) == 1  # remembered as unusable: a resumed backfill does not ask again
    db = open_db(db_path)
    try:
        error = db.execute("select fetch_error from archive_captures where timestamp = ?", [SECOND]).fetchone()[0]
        assert "redirected" in error
        assert db.execute("select count(*) from signatures where actor_name = 'Nairobi'").fetchone()[0] == 0
        second = db.execute("select healthy, summary from crawl_runs where as_of = ?", [iso_of(SECOND)]).fetchone()
        assert second[0] == 0 and "redirected" in second[1]  # the run as of then says why its list is unread
    finally:
        db.close()


def test_a_cdx_answer_that_is_not_json_is_one_clear_line(tmp_path):
    with ArchiveServer({}) as archive:
        from urllib.parse import urlencode

        query = "/cdx/search/cdx?" + urlencode([("url", HUB), ("output", "json"), ("filter", "statuscode:200"),
                                                ("collapse", "digest")])
        archive.answers[query] = (200, {"Content-Type": "text/html"}, b"<html>Service unavailable</html>")
        result = glocal("backfill", "c40_accelerators", "--db", tmp_path / "g.db", env=archive.env())
    assert result.returncode == 1
    assert "Error: the archive's CDX answer for" in result.stderr and "not JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_spider_with_no_capture_at_all_has_nothing_to_backfill(tmp_path, monkeypatch):
    # In this process: no crawl starts, and the CDX answer above is the default run's real `glocal backfill`.
    import crawler.settings

    with ArchiveServer({}) as archive:
        for variable, value in archive.env().items():  # the settings module read the environment at import
            monkeypatch.setattr(crawler.settings, variable.removeprefix("GLOCAL_"),
                                crawler.settings.from_environment(variable.removeprefix("GLOCAL_"), {variable: value}))
        result = run_cli("backfill", "c40_accelerators", "--db", tmp_path / "g.db")
    assert archive.cdx_requests() == [HUB]  # it asked the archive on 127.0.0.1, not the real one
    assert result.returncode == 0
    assert "nothing to backfill" in result.stdout


def test_since_must_be_a_year_or_a_date(tmp_path):
    result = run_cli("backfill", "c40_accelerators", "--since", "last year", "--db", tmp_path / "g.db")
    assert result.returncode == 2 and "is not a year" in result.stderr
