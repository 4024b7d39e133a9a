"""Slack alerts delivered to a real webhook receiver on 127.0.0.1: retries, Retry-After, pacing,
escaping of scraped text, and secrets kept out of the store."""

import time

import pytest

from alerts.deliver import retry_delay, send_due, send_until_idle
from alerts.outbox import Outbox
from alerts.rules import load_config
from store import deliveries, open_db
from store.clock import utcnow
from tests.alerts.support import BASELINE, SlackReceiver, crawl, rules_file, sending

RULES = """
[settings]
max_attempts = {attempts}

[channels.ops]
type = "slack"
webhook_url_env = "TEST_SLACK_WEBHOOK"

[[rules]]
name = "signings"
kinds = ["signature.added"]
channels = ["ops"]
"""


def setup(tmp_path, receiver, cities, attempts=8):
    config = load_config(rules_file(tmp_path, RULES.format(attempts=attempts)),
                         environ={"TEST_SLACK_WEBHOOK": receiver.url})
    db = open_db(tmp_path / "glocal.db")
    crawl(db, source="c40_accelerators", day="2026-11-02", cities=BASELINE, outbox=Outbox(config))
    crawl(db, source="c40_accelerators", day="2026-11-09", cities=BASELINE + cities, outbox=Outbox(config))
    return db, config


@pytest.fixture(scope="module")
def flaky(tmp_path_factory):
    """The receiver answers 500, then 429 with Retry-After: 0.5, then 200. The backoff (0.05 s
    doubling, times 0.5-1.5: at most 0.15 s for the second retry) is shorter than the Retry-After,
    so only the Retry-After can explain the wait after the 429."""
    tmp_path = tmp_path_factory.mktemp("slack")
    with SlackReceiver(script=[(500, {}), (429, {"Retry-After": "0.5"})]) as receiver:
        db, config = setup(tmp_path, receiver, [("Milan", "IT")])
        outcome = send_until_idle(db, config, deadline=time.monotonic() + 20, **sending(backoff_base=0.05, slack_interval=0))
        rows = list(db.query("select * from deliveries"))
        db.close()
    return {"receiver": receiver, "outcome": outcome, "rows": rows}


def test_three_attempts_reach_the_receiver(flaky):
    assert [r.status for r in flaky["receiver"].requests] == [500, 429, 200]


def test_exactly_one_message_arrives(flaky):
    assert len(flaky["receiver"].delivered) == 1
    assert flaky["outcome"].sent == 1


def test_the_retry_after_the_429_waited_as_asked(flaky):
    limited, accepted = flaky["receiver"].requests[1:]
    assert accepted.at - limited.at >= 0.5


def test_the_row_is_sent_after_three_attempts(flaky):
    (row,) = flaky["rows"]
    assert (row["status"], row["attempts"]) == ("sent", 3)
    assert row["last_error"] == "Slack answered HTTP 429 rate_limited"


def test_the_message_has_blocks_and_a_fallback(flaky):
    body = flaky["receiver"].delivered[0].body
    assert body["text"] == "Milan signed the Clean Air Accelerator (C40 Cities)"
    assert body["blocks"][0] == {"type": "section", "text": {"type": "plain_text", "text": body["text"]}}
    assert "*City:* Milan, IT" in body["blocks"][1]["text"]["text"]


def test_the_webhook_url_never_reaches_the_store(tmp_path):
    with SlackReceiver(script=[(500, {})] * 3) as receiver:
        db, config = setup(tmp_path, receiver, [("Milan", "IT")], attempts=2)
        send_until_idle(db, config, deadline=time.monotonic() + 10, **sending(backoff_base=0.1, slack_interval=0))
        dump = "\n".join(db.conn.iterdump())
        (row,) = db.query("select status, attempts, last_error from deliveries")
        db.close()
    assert "XXXXSECRETXXXX" not in dump
    assert (row["status"], row["attempts"]) == ("dead", 2)
    assert row["last_error"] == "Slack answered HTTP 500 internal_error (gave up after 2 attempts)"


def test_a_retry_is_sent_at_its_moment_not_at_the_next_whole_second(tmp_path):
    """The store holds a retry moment rounded up to the second; the loop that scheduled the retry
    sends it at its exact moment. Held to the stored second, a retry could never reach the receiver
    within the wall-clock second of the failure before it (it waits for a second that starts after
    that failure): of seven retries 10 ms apart, some do."""
    with SlackReceiver(script=[(500, {})] * 7) as receiver:
        db, config = setup(tmp_path, receiver, [("Milan", "IT")], attempts=8)
        outcome = send_until_idle(db, config, deadline=time.monotonic() + 60, **sending(
            backoff_base=0.01, backoff_max=0.01, jitter=lambda: 0.5, slack_interval=0))
        (row,) = db.query("select status, attempts from deliveries")
        db.close()
    assert (outcome.sent, outcome.failed, row["status"], row["attempts"]) == (1, 7, "sent", 8)
    seconds = [int(request.wall) for request in receiver.requests]
    assert any(earlier == later for earlier, later in zip(seconds, seconds[1:])), seconds
    gaps = [later.at - earlier.at for earlier, later in zip(receiver.requests, receiver.requests[1:])]
    assert min(gaps) >= 0.01  # never sooner than the backoff


def test_only_the_rows_whose_retry_moment_passed_are_made_due(tmp_path):
    """A retry made due before its stored second takes no other row of that second with it (a
    digest ending then, another sender's Retry-After): only the rows named, and only failed ones."""
    with SlackReceiver() as receiver:
        db, config = setup(tmp_path, receiver, [("Milan", "IT"), ("Lyon", "FR"), ("Porto", "PT")])
        milan, lyon, porto = (r["id"] for r in db.query("select id from deliveries order by id"))
        later = "2999-01-01T00:00:00Z"
        db.conn.execute("update deliveries set status = 'failed', next_attempt_at = ? where id in (?, ?)",
                        [later, milan, lyon])
        db.conn.execute("update deliveries set status = 'sent', next_attempt_at = ? where id = ?", [later, porto])
        db.conn.commit()
        deliveries.due_now(db, [milan, porto], now=utcnow())
        outcome = send_due(db, config, **sending(slack_interval=0))
        rows = {r["id"]: (r["status"], r["next_attempt_at"]) for r in db.query("select * from deliveries")}
        db.close()
    assert outcome.sent == 1 and [r.body["text"] for r in receiver.delivered] == [
        "Milan signed the Clean Air Accelerator (C40 Cities)"]
    assert rows[milan][0] == "sent"
    assert rows[lyon] == ("failed", later) and rows[porto] == ("sent", later)


def test_an_unreachable_webhook_is_retried_with_a_clear_reason(tmp_path):
    with SlackReceiver() as receiver:
        db, config = setup(tmp_path, receiver, [("Milan", "IT")])
    outcome = send_due(db, config, **sending())  # the receiver is gone: connection refused
    (row,) = db.query("select status, last_error from deliveries")
    db.close()
    assert outcome.failed == 1
    assert row["status"] == "failed"
    assert row["last_error"].startswith("cannot reach the Slack webhook: [Errno 111] Connection refused")


def test_messages_to_one_webhook_are_paced(tmp_path):
    with SlackReceiver() as receiver:
        db, config = setup(tmp_path, receiver, [("Milan", "IT"), ("Lyon", "FR"), ("Porto", "PT")])
        send_due(db, config, **sending(slack_interval=0.1))
        db.close()
    times = [r.at for r in receiver.delivered]
    assert len(times) == 3
    assert all(later - earlier >= 0.1 for earlier, later in zip(times, times[1:]))  # paced from the last answer


SCRAPED = "Evil <!channel> <@U024BE7LH> <https://evil.test|click> *bold* _it_ ~s~ `code` & co"


def test_slack_control_sequences_in_scraped_names_stay_text(tmp_path):
    with SlackReceiver() as receiver:
        db, config = setup(tmp_path, receiver, [(SCRAPED, "IT")])
        send_due(db, config, **sending(slack_interval=0))
        db.close()
    body = receiver.delivered[0].body
    mrkdwn = body["text"] + body["blocks"][1]["text"]["text"]
    for dangerous in ("<!channel>", "<@U024BE7LH>", "<https://evil.test|click>", "*bold*", "_it_", "~s~", "`code`"):
        assert dangerous not in mrkdwn
    assert "&lt;!channel&gt;" in body["text"] and "&amp; co" in body["text"]
    assert body["blocks"][0]["text"] == {"type": "plain_text", "text": f"{SCRAPED} signed the Clean Air Accelerator "
                                                                       "(C40 Cities)"}


@pytest.mark.parametrize("attempts,retry_after,jitter,expected", [
    (1, None, 0.5, 30), (2, None, 0.5, 60), (3, None, 0.0, 60), (3, None, 1.0, 180),
    (20, None, 0.5, 3600), (1, 120, 0.5, 120), (4, 5, 0.5, 240),
])
def test_retry_delay(attempts, retry_after, jitter, expected):
    assert retry_delay(attempts, retry_after, base=30, cap=3600, jitter=lambda: jitter) == expected


def test_a_link_cannot_be_closed_early_or_relabelled():
    from alerts.render import Line, _slack_value

    value = _slack_value(Line("Page", "https://evil.test/a>b|<!channel>?x=1&y=2",
                              url="https://evil.test/a>b|<!channel>?x=1&y=2"))
    assert value.count("<") == 1 and value.count(">") == 1 and value.count("|") == 1
    assert value.startswith("<https://evil.test/a%3Eb%7C%3C!channel%3E?x=1&amp;y=2|")
