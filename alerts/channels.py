"""The two ways out: email over SMTP (smtplib) and Slack incoming webhooks (urllib, no SDK).

A channel's send() either returns (the far end accepted the message) or raises DeliveryError
with one line saying why, and Retry-After when the far end gave one. Error text is scrubbed of
the channel's secrets (the webhook URL, the SMTP login) before anyone sees it.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import threading
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate

from kit import __version__
from kit.waits import server_wait
from alerts.render import Message
from alerts.rules import Channel


class DeliveryError(Exception):
    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def redact(text: str, secrets) -> str:
    """`text` without any form of any secret: as given, percent-encoded or decoded, JSON-escaped,
    and for a URL its path alone and its last segment (a far end may echo the path it was asked
    for in an error page, and a traceback prints it as it was sent)."""
    forms = sorted({form for secret in secrets if secret for form in secret_forms(secret)}, key=len, reverse=True)
    for form in forms:
        text = text.replace(form, "[secret]")
    for form in forms:  # a body read up to a limit may end inside a secret: its head is a secret too
        for size in range(len(form) - 1, 5, -1):
            if text.endswith(form[:size]):
                return text[: len(text) - size] + "[secret]"
    return text


def secret_forms(secret: str) -> set[str]:
    """Every spelling of `secret` that could reach a log or a stored error."""
    from urllib.parse import quote, unquote, urlsplit

    bases = {secret}
    try:
        parts = urlsplit(secret)
    except ValueError:
        parts = None
    if parts is not None and parts.scheme and parts.netloc:
        path_and_query = parts.path + (f"?{parts.query}" if parts.query else "")
        bases |= {parts.netloc + path_and_query, path_and_query, parts.path, parts.path.strip("/")}
        last = parts.path.rstrip("/").rpartition("/")[2]
        if len(last) >= 8:  # a token segment; short segments ("services") are no secret
            bases.add(last)
        if parts.query and len(parts.query) >= 8:
            bases.add(parts.query)
    forms = set()
    for base in bases:
        if len(base) < 4:
            continue
        forms |= {base, quote(base), quote(base, safe=""), unquote(base), base.replace("/", "\\/")}
    return {form for form in forms if len(form) >= 4}


class EmailChannel:
    def __init__(self, channel: Channel):
        self.channel = channel
        self.options = channel.options
        self._context: ssl.SSLContext | None = None

    def _tls_context(self) -> ssl.SSLContext:
        # Loading the system's CA store costs tens of milliseconds (it was most of a digest
        # backlog's delivery time): one context serves every message this sender sends.
        if self._context is None:
            self._context = ssl.create_default_context(cafile=self.options.get("ca_file"))
        return self._context

    def build(self, message: Message, *, message_id: str) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.options["from"]
        mail["To"] = ", ".join(self.options["to"])
        mail["Date"] = formatdate(usegmt=True)
        # The same alert always has the same Message-ID: a copy resent after a crash is
        # recognisable (and dropped by mail systems that deduplicate on it).
        mail["Message-ID"] = message_id
        mail["X-Mailer"] = f"glocal-watch {__version__}"
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        return mail

    def send(self, message: Message, *, message_id: str) -> None:
        options, secrets = self.options, self.channel.secrets
        try:
            # A plain session needs no TLS context; made inside the try, a bad ca_file is a failed send.
            context = self._tls_context() if options["security"] != "plain" else None
            if options["security"] == "ssl":
                client = smtplib.SMTP_SSL(options["host"], options["port"], timeout=options["timeout"],
                                          context=context)
            else:
                client = smtplib.SMTP(options["host"], options["port"], timeout=options["timeout"])
            with client:
                if options["security"] == "starttls":
                    client.starttls(context=context)
                if secrets.get("username"):
                    client.login(secrets["username"], secrets["password"])
                client.send_message(self.build(message, message_id=message_id))
        except smtplib.SMTPResponseException as error:
            text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else str(
                error.smtp_error)
            raise DeliveryError(one_line(f"SMTP {error.smtp_code} {text}", secrets.values())) from None
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(one_line(f"SMTP refused the recipients {sorted(error.recipients)}",
                                         secrets.values())) from None
        except Exception as error:  # noqa: BLE001 - SMTP, network, or a message that cannot be written
            where = f"{options['host']}:{options['port']}"
            raise DeliveryError(one_line(f"SMTP {where}: {error.__class__.__name__}: {error}",
                                         secrets.values())) from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that answers with a redirect did not take the message: following it would send a
    GET without the body (and the message would count as delivered). The 3xx is raised as is."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class SlackChannel:
    """Incoming webhook: one JSON POST per message, at most one per `min_interval` per webhook."""

    min_interval = 1.0  # Slack allows about one message per second per webhook
    _last_sent: dict[str, float] = {}
    _lock = threading.Lock()

    def __init__(self, channel: Channel, *, min_interval: float | None = None):
        self.channel = channel
        self.url = channel.secrets["webhook_url"]
        if min_interval is not None:
            self.min_interval = min_interval

    def send(self, message: Message, *, message_id: str) -> None:
        self._pace()
        body = json.dumps(message.slack, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8",
                                                  "User-Agent": f"glocal-watch/{__version__}"})
        secrets = self.channel.secrets.values()
        try:
            with _OPENER.open(request, timeout=self.channel.options["timeout"]) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if 300 <= error.code < 400:
                where = error.headers.get("Location") or "nowhere"
                raise DeliveryError(one_line(f"Slack answered HTTP {error.code}, a redirect to {where}, which is "
                                             "not followed: the message was not delivered", secrets)) from None
            detail = error.read(4096).decode("utf-8", "replace").strip()  # scrubbed whole, then cut to one line
            retry_after = server_wait(error.headers.get("Retry-After"))
            raise DeliveryError(one_line(f"Slack answered HTTP {error.code} {detail}".strip(), secrets),
                                retry_after=retry_after) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise DeliveryError(one_line(f"cannot reach the Slack webhook: {reason}", secrets)) from None
        except Exception as error:  # noqa: BLE001 - any other failure (InvalidURL...) is one scrubbed line
            raise DeliveryError(one_line(f"cannot send to the Slack webhook: {type(error).__name__}: {error}",
                                         secrets)) from None
        finally:
            with self._lock:
                self._last_sent[self.url] = time.monotonic()

    def _pace(self) -> None:
        with self._lock:
            last = self._last_sent.get(self.url)
        if last is not None:
            wait = self.min_interval - (time.monotonic() - last)
            if wait > 0:
                time.sleep(wait)


def one_line(text: str, secrets) -> str:
    """An error for a person and the store: scrubbed of secrets, control characters made spaces,
    one line of at most 500 characters (an echoed error page can be long)."""
    text = redact(text, secrets)
    text = "".join(" " if ord(c) < 32 or 0x7f <= ord(c) < 0xa0 else c for c in text)
    text = " ".join(text.split())
    return text if len(text) <= 500 else text[:499] + "…"


def channel_sender(channel: Channel, *, slack_interval: float | None = None):
    if channel.type == "email":
        return EmailChannel(channel)
    return SlackChannel(channel, min_interval=slack_interval)
