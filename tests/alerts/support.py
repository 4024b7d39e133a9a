"""Shared by the alert tests: a real store with news in it, a rules file, and real receivers on
127.0.0.1 (an SMTP server from aiosmtpd, a Slack webhook from http.server) on free ports."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from crawler import settings
from kit.items import Instrument, Signature, as_record
from places.curated import gazetteer
from kit.text import name_key
from tests.site_server import SHUTDOWN_POLL
from store import ingest, pages, runs
from store.actors import ActorResolver



def sending(**options) -> dict:
    """send_due's options as the service passes them (the ALERTS_BACKOFF_* settings), with `options` over them."""
    return {"backoff_base": settings.ALERTS_BACKOFF_BASE, "backoff_max": settings.ALERTS_BACKOFF_MAX, **options}


CLEAN_AIR_URL = "https://www.c40.org/accelerators/clean-air-cities/"
INSTRUMENT_KEY = "c40_accelerators/clean-air-cities"
HUB_URL = "https://www.c40.org/what-we-do/raising-climate-ambition/high-impact-accelerators/"
# The first names of the real "Signatory cities:" list of the Clean Air Accelerator (markup.md).
BASELINE = [("Amman", "JO"), ("Austin", "US"), ("Barcelona", "ES"), ("Berlin", "DE"), ("Bogotá", "CO")]


def crawl(db, *, source: str, day: str, cities: list[tuple[str, str]], outbox=None, signed_on=None,
          instrument_key: str = INSTRUMENT_KEY, url: str = CLEAN_AIR_URL, with_instrument: bool = True,
          more_instruments: tuple[tuple[str, str], ...] = ()) -> int:
    """One healthy, complete run of `source` that lists `cities` as signatories of the Clean Air
    Accelerator, written through the store's real ingest path. Returns the run id."""
    fetched_at = f"{day}T08:15:06Z"
    run = runs.start_run(db, spider=source, now=f"{day}T08:15:00Z")
    page = pages.record_page(db, run_id=run, url=url, fetched_at=fetched_at, status=200,
                             content_type="text/html", etag=None, last_modified=None, sha256=None, length=None,
                             archive=None, archive_offset=None)
    page_of = lambda _url: (page, fetched_at)  # noqa: E731
    now = f"{day}T08:16:00Z"
    if with_instrument:
        instruments = [as_record(Instrument(source=source, key=key, url=url, title=title, kind="accelerator",
                                            issuer="C40 Cities"))
                       for key, title in ((instrument_key, "Clean Air Accelerator"), *more_instruments)]
        state = ingest.begin_scope(db, run_id=run, scope=f"instruments:{source}", entity="instrument", url=url,
                                   observed_at=fetched_at, complete=True, healthy=True,
                                   keys=[r["key"] for r in instruments], outbox=outbox)
        ingest.apply_records(db, state, instruments, now=now, page_of=page_of)
        ingest.close_scope(db, state, now=now, removal_runs=2)
    records = [as_record(Signature(source=source, key=f"{source}/clean-air-cities/{name_key(name)}", url=url,
                                   instrument_key=instrument_key, actor_name=name, country=country,
                                   signed_on=(signed_on or {}).get(name)))
               for name, country in cities]
    state = ingest.begin_scope(db, run_id=run, scope=f"signatures:{source}/clean-air-cities", entity="signature",
                               url=url, observed_at=fetched_at, complete=True, healthy=True,
                               keys=[r["key"] for r in records], outbox=outbox)
    ingest.apply_records(db, state, records, now=now, page_of=page_of, resolver=ActorResolver(db, source, gazetteer(), now))
    ingest.close_scope(db, state, now=now, removal_runs=2)
    runs.finish_run(db, run, now=now, finish_reason="finished", pages=1, items=len(records), errors=0,
                    healthy=True, health=[], summary="")
    return run



# The two channels most alert tests deliver to: email to a team (SmtpServer's port) and a Slack
# webhook read from $HOOK. A test's RULES = TEAM_AND_OPS + its [[rules]].
TEAM_AND_OPS = """
[channels.team]
type = "email"
host = "127.0.0.1"
port = {port}
security = "plain"
from = "alerts@glocal.test"
to = "team@glocal.test"

[channels.ops]
type = "slack"
webhook_url_env = "HOOK"
"""


def baseline_then(db, config, new: list[tuple[str, str]], *, source: str = "c40_accelerators", day: str = "2026-11-09",
                  cities: list[tuple[str, str]] = BASELINE, **options) -> int:
    """The usual start of an alerts test: a quiet baseline listing `cities` on 2026-11-02, then a
    run on `day` listing them plus `new`, both through the outbox of `config` (the rules).
    `options` go to the second run (signed_on, more_instruments...). Returns its run id."""
    from alerts.outbox import Outbox

    crawl(db, source=source, day="2026-11-02", cities=cities, outbox=Outbox(config))
    return crawl(db, source=source, day=day, cities=cities + new, outbox=Outbox(config), **options)

def rules_file(folder: Path, text: str) -> Path:
    path = folder / "alerts.toml"
    path.write_text(text, encoding="utf-8")
    return path


def ops_rules(*rules: tuple[str, list[str]], hook: str = "HOOK") -> str:
    """A rules file with the Slack channel "ops" alone (its webhook URL read from $`hook`) and one
    immediate [[rules]] per (name, kinds), each to "ops": the setup of the health, held-list and
    outbox tests."""
    text = f'[channels.ops]\ntype = "slack"\nwebhook_url_env = "{hook}"\n'
    for name, kinds in rules:
        text += f'\n[[rules]]\nname = "{name}"\nkinds = {json.dumps(list(kinds))}\nchannels = ["ops"]\n'
    return text


def load_rules(folder: Path, text: str, environ: dict | None = None, **options):
    """The rules `text`, written to FOLDER/alerts.toml and loaded as the service would (with
    `environ` as the environment its *_env keys read)."""
    from alerts.rules import load_config

    return load_config(rules_file(folder, text), environ=environ, **options)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    at: float  # time.monotonic() when the request arrived
    status: int
    body: dict
    wall: float = field(default_factory=time.time)  # the same moment on the wall clock (whole seconds matter)


@dataclass
class SlackReceiver:
    """A Slack incoming webhook on 127.0.0.1: answers each POST with the next scripted answer
    (status, headers), then 200 "ok"; keeps every request with the time it arrived."""

    script: list[tuple[int, dict]] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    gets: list[str] = field(default_factory=list)  # paths asked with GET (a followed redirect lands here)
    on_request: object = None  # called (receiver) before answering: the kill test uses it

    def __enter__(self) -> "SlackReceiver":
        receiver = self
        self.arrivals = threading.Condition()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, headers = receiver.script.pop(0) if receiver.script else (200, {})
                headers = dict(headers)
                delay = float(headers.pop("_delay", 0))  # a slow far end: answer after this many seconds
                scripted = headers.pop("_body", None)  # a far end's own error page; {path} echoes the request path
                with receiver.arrivals:
                    receiver.requests.append(Received(time.monotonic(), status, body))
                    receiver.arrivals.notify_all()
                time.sleep(delay)
                if receiver.on_request:
                    receiver.on_request(receiver)
                text = b"ok" if status == 200 else b"rate_limited" if status == 429 else b"internal_error"
                if scripted is not None:
                    text = scripted.replace("{path}", self.path).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def do_GET(self):
                receiver.gets.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL},
                                       daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/XXXXSECRETXXXX"

    def wait_for_requests(self, count: int, timeout: float = 10) -> None:
        """Until `count` requests have arrived (a request whose sender gave up on its answer is
        still being read here after the sender has moved on), or `timeout` seconds."""
        with self.arrivals:
            self.arrivals.wait_for(lambda: len(self.requests) >= count, timeout)

    @property
    def delivered(self) -> list[Received]:
        return [r for r in self.requests if r.status == 200]

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, for the TLS tests (the client trusts it as its CA)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class SmtpServer:
    """aiosmtpd on 127.0.0.1: keeps each message's envelope (and, with `logins`, who logged in).

    :param tls: "starttls" or "ssl" with `certificate` (cert, key) from self_signed_certificate
    :param logins: {user: password} accepted; login is then required
    """

    def __init__(self, *, fail_with: str | None = None, tls: str | None = None, certificate=None,
                 logins: dict | None = None):
        self.messages: list = []
        self.fail_with = fail_with
        self.tls, self.certificate, self.logins = tls, certificate, logins
        self.logged_in: list[str] = []

    def __enter__(self) -> "SmtpServer":
        from aiosmtpd.controller import Controller

        server = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope):
                if server.fail_with:
                    return server.fail_with
                server.messages.append(envelope)
                return "250 Message accepted for delivery"

        self.port = free_port()
        options: dict = {}
        if self.tls:
            import ssl

            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.certificate)
            options = {"ssl_context": context} if self.tls == "ssl" else {"tls_context": context,
                                                                          "require_starttls": True}
        if self.logins is not None:
            from aiosmtpd.smtp import AuthResult

            def authenticate(_server, _session, _envelope, _mechanism, data):
                user, password = data.login.decode(), data.password.decode()
                if self.logins.get(user) == password:
                    self.logged_in.append(user)
                    return AuthResult(success=True)
                return AuthResult(success=False, handled=False)

            # aiosmtpd only counts STARTTLS as TLS; on an implicit-TLS port the whole session is TLS anyway.
            options.update(authenticator=authenticate, auth_required=True, auth_require_tls=self.tls == "starttls")
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
