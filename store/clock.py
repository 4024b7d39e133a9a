"""The one time format of every `*_at` column: ISO-8601 UTC text ("2026-11-02T08:15:06Z").

Owned by the store (it defines the columns); the crawler, archive and scheduler write and read
times through these helpers so that text comparison of two `*_at` values orders them in time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone


def utcnow() -> str:
    """Now, as the ISO-8601 UTC text every `*_at` column holds."""
    return iso_utc(datetime.now(timezone.utc))


# How far ahead of this machine's clock a recorded time may be (another machine's clock, a capture
# stamped in another zone by mistake). Anything later is refused: one row dated 2099 would otherwise
# become the "last observation" of a scope and make every real later one look stale.
CLOCK_SKEW = timedelta(days=1)


def latest_plausible() -> str:
    """The latest time an observation may carry: now plus CLOCK_SKEW, as `*_at` text."""
    return iso_utc(datetime.now(timezone.utc) + CLOCK_SKEW)


def iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_moment(text: str) -> datetime:
    """An ISO-8601 timestamp or date (as written by iso_utc, WARC-Date or a user) as aware UTC."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), timezone.utc)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
