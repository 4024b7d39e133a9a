"""Health incidents as changes: `health.failed` opens one for a spider, `health.recovered` closes it.

The latest `health` change of a spider tells whether an incident is open; so a spider blind for
ten runs is one alert, not ten. Which runs count as blind is decided in alerts/health.py.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from store.ingest import write_changes


def open_incident(db: Database, spider: str) -> dict | None:
    """The spider's open incident (its `health.failed` change row), or None."""
    rows = list(db.query(
        "select * from changes where entity = 'health' and entity_key = ? order by id desc limit 1", [spider]))
    if rows and rows[0]["change"] == "failed":
        row = rows[0]
        row["diff"] = json.loads(row["diff"] or "{}")
        return row
    return None


def record(db: Database, *, spider: str, change: str, run_id: int | None, detail: dict, now: str,
           outbox=None) -> None:
    """Write a health.failed / health.recovered change (and its outbox rows) in one transaction."""
    assert change in ("failed", "recovered")
    with db.atomic():
        write_changes(db, [(run_id, "health", spider, change,
                            json.dumps(detail, ensure_ascii=False, sort_keys=True), now, now, 1, None, None)],
                      outbox)
