"""A digest over 500 pending changes: one message per channel and rule, grouped by source and
instrument; the next run sends nothing. A 10,000-change backlog drains in bounded steps."""

import email
import email.policy

import pytest

from alerts.deliver import send_due
from alerts.outbox import Outbox
from alerts.rules import load_config
from store import open_db
from tests.alerts.support import BASELINE, TEAM_AND_OPS, SlackReceiver, SmtpServer, crawl, rules_file, sending

RULES = TEAM_AND_OPS + """
[[rules]]
name = "daily"
kinds = ["signature.added"]
channels = ["team", "ops"]
delivery = "daily 08:00"

[[rules]]
name = "weekly-italy"
kinds = ["signature.added"]
countries = ["IT"]
channels = ["team"]
delivery = "weekly mon 09:00"
"""

NEW = [(f"City {n:03d}", "IT" if n < 20 else "FR") for n in range(500)]


@pytest.fixture(scope="module")
def digest(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("digest")
    with SmtpServer() as smtp, SlackReceiver() as slack:
        config = load_config(rules_file(tmp_path, RULES.format(port=smtp.port)), environ={"HOOK": slack.url})
        db = open_db(tmp_path / "glocal.db")
        crawl(db, source="c40_accelerators", day="2026-11-02", cities=BASELINE, outbox=Outbox(config))
        crawl(db, source="c40_accelerators", day="2026-11-09", cities=BASELINE + NEW[:250], outbox=Outbox(config))
        crawl(db, source="c40_news", day="2026-11-09", cities=BASELINE, outbox=Outbox(config), with_instrument=False)
        crawl(db, source="c40_news", day="2026-11-09", cities=BASELINE + NEW[250:], outbox=Outbox(config),
              with_instrument=False)
        pending = db.conn.execute("select count(*) from deliveries").fetchone()[0]
        early = send_due(db, config, **sending(now="2026-11-10T07:59:59Z", slack_interval=0))
        first = send_due(db, config, **sending(now="2026-11-16T09:00:00Z", slack_interval=0))
        second = send_due(db, config, **sending(now="2026-11-16T09:00:00Z", slack_interval=0))
        statuses = dict(db.conn.execute("select status, count(*) from deliveries group by 1").fetchall())
        db.close()
    mails = [email.message_from_bytes(m.original_content, policy=email.policy.default) for m in smtp.messages]
    return {"pending": pending, "early": early, "first": first, "second": second, "mails": mails,
            "slack": slack.delivered, "statuses": statuses}


def test_500_changes_are_pending(digest):
    # "daily" on two channels; "weekly-italy" finds the team channel already holding each Italian signing
    assert digest["pending"] == 500 * 2


def test_nothing_goes_before_the_period_ends(digest):
    assert digest["early"].sent == 0


def test_one_message_per_channel_and_rule(digest):
    assert digest["first"].sent == 2
    assert digest["first"].rows_sent == 1000
    assert len(digest["mails"]) == 1 and len(digest["slack"]) == 1


def test_the_next_run_sends_nothing(digest):
    assert digest["second"].sent == 0
    assert digest["statuses"] == {"sent": 1000}


def test_the_digest_groups_by_source_and_instrument(digest):
    text = digest["mails"][0].get_body(("plain",)).get_content()
    assert text.startswith("Digest daily, until 2026-11-10 08:00:00Z: 500 changes")
    assert "== c40_accelerators / Clean Air Accelerator (250) ==" in text
    assert "== c40_news / Clean Air Accelerator (250) ==" in text
    assert "- City 000 signed the Clean Air Accelerator (C40 Cities)" in text
    assert text.count(" signed the ") == 500


def test_the_slack_digest_stays_within_slack_limits(digest):
    body = digest["slack"][0].body
    assert len(body["blocks"]) <= 50
    assert all(len(block["text"]["text"]) <= 3000 for block in body["blocks"])
    assert "more" in body["blocks"][1]["text"]["text"]  # 250 lines do not fit one section: the rest is counted


def test_a_10000_change_backlog_drains_in_bounded_steps(tmp_path):
    """10,000 new signings at once (a long outage): the changes are written through the store's
    hook with the real outbox (the entity upsert is left out: its cost is not the outbox's)."""
    import json

    from store import ingest, runs

    config = load_config(rules_file(tmp_path, RULES.format(port=1)), environ={"HOOK": "https://hooks.slack.com/x/y"})
    db = open_db(tmp_path / "glocal.db")
    run = runs.start_run(db, spider="c40_accelerators", now="2026-11-09T08:15:00Z")
    changes = [(run, "signature", f"c40_accelerators/clean-air-cities/town-{n:05d}", "added",
                json.dumps({"actor_name": f"Town {n:05d}", "country": "FR"}), "2026-11-09T08:15:06Z",
                "2026-11-09T08:16:00Z", 1, "signatures:c40_accelerators/clean-air-cities", None)
               for n in range(10_000)]
    with db.atomic():
        ingest.write_changes(db, changes, Outbox(config))
    assert db.conn.execute("select count(*) from deliveries").fetchone()[0] == 20_000
    first = send_due(db, config, **sending(now="2026-11-16T09:00:00Z", limit=500, dry_run=True))
    everything = send_due(db, config, **sending(now="2026-11-16T09:00:00Z", dry_run=True))
    db.close()
    assert len(first.previews) == 2  # 500 rows: one digest per channel, not 500 messages
    assert len(everything.previews) == 2
    assert everything.previews[0].count(" signed the ") == 10_000  # the email digest lists every one
