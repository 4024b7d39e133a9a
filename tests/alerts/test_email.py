"""Email alerts delivered to a real SMTP server (aiosmtpd on 127.0.0.1) and parsed back."""

import email
import email.policy

import pytest

from alerts.deliver import send_due
from alerts.rules import load_config
from store import open_db
from tests.alerts.support import CLEAN_AIR_URL, SmtpServer, baseline_then, rules_file, sending

RULES = """
[channels.researchers]
type = "email"
host = "127.0.0.1"
port = {port}
security = "plain"
from = "glocal-watch <alerts@glocal.test>"
to = ["team@glocal.test", "lead@glocal.test"]

[[rules]]
name = "signings"
kinds = ["signature.added"]
channels = ["researchers"]
"""
EVIL = "Milan <!channel> <script>alert(1)</script> *bold*"


@pytest.fixture
def delivered(tmp_path):
    with SmtpServer() as server:
        config = load_config(rules_file(tmp_path, RULES.format(port=server.port)), environ={})
        db = open_db(tmp_path / "glocal.db")
        baseline_then(db, config, [("Milan", "IT"), (EVIL, "IT")], signed_on={"Milan": "2024-03-01"})
        outcome = send_due(db, config, **sending(now="2026-11-09T09:00:00Z"))
        rows = list(db.query("select status, attempts, sent_at from deliveries order by id"))
        db.close()
    messages = [email.message_from_bytes(m.original_content, policy=email.policy.default) for m in server.messages]
    return {"outcome": outcome, "rows": rows, "messages": messages, "envelopes": server.messages}


def milan(delivered):
    return next(m for m in delivered["messages"] if m["Subject"].startswith("Milan signed"))


def test_one_email_per_new_signatory(delivered):
    assert delivered["outcome"].sent == 2
    assert len(delivered["messages"]) == 2


def test_the_outbox_rows_are_sent(delivered):
    assert [(r["status"], r["attempts"]) for r in delivered["rows"]] == [("sent", 1), ("sent", 1)]


def test_subject_says_who_signed_what(delivered):
    assert milan(delivered)["Subject"] == "Milan signed the Clean Air Accelerator (C40 Cities)"


def test_headers(delivered):
    message = milan(delivered)
    assert message["From"] == "glocal-watch <alerts@glocal.test>"
    assert message["To"] == "team@glocal.test, lead@glocal.test"
    assert message["Message-ID"].endswith("@glocal-watch>")
    assert message["Date"]


def test_envelope_recipients(delivered):
    assert delivered["envelopes"][0].rcpt_tos == ["team@glocal.test", "lead@glocal.test"]


def test_multipart_text_and_html(delivered):
    message = milan(delivered)
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]


def text_part(message):
    return message.get_body(("plain",)).get_content()


def html_part(message):
    return message.get_body(("html",)).get_content()


def test_text_gives_signed_on_as_published(delivered):
    assert "Signed on: 2024-03-01" in text_part(milan(delivered))


def test_text_gives_first_seen_as_the_capture_time(delivered):
    assert "First seen: 2026-11-09 08:15:06 UTC" in text_part(milan(delivered))


def test_text_gives_city_and_country(delivered):
    assert "City: Milan, IT" in text_part(milan(delivered))


def test_links_to_the_page_and_its_archived_copy(delivered):
    text = text_part(milan(delivered))
    assert f"Page: {CLEAN_AIR_URL}" in text
    assert "Archived copy: glocal show-page 2 (captured 2026-11-09 08:15:06 UTC)" in text
    assert f'<a href="{CLEAN_AIR_URL}">' in html_part(milan(delivered))


def test_a_signed_on_the_site_does_not_give_is_said_so(delivered):
    other = next(m for m in delivered["messages"] if m is not milan(delivered))
    assert "Signed on: not given by any source" in text_part(other)


def test_scraped_markup_is_escaped_in_html(delivered):
    other = next(m for m in delivered["messages"] if m is not milan(delivered))
    page = html_part(other)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_scraped_text_is_kept_verbatim_in_the_plain_part_and_subject(delivered):
    other = next(m for m in delivered["messages"] if m is not milan(delivered))
    assert other["Subject"] == f"{EVIL} signed the Clean Air Accelerator (C40 Cities)"
    assert f"City: {EVIL}, IT" in text_part(other)


def test_an_smtp_error_is_retried_later_with_the_reason(tmp_path):
    with SmtpServer(fail_with="451 4.3.0 Try again later") as server:
        config = load_config(rules_file(tmp_path, RULES.format(port=server.port)), environ={})
        db = open_db(tmp_path / "glocal.db")
        baseline_then(db, config, [("Milan", "IT")])
        outcome = send_due(db, config, **sending(backoff_base=60, jitter=lambda: 0.5))
        (row,) = db.query("select status, attempts, last_error, next_attempt_at from deliveries")
        db.close()
    assert outcome.failed == 1 and server.messages == []
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert row["last_error"] == "SMTP 451 4.3.0 Try again later"
    assert row["next_attempt_at"] > "2026-11-09"


def test_an_smtp_server_that_is_down_is_a_retry_not_a_crash(tmp_path):
    from tests.alerts.support import free_port

    config = load_config(rules_file(tmp_path, RULES.format(port=free_port())), environ={})
    db = open_db(tmp_path / "glocal.db")
    baseline_then(db, config, [("Milan", "IT")])
    outcome = send_due(db, config, **sending())
    (row,) = db.query("select status, last_error from deliveries")
    db.close()
    assert outcome.failed == 1
    assert row["status"] == "failed" and "ConnectionRefusedError" in row["last_error"]


TLS_RULES = """
[channels.researchers]
type = "email"
host = "127.0.0.1"
port = {port}
security = "{security}"
ca_file = "{ca}"
from = "alerts@glocal.test"
to = ["team@glocal.test"]
username_env = "SMTP_USER"
password_env = "SMTP_PASSWORD"

[[rules]]
name = "signings"
kinds = ["signature.added"]
channels = ["researchers"]
"""


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # the test server, on an SSL port
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login(tmp_path, security):
    from tests.alerts.support import self_signed_certificate

    certificate = self_signed_certificate(tmp_path)
    with SmtpServer(tls=security, certificate=certificate, logins={"glocal": "pa55word"}) as server:
        config = load_config(rules_file(tmp_path, TLS_RULES.format(port=server.port, security=security,
                                                                   ca=certificate[0])),
                             environ={"SMTP_USER": "glocal", "SMTP_PASSWORD": "pa55word"})
        db = open_db(tmp_path / "glocal.db")
        baseline_then(db, config, [("Milan", "IT")])
        outcome = send_due(db, config, **sending())
        errors = [r[0] for r in db.conn.execute("select last_error from deliveries")]
        db.close()
    assert outcome.sent == 1, errors
    assert server.logged_in == ["glocal"]
    assert len(server.messages) == 1


def test_a_wrong_password_is_an_error_without_the_password(tmp_path):
    from tests.alerts.support import self_signed_certificate

    certificate = self_signed_certificate(tmp_path)
    with SmtpServer(tls="starttls", certificate=certificate, logins={"glocal": "pa55word"}) as server:
        config = load_config(rules_file(tmp_path, TLS_RULES.format(port=server.port, security="starttls",
                                                                   ca=certificate[0])),
                             environ={"SMTP_USER": "glocal", "SMTP_PASSWORD": "wrong-s3cret"})
        db = open_db(tmp_path / "glocal.db")
        baseline_then(db, config, [("Milan", "IT")])
        send_due(db, config, **sending())
        (row,) = db.query("select status, last_error from deliveries")
        dump = "\n".join(db.conn.iterdump())
        db.close()
    assert row["status"] == "failed" and row["last_error"].startswith("SMTP 535")
    assert "wrong-s3cret" not in dump


def test_a_server_whose_certificate_is_not_trusted_is_refused(tmp_path):
    from tests.alerts.support import self_signed_certificate

    certificate = self_signed_certificate(tmp_path)
    text = TLS_RULES.format(port=0, security="ssl", ca="x").replace('ca_file = "x"\n', "")
    with SmtpServer(tls="ssl", certificate=certificate) as server:
        config = load_config(rules_file(tmp_path, text.replace("port = 0", f"port = {server.port}")),
                             environ={"SMTP_USER": "glocal", "SMTP_PASSWORD": "pa55word"})
        db = open_db(tmp_path / "glocal.db")
        baseline_then(db, config, [("Milan", "IT")])
        send_due(db, config, **sending())
        (row,) = db.query("select status, last_error from deliveries")
        db.close()
    assert server.messages == []
    assert row["status"] == "failed" and "CERTIFICATE_VERIFY_FAILED" in row["last_error"]
