"""The store's tables and views as a researcher sees them: which may be exported, their rows in a
stable order, their column types, and the crawl's sources and sites (for a snapshot's README)."""

from __future__ import annotations

from sqlite_utils import Database

_FTS_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")


def public_relations(db: Database) -> list[str]:
    """Tables and views a researcher can export (not sqlite-utils' or FTS5's own bookkeeping)."""
    fts = set(db.table_names(fts5=True))
    names = [t for t in db.table_names() if not t.startswith("_")
             and not any(t == base + suffix for base in fts for suffix in _FTS_SHADOWS)]
    return names + db.view_names()


def relation_rows(db: Database, what: str) -> tuple[list[str], list[tuple]]:
    """Columns and rows of table or view `what`, by primary key (or by every column, in order)."""
    columns = list(db[what].columns_dict)
    if what in db.table_names() and db[what].pks != ["rowid"]:
        order = ", ".join(f"[{c}]" for c in db[what].pks)
    else:
        order = ", ".join(str(i + 1) for i in range(len(columns)))
    cursor = db.execute(f"select {', '.join(f'[{c}]' for c in columns)} from [{what}] order by {order}")
    return columns, cursor.fetchall()


def column_types(db: Database, table: str) -> dict:
    """Each column of `table` and its Python type, in the schema's order."""
    return db[table].columns_dict


def crawl_sources(db: Database) -> list[dict]:
    """Per spider: its number of runs, first and last run, and how many were replays."""
    return list(db.query(
        """select spider, count(*) as runs, min(started_at) as first_run, max(started_at) as last_run,
                  sum(replay is not null) as replays
           from crawl_runs group by spider order by spider"""))


def page_sites(db: Database) -> list[str]:
    """Every site (scheme and host) a fetched page came from, in order."""
    return [row[0] for row in db.execute(
        """select distinct substr(url, 1, instr(substr(url, 9), '/') + 8) from pages
           where url like 'http%' order by 1""")]
