"""Bookkeeping of `glocal backfill`: archive listings, fetched captures, and which moments are done.

Plain rows in, plain rows out; the crawler decides what to ask the archive.
"""

from __future__ import annotations

from sqlite_utils import Database

from store.clock import latest_plausible


def is_listed(db: Database, url: str, spider: str) -> bool:
    return db.conn.execute("select 1 from archive_listings where url = ? and spider = ?",
                           (url, spider)).fetchone() is not None


def record_listing(db: Database, *, url: str, spider: str, listed_at: str, captures: list[dict]) -> None:
    """Keep what the archive listed for `url` (rows: timestamp, captured_at, digest, mimetype)."""
    with db.atomic():
        db.conn.executemany(
            """insert or ignore into archive_captures (url, timestamp, captured_at, digest, mimetype)
               values (?, ?, ?, ?, ?)""",
            [(url, c["timestamp"], c["captured_at"], c.get("digest"), c.get("mimetype")) for c in captures],
        )
        db.conn.execute(
            "insert or replace into archive_listings (url, spider, listed_at, captures) values (?, ?, ?, ?)",
            (url, spider, listed_at, len(captures)),
        )


def captures_of(db: Database, url: str) -> list[dict]:
    """Every listed capture of `url`, oldest first."""
    return list(db.query("select * from archive_captures where url = ? order by timestamp", [url]))


def record_fetch(db: Database, *, url: str, timestamp: str, archive: str | None = None,
                 offset: int | None = None, error: str | None = None) -> None:
    with db.atomic():
        db.conn.execute(
            "update archive_captures set archive = ?, archive_offset = ?, fetch_error = ? where url = ? and timestamp = ?",
            (archive, offset, error, url, timestamp),
        )


def moments(db: Database, spider: str, *, since: str | None = None, until: str | None = None) -> list[str]:
    """The capture times, oldest first, of every page the spider's backfill has listed: the
    moments at which some page of the spider changed in the archive's eyes. None after now (plus
    the clock's skew): a listing stored before such rows were refused cannot schedule one."""
    rows = db.conn.execute(
        """select distinct c.captured_at from archive_captures c
           join archive_listings l on l.url = c.url and l.spider = ?
           where c.fetch_error is null and (? is null or c.captured_at >= ?) and (? is null or c.captured_at <= ?)
             and c.captured_at <= ?
           order by c.captured_at""",
        (spider, since, since, until, until, latest_plausible()),
    ).fetchall()
    return [row[0] for row in rows]


def done_moments(db: Database, spider: str) -> set[str]:
    """The moments a finished backfill run of `spider` has already replayed (aborted ones, and ones
    stopped by a signal, are not done)."""
    rows = db.conn.execute(
        """select as_of from crawl_runs where spider = ? and kind = 'backfill' and status in ('finished', 'failed')
           and coalesce(finish_reason, '') != 'shutdown' and as_of <= ?""",
        (spider, latest_plausible()),
    ).fetchall()
    return {row[0] for row in rows}
