"""Hostile far ends and hostile configuration for the alerts (issue 20, items 7 to 12), each a
class of fault driven against real receivers on 127.0.0.1: a Slack webhook (http.server), a raw
TCP far end that speaks broken HTTP, and the real store and outbox.

Each trial returns a TrialResult whose columns the fault matrix prints: `lost` counts messages
that should have gone out and did not (or were recorded sent without arriving, or a rule that
would silently never match), `secrets_leaked` every place a form of the webhook secret was
found, `tracebacks` every output that showed one.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from urllib.parse import quote

from tests.faults.trials import TrialResult, workdir

SECRET = "XXXXSECRETXXXX"  # the token segment of SlackReceiver.url
NEW = [("Milan", "IT"), ("Lagos", "NG"), ("Quito", "EC")]
SLACK_RULES = """
[settings]
max_attempts = {attempts}

[channels.ops]
type = "slack"
webhook_url_env = "HOOK"
timeout = 5

[[rules]]
name = "signings"
kinds = ["signature.added"]
channels = ["ops"]
"""


def _forms(secret_url: str) -> list[str]:
    path = secret_url.split("/", 3)[3]
    return [SECRET, quote(SECRET), "/" + path, quote("/" + path, safe=""), path.replace("/", "\\/")]


def _leaks(text: str, secret_url: str) -> int:
    return sum(1 for form in _forms(secret_url) if form in text) + int(SECRET.lower() in text.lower() and SECRET not in text)


def _outbox(folder: Path, url: str, *, attempts: int = 8):
    from alerts.rules import load_config
    from store import open_db
    from tests.alerts.support import baseline_then, rules_file

    config = load_config(rules_file(folder, SLACK_RULES.format(attempts=attempts)), environ={"HOOK": url})
    db = open_db(folder / "glocal.db")
    baseline_then(db, config, NEW)
    return config, db


def _send(result: TrialResult, db, config) -> None:
    from alerts.deliver import send_due

    try:
        send_due(db, config, backoff_base=30, backoff_max=3600, slack_interval=0)
    except Exception as error:  # noqa: BLE001 - an outbox that raises is the finding
        result.tracebacks += 1
        result.notes.append(f"send_due raised {type(error).__name__}: {error}"[:200])


def _rows(db) -> list[dict]:
    return [dict(row) for row in db.query("select * from deliveries order by id")]


# --- 7. server-given waits -----------------------------------------------------------------------------

WAITS = ("1e12", "inf", "-inf", "nan", "-5", "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT")


def server_waits_trial() -> TrialResult:
    """Slack answers the first message 429 with an absurd Retry-After: that row waits at most a day,
    the others are sent in the same call, and a second call runs too."""
    from datetime import datetime, timedelta, timezone

    from store.clock import parse_moment
    from tests.alerts.support import SlackReceiver

    result = TrialResult("Retry-After 1e12, inf, nan, -5, year 9999 from the webhook")
    for wait in WAITS:
        folder = workdir()
        with SlackReceiver(script=[(429, {"Retry-After": wait})]) as receiver:
            config, db = _outbox(folder, receiver.url)
            _send(result, db, config)
            _send(result, db, config)  # the row that was told to wait must not crash the next call
            rows = _rows(db)
            db.close()
        sent = [row for row in rows if row["status"] == "sent"]
        waiting = [row for row in rows if row["status"] == "failed"]
        result.lost += len(NEW) - 1 - len(sent)
        in_time = all(parse_moment(row["next_attempt_at"]) <= datetime.now(timezone.utc) + timedelta(days=1, minutes=1)
                      for row in waiting)
        result.judge(len(waiting) == 1 and in_time, f"Retry-After {wait}: {[(r['status'], r['next_attempt_at']) for r in rows]}")
    return result


# --- 7. a row that fails in a way nobody foresaw -----------------------------------------------------------

class BrokenHttp:
    """A far end on 127.0.0.1 that answers its first `broken` connections with bytes that are not
    HTTP (http.client raises BadStatusLine, which is no OSError), then with a plain 200."""

    def __init__(self, broken: int = 1, garbage: bytes = b"HTTP/1.1 two hundred OK\r\n\r\n"):
        self.broken, self.garbage, self.accepted = broken, garbage, 0
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/services/T000/B000/{SECRET}"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.accepted += 1
                if self.accepted <= self.broken:
                    connection.sendall(self.garbage)
                else:
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    def __exit__(self, *exc):
        self.socket.close()


def broken_far_end_trial() -> TrialResult:
    """A far end that answers garbage (a bad status line, a header line of 100 KB) fails its own row
    in one scrubbed line; every other row is sent in the same call."""
    result = TrialResult("a far end that does not speak HTTP (one outbox row may not block the others)")
    for garbage in (b"HTTP/1.1 two hundred OK\r\n\r\n", b"HTTP/1.1 200 OK\r\nX: " + b"a" * 100_000 + b"\r\n\r\n",
                    b"\x00\xff" * 10):
        folder = workdir()
        with BrokenHttp(garbage=garbage) as far_end:
            config, db = _outbox(folder, far_end.url)
            _send(result, db, config)
            rows = _rows(db)
            db.close()
        sent = [row for row in rows if row["status"] == "sent"]
        failed = [row for row in rows if row["status"] == "failed"]
        result.lost += len(NEW) - 1 - len(sent)
        for row in failed:
            result.secrets_leaked += _leaks(row["last_error"] or "", far_end.url)
            result.tracebacks += int("Traceback" in (row["last_error"] or "") or "\n" in (row["last_error"] or ""))
        result.judge(len(failed) == 1 and len(sent) == 2, f"{garbage[:20]!r}: {[(r['status'], r['last_error']) for r in rows]}")
    return result


# --- 8. the webhook secret in an error body --------------------------------------------------------------

ECHOES = ("no such hook: {path}", "<pre>POST {path} not found</pre>", '{"error": "unknown {path}"}')


def secret_echo_trial() -> TrialResult:
    """A 404 whose body echoes the request path, plain, percent-encoded or JSON-escaped: the stored
    error, `alerts status` and `alerts test` hold no form of the secret."""
    from tests.alerts.support import SlackReceiver
    from tests.helpers import glocal

    result = TrialResult("the webhook secret echoed in an error body (path, percent-encoded, escaped)")
    for echo in ECHOES:
        for form in ("plain", "percent", "escaped"):
            folder = workdir()
            body = {"plain": echo, "percent": echo.replace("{path}", quote("{path}", safe="{}")),
                    "escaped": echo.replace("{path}", "{path}").replace("/", "\\/")}[form]
            with SlackReceiver(script=[(404, {"_body": body})] * (len(NEW) + 1)) as receiver:
                config, db = _outbox(folder, receiver.url, attempts=1)
                _send(result, db, config)
                rows = _rows(db)
                db.close()
                status = glocal("alerts", "status", "--db", folder / "glocal.db")
                test = glocal("alerts", "test", "ops", "--config", folder / "alerts.toml", env={"HOOK": receiver.url})
                url = receiver.url
            stored = "\n".join(row["last_error"] or "" for row in rows)
            for text in (stored, status.stdout + status.stderr, test.stdout + test.stderr):
                result.secrets_leaked += _leaks(text, url)
                result.tracebacks += int("Traceback" in text)
            result.judge(all(row["status"] == "dead" for row in rows) and "HTTP 404" in stored and test.returncode == 1,
                         f"{form} {echo}: {stored[:200]!r} / {test.stderr[-200:]!r}")
    return result


# --- 9. webhook URLs that only fail when sending -----------------------------------------------------------

BAD_URLS = ("https://hooks.slack.com/services/T0/B0/{s} x", "http://127.0.0.1:80a/services/T0/B0/{s}",
            "http://[::1/services/T0/B0/{s}", "https://hooks.slack.com/services/T0/B0/{s}\r\nX: y",
            "https://hooks.slack.com:99999/services/T0/B0/{s}", "https://hooks.slack.com/services/T0/B0/{s}é",
            "https://hooks slack.com/services/T0/B0/{s}", "https://-bad-.example/services/T0/B0/{s}",
            "http://127.0.0.1:0/services/T0/B0/{s}", "https:///services/T0/B0/{s}")


def webhook_url_trial() -> TrialResult:
    """Each URL that http.client would refuse at send time is refused at load, in one line that
    does not print it; `glocal alerts check` and `alerts send` say so without a traceback."""
    from alerts.rules import load_config
    from kit.errors import NotConfigured
    from tests.alerts.support import rules_file
    from tests.helpers import glocal

    result = TrialResult("webhook URLs that fail only at send time (space, port 80a, [::1, CR/LF)")
    for template in BAD_URLS:
        url = template.format(s=SECRET)
        folder = workdir()
        path = rules_file(folder, SLACK_RULES.format(attempts=3))
        try:
            load_config(path, environ={"HOOK": url})
        except NotConfigured as error:
            result.secrets_leaked += int(SECRET in str(error))
            result.judge(True, "")
        except Exception as error:  # noqa: BLE001
            result.tracebacks += 1
            result.judge(False, f"{url!r}: {type(error).__name__}: {error}"[:200])
        else:
            result.lost += 1  # accepted: every message to it would be lost
            result.judge(False, f"{url!r} was accepted")
    command = glocal("alerts", "send", "--config", path, "--db", folder / "glocal.db",
                     env={"HOOK": BAD_URLS[0].format(s=SECRET)})
    result.tracebacks += int("Traceback" in command.stderr)
    result.secrets_leaked += int(SECRET in command.stdout + command.stderr)
    result.judge(command.returncode != 0 and "HOOK" in command.stderr, f"alerts send: {command.stderr[-300:]}")
    return result


# --- 10. redirects ---------------------------------------------------------------------------------------------

def redirect_trial() -> TrialResult:
    """A webhook answering 301, 302, 303, 307 or 308 did not take the message: the row fails with the
    location (scrubbed), nothing is sent as a GET, nothing is recorded sent."""
    from tests.alerts.support import SlackReceiver

    result = TrialResult("the webhook answers a redirect (301, 302, 303, 307, 308)")
    for status in (301, 302, 303, 307, 308):
        folder = workdir()
        with SlackReceiver() as receiver:
            receiver.script[:] = [(status, {"Location": receiver.url + "/moved"})] * len(NEW)
            config, db = _outbox(folder, receiver.url)
            _send(result, db, config)
            rows = _rows(db)
            gets = list(receiver.gets)
            db.close()
        recorded_sent = [row for row in rows if row["status"] == "sent"]
        result.lost += len(recorded_sent)  # recorded sent, never delivered
        errors = "\n".join(row["last_error"] or "" for row in rows)
        result.secrets_leaked += _leaks(errors, receiver.url)
        result.judge(not gets and not recorded_sent and f"HTTP {status}" in errors and "redirect" in errors,
                     f"{status}: gets {gets}, {[(r['status'], r['last_error']) for r in rows]}")
    return result


# --- 11 and 12. values that name nothing, addresses that inject -----------------------------------------------

RULE_TYPOS = (("sources", '["c40_acelerators"]'), ("instruments", '["c40_acelerators/clean-air-cities"]'),
              ("countries", '["UK"]'), ("countries", '["XX"]'))
EMAIL = """
[channels.team]
type = "email"
host = "127.0.0.1"
port = 2525
security = "plain"
from = {sender}
to = {to}

[[rules]]
name = {name}
kinds = ["signature.added"]
channels = ["team"]
"""
BAD_ADDRESSES = (("to", '["team@glocal.test\\r\\nBcc: all@example.org"]'), ("to", '["team@glocal.test\\n"]'),
                 ("sender", '"alerts@glocal.test\\r\\nX-Evil: 1"'), ("to", '["team@glocal.test\\u0085"]'),
                 ("name", '"daily\\r\\nBcc: all@example.org"'), ("to", '["not an address"]'),
                 ("to", '["a@b@c"]'))


def rule_values_trial() -> TrialResult:
    """A rule whose `sources`, instrument prefix or countries name nothing, and an address with a
    line break, are refused at load (a rule that never matches loses every alert it was for)."""
    from alerts.rules import load_config
    from crawler.spider_registry import spider_names
    from kit.errors import NotConfigured
    from tests.alerts.support import rules_file

    result = TrialResult("rule values that name nothing; addresses with CR/LF")
    sources = spider_names()
    cases = [SLACK_RULES.format(attempts=3) + f"{key} = {value}\n" for key, value in RULE_TYPOS]
    for field, value in BAD_ADDRESSES:
        values = {"sender": '"alerts@glocal.test"', "to": '["team@glocal.test"]', "name": '"signings"', field: value}
        cases.append(EMAIL.format(**values))
    for text in cases:
        folder = workdir()
        try:
            load_config(rules_file(folder, text), environ={"HOOK": "https://hooks.slack.com/services/T/B/x"},
                        sources=sources)
        except NotConfigured:
            result.judge(True, "")
        except Exception as error:  # noqa: BLE001
            result.tracebacks += 1
            result.judge(False, f"{type(error).__name__}: {error}"[:200])
        else:
            result.lost += 1
            result.judge(False, f"accepted: {text.strip().splitlines()[-1]}")
    good = SLACK_RULES.format(attempts=3) + 'sources = ["c40_accelerators"]\ncountries = ["GB", "XK"]\n'
    load_config(rules_file(workdir(), good), environ={"HOOK": "https://hooks.slack.com/services/T/B/x"}, sources=sources)
    return result


TRIALS = {
    "waits": server_waits_trial,
    "broken far end": broken_far_end_trial,
    "secret echo": secret_echo_trial,
    "webhook url": webhook_url_trial,
    "redirect": redirect_trial,
    "rule values": rule_values_trial,
}
