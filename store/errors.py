"""The store's own errors: the store imports nothing else of the project, so it owns these.

The CLI shows each as one line, like the crawler's GlocalError.
"""


class StoreError(Exception):
    """The SQLite store cannot be opened or written, or a query names something it does not hold."""


class NotFound(StoreError):
    """A lookup (an instrument by key or title words) matched nothing, or too many things."""


def sqlite_failure_line(error, where: str) -> str | None:
    """One line for an SQLite error that says the file `where` is damaged (a corrupted page, not
    a database at all) or cannot be written, saying what to do; None for any other error."""
    primary = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    if primary in (11, 26):  # SQLITE_CORRUPT, SQLITE_NOTADB
        return (f"database {where} is damaged ({error}): check it with "
                f"`sqlite3 {where} 'pragma integrity_check'` and restore it from a snapshot or backup")
    if primary == 8:  # SQLITE_READONLY
        return f"cannot write database {where}: {error}"
    return None
