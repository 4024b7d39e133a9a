"""Draining the outbox: due rows are rendered, sent and recorded, with retries and backoff.

Order of a send: the rows are claimed ("sending", committed), the channel is called, then the
outcome is committed ("sent", or "failed" with the next attempt, or "dead"). A sender killed
between the channel's acceptance and that last commit leaves the rows "sending"; the next sender
(which holds the outbox lock, so the old one is surely gone) sends them again. That window is one
SQLite commit long; docs/alerts.md says so.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from alerts import render
from alerts.channels import DeliveryError, channel_sender, one_line
from alerts.facts import facts
from alerts.rules import AlertConfig
from store.clock import iso_utc, parse_moment, utcnow
from store import deliveries
from kit.waits import MAX_SERVER_WAIT

@dataclass
class Outcome:
    sent: int = 0  # messages accepted
    rows_sent: int = 0  # outbox rows they covered
    failed: int = 0  # messages that failed and will be retried
    dead: int = 0  # messages given up
    previews: list[str] = field(default_factory=list)  # dry run: what would have been sent
    busy: bool = False  # another sender holds the outbox
    remaining: int = 0  # rows still due when this call ended (beyond its ALERTS_SEND_BATCH limit)
    # Row id -> the time.monotonic() moment its retry is due, for the retries this call scheduled:
    # exact, where the store holds it rounded up to the second (send_until_idle retries on time).
    retries: dict[int, float] = field(default_factory=dict)

    def summary(self) -> str:
        if self.busy:
            return "another sender is draining the outbox; nothing done"
        summary = (f"{self.sent} messages sent ({self.rows_sent} alerts), {self.failed} to retry, "
                   f"{self.dead} given up")
        if self.remaining:  # a batch limit stopped this call: say so rather than look finished
            summary += f"; {self.remaining} alerts still due (send again to continue)"
        return summary


@dataclass
class Unit:
    """One message to send: one row, or many (a digest, or a flood folded into one)."""

    channel: str
    rule: str
    rows: list[dict]
    title: str | None  # digest title, None for a single alert

    @property
    def message_id(self) -> str:
        key = "\n".join(sorted(row["dedupe_key"] for row in self.rows))
        return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@glocal-watch>"


def units(rows: list[dict], config: AlertConfig) -> list[Unit]:
    """Group due rows into messages: a digest per (channel, digest); immediate rows one by one,
    unless more than `flood_limit` are due for one channel and rule, then as one message."""
    digests: dict[tuple, list[dict]] = defaultdict(list)
    immediate: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        if row["digest_key"]:
            digests[(row["channel"], row["rule"], row["digest_key"])].append(row)
        else:
            immediate[(row["channel"], row["rule"])].append(row)
    result = []
    for (channel, rule), group in immediate.items():
        if len(group) > config.flood_limit:
            result.append(Unit(channel, rule, group, f"{len(group)} alerts at once ({rule})"))
        else:
            result.extend(Unit(channel, rule, [row], None) for row in group)
    for (channel, rule, key), group in digests.items():
        period = key.rpartition("@")[2]
        result.append(Unit(channel, rule, group, f"Digest {rule}, until {period.replace('T', ' ')}"))
    return sorted(result, key=lambda unit: min(row["id"] for row in unit.rows))


def message_for(db, unit: Unit, config: AlertConfig) -> render.Message:
    found = facts(db, [{"id": row["change_id"], "entity": _entity(row["kind"])} for row in unit.rows])
    if unit.title is None:
        return render.single(found[0], datasette_url=config.datasette_url)
    return render.digest(found, title=unit.title, datasette_url=config.datasette_url)


def send_due(db, config: AlertConfig, *, lock_path: str | Path | None = None, now: str | None = None,
             dry_run: bool = False, backoff_base: float, backoff_max: float, slack_interval: float | None = None,
             limit: int | None = None, jitter=random.random, progress=None) -> Outcome:
    """Send what is due now. Never raises for a channel's failure: it is recorded on the rows.

    :param lock_path: file locked while sending, so two senders (the service and a manual
        `glocal alerts send`) never send one row twice
    :param backoff_base: seconds before the first retry of a failed send, doubling with each attempt
        (ALERTS_BACKOFF_BASE), up to `backoff_max` (ALERTS_BACKOFF_MAX)
    :param limit: at most this many rows per call (a huge backlog drains in bounded steps)
    :param progress: called with (messages done, messages in this call) after each message
    """
    outcome = Outcome()
    # A dry run changes nothing, so it needs no lock (a preview works while the service sends).
    with _outbox_lock(None if dry_run else lock_path) as held:
        if not held:
            outcome.busy = True
            return outcome
        now = now or utcnow()
        if not dry_run:
            deliveries.requeue_orphans(db, now=now)
        senders = {}
        todo = units(deliveries.due(db, now=now, limit=limit), config)
        for done, unit in enumerate(todo, 1):
            if progress:
                progress(done, len(todo))
            ids = [row["id"] for row in unit.rows]
            channel = config.channels.get(unit.channel)
            if channel is None:
                if not dry_run:
                    deliveries.mark_failed(db, ids, error=f"channel {unit.channel!r} is no longer configured",
                                           next_attempt_at=None)
                outcome.dead += 1
                continue
            try:
                message = message_for(db, unit, config)
            except Exception as error:  # noqa: BLE001 - one row that cannot be written must not block the rest
                if not dry_run:
                    deliveries.mark_failed(db, ids, error=one_line(
                        f"cannot write the message: {type(error).__name__}: {error}", config.secrets()),
                        next_attempt_at=None)
                outcome.dead += 1
                continue
            if dry_run:
                outcome.previews.append(f"--- to {unit.channel} ({channel.type}, rule {unit.rule}) ---\n"
                                        f"Subject: {message.subject}\n\n{message.text}")
                continue
            sender = senders.get(unit.channel) or senders.setdefault(
                unit.channel, channel_sender(channel, slack_interval=slack_interval))
            deliveries.claim(db, ids, now=utcnow())
            try:
                sender.send(message, message_id=unit.message_id)
            except Exception as error:  # noqa: BLE001 - any failure is this row's, recorded; the others go on
                if not isinstance(error, DeliveryError):
                    error = DeliveryError(f"{type(error).__name__}: {error}")
                attempts = max(row["attempts"] for row in unit.rows) + 1
                text = one_line(str(error), config.secrets())
                if attempts >= config.max_attempts:
                    deliveries.mark_failed(db, ids, error=f"{text} (gave up after {attempts} attempts)",
                                           next_attempt_at=None)
                    outcome.dead += 1
                else:
                    delay = retry_delay(attempts, error.retry_after, base=backoff_base, cap=backoff_max,
                                        jitter=jitter)
                    deliveries.mark_failed(db, ids, error=text, next_attempt_at=_after(delay))
                    outcome.retries.update(dict.fromkeys(ids, time.monotonic() + _bounded(delay)))
                    outcome.failed += 1
                continue
            deliveries.mark_sent(db, ids, now=utcnow())
            outcome.sent += 1
            outcome.rows_sent += len(ids)
        if limit and not dry_run:
            outcome.remaining = deliveries.due_count(db, now=utcnow())
    return outcome


def retry_delay(attempts: int, retry_after: float | None, *, base: float, cap: float, jitter=random.random) -> float:
    """Exponential backoff with jitter (0.5x to 1.5x), never sooner than a Retry-After asked."""
    delay = min(cap, base * 2 ** min(attempts - 1, 64)) * (0.5 + jitter())
    if retry_after is not None and not math.isnan(retry_after):
        delay = max(delay, min(retry_after, MAX_SERVER_WAIT))  # a server's wait is clamped (kit/waits.py)
    return delay


def send_until_idle(db, config: AlertConfig, *, deadline: float, **options) -> Outcome:
    """Send, wait for the next due retry, send again, until nothing is due before `deadline`
    (a time.monotonic() value). For `glocal alerts send --wait` and the tests.

    The store holds a retry moment rounded up to the second (its text format has no fraction, and
    rounding down could cut a Retry-After short). The retries this loop scheduled itself, whose
    exact moment it knows, are sent at that moment instead: those rows alone are made due then,
    never another row due in the same second (a digest, another sender's Retry-After)."""
    total = Outcome()
    retries = total.retries  # this loop's own failures not yet made due (left there at the deadline)
    while True:
        outcome = send_due(db, config, **options)
        for name in ("sent", "rows_sent", "failed", "dead"):
            setattr(total, name, getattr(total, name) + getattr(outcome, name))
        total.remaining = outcome.remaining
        retries.update(outcome.retries)
        upcoming = deliveries.next_due(db)
        if upcoming is None:
            return total
        stored = time.monotonic() + (parse_moment(upcoming) - datetime.now(timezone.utc)).total_seconds()
        exact = min(retries.values(), default=math.inf)
        wake = min(stored, exact)
        if wake > deadline:
            return total
        # A stored moment already past (a batch limit left rows due) is polled gently; an exact
        # moment already past is acted on at once (its rows are made due below: no busy loop).
        time.sleep(max(0.05 if stored <= exact else 0.0, wake - time.monotonic()))
        now = time.monotonic()
        ready = [row for row, due_at in retries.items() if due_at <= now]
        if ready:
            deliveries.due_now(db, ready, now=utcnow())
            for row in ready:
                del retries[row]


def _bounded(seconds: float) -> float:
    return min(max(0.0, seconds), MAX_SERVER_WAIT)


def _after(seconds: float) -> str:
    # Rounded up to the second the column holds, so a Retry-After is never cut short.
    moment = datetime.now(timezone.utc) + timedelta(seconds=_bounded(seconds))
    return iso_utc(datetime.fromtimestamp(math.ceil(moment.timestamp()), timezone.utc))


def _entity(kind: str) -> str:
    return kind.rpartition(".")[0]


@contextlib.contextmanager
def _outbox_lock(path):
    if path is None:
        yield True
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def lock_path_for(db_path: str | Path) -> Path:
    return Path(str(db_path) + ".alerts.lock")
