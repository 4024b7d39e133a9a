"""A sender killed between sending and recording: on restart nothing is lost. The message that
was in flight is sent again (at-least-once); docs/alerts.md states this window."""

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

from alerts.outbox import Outbox
from alerts.rules import load_config
from store import open_db
from tests.alerts.support import BASELINE, SlackReceiver, crawl, rules_file, sending

RULES = """
[channels.ops]
type = "slack"
webhook_url_env = "TEST_SLACK_WEBHOOK"

[[rules]]
name = "signings"
kinds = ["signature.added"]
channels = ["ops"]
"""


def glocal_send(config, db_path, url):
    """`glocal alerts send` in its own process, with the project's settings but for the pacing of
    Slack messages (1 s by default): the restarted sender's two messages need not wait it out."""
    settings = db_path.parent / "unpaced_settings.py"
    settings.write_text("from crawler.settings import *  # noqa: F403\nALERTS_SLACK_INTERVAL = 0\n", encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(settings.parent), os.environ.get("PYTHONPATH")]))
    return subprocess.Popen([str(Path(sys.executable).parent / "glocal"), "alerts", "send", "--config", str(config),
                             "--db", str(db_path)],
                            env={**os.environ, "TEST_SLACK_WEBHOOK": url, "PYTHONPATH": path,
                                 "SCRAPY_SETTINGS_MODULE": settings.stem},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def statuses(db_path):
    db = open_db(db_path)
    try:
        return [r["status"] for r in db.query("select status from deliveries order by id")]
    finally:
        db.close()


def test_killed_after_the_send_before_the_record(tmp_path):
    db_path = tmp_path / "glocal.db"
    config = rules_file(tmp_path, RULES)

    def kill_the_sender(receiver):
        if len(receiver.requests) == 1:  # the message has arrived; the sender has not heard back
            # Through a pidfd, and answered only once it says the sender has exited (not merely
            # been signalled): the sender can never read this answer.
            victim = os.pidfd_open(receiver.victim)
            try:
                signal.pidfd_send_signal(victim, signal.SIGKILL)
                assert select.select([victim], [], [], 30)[0], "the killed sender did not exit"
            finally:
                os.close(victim)

    with SlackReceiver(on_request=kill_the_sender) as receiver:
        loaded = load_config(config, environ={"TEST_SLACK_WEBHOOK": receiver.url})
        db = open_db(db_path)
        crawl(db, source="c40_accelerators", day="2026-11-02", cities=BASELINE, outbox=Outbox(loaded))
        crawl(db, source="c40_accelerators", day="2026-11-09", cities=BASELINE + [("Milan", "IT"), ("Lyon", "FR")],
              outbox=Outbox(loaded))
        db.close()
        first = glocal_send(config, db_path, receiver.url)
        receiver.victim = first.pid
        first.communicate(timeout=60)
        assert first.returncode == -signal.SIGKILL
        after_kill = statuses(db_path)
        second = glocal_send(config, db_path, receiver.url)
        out, err = second.communicate(timeout=60)
    assert after_kill == ["sending", "pending"]  # the trace the killed sender left
    assert second.returncode == 0, err
    assert "2 messages sent (2 alerts)" in out
    assert statuses(db_path) == ["sent", "sent"]
    texts = [r.body["text"] for r in receiver.requests]
    # Nothing lost; the one message in flight at the kill arrived twice: the documented window.
    assert sorted(set(texts)) == ["Lyon signed the Clean Air Accelerator (C40 Cities)",
                                  "Milan signed the Clean Air Accelerator (C40 Cities)"]
    assert len(texts) == 3


def test_a_second_sender_waits_for_the_first(tmp_path):
    """Two senders at once (the service and a manual send): the outbox lock lets one through."""
    from alerts.deliver import _outbox_lock, lock_path_for, send_due

    db_path = tmp_path / "glocal.db"
    with SlackReceiver() as receiver:
        loaded = load_config(rules_file(tmp_path, RULES), environ={"TEST_SLACK_WEBHOOK": receiver.url})
        db = open_db(db_path)
        crawl(db, source="c40_accelerators", day="2026-11-02", cities=BASELINE, outbox=Outbox(loaded))
        crawl(db, source="c40_accelerators", day="2026-11-09", cities=BASELINE + [("Milan", "IT")], outbox=Outbox(loaded))
        with _outbox_lock(lock_path_for(db_path)):
            busy = send_due(db, loaded, **sending(lock_path=lock_path_for(db_path)))
            preview = send_due(db, loaded, **sending(lock_path=lock_path_for(db_path), dry_run=True))
        done = send_due(db, loaded, **sending(lock_path=lock_path_for(db_path), slack_interval=0))
        db.close()
    assert busy.busy and busy.sent == 0
    assert len(preview.previews) == 1  # a dry run reads past the lock
    assert done.sent == 1 and len(receiver.requests) == 1
