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
from alerts.render import Message
from alerts.rules import Channel


class DeliveryError(Exception):
    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def redact(text: str, secrets) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[secret]")
    return text


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
            raise DeliveryError(redact(f"SMTP {error.smtp_code} {text}", secrets.values())) from None
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(redact(f"SMTP refused the recipients {sorted(error.recipients)}",
                                       secrets.values())) from None
        except (smtplib.SMTPException, OSError) as error:
            where = f"{options['host']}:{options['port']}"
            raise DeliveryError(redact(f"SMTP {where}: {error.__class__.__name__}: {error}", secrets.values())) from None


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
            with urllib.request.urlopen(request, timeout=self.channel.options["timeout"]) as response:
                response.read()
        except urllib.error.HTTPError as error:
            detail = error.read(200).decode("utf-8", "replace").strip()
            retry_after = _seconds(error.headers.get("Retry-After"))
            raise DeliveryError(redact(f"Slack answered HTTP {error.code} {detail}".strip(), secrets),
                                retry_after=retry_after) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise DeliveryError(redact(f"cannot reach the Slack webhook: {reason}", secrets)) from None
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


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def channel_sender(channel: Channel, *, slack_interval: float | None = None):
    if channel.type == "email":
        return EmailChannel(channel)
    return SlackChannel(channel, min_interval=slack_interval)
