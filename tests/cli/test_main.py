"""The glocal command as a user meets it: bad input gets one clear line, a non-zero exit, and an untouched store."""

import json

import pytest

from tests.helpers import FIXTURES, archive_of, crawl_in_process, crawl_like_cli, glocal, run_cli, saved_pages

SPIDER = "c40_accelerators"
HUB = "https://www.c40.org/what-we-do/raising-climate-ambition/high-impact-accelerators/"


def one_line_error(result, *fragments):
    assert result.returncode != 0
    message = result.stderr.strip()
    assert "Traceback" not in result.stderr + result.stdout
    assert len(message.splitlines()) == 1, message
    assert message.startswith("Error: ")
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.fixture(scope="module")
def good_archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("archives")
    return archive_of(folder / "good.warc.gz", saved_pages(SPIDER, ["hub.html", "clean-air-cities.html"]))


def test_malformed_archive(tmp_path):
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(b"<html>this is a web page, not an archive</html>")
    db = tmp_path / "glocal.db"
    one_line_error(run_cli("crawl", SPIDER, "--replay", bad, "--db", db), "bad.warc.gz is not a readable WARC file")
    assert not db.exists()


def test_truncated_archive(tmp_path, good_archive):
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(good_archive.read_bytes()[:-50])
    db = tmp_path / "glocal.db"
    one_line_error(run_cli("crawl", SPIDER, "--replay", cut, "--db", db), "cut.warc.gz is truncated")
    assert not db.exists()


def test_missing_archive(tmp_path):
    one_line_error(run_cli("crawl", SPIDER, "--replay", tmp_path / "nope.warc.gz", "--db", tmp_path / "g.db"),
                   "nope.warc.gz does not exist")


def test_unknown_spider(tmp_path, good_archive):
    db = tmp_path / "glocal.db"
    one_line_error(run_cli("crawl", "c40_declarations", "--replay", good_archive, "--db", db),
                   "unknown spider 'c40_declarations'", "c40_accelerators")
    assert not db.exists()


def test_unwritable_db(tmp_path, good_archive):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    one_line_error(run_cli("crawl", SPIDER, "--replay", good_archive, "--db", blocker / "glocal.db"),
                   "cannot open database")


def test_db_that_is_a_directory(tmp_path, good_archive):
    one_line_error(run_cli("crawl", SPIDER, "--replay", good_archive, "--db", tmp_path), "is a directory")


def test_db_that_is_not_sqlite(tmp_path, good_archive):
    db = tmp_path / "glocal.db"
    db.write_text("these are notes, not a database\n" * 50)
    one_line_error(run_cli("crawl", SPIDER, "--replay", good_archive, "--db", db), "cannot open database")
    assert db.read_text().startswith("these are notes")


def test_archive_without_the_start_url(tmp_path):
    archive = archive_of(tmp_path / "pages.warc.gz", saved_pages(SPIDER, ["clean-air-cities.html"]))
    db = tmp_path / "glocal.db"
    one_line_error(run_cli("crawl", SPIDER, "--replay", archive, "--db", db),
                   f"has no record of {HUB}, the start URL of c40_accelerators")
    assert not db.exists()


def test_all_with_an_archive_of_no_spider(tmp_path):
    archive = archive_of(tmp_path / "pages.warc.gz", saved_pages(SPIDER, ["clean-air-cities.html"]))
    one_line_error(run_cli("crawl", "--all", "--replay", archive, "--db", tmp_path / "g.db"),
                   "holds the start URL of no spider")


def test_names_and_all_together(tmp_path):
    result = run_cli("crawl", SPIDER, "--all", "--db", tmp_path / "g.db")
    assert result.returncode == 2 and "name one or more spiders, or pass --all" in result.stderr


def test_a_start_page_that_is_not_html(tmp_path):
    pages = saved_pages(SPIDER, ["hub.html"])
    pages[0].headers = [("Content-Type", "application/pdf")]
    pages[0].body = b"%PDF-1.7 not a web page"
    archive = archive_of(tmp_path / "pdf.warc.gz", pages)
    db = tmp_path / "glocal.db"
    result = crawl_like_cli(SPIDER, db=db, replay=archive)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert f"{HUB}: not an HTML page (Content-Type application/pdf)" in result.stdout
    import sqlite3

    connection = sqlite3.connect(db)
    assert connection.execute("select count(*) from instruments").fetchone()[0] == 0
    assert connection.execute("select status, healthy from crawl_runs").fetchall() == [("finished", 0)]
    connection.close()


# --- glocal parse -----------------------------------------------------------------------------------

def test_parse_prints_one_json_object_per_line():
    page = FIXTURES / SPIDER / "green-healthy-streets.html"
    result = run_cli("parse", SPIDER, page, "--url", "https://www.c40.org/accelerators/green-healthy-streets/")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["type"] for r in records[:3]] == ["scope_report", "instrument", "count_claim"]
    signatures = [r for r in records if r["type"] == "signature"]
    assert len(signatures) == 35
    assert signatures[-1]["actor_name"] == "West Hollywood" and signatures[-1]["network_member"] is False


def test_parse_the_hub():
    result = run_cli("parse", SPIDER, FIXTURES / SPIDER / "hub.html", "--url", HUB)
    report, *links = [json.loads(line) for line in result.stdout.splitlines()]
    assert report["type"] == "scope_report" and report["kind"] == "roster" and len(report["keys"]) == 8
    assert [link["type"] for link in links] == ["link"] * 8


def test_parse_a_redesigned_page_names_the_missing_landmarks():
    one_line_error(run_cli("parse", SPIDER, FIXTURES / SPIDER / "redesigned.html", "--url",
                          "https://www.c40.org/accelerators/clean-air-cities/"),
                   "neither a signatory list", "nor a stated count")


def test_parse_a_file_that_is_not_text(tmp_path):
    binary = tmp_path / "page.html"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    one_line_error(run_cli("parse", SPIDER, binary, "--url", HUB), "is not UTF-8 text")


def test_parse_an_unknown_spider():
    one_line_error(run_cli("parse", "nope", FIXTURES / SPIDER / "hub.html", "--url", HUB), "unknown spider 'nope'")


# --- queries on a store that is not there ------------------------------------------------------------

def test_changes_without_a_store(tmp_path):
    one_line_error(run_cli("changes", "--db", tmp_path / "none.db"), "no database at")
    assert not (tmp_path / "none.db").exists()


def test_signatories_of_an_unknown_instrument(tmp_path, good_archive):
    db = tmp_path / "glocal.db"
    crawl_in_process(SPIDER, db=db, replay=good_archive)
    one_line_error(run_cli("signatories", "zero waste", "--db", db), "unknown instrument 'zero waste'")


def test_a_bad_date(tmp_path, good_archive):
    db = tmp_path / "glocal.db"
    crawl_in_process(SPIDER, db=db, replay=good_archive)
    one_line_error(run_cli("signatories", "clean-air-cities", "--as-of", "last tuesday", "--db", db),
                   "'last tuesday' is not a date")


def test_spiders_lists_schedule_and_health(tmp_path, good_archive):
    db = tmp_path / "glocal.db"
    assert "c40_accelerators  [20 6 * * *]  never run" in run_cli("spiders", "--db", db).stdout
    crawl_in_process(SPIDER, db=db, replay=good_archive)
    listing = run_cli("spiders", "--db", db).stdout
    assert "last run 1" in listing and "UNHEALTHY" in listing  # a two-page archive: most accelerators 404


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("glocal, version ")


def test_a_crawl_that_dies_before_starting_is_not_reported_as_an_old_run(tmp_path, good_archive):
    db = tmp_path / "glocal.db"
    # The one real `glocal crawl` of this file: the command, its child process and the store, end to end.
    first = glocal("crawl", SPIDER, "--replay", good_archive, "--db", db)
    assert "c40_accelerators: run 1 finished [UNHEALTHY]" in first.stdout  # a two-page archive
    result = glocal("crawl", SPIDER, "--replay", good_archive, "--db", db, "--set", "HEALTH_MAX_ERRORS=not-json")
    assert result.returncode == 1
    # the child's own reason reaches the user, not just its exit code
    assert "crawl failed: HEALTH_MAX_ERRORS='not-json' is not a whole number" in result.stderr
    assert "Traceback" not in result.stderr
    assert "run 1" not in result.stdout


def test_a_wrong_environment_value_is_one_line(tmp_path):
    one_line_error(glocal("spiders", "--db", tmp_path / "g.db", env={"GLOCAL_DOWNLOAD_DELAY": "two"}),
                   "GLOCAL_DOWNLOAD_DELAY='two' is not a number of seconds")


def test_build_archive_with_a_broken_meta(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.html").write_text("<html></html>")
    (folder / "meta.json").write_text('{"a.html": {"fetched_at": "2026-11-02T08:15:00Z"}}')
    one_line_error(run_cli("build-archive", folder, "-o", tmp_path / "a.warc.gz"), "the entry of a.html has no 'url'")


def test_crawl_timeout_defaults_to_the_scheduler_setting(monkeypatch, tmp_path, good_archive):
    """`glocal crawl` without --timeout kills a crawl after SCHEDULER_CRAWL_TIMEOUT, as the scheduler does."""
    from click.testing import CliRunner

    from cli import crawling, main as cli_module

    seen = {}

    def fake_crawl_in_child(name, **options):
        seen.update(options)
        raise SystemExit(0)

    import crawler.child

    monkeypatch.setattr(crawler.child, "crawl_in_child", fake_crawl_in_child)
    import crawler.batch  # a replay crawls its spiders in one batch child

    monkeypatch.setattr(crawler.batch, "replay_all", fake_crawl_in_child)
    monkeypatch.setattr(crawling, "project_settings", lambda: _settings(SCHEDULER_CRAWL_TIMEOUT=42))
    CliRunner().invoke(cli_module.cli, ["crawl", SPIDER, "--replay", str(good_archive), "--db", str(tmp_path / "g.db")])
    assert seen["timeout"] == 42


def _settings(**values):
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setdict(values, priority="cmdline")
    return settings


def test_set_takes_plain_values_as_scrapy_does():
    from crawler.runner import setting_value

    assert setting_value("3") == "3" and setting_value("false") == "false"
    assert setting_value('{"www.c40.org": "127.0.0.1:1"}') == {"www.c40.org": "127.0.0.1:1"}
