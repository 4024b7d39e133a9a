"""Waits a server asks for (Retry-After), read once for every client of the project.

A server's number is input like any other: `1e12`, `inf`, `nan`, a negative or a date in the
year 9999 must not crash a sender (`OverflowError` on `now + timedelta`) nor park a job for ever.
Every caller gets seconds in [0, MAX_SERVER_WAIT], or None when the header says nothing usable.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

MAX_SERVER_WAIT = 86_400.0  # a day: no server-given wait is honoured beyond it


def server_wait(value: str | bytes | None, *, cap: float = MAX_SERVER_WAIT) -> float | None:
    """Seconds from a Retry-After value (delta-seconds, a decimal, or an HTTP date), clamped to
    [0, cap]; None when the value is missing or not a wait (then the caller's own backoff applies)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = _seconds_until(value)
        if seconds is None:
            return None
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), cap)


def _seconds_until(value: str) -> float | None:
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - datetime.now(timezone.utc)).total_seconds()
