"""The alert configuration: one TOML file of channels and rules, validated when loaded.

Every mistake is reported with the file, the line and the key it is about, before anything is
sent or crawled. Secrets (SMTP login, Slack webhook URL) are never in the file: it names the
environment variables that hold them, and they are read here, once.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kit.errors import NotConfigured

ENTITIES = ("instrument", "signature", "membership", "event", "announcement", "report", "count_claim")
KINDS = tuple(f"{e}.{c}" for e in ENTITIES for c in ("added", "updated", "removed", "restored")) + (
    "health.failed", "health.recovered")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SECURITY = ("plain", "starttls", "ssl")
_CHANNEL_KEYS = {
    "email": {"type", "host", "port", "security", "from", "to", "username_env", "password_env", "timeout", "ca_file"},
    "slack": {"type", "webhook_url_env", "timeout"},
}
_RULE_KEYS = {"name", "kinds", "sources", "instruments", "countries", "actors", "channels", "delivery"}
_SETTINGS_KEYS = {"timezone", "datasette_url", "max_attempts", "flood_limit"}


@dataclass(frozen=True)
class Channel:
    name: str
    type: str  # "email" | "slack"
    options: dict  # non-secret options from the file
    secrets: dict = field(repr=False, default_factory=dict)  # from the environment; never logged


@dataclass(frozen=True)
class Delivery:
    """When a rule's messages go out: now, or as a digest at the end of each period."""

    every: str  # "immediate" | "hourly" | "daily" | "weekly"
    at: tuple[int, int] = (0, 0)  # hour, minute (daily, weekly)
    day: int = 0  # weekday, Monday = 0 (weekly)

    @property
    def digest(self) -> bool:
        return self.every != "immediate"

    def period_end(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """The end of the digest period `moment` falls in (the time its digest is sent)."""
        local = moment.astimezone(tz)
        if self.every == "hourly":
            return (local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).astimezone(tz)
        end = local.replace(hour=self.at[0], minute=self.at[1], second=0, microsecond=0)
        if self.every == "daily":
            return end if end > local else end + timedelta(days=1)
        end += timedelta(days=(self.day - local.weekday()) % 7)
        return end if end > local else end + timedelta(days=7)

    def __str__(self) -> str:
        if self.every in ("immediate", "hourly"):
            return self.every
        at = f"{self.at[0]:02d}:{self.at[1]:02d}"
        return f"daily {at}" if self.every == "daily" else f"weekly {DAYS[self.day]} {at}"


@dataclass(frozen=True)
class Rule:
    name: str
    kinds: tuple[str, ...]
    channels: tuple[str, ...]
    delivery: Delivery
    sources: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlertConfig:
    path: str
    channels: dict[str, Channel]
    rules: tuple[Rule, ...]
    timezone: ZoneInfo = ZoneInfo("UTC")
    datasette_url: str | None = None
    max_attempts: int = 8
    flood_limit: int = 20  # more immediate messages than this for one channel and rule go as one

    def secrets(self) -> list[str]:
        """Every secret value, so that error text can be scrubbed of them."""
        return [value for channel in self.channels.values() for value in channel.secrets.values() if value]


EMPTY = AlertConfig(path="", channels={}, rules=())


def load_config(path: str | Path, *, environ: dict | None = None, sources=None) -> AlertConfig:
    """Read and validate the alert configuration; NotConfigured names the file, line and key.

    :param sources: the names a rule's `sources` (and an instrument key's prefix) may use, the
        project's spiders (`crawler.spider_registry.spider_names()`); None only where no spider
        list can exist (tests of the file format)
    """
    environ = os.environ if environ is None else environ
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise NotConfigured(f"cannot read the alert configuration {path}: {error.strerror or error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise NotConfigured(f"{path}: not valid TOML: {error}") from None
    where = _Locator(path, text)
    unknown = sorted(set(data) - {"channels", "rules", "settings"})
    if unknown:
        raise where.error((unknown[0],), "unknown section (expected [settings], [channels.NAME], [[rules]])")
    settings = _table(data.get("settings", {}), ("settings",), where)
    _no_unknown_keys(settings, _SETTINGS_KEYS, ("settings",), where)
    try:
        tz = ZoneInfo(_string(settings, "timezone", ("settings",), where, default="UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        raise where.error(("settings", "timezone"), f"{settings['timezone']!r} is not a time zone") from None
    channels = {name: _channel(name, table, where, environ)
                for name, table in _table(data.get("channels", {}), ("channels",), where).items()}
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise where.error(("rules",), "must be an array of tables: write each rule as [[rules]]")
    rules = tuple(_rule(i, table, channels, where, sources) for i, table in enumerate(raw_rules))
    names = [r.name for r in rules]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise where.error(("rules", i, "name"), f"rule name {name!r} is used twice")
    return AlertConfig(
        path=str(path), channels=channels, rules=rules, timezone=tz,
        datasette_url=_string(settings, "datasette_url", ("settings",), where, default=None),
        max_attempts=_positive(settings, "max_attempts", ("settings",), where, default=8),
        flood_limit=_positive(settings, "flood_limit", ("settings",), where, default=20),
    )


def _channel(name: str, table, where: "_Locator", environ) -> Channel:
    at = ("channels", name)
    table = _table(table, at, where)
    kind = table.get("type")
    if kind not in _CHANNEL_KEYS:
        raise where.error(at + ("type",), f"channel {name!r} needs type = \"email\" or \"slack\" (got {kind!r})")
    _no_unknown_keys(table, _CHANNEL_KEYS[kind], at, where)
    options: dict = {"timeout": _positive(table, "timeout", at, where, default=30)}
    secrets: dict = {}
    if kind == "email":
        options["host"] = _string(table, "host", at, where)
        if not re.fullmatch(r"[A-Za-z0-9.\-]+|\[?[0-9A-Fa-f:.]+\]?", options["host"]):
            raise where.error(at + ("host",), f"{options['host']!r} is not a host name or an IP address")
        security = _string(table, "security", at, where, default="starttls")
        if security not in _SECURITY:
            raise where.error(at + ("security",), f"{security!r} is not one of {', '.join(_SECURITY)}")
        options["security"] = security
        options["port"] = _positive(table, "port", at, where,
                                    default={"plain": 25, "starttls": 587, "ssl": 465}[security], most=65535)
        options["from"] = _address(table, "from", at, where)
        ca_file = _string(table, "ca_file", at, where, default=None)
        if ca_file is not None and not Path(ca_file).is_file():
            raise where.error(at + ("ca_file",), f"{ca_file} is not a file")
        options["ca_file"] = ca_file  # a private CA (an internal mail relay); default: the system's
        recipients = table.get("to")
        if isinstance(recipients, str):
            recipients = [recipients]
        if not recipients or not all(isinstance(r, str) for r in recipients):
            raise where.error(at + ("to",), "needs one or more email addresses")
        for recipient in recipients:
            problem = address_problem(recipient)
            if problem:
                raise where.error(at + ("to",), f"needs one or more email addresses: {recipient!r} {problem}")
        options["to"] = tuple(recipients)
        for key in ("username_env", "password_env"):
            variable = _string(table, key, at, where, default=None)
            if variable is not None:
                if variable not in environ:
                    raise where.error(at + (key,), f"the environment variable {variable} is not set")
                secrets[key.removesuffix("_env")] = environ[variable]
        if ("username" in secrets) != ("password" in secrets):
            raise where.error(at, "give both username_env and password_env, or neither")
    else:
        variable = _string(table, "webhook_url_env", at, where)
        url = environ.get(variable)
        if not url:
            raise where.error(at + ("webhook_url_env",), f"the environment variable {variable} is not set")
        problem = webhook_url_problem(url)
        if problem:
            # The URL itself is a secret: describe it without printing it.
            raise where.error(at + ("webhook_url_env",), f"${variable} {problem}")
        secrets["webhook_url"] = url
    return Channel(name=name, type=kind, options=options, secrets=secrets)


def webhook_url_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook URL, in words that never repeat it (it is a secret); None if it can.

    Everything http.client would refuse at send time (a space, a control character, a port that is
    not a number, a broken IPv6 literal) is refused here, at load, instead of in a traceback."""
    if re.search(r"[^\x21-\x7e]", url):
        return "is not a webhook URL: it contains a space, a control or a non-ASCII character"
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError as error:
        reason = "its port is not a number from 0 to 65535" if "port" in str(error).lower() else \
            "its host is not well formed"
        return f"is not a webhook URL: {reason}"
    if parts.scheme not in ("https", "http") or not host or not parts.path.strip("/"):
        return "is not a webhook URL (expected https://hooks.slack.com/services/...)"
    if port == 0:
        return "is not a webhook URL: its port is 0"
    if not _is_host(host):
        return "is not a webhook URL: its host is not a host name or an IP address"
    if parts.scheme == "http" and host not in ("127.0.0.1", "localhost", "::1"):
        return "must be an https:// URL"
    return None


def _is_host(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(re.fullmatch(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?", host))


def address_problem(address: str) -> str | None:
    """Why `address` cannot go in a From or To header (None when it can): a line break would be a
    header injection (and makes the email library raise at send time), so it is refused at load."""
    from email.message import EmailMessage
    from email.utils import parseaddr

    if re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", address):
        return "contains a line break or a control character"
    _name, spec = parseaddr(address)
    if not re.fullmatch(r"[^@\s<>,;\"()\[\]]+@[^@\s<>,;\"()\[\]]+", spec or ""):
        return "is not an email address"
    try:
        EmailMessage()["To"] = address
    except (ValueError, TypeError, IndexError):
        return "is not an email address"
    return None


def _address(table, key, at, where) -> str:
    value = _string(table, key, at, where)
    problem = address_problem(value)
    if problem:
        raise where.error(at + (key,), f"{value!r} {problem}")
    return value


_NOT_COUNTRIES_BUT_USED = {"XK", "EU"}  # Kosovo (user-assigned), the European Union (a signatory)


def _country_problem(code: str) -> str | None:
    if not re.fullmatch(r"[A-Z]{2}", code):
        return f"{code!r} is not an ISO 3166-1 alpha-2 code such as \"IT\""
    import pycountry

    if code not in _NOT_COUNTRIES_BUT_USED and pycountry.countries.get(alpha_2=code) is None:
        return f"{code!r} is not an ISO 3166-1 alpha-2 country code"
    return None


def _unknown_source(name: str, sources) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(sources), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (sources: {', '.join(sorted(sources))})"
    return f"unknown source {name!r}{hint}"


def _rule(index: int, table, channels: dict, where: "_Locator", sources=None) -> Rule:
    at = ("rules", index)
    table = _table(table, at, where)
    _no_unknown_keys(table, _RULE_KEYS, at, where)
    name = _string(table, "name", at, where, default=f"rule-{index + 1}")
    kinds = _strings(table, "kinds", at, where, required=True)
    for kind in kinds:
        if kind not in KINDS:
            raise where.error(at + ("kinds",), f"unknown change kind {kind!r} (known: {', '.join(KINDS)})")
    names = _strings(table, "channels", at, where, required=True)
    for channel in names:
        if channel not in channels:
            known = ", ".join(sorted(channels)) or "none defined"
            raise where.error(at + ("channels",), f"unknown channel {channel!r} (channels: {known})")
    if re.search(r"[\x00-\x1f\x7f-\x9f]", name):  # it titles digests: an email Subject
        raise where.error(at + ("name",), "contains a line break or a control character")
    countries = _strings(table, "countries", at, where)
    for country in countries:
        problem = _country_problem(country)
        if problem:
            raise where.error(at + ("countries",), problem)
    # A value that names something must name something that exists: a typo would make the rule
    # silently never match. Sources are the spiders; an instrument key is SPIDER/slug.
    chosen_sources = _strings(table, "sources", at, where)
    instruments = _strings(table, "instruments", at, where)
    if sources is not None:
        for source in chosen_sources:
            if source not in sources:
                raise where.error(at + ("sources",), _unknown_source(source, sources))
        for instrument in instruments:
            prefix = instrument.partition("/")[0]
            if "/" in instrument and prefix not in sources:
                raise where.error(at + ("instruments",), f"{instrument!r}: " + _unknown_source(prefix, sources))
    return Rule(name=name, kinds=kinds, channels=names,
                delivery=parse_delivery(_string(table, "delivery", at, where, default="immediate"),
                                        at + ("delivery",), where),
                sources=chosen_sources, instruments=instruments,
                countries=countries, actors=_strings(table, "actors", at, where))


def parse_delivery(text: str, at=("delivery",), where: "_Locator | None" = None) -> Delivery:
    """ "immediate", "hourly", "daily 08:00", "weekly mon 08:00"."""
    words = text.lower().split()
    clock = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", words[-1]) if words else None
    if words == ["immediate"] or words == ["hourly"]:
        return Delivery(words[0])
    if len(words) == 2 and words[0] == "daily" and clock:
        return Delivery("daily", (int(clock[1]), int(clock[2])))
    if len(words) == 3 and words[0] == "weekly" and _day(words[1]) is not None and clock:
        return Delivery("weekly", (int(clock[1]), int(clock[2])), _day(words[1]))
    message = f"{text!r} is not a delivery: use \"immediate\", \"hourly\", \"daily HH:MM\" or \"weekly mon HH:MM\""
    raise (where.error(at, message) if where else NotConfigured(message))


DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day(word: str) -> int | None:
    """Monday = 0 for "mon" or "monday" (not "monkey": a word that merely starts like a day is no day)."""
    for index, name in enumerate(DAY_NAMES):
        if word in (name, name[:3]):
            return index
    return None


# --- value checks, each naming the key and its line -------------------------------------------------

def _table(value, at, where):
    if not isinstance(value, dict):
        raise where.error(at, "must be a table")
    return value


def _no_unknown_keys(table: dict, allowed: set, at, where) -> None:
    for key in table:
        if key not in allowed:
            raise where.error(at + (key,), f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _string(table, key, at, where, default=...):
    value = table.get(key, default)
    if value is ...:
        raise where.error(at, f"missing key {key!r}")
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise where.error(at + (key,), "must be a non-empty string")
    return value


def _strings(table, key, at, where, required=False) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise where.error(at + (key,), "must be a list of strings")
    if required and not value:
        raise where.error(at + (key,) if key in table else at, f"needs at least one entry in {key!r}")
    return tuple(value)


def _positive(table, key, at, where, default, most: int = 1_000_000):
    """A positive whole number up to `most` (a port up to 65535; an attempt count or a timeout
    far beyond any use is a typo, and 10**30 overflows SQLite's integers)."""
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise where.error(at + (key,), "must be a positive whole number")
    if value > most:
        raise where.error(at + (key,), f"must be a whole number from 1 to {most}")
    return value


class _Locator:
    """Finds the line of a key in the TOML text, so that an error can point at it."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")

    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, at: tuple) -> int | None:
        if not at:
            return None
        start, header = self._section(at)
        if start is None:
            return None
        if len(at) > header:
            key = str(at[header])
            for number in range(start + 1, len(self.lines)):
                line = self.lines[number]
                if self._HEADER.match(line):
                    break
                if re.match(rf"^\s*\"?{re.escape(key)}\"?\s*=", line):
                    return number + 1
        return start + 1

    def _section(self, at: tuple) -> tuple[int | None, int]:
        """(index of the header line of the table `at` points into, path items the header covers)."""
        if at[0] == "rules" and len(at) > 1:
            seen = -1
            for number, line in enumerate(self.lines):
                match = self._HEADER.match(line)
                if match and match[1] == "[[" and match[2] == "rules":
                    seen += 1
                    if seen == at[1]:
                        return number, 2
            return None, 2
        if at[0] == "channels" and len(at) > 1:
            wanted = f"channels.{at[1]}"
            return self._header(lambda name: name.replace('"', "") == wanted), 2
        return self._header(lambda name: name == at[0]), 1

    def _header(self, accept) -> int | None:
        for number, line in enumerate(self.lines):
            match = self._HEADER.match(line)
            if match and accept(match[2]):
                return number
        return None

    def error(self, at: tuple, message: str) -> NotConfigured:
        line = self.line_of(at)
        key = ".".join(f"[{p}]" if isinstance(p, int) else p for p in at).replace(".[", "[")
        where = f"{self.path}, line {line}" if line else str(self.path)
        return NotConfigured(f"{where}: {key}: {message}")
