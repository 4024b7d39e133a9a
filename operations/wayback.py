"""Web archives that speak the Wayback CDX protocol (the Internet Archive, pywb, Arquivo.pt...).

Pure helpers: build a CDX query, read its answer, name a capture's original bytes. No network:
`operations/backfill.py` does the fetching, politely, and this module only says what to ask and
what an answer means, so every odd answer is tested without a server.

A capture's timestamp is 14 digits of UTC (YYYYMMDDhhmmss); its `id_` URL returns the bytes the
archive received, without the archive's banner or rewritten links.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from kit.errors import BackfillError

_TIMESTAMP = re.compile(r"^\d{14}$")


@dataclass(frozen=True)
class Capture:
    url: str  # the original URL, as the spider asked for it
    timestamp: str  # 14 digits, UTC
    digest: str | None
    status: int | None
    mimetype: str | None

    @property
    def captured_at(self) -> str:
        return iso_of(self.timestamp)


def iso_of(timestamp: str) -> str:
    """"20200115083000" -> "2020-01-15T08:30:00Z"."""
    t = timestamp
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


def timestamp_of(iso: str) -> str:
    """"2020-01-15T08:30:00Z" (or a date) -> "20200115083000"."""
    digits = re.sub(r"\D", "", iso)
    if len(digits) in (4, 6):  # a year or a month: its first day, not a zero month or day
        digits += "01" * ((8 - len(digits)) // 2)
    return (digits + "0" * 14)[:14]


def cdx_query(endpoint: str, url: str, *, since: str | None = None, until: str | None = None) -> str:
    """The CDX request for every distinct successful capture of exactly `url`.

    :param since: a year or ISO date: captures from then on
    :param until: an ISO date: captures up to the end of that day
    """
    params = [("url", url), ("output", "json"), ("filter", "statuscode:200"), ("collapse", "digest")]
    if since:
        params.append(("from", timestamp_of(since)[:8]))
    if until:
        params.append(("to", timestamp_of(until)[:8] + "235959"))
    return f"{endpoint}?{urlencode(params)}"


def parse_cdx(text: str | bytes, url: str) -> list[Capture]:
    """The captures a CDX JSON answer lists, oldest first.

    The answer is a list of rows whose first row names the fields; an empty body or ``[]``
    means no capture. Anything else (HTML, a JSON object, rows without a timestamp) is a
    BackfillError naming what came back, so an archive's error page is never read as history.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not text.strip():
        return []
    try:
        rows = json.loads(text)
    except ValueError:
        raise BackfillError(f"the archive's CDX answer for {url} is not JSON (it begins {text.strip()[:60]!r})") from None
    if not isinstance(rows, list) or any(not isinstance(row, list) for row in rows):
        raise BackfillError(f"the archive's CDX answer for {url} is not a list of rows")
    if not rows:
        return []
    header, *body = rows
    if "timestamp" not in header:
        raise BackfillError(f"the archive's CDX answer for {url} has no timestamp column (columns: {header})")
    column = {name: i for i, name in enumerate(header)}
    captures: dict[str, Capture] = {}
    for row in body:
        if len(row) != len(header) or not _TIMESTAMP.match(str(row[column["timestamp"]])):
            raise BackfillError(f"the archive's CDX answer for {url} has a malformed row: {row}")
        status = row[column["statuscode"]] if "statuscode" in column else None
        if status not in (None, "-", "200"):
            continue  # the query asks for 200s only; an archive that ignores the filter is filtered here
        timestamp = row[column["timestamp"]]
        captures[timestamp] = Capture(
            url=url, timestamp=timestamp,
            digest=row[column["digest"]] if "digest" in column else None,
            status=int(status) if status not in (None, "-") else None,
            mimetype=row[column["mimetype"]] if "mimetype" in column else None,
        )
    return [captures[t] for t in sorted(captures)]


def capture_url(replay_endpoint: str, capture: Capture) -> str:
    """The URL of a capture's original bytes (the `id_` form: no banner, no rewritten links)."""
    return f"{replay_endpoint.rstrip('/')}/{capture.timestamp}id_/{capture.url}"


def latest_before(captures: list[Capture], as_of: str) -> Capture | None:
    """The latest capture taken at or before `as_of` (ISO), or None."""
    cutoff = timestamp_of(as_of)
    best = None
    for capture in captures:
        if capture.timestamp <= cutoff:
            best = capture
    return best
