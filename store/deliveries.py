"""deliveries: the alert outbox. SQL only; which rule and channel a change goes to is decided in
crawler/alerts, and handed to `add` inside the transaction that wrote the change.

A row moves pending -> sending (claimed by a sender) -> sent, or -> failed (to retry at
next_attempt_at) -> ... -> dead (attempts exhausted). A row found "sending" by a sender that holds
the outbox lock was left by a sender that died mid-send: it is due again (see `requeue_orphans`).
"""

from __future__ import annotations

from collections import defaultdict

from sqlite_utils import Database

_COLUMNS = ("change_id", "digest_key", "channel", "rule", "kind", "dedupe_key", "status", "attempts",
            "next_attempt_at", "created_at")
_DEFAULTS = {"status": "pending", "attempts": 0}


def add(db: Database, rows: list[dict]) -> int:
    """Insert outbox rows; a row whose dedupe_key is already there is skipped. Returns rows added.

    Runs inside the caller's transaction (the one writing the changes).
    """
    before = db.conn.total_changes
    db.conn.executemany(
        f"insert or ignore into deliveries ({', '.join(_COLUMNS)}) values ({', '.join('?' * len(_COLUMNS))})",
        [tuple(row.get(c, _DEFAULTS.get(c)) for c in _COLUMNS) for row in rows],
    )
    return db.conn.total_changes - before


def requeue_orphans(db: Database, *, now: str) -> int:
    """Rows left "sending" by a sender that died: due again now. Call only while holding the lock."""
    with db.atomic():
        cursor = db.conn.execute(
            """update deliveries set status = 'failed', next_attempt_at = ?, claimed_at = null,
               last_error = coalesce(last_error || '; ', '') || 'the sender stopped before recording the outcome'
               where status = 'sending'""",
            (now,),
        )
    return cursor.rowcount


def due(db: Database, *, now: str, limit: int | None = None) -> list[dict]:
    """Rows ready to send: pending or failed, next_attempt_at reached, oldest first."""
    sql = """select d.*, c.detected_at, c.observed_at from deliveries d left join changes c on c.id = d.change_id
             where d.status in ('pending', 'failed') and d.next_attempt_at <= ? order by d.id"""
    params: list = [now]
    if limit:
        sql += " limit ?"
        params.append(limit)
    return list(db.query(sql, params))


def due_count(db: Database, *, now: str) -> int:
    """How many rows `due` would return without a limit."""
    return db.conn.execute("select count(*) from deliveries where status in ('pending', 'failed') "
                           "and next_attempt_at <= ?", [now]).fetchone()[0]


def claim(db: Database, ids: list[int], *, now: str) -> None:
    """Mark rows as being sent (committed before the send, so a crash leaves a trace)."""
    with db.atomic():
        db.conn.executemany("update deliveries set status = 'sending', claimed_at = ? where id = ?",
                            [(now, i) for i in ids])


def mark_sent(db: Database, ids: list[int], *, now: str) -> None:
    with db.atomic():
        db.conn.executemany(
            "update deliveries set status = 'sent', sent_at = ?, attempts = attempts + 1, claimed_at = null "
            "where id = ?", [(now, i) for i in ids])


def mark_failed(db: Database, ids: list[int], *, error: str, next_attempt_at: str | None) -> None:
    """Record a failed attempt: retry at next_attempt_at, or dead when it is None."""
    status = "failed" if next_attempt_at else "dead"
    with db.atomic():
        db.conn.executemany(
            """update deliveries set status = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
               claimed_at = null where id = ?""",
            [(status, error, next_attempt_at, i) for i in ids])


def due_now(db: Database, ids: list[int], *, now: str) -> None:
    """Failed rows whose retry moment has truly passed: due at `now`. The column holds that moment
    rounded up to the second; the sender that scheduled the retry knows it exactly. A row no longer
    failed (claimed, sent, dead) or already due is left as it is."""
    with db.atomic():
        db.conn.executemany("update deliveries set next_attempt_at = ? where id = ? and status = 'failed' "
                            "and next_attempt_at > ?", [(now, i, now) for i in ids])


def next_due(db: Database) -> str | None:
    """When the earliest pending or failed delivery is due again (None: nothing waits)."""
    row = db.conn.execute(
        "select min(next_attempt_at) from deliveries where status in ('pending', 'failed')").fetchone()
    return row[0]


def status_counts(db: Database) -> dict[str, dict[str, int]]:
    """channel -> {status: rows}, every status present (pending, sending, sent, failed, dead)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(
        ("pending", "sending", "sent", "failed", "dead"), 0))
    for channel, status, n in db.conn.execute("select channel, status, count(*) from deliveries group by 1, 2"):
        counts[channel][status] = n
    return dict(counts)


def dead_rows(db: Database, limit: int = 20) -> list[dict]:
    return list(db.query(
        "select id, channel, rule, kind, dedupe_key, attempts, last_error from deliveries "
        "where status = 'dead' order by id desc limit ?", [limit]))
