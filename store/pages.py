"""pages: one row per fetched response, pointing at its bytes in a WARC file."""

from __future__ import annotations

from sqlite_utils import Database


def record_page(db: Database, *, run_id: int, url: str, fetched_at: str, status: int,
                content_type: str | None, etag: str | None, last_modified: str | None,
                sha256: str | None, length: int | None, archive: str | None,
                archive_offset: int | None, not_modified_of: int | None = None) -> int:
    with db.atomic():
        cursor = db.conn.execute(
            """insert into pages (run_id, url, fetched_at, status, content_type, etag, last_modified, sha256,
                                  length, archive, archive_offset, not_modified_of)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (run_id, url, fetched_at, status, content_type, etag, last_modified, sha256, length, archive,
             archive_offset, not_modified_of),
        )
    return cursor.lastrowid


def latest_archived(db: Database, url: str) -> dict | None:
    """The latest 200 response of `url` whose bytes are in an archive (for a conditional GET)."""
    rows = list(db.query(
        """select * from pages where url = ? and status = 200 and archive is not null
           order by fetched_at desc, id desc limit 1""",
        [url],
    ))
    return rows[0] if rows else None
