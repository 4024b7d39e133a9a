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


def pages_of_run(db: Database, run_id: int) -> list[dict]:
    """The pages a run fetched, in fetch order: url, status and where the archive holds each."""
    return list(db.query("select url, status, archive, archive_offset from pages where run_id = ? order by id",
                         [run_id]))


def archived_page(db: Database, page_id: int) -> dict | None:
    """Page `page_id`'s row, or for a 304 the row of the capture it confirmed (whose body it
    shares); None when there is no such page."""
    rows = list(db.query("select * from pages where id = ?", [page_id]))
    if not rows:
        return None
    page = rows[0]
    if page["not_modified_of"]:
        page = next(db.query("select * from pages where id = ?", [page["not_modified_of"]]))
    return page
