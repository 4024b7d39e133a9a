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


def load_config(path: str | Path, *, environ: dict | None = None) -> AlertConfig:
    """Read and validate the alert configuration; NotConfigured names the file, line and key."""
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
    rules = tuple(_rule(i, table, channels, where) for i, table in enumerate(raw_rules))
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
        security = _string(table, "security", at, where, default="starttls")
        if security not in _SECURITY:
            raise where.error(at + ("security",), f"{security!r} is not one of {', '.join(_SECURITY)}")
        options["security"] = security
        options["port"] = _positive(table, "port", at, where,
                                    default={"plain": 25, "starttls": 587, "ssl": 465}[security])
        options["from"] = _string(table, "from", at, where)
        ca_file = _string(table, "ca_file", at, where, default=None)
        if ca_file is not None and not Path(ca_file).is_file():
            raise where.error(at + ("ca_file",), f"{ca_file} is not a file")
        options["ca_file"] = ca_file  # a private CA (an internal mail relay); default: the system's
        recipients = table.get("to")
        if isinstance(recipients, str):
            recipients = [recipients]
        if not recipients or not all(isinstance(r, str) and "@" in r for r in recipients):
            raise where.error(at + ("to",), "needs one or more email addresses")
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
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname or not parts.path.strip("/"):
            # The URL itself is a secret: describe it without printing it.
            raise where.error(at + ("webhook_url_env",),
                              f"${variable} is not a webhook URL (expected https://hooks.slack.com/services/...)")
        if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise where.error(at + ("webhook_url_env",), f"${variable} must be an https:// URL")
        secrets["webhook_url"] = url
    return Channel(name=name, type=kind, options=options, secrets=secrets)


def _rule(index: int, table, channels: dict, where: "_Locator") -> Rule:
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
    countries = _strings(table, "countries", at, where)
    for country in countries:
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise where.error(at + ("countries",), f"{country!r} is not an ISO 3166-1 alpha-2 code such as \"IT\"")
    return Rule(name=name, kinds=kinds, channels=names,
                delivery=parse_delivery(_string(table, "delivery", at, where, default="immediate"),
                                        at + ("delivery",), where),
                sources=_strings(table, "sources", at, where), instruments=_strings(table, "instruments", at, where),
                countries=countries, actors=_strings(table, "actors", at, where))


def parse_delivery(text: str, at=("delivery",), where: "_Locator | None" = None) -> Delivery:
    """ "immediate", "hourly", "daily 08:00", "weekly mon 08:00"."""
    words = text.lower().split()
    clock = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", words[-1]) if words else None
    if words == ["immediate"] or words == ["hourly"]:
        return Delivery(words[0])
    if len(words) == 2 and words[0] == "daily" and clock:
        return Delivery("daily", (int(clock[1]), int(clock[2])))
    if len(words) == 3 and words[0] == "weekly" and words[1][:3] in DAYS and clock:
        return Delivery("weekly", (int(clock[1]), int(clock[2])), DAYS.index(words[1][:3]))
    message = f"{text!r} is not a delivery: use \"immediate\", \"hourly\", \"daily HH:MM\" or \"weekly mon HH:MM\""
    raise (where.error(at, message) if where else NotConfigured(message))


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


def _positive(table, key, at, where, default):
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise where.error(at + (key,), "must be a positive whole number")
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
