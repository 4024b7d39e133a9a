"""Web archives that speak the Wayback CDX protocol (the Internet Archive, pywb, Arquivo.pt...).

Pure helpers: build a CDX query, read its answer, name a capture's original bytes. No network:
`operations/backfill.py` does the fetching, politely, and this module only says what to ask and
what an answer means, so every odd answer is tested without a server.

A capture's timestamp is 14 digits of UTC (YYYYMMDDhhmmss); its `id_` URL returns the bytes the
archive received, without the archive's banner or rewritten links.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO
from urllib.parse import urlencode

from kit.errors import BackfillError
from store.clock import latest_plausible

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


MAX_CAPTURES = 100_000  # distinct captures of one URL kept from one answer; beyond, the answer is refused
MAX_ROW_CHARS = 65_536  # one CDX row is a few hundred characters; a longer one is no row


@dataclass
class CdxListing:
    """What one CDX answer says: the usable captures, oldest first, and the rows refused, by reason
    ("dated in the future", "malformed timestamp", "malformed row"), with one example each."""

    captures: list[Capture]
    refused: dict[str, int]
    examples: dict[str, str]

    def refusals(self) -> str:
        """One line: "2 rows refused: 1 dated in the future (20991231000000), 1 malformed timestamp (...)"."""
        if not self.refused:
            return ""
        parts = [f"{count} {reason} ({self.examples[reason]})" for reason, count in sorted(self.refused.items())]
        total = sum(self.refused.values())
        return f"{total} row{'s' * (total != 1)} refused: " + ", ".join(parts)


def parse_cdx(text: str | bytes, url: str, *, latest: str | None = None) -> list[Capture]:
    """The captures a CDX JSON answer lists, oldest first (see read_cdx; refused rows are dropped)."""
    if isinstance(text, str):
        text = text.encode("utf-8")
    return read_cdx(io.BytesIO(text), url, latest=latest).captures


def read_cdx(stream: BinaryIO, url: str, *, latest: str | None = None) -> CdxListing:
    """Read a CDX JSON answer from `stream`, row by row (a million rows never sit in memory as one
    parsed list), keeping at most MAX_CAPTURES distinct captures.

    The answer is a list of rows whose first row names the fields; an empty body or ``[]``
    means no capture. Anything else (HTML, a JSON object, no timestamp column) is a BackfillError
    naming what came back, so an archive's error page is never read as history. A single bad row
    (a timestamp that is no date, one after `latest` (default: now plus the store's clock skew),
    a row of the wrong width) is refused and counted, never allowed to move the store's clock.
    """
    latest_stamp = timestamp_of(latest or latest_plausible())
    captures: dict[str, Capture] = {}
    refused: dict[str, int] = {}
    examples: dict[str, str] = {}

    def refuse(reason: str, example) -> None:
        refused[reason] = refused.get(reason, 0) + 1
        examples.setdefault(reason, str(example)[:80])

    rows = _rows(stream, url)
    header = next(rows, None)
    if header is None:
        return CdxListing([], {}, {})
    if not isinstance(header, list) or "timestamp" not in header:
        raise BackfillError(f"the archive's CDX answer for {url} has no timestamp column (columns: {header})")
    column = {name: i for i, name in enumerate(header)}
    for row in rows:
        if not isinstance(row, list):
            raise BackfillError(f"the archive's CDX answer for {url} is not a list of rows")
        if len(row) != len(header):
            refuse("malformed row", row)
            continue
        timestamp = str(row[column["timestamp"]])
        if not is_timestamp(timestamp):
            refuse("malformed timestamp", timestamp)
            continue
        if timestamp > latest_stamp:
            refuse("dated in the future", timestamp)
            continue
        status = row[column["statuscode"]] if "statuscode" in column else None
        if status not in (None, "-", "200"):
            continue  # the query asks for 200s only; an archive that ignores the filter is filtered here
        if timestamp not in captures and len(captures) >= MAX_CAPTURES:
            raise BackfillError(f"the archive lists more than {MAX_CAPTURES:,} distinct captures of {url}: "
                                "too many to replay one by one; nothing was recorded")
        captures[timestamp] = Capture(
            url=url, timestamp=timestamp,
            digest=row[column["digest"]] if "digest" in column else None,
            status=200 if status == "200" else None,
            mimetype=row[column["mimetype"]] if "mimetype" in column else None,
        )
    return CdxListing([captures[t] for t in sorted(captures)], refused, examples)


def is_timestamp(text: str) -> bool:
    """14 digits that are a real UTC moment (not 20261399999999)."""
    if not _TIMESTAMP.match(text):
        return False
    try:
        datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return True


def _rows(stream: BinaryIO, url: str) -> Iterator:
    """The values of a JSON list read from `stream` one at a time (64 KiB reads)."""
    decoder = json.JSONDecoder()
    text_of = codecs.getincrementaldecoder("utf-8")("replace")
    buffer, position, finished = "", 0, False

    def fill() -> bool:
        nonlocal buffer, position, finished
        if finished:
            return False
        chunk = stream.read(65536)
        if not chunk:
            finished = True
            buffer = buffer[position:] + text_of.decode(b"", final=True)
        else:
            buffer = buffer[position:] + text_of.decode(chunk)
        position = 0
        return True

    def skip_space() -> str | None:
        nonlocal position
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n":
                position += 1
            if position < len(buffer):
                return buffer[position]
            if not fill():
                return None

    first = skip_space()
    if first is None:
        return
    if first != "[":
        start = buffer[position:position + 60].strip()
        if first == "{":
            raise BackfillError(f"the archive's CDX answer for {url} is not a list of rows")
        raise BackfillError(f"the archive's CDX answer for {url} is not JSON (it begins {start!r})")
    position += 1
    expect_value = True
    while True:
        char = skip_space()
        if char is None:
            raise BackfillError(f"the archive's CDX answer for {url} is not JSON (it ends early)")
        if char == "]":
            return
        if not expect_value:
            if char != ",":
                raise BackfillError(f"the archive's CDX answer for {url} is not JSON (at {buffer[position:position + 40]!r})")
            position += 1
            expect_value = True
            continue
        while True:
            try:
                value, end = decoder.raw_decode(buffer, position)
                if end == len(buffer) and not finished:  # a number may go on in the next read
                    raise ValueError("maybe cut")
                break
            except ValueError:
                if len(buffer) - position > MAX_ROW_CHARS or not fill():
                    if finished and len(buffer) - position <= MAX_ROW_CHARS:
                        raise BackfillError(f"the archive's CDX answer for {url} is not JSON "
                                            f"(at {buffer[position:position + 40]!r})") from None
                    raise BackfillError(f"the archive's CDX answer for {url} has a row longer than "
                                        f"{MAX_ROW_CHARS:,} characters") from None
        position = end
        expect_value = False
        yield value


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
