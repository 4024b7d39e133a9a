"""The operator's commands, in process (Click's runner): alerts send/preview/test/status,
glocal status, glocal show-page."""

import json

import pytest
from click.testing import CliRunner

from alerts.rules import load_config
from crawler.archive import ArchivedResponse, build_archive
from cli.main import cli
from store import open_db, pages
from tests.alerts.support import TEAM_AND_OPS, SlackReceiver, SmtpServer, baseline_then, crawl, rules_file

RULES = TEAM_AND_OPS + """
[[rules]]
name = "signings"
kinds = ["signature.added"]
channels = ["team", "ops"]

[[rules]]
name = "daily"
kinds = ["instrument.added"]
channels = ["team"]
delivery = "daily 08:00"
"""


@pytest.fixture
def setup(tmp_path, monkeypatch):
    with SmtpServer() as smtp, SlackReceiver() as slack:
        monkeypatch.setenv("HOOK", slack.url)
        path = rules_file(tmp_path, RULES.format(port=smtp.port))
        config = load_config(path)
        db = open_db(tmp_path / "glocal.db")
        baseline_then(db, config, [("Milan", "IT")],
                      more_instruments=(("c40_accelerators/urban-nature", "Urban Nature Accelerator"),))
        db.close()
        yield {"db": str(tmp_path / "glocal.db"), "config": str(path), "smtp": smtp, "slack": slack,
               "tmp": tmp_path}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_dry_run_prints_and_sends_nothing(setup):
    result = run("alerts", "send", "--dry-run", "--config", setup["config"], "--db", setup["db"])
    assert result.exit_code == 0
    assert "--- to team (email, rule signings) ---" in result.output
    assert "Subject: Milan signed the Clean Air Accelerator (C40 Cities)" in result.output
    # the digest's period (until 2026-11-10 08:00) is over: it is due too
    assert "Subject: Digest daily, until 2026-11-10 08:00:00Z: 1 change" in result.output
    assert "- New: Urban Nature Accelerator (C40 Cities)" in result.output
    assert "dry run: 3 messages would be sent now" in result.output
    assert setup["smtp"].messages == [] and setup["slack"].requests == []


def test_preview_includes_digests_not_yet_due(setup):
    db = open_db(setup["db"])
    db.conn.execute("update deliveries set next_attempt_at = '2999-01-01T00:00:00Z' where digest_key is not null")
    db.conn.commit()
    db.close()
    due_now = run("alerts", "send", "--dry-run", "--config", setup["config"], "--db", setup["db"])
    assert "dry run: 2 messages would be sent now" in due_now.output
    result = run("alerts", "preview", "--config", setup["config"], "--db", setup["db"])
    assert "Digest daily, until " in result.output
    assert "3 messages pending" in result.output


def test_send_then_status(setup):
    result = run("alerts", "send", "--config", setup["config"], "--db", setup["db"])
    assert result.output.strip() == "3 messages sent (3 alerts), 0 to retry, 0 given up"
    assert len(setup["smtp"].messages) == 2 and len(setup["slack"].delivered) == 1
    status = run("alerts", "status", "--db", setup["db"])
    assert "ops: 0 pending, 0 sending, 1 sent, 0 failed, 0 dead" in status.output
    assert "team: 0 pending, 0 sending, 2 sent, 0 failed, 0 dead" in status.output


def test_a_second_send_sends_nothing(setup):
    run("alerts", "send", "--config", setup["config"], "--db", setup["db"])
    again = run("alerts", "send", "--config", setup["config"], "--db", setup["db"])
    assert again.output.strip() == "0 messages sent (0 alerts), 0 to retry, 0 given up"


def test_test_channel_delivers(setup):
    result = run("alerts", "test", "ops", "--config", setup["config"])
    assert result.output.strip() == "ops: delivered"
    assert setup["slack"].delivered[0].body["text"] == "glocal-watch test message to ops"


def test_test_of_a_channel_that_is_down_says_why(setup, tmp_path):
    from tests.alerts.support import free_port

    path = rules_file(tmp_path, RULES.format(port=free_port()))
    result = CliRunner().invoke(cli, ["alerts", "test", "team", "--config", str(path)])
    assert result.exit_code == 1
    assert "Error: team: not delivered: SMTP 127.0.0.1:" in result.output
    assert "ConnectionRefusedError" in result.output


def test_an_unknown_channel_is_one_line(setup):
    result = CliRunner().invoke(cli, ["alerts", "test", "pager", "--config", setup["config"]])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: unknown channel 'pager' (channels: ops, team)"


def test_no_configuration_is_one_line(setup, monkeypatch):
    monkeypatch.delenv("GLOCAL_ALERTS", raising=False)
    result = CliRunner().invoke(cli, ["alerts", "send", "--db", setup["db"]])
    assert result.exit_code == 1
    assert result.output.startswith("Error: no alert configuration: set GLOCAL_ALERTS")


def test_a_broken_rules_file_is_one_line(setup, tmp_path):
    path = rules_file(tmp_path, RULES.format(port=25).replace('"signature.added"', '"signature.signed"'))
    result = CliRunner().invoke(cli, ["alerts", "send", "--config", str(path), "--db", setup["db"]])
    assert result.exit_code == 1
    assert f"Error: {path}, line 16: rules[0].kinds: unknown change kind 'signature.signed'" in result.output


def test_status_json(setup):
    result = run("status", "--db", setup["db"], "--json")
    report = json.loads(result.output)
    # Every spider is listed; the others never ran in this store.
    spider = next(s for s in report["spiders"] if s["spider"] == "c40_accelerators")
    assert spider["health"] == "healthy"
    assert spider["last_run"]["id"] == 2 and spider["last_run"]["changes"] == 2  # Milan, Urban Nature
    assert spider["last_run"]["seconds"] == 60.0
    assert spider["next_run"].endswith(":20:00Z")
    assert report["outbox"]["team"]["pending"] == 2


def test_status_text(setup):
    result = run("status", "--db", setup["db"])
    assert "c40_accelerators  [HEALTHY]  last run 2026-11-09T08:15:00Z (60s, finished): 1 pages, 6 items, " \
           "2 changes; next run" in result.output
    assert "outbox team: 2 pending, 0 sending, 0 sent, 0 failed, 0 dead" in result.output


def test_show_page_prints_the_archived_bytes(setup):
    archive = build_archive([ArchivedResponse(url="https://www.c40.org/accelerators/clean-air-cities/", status=200,
                                              headers=[("Content-Type", "text/html")], body=b"<html>Milan</html>",
                                              fetched_at="2026-11-09T08:15:06Z")], setup["tmp"] / "a.warc.gz")
    from crawler.archive import ArchiveIndex

    offset = ArchiveIndex.load(archive).latest("https://www.c40.org/accelerators/clean-air-cities/").offset
    db = open_db(setup["db"])
    page = pages.record_page(db, run_id=2, url="https://www.c40.org/accelerators/clean-air-cities/",
                             fetched_at="2026-11-09T08:15:06Z", status=200, content_type="text/html", etag=None,
                             last_modified=None, sha256=None, length=18, archive=str(archive), archive_offset=offset)
    db.close()
    result = run("show-page", page, "--db", setup["db"])
    assert result.output == "<html>Milan</html>"
    with_headers = run("show-page", page, "--db", setup["db"], "--headers")
    assert with_headers.output.startswith("# https://www.c40.org/accelerators/clean-air-cities/ captured "
                                          "2026-11-09T08:15:06Z, HTTP 200\n")


def test_show_page_without_an_archive_says_so(setup):
    result = CliRunner().invoke(cli, ["show-page", "2", "--db", setup["db"]])
    assert result.exit_code == 1
    assert "has no archived copy" in result.output
    missing = CliRunner().invoke(cli, ["show-page", "999", "--db", setup["db"]])
    assert missing.output.strip() == "Error: no page 999 in the database"


def test_a_crawl_with_a_broken_rules_file_stops_before_crawling(tmp_path, monkeypatch):
    # In this process: the rules are read before any crawl child would start (tests/cli/test_startup.py's
    # fresh interpreter reads GLOCAL_ALERTS from the environment; the settings module read it at import here).
    import crawler.settings
    from tests.helpers import FIXTURES, run_cli

    path = rules_file(tmp_path, RULES.format(port=25).replace('channels = ["team", "ops"]', 'channels = ["pager"]'))
    monkeypatch.setattr(crawler.settings, "ALERTS_CONFIG", str(path))
    monkeypatch.setenv("HOOK", "https://hooks.slack.com/s/T/B")
    result = run_cli("crawl", "c40_accelerators", "--replay", FIXTURES / "sample.warc.gz", "--db", tmp_path / "glocal.db")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: {path}, line 17: rules[0].channels: unknown channel 'pager' (channels: ops, team)")
    assert "Traceback" not in result.stderr
    db = open_db(tmp_path / "glocal.db")
    assert db.conn.execute("select count(*) from crawl_runs").fetchone()[0] == 0
    db.close()
