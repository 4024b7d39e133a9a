"""crawl_runs bookkeeping: one row per crawl of one spider."""

from __future__ import annotations

import json

from sqlite_utils import Database

from store.clock import utcnow


def start_run(db: Database, *, spider: str, now: str, replay: str | None = None, kind: str | None = None,
              as_of: str | None = None) -> int:
    """Open a run row (status "running") and return its id.

    Runs of this spider still marked "running" belong to a process that died (killed, power
    loss): they are closed as "aborted" first, so `glocal spiders` never shows a ghost run.
    """
    with db.atomic():
        db.conn.execute(
            """update crawl_runs set status = 'aborted', healthy = 0, finished_at = coalesce(finished_at, ?),
               summary = coalesce(summary, 'the crawl process ended before finishing the run')
               where spider = ? and status = 'running'""",
            (now, spider),
        )
        cursor = db.conn.execute(
            "insert into crawl_runs (spider, started_at, status, replay, kind, as_of) values (?, ?, 'running', ?, ?, ?)",
            (spider, now, replay, kind or ("replay" if replay else "live"), as_of),
        )
    return cursor.lastrowid


def finish_run(db: Database, run_id: int, *, now: str, finish_reason: str, pages: int, items: int,
               errors: int, healthy: bool, health: list[dict], summary: str) -> None:
    """Close a run with its counts and the result of every health check."""
    status = "finished" if finish_reason == "finished" else "failed"
    with db.atomic():
        db.conn.execute(
            """update crawl_runs set finished_at = ?, status = ?, finish_reason = ?, pages = ?, items = ?,
               errors = ?, healthy = ?, health = ?, summary = ? where id = ?""",
            (now, status, finish_reason, pages, items, errors, int(healthy),
             json.dumps(health, ensure_ascii=False), summary, run_id),
        )


def last_runs(db: Database) -> dict[str, dict]:
    """The latest run of every spider that has run, by spider name."""
    rows = db.query(
        """select * from crawl_runs where id in (select max(id) from crawl_runs group by spider)"""
    )
    return {row["spider"]: row for row in rows}


def run_changes(db: Database, run_id: int) -> dict[str, int]:
    """Counts of this run's changes as "entity.change" -> n, alertable ones only."""
    rows = db.conn.execute(
        "select entity || '.' || change, count(*) from changes where run_id = ? and notify = 1 group by 1",
        (run_id,),
    ).fetchall()
    return dict(rows)


def notified_change_count(db: Database, run_id: int) -> int:
    """How many of this run's changes may alert (notify = 1)."""
    return db.conn.execute("select count(*) from changes where run_id = ? and notify = 1", [run_id]).fetchone()[0]


# A backfill replays the past from a web archive: its runs say nothing of the spider's health today.
_NOT_BACKFILL = "coalesce(kind, 'live') != 'backfill'"


def recent_finished_runs(db: Database, spider: str, limit: int) -> list[dict]:
    """The spider's last `limit` runs that ended (not running, not backfill), newest first."""
    return list(db.query(
        "select id, status, healthy, health, summary, started_at, items from crawl_runs where spider = ? "
        f"and status != 'running' and {_NOT_BACKFILL} order by id desc limit ?", [spider, limit]))


def healthy_item_counts(db: Database, spider: str, *, before_id: int, limit: int) -> list[int]:
    """Item counts of the spider's last `limit` healthy finished runs before run `before_id`, newest first."""
    return [n for n, in db.conn.execute(
        "select items from crawl_runs where spider = ? and status = 'finished' and healthy = 1 and id < ? "
        f"and {_NOT_BACKFILL} order by id desc limit ?", [spider, before_id, limit])]


def run_span(db: Database, spider: str) -> tuple:
    """(last start, first start, last healthy start, last run id) of the spider's runs, backfills aside."""
    return db.conn.execute(
        "select max(started_at), min(started_at), max(case when status = 'finished' and healthy = 1 "
        f"then started_at end), max(id) from crawl_runs where spider = ? and {_NOT_BACKFILL}", [spider]).fetchone()


def abort_run(db: Database, run_id: int, *, reason: str) -> None:
    """Close a run whose process was killed or crashed; its committed scopes stay as they are."""
    with db.atomic():
        db.conn.execute(
            """update crawl_runs set status = 'aborted', healthy = 0, finished_at = coalesce(finished_at, ?),
               summary = ? where id = ? and status = 'running'""",
            (utcnow(), f"the crawl process ended before finishing the run ({reason})", run_id),
        )


def overdue(db: Database, spiders: list[str], *, older_than) -> dict[str, str | None]:
    """Spiders whose latest healthy, finished run started before `older_than` (or never happened),
    with the start of that run."""
    cutoff = older_than.strftime("%Y-%m-%dT%H:%M:%SZ")
    latest = dict(db.conn.execute(
        "select spider, max(started_at) from crawl_runs where status = 'finished' and healthy = 1 group by spider"))
    return {name: latest.get(name) for name in spiders if latest.get(name) is None or latest[name] < cutoff}
