"""The whole way: two replays through the real Scrapy engine write a signing and its outbox row in
one crawl; `glocal alerts send` mails it to a real SMTP server; the archived copy the message
names is printed by `glocal show-page`."""

import email
import email.policy
import re
import sqlite3

import pytest

import crawler.settings
from tests.alerts.support import SmtpServer, rules_file
from tests.helpers import archive_of, glocal, replay_like_cli, run_cli, saved_pages
from tests.crawler.test_replay_e2e import CLEAN_AIR, LIST_PAGES, SPIDER, amman_leaves_accra_joins

RULES = """
[channels.researchers]
type = "email"
host = "127.0.0.1"
port = {port}
security = "plain"
from = "glocal-watch <alerts@glocal.test>"
to = ["team@glocal.test"]

[[rules]]
name = "signings"
kinds = ["signature.added", "signature.removed", "instrument.added"]
instruments = ["clean-air-cities"]
channels = ["researchers"]
"""


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pipeline")
    db = folder / "glocal.db"
    with SmtpServer() as smtp:
        config = rules_file(folder, RULES.format(port=smtp.port))
        env = {"GLOCAL_ALERTS": str(config)}
        steps = {"baseline": saved_pages(SPIDER, LIST_PAGES, day="2026-11-02"),
                 "changed": saved_pages(SPIDER, LIST_PAGES, day="2026-11-09",
                                        edits={"clean-air-cities.html": amman_leaves_accra_joins})}
        # The crawls in this process, with the rules file the `glocal crawl` child is handed
        # (ALERTS_CONFIG); the sends below are the command itself, reading GLOCAL_ALERTS.
        crawls = {name: replay_like_cli(SPIDER, archive_of(folder / f"{name}.warc.gz", pages), db,
                                        settings={"ALERTS_CONFIG": str(config)}) for name, pages in steps.items()}
        connection = sqlite3.connect(db)
        connection.row_factory = sqlite3.Row
        rows = [dict(r) for r in connection.execute(
            "select d.*, c.run_id from deliveries d join changes c on c.id = d.change_id")]
        connection.close()
        sent = glocal("alerts", "send", "--db", db, env=env)  # the command itself, reading GLOCAL_ALERTS
        with pytest.MonkeyPatch.context() as patch:  # the second send in this process, as GLOCAL_ALERTS set it
            patch.setattr(crawler.settings, "ALERTS_CONFIG", str(config))
            again = run_cli("alerts", "send", "--db", db)
    mails = [email.message_from_bytes(m.original_content, policy=email.policy.default) for m in smtp.messages]
    return {"db": db, "crawls": crawls, "rows": rows, "sent": sent, "again": again, "mails": mails}


def test_the_baseline_wrote_no_outbox_row(pipeline):
    assert pipeline["crawls"]["baseline"].returncode == 0, pipeline["crawls"]["baseline"].stderr
    assert all(row["run_id"] == 2 for row in pipeline["rows"])


def test_the_crawl_wrote_one_row_for_the_new_signatory(pipeline):
    (row,) = pipeline["rows"]
    assert (row["kind"], row["channel"], row["rule"], row["status"]) == (
        "signature.added", "researchers", "signings", "pending")
    assert re.fullmatch(r"signature\.added:\d+@c40_accelerators/clean-air-cities\|researchers", row["dedupe_key"])


def test_send_mails_it_once(pipeline):
    assert pipeline["sent"].stdout.strip() == "1 messages sent (1 alerts), 0 to retry, 0 given up"
    assert pipeline["again"].stdout.strip() == "0 messages sent (0 alerts), 0 to retry, 0 given up"
    (mail,) = pipeline["mails"]
    assert mail["Subject"] == "Accra signed the Clean Air Accelerator (C40 Cities)"


def test_the_message_says_when_it_was_first_seen_and_links_the_evidence(pipeline):
    text = pipeline["mails"][0].get_body(("plain",)).get_content()
    assert "City: Accra, GH" in text
    assert "First seen: 2026-11-09 08:15:06 UTC" in text
    assert f"Page: {CLEAN_AIR}" in text
    assert re.search(r"Archived copy: glocal show-page \d+ \(captured 2026-11-09 08:15:06 UTC\)", text)


def test_the_archived_copy_it_names_is_the_page_that_showed_the_signatory(pipeline):
    text = pipeline["mails"][0].get_body(("plain",)).get_content()
    page_id = re.search(r"glocal show-page (\d+)", text)[1]
    shown = run_cli("show-page", page_id, "--db", pipeline["db"])
    assert shown.returncode == 0, shown.stderr
    assert "Accra, Austin" in shown.stdout and "Amman" not in shown.stdout
