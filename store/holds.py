"""Held lists: a run whose list changed too much at once is recorded, but its alerts wait.

The first live day of a source, a parser that suddenly reads a footer, a page that lost half its
names: each looks like big news and is likelier a mistake. Such a scope run is *held*
(`scope_runs.held = 1`): its additions and updates are in the store (so a researcher sees them,
dated), its changes carry `notify = 0, held = 1`, and it counts as no run of the removal rule.
It is released, and its changes alerted, when

- a later run shows the same list (for a hold of kind "agree": a list that grew or changed), or
- an operator confirms the run (`glocal changes confirm RUN`), for any hold. Confirming a list
  that collapsed (kind "confirm") says its names are right: the names it lacks are removed then.

Release calls the outbox with the released change rows in the same transaction, as ingest does
for new changes.
"""

from __future__ import annotations

import json
from collections import Counter

from sqlite_utils import Database

from store.entities import ENTITIES
from store.errors import StoreError
from store.ingest import write_changes


def active_keys(db: Database, scope: str, entity: str) -> set[str]:
    table = ENTITIES[entity].table
    return {key for key, in db.conn.execute(f"select key from [{table}] where scope = ? and removed_at is null",
                                            (scope,))}


def hold(db: Database, scope_run_id: int, *, kind: str, keys: list[str]) -> None:
    """Mark a scope run held, with the list it saw."""
    with db.atomic():
        db.conn.execute("update scope_runs set hold = ?, held = 1, held_keys = ? where id = ?",
                        (kind, json.dumps(sorted(keys), ensure_ascii=False), scope_run_id))


def pending(db: Database, scope: str) -> dict | None:
    """The latest finished, still-held run of a scope."""
    rows = list(db.query(
        """select * from scope_runs where scope = ? and held = 1 and finished_at is not null
           order by run_id desc limit 1""", [scope]))
    return rows[0] if rows else None


# A later list agrees with a held one when at most this share of their names differ: the same
# list, give or take a city joining in between, not a return to the list before the hold.
AGREEMENT = 0.1


def agrees(keys: list[str] | set[str], held: dict) -> bool:
    """Whether a list is, within AGREEMENT, the one a held run saw."""
    before = set(json.loads(held["held_keys"] or "[]"))
    if not before:
        return False
    return len(set(keys) ^ before) / len(before) <= AGREEMENT


def waiting(db: Database) -> list[dict]:
    """Every held scope run still waiting, oldest first."""
    return list(db.query("select run_id, scope, hold, reason from scope_runs where held = 1 order by run_id, id"))


def held_runs(db: Database, run_id: int) -> list[dict]:
    return list(db.query("select * from scope_runs where run_id = ? and held = 1 order by id", [run_id]))


def release(db: Database, scope_run: dict, *, now: str, outbox=None, confirmed: bool = False) -> Counter:
    """Release a held scope run: its changes alert now; a confirmed collapse removes what it lacks.

    :returns: counts of released changes and of removals made
    """
    counts: Counter = Counter()
    with db.atomic():
        db.conn.execute("update scope_runs set held = 0 where id = ?", (scope_run["id"],))
        rows = list(db.query(
            "select * from changes where run_id = ? and scope = ? and held = 1 order by id",
            [scope_run["run_id"], scope_run["scope"]]))
        if rows:
            db.conn.execute("update changes set held = 0, notify = 1 where run_id = ? and scope = ? and held = 1",
                            (scope_run["run_id"], scope_run["scope"]))
            for row in rows:
                row["notify"], row["held"] = 1, 0
            if outbox is not None:
                outbox(db, rows)
            counts["released"] = len(rows)
        if confirmed and scope_run["hold"] == "confirm":
            counts["removed"] = _remove_unlisted(db, scope_run, now=now, outbox=outbox)
    return counts


def confirm(db: Database, run_id: int, *, now: str, outbox=None) -> Counter:
    """An operator's word that run `run_id`'s held lists are right (`glocal changes confirm RUN`)."""
    runs = held_runs(db, run_id)
    if not runs:
        exists = db.conn.execute("select 1 from crawl_runs where id = ?", (run_id,)).fetchone()
        raise StoreError(f"run {run_id} " + ("has no held list" if exists else "does not exist"))
    counts: Counter = Counter()
    for scope_run in runs:
        counts.update(release(db, scope_run, now=now, outbox=outbox, confirmed=True))
        counts["lists"] += 1
    return counts


def _remove_unlisted(db: Database, scope_run: dict, *, now: str, outbox) -> int:
    entity = ENTITIES[scope_run["entity"]]
    listed = set(json.loads(scope_run["held_keys"] or "[]"))
    gone = [key for key in active_keys(db, scope_run["scope"], scope_run["entity"]) if key not in listed]
    if not gone:
        return 0
    when = scope_run["observed_at"] or now
    db.conn.executemany(f"update [{entity.table}] set removed_at = ? where key = ?", [(when, key) for key in gone])
    diff = json.dumps({"missing_since": when, "confirmed_run": scope_run["run_id"]})
    write_changes(db, [(scope_run["run_id"], entity.name, key, "removed", diff, when, now, 1, scope_run["scope"], None)
                       for key in sorted(gone)], outbox)
    return len(gone)
