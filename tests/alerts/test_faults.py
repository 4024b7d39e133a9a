"""Delivery faults as data: what the far end does, and what the outbox must record after one send.

DELIVERY_FAULTS is meant to be read by a fault matrix (tests/faults/, when it exists): each row
names a fault of an SMTP server or a Slack webhook and the state one delivery attempt must leave.
Every row is driven here against a real server on 127.0.0.1.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from alerts.deliver import send_due
from alerts.rules import load_config
from store.clock import parse_moment
from store import open_db
from tests.alerts.support import SlackReceiver, SmtpServer, baseline_then, free_port, rules_file, sending


@dataclass(frozen=True)
class DeliveryFault:
    name: str
    channel: str  # "slack" | "email"
    answers: tuple = ()  # slack: (status, headers) per request; email: the SMTP reply to DATA
    down: bool = False  # nothing listens on the port
    status: str = "failed"  # the row's status after one attempt
    error: str = ""  # how last_error starts
    waits_at_least: float = 0  # seconds until the next attempt
    arrived: int = 0  # messages the far end accepted
    extra: dict = field(default_factory=dict)


DELIVERY_FAULTS = [
    DeliveryFault("slack answers 500", "slack", answers=((500, {}),), error="Slack answered HTTP 500 internal_error",
                  waits_at_least=14),
    DeliveryFault("slack answers 429 with Retry-After: 120", "slack", answers=((429, {"Retry-After": "120"}),),
                  error="Slack answered HTTP 429 rate_limited", waits_at_least=120),
    DeliveryFault("slack answers 404 (webhook revoked)", "slack", answers=((404, {}),), error="Slack answered HTTP 404"),
    DeliveryFault("slack webhook unreachable", "slack", down=True, error="cannot reach the Slack webhook: "),
    # The far end got the message but answered too late: recorded as a failure and retried, so it
    # can arrive twice (the same at-least-once window as a kill; docs/alerts.md).
    DeliveryFault("slack answers after the timeout", "slack", answers=((200, {"_delay": "1.5"}),),
                  error="cannot reach the Slack webhook: ", arrived=1, extra={"timeout": 0.25}),
    DeliveryFault("slack accepts", "slack", status="sent", arrived=1),
    DeliveryFault("smtp 451 (try later)", "email", answers=("451 4.3.0 Mailbox busy",),
                  error="SMTP 451 4.3.0 Mailbox busy", waits_at_least=14),
    DeliveryFault("smtp 550 (refused)", "email", answers=("550 5.7.1 Relaying denied",),
                  error="SMTP 550 5.7.1 Relaying denied"),
    DeliveryFault("smtp server down", "email", down=True, error="SMTP 127.0.0.1:"),
    DeliveryFault("smtp accepts", "email", status="sent", arrived=1),
]

RULES = {
    "slack": """
[channels.out]
type = "slack"
webhook_url_env = "HOOK"
timeout = {timeout}
""",
    "email": """
[channels.out]
type = "email"
host = "127.0.0.1"
port = {port}
security = "plain"
from = "alerts@glocal.test"
to = "team@glocal.test"
timeout = {timeout}
""",
}
RULE = """
[[rules]]
name = "signings"
kinds = ["signature.added"]
channels = ["out"]
"""


def deliver_once(tmp_path, fault: DeliveryFault):
    timeout = fault.extra.get("timeout", 10)
    if fault.channel == "slack":
        receiver = SlackReceiver(script=list(fault.answers))
        server = receiver.__enter__()
        url = server.url
        if fault.down:
            receiver.__exit__(None, None, None)
        text = RULES["slack"].format(timeout=math.ceil(timeout))
        environ = {"HOOK": url}
    else:
        server = SmtpServer(fail_with=fault.answers[0] if fault.answers else None)
        port = free_port()
        if not fault.down:
            server.__enter__()
            port = server.port
        text = RULES["email"].format(port=port, timeout=math.ceil(timeout))
        environ = {}
    try:
        config = load_config(rules_file(tmp_path, text + RULE), environ=environ)
        # The file takes whole seconds; the fault "answers after the timeout" needs only an answer
        # later than the timeout, and waits the timeout out: 0.25 s against an answer at 1.5 s
        # gives up long before the answer comes, even with the sender stalled 1.25 s by a loaded
        # machine (a timeout of 1 s spent 1 s idle and left 0.5 s).
        config.channels["out"].options["timeout"] = timeout
        db = open_db(tmp_path / "glocal.db")
        baseline_then(db, config, [("Milan", "IT")])
        before = datetime.now(timezone.utc)
        send_due(db, config, **sending(backoff_base=30, slack_interval=0))
        if fault.channel == "slack" and not fault.down:
            server.wait_for_requests(max(len(fault.answers), fault.arrived))
        (row,) = db.query("select * from deliveries")
        db.close()
    finally:
        if not fault.down:
            server.__exit__(None, None, None)
    arrived = len(server.delivered) if fault.channel == "slack" else len(server.messages)
    return row, before, arrived


@pytest.mark.parametrize("fault", DELIVERY_FAULTS, ids=[f.name for f in DELIVERY_FAULTS])
def test_delivery_fault(tmp_path, fault):
    row, before, arrived = deliver_once(tmp_path, fault)
    assert row["status"] == fault.status
    assert row["attempts"] == 1
    assert arrived == fault.arrived
    if fault.status == "sent":
        assert row["sent_at"] and row["claimed_at"] is None
        return
    assert (row["last_error"] or "").startswith(fault.error), row["last_error"]
    assert parse_moment(row["next_attempt_at"]) >= before + timedelta(seconds=fault.waits_at_least)
    assert "XXXXSECRETXXXX" not in row["last_error"]
