"""Upsert with change detection, per scope: the rules that make the store trustworthy.

A run hands the store one scope at a time (`begin_scope`, then `apply_records`, then
`close_scope`). The rules of DESIGN.md live here and nowhere else:

- The first healthy, complete run of a scope is its **baseline**: everything is recorded,
  `changes.notify` is 0, so nothing is alerted.
- An **unhealthy** scope run changes nothing in its scope: no additions, updates or
  restorations, and never a removal. It only refreshes `last_seen_*` of rows it saw.
- A row is **removed** only when it is missing from `removal_runs` (K) consecutive healthy,
  complete runs of its scope, and only in a **roster** scope (a list that states who is in);
  an **append-only** scope (news, events, posts) never removes anything by absence.
  `removed_at` is the capture time of the first of those runs.
- A row's key comes from the page; a **respelling** ("New York" -> "New York City") gives a new
  key whose actor is that of a row the list no longer shows: that row is updated (one
  `updated` change naming the new spelling), never added anew and removed later.
- `first_seen_at` / `last_seen_at` are capture times of the pages that showed a row;
  `signed_on` is only ever what the site printed.
- Every write of a batch, with its `changes` rows, happens in one transaction.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _encode_text
from operator import itemgetter

from sqlite_utils import Database

from store.actors import ActorResolver
from store.entities import ENTITIES, Entity
from store.clock import latest_plausible, utcnow

ROSTER, APPEND_ONLY = "roster", "append-only"  # the store's own names of kit.items' scope kinds
SCOPE_KINDS = (ROSTER, APPEND_ONLY)
_CHUNK = 500  # keys per "in (...)" lookup; well under SQLite's variable limit
_INSERT_CHANGE = """insert into changes (run_id, entity, entity_key, change, diff, observed_at, detected_at,
                                         notify, scope, page_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


@dataclass
class ScopeState:
    """What the store decided about one scope in one run, and what it did so far."""

    scope: str
    entity: str
    run_id: int
    scope_run_id: int
    url: str | None
    observed_at: str | None
    complete: bool
    healthy: bool
    baseline: bool
    stale: bool
    keys: set[str] | None
    kind: str = ROSTER
    reason: str | None = None  # why the scope run is incomplete, unhealthy or stale, in words
    counts: Counter = field(default_factory=Counter)
    # item key -> key of the row it updated under another spelling (see _respelled), this run only
    respelled: dict[str, str] = field(default_factory=dict)
    # actor id -> keys of the scope's active rows, read once when the first new key arrives
    active_by_actor: dict[int, list[str]] | None = None
    outbox: object = None  # called with the scope's new change rows inside their transaction (see write_changes)
    quiet: bool = False  # a backfill from web archives: history is recorded, nothing is alerted
    held: bool = False  # the list changed too much at once: recorded, alerts wait (store/holds.py)

    @property
    def notify(self) -> int:
        """Whether this scope run's changes alert (a baseline, a quiet or a held run records them only)."""
        return int(not self.baseline and not self.quiet and not self.held)

    @property
    def trusted(self) -> bool:
        """Whether this run may add, update or restore rows of the scope."""
        return self.healthy and not self.stale


def scope_status(db: Database, scope: str, entity: str) -> dict:
    """What the store knows of a scope before a run touches it: ``{"active": rows not removed}``.

    The health checks read it to tell "the list vanished" (it listed rows before) from "this
    page never had a list", and to see a list shrink at once.
    """
    table = ENTITIES[entity].table
    active = db.conn.execute(
        f"select count(*) from [{table}] where scope = ? and removed_at is null", (scope,)
    ).fetchone()[0]
    return {"active": active}


def listed_history(db: Database, scope: str, *, runs: int) -> list[int]:
    """How many names the scope's last `runs` trusted runs listed (healthy, complete, finished, not
    held), newest first, counting only runs since the list's last agreed change: a list that an
    operator or a second run agreed shrank is judged against its new size from then on."""
    return [listed for listed, in db.conn.execute(
        """select listed from scope_runs
           where scope = ? and complete = 1 and healthy = 1 and finished_at is not null
                 and coalesce(held, 0) = 0 and listed is not null
                 and run_id >= coalesce((select max(run_id) from scope_runs
                                         where scope = ? and hold is not null and held = 0), 0)
           order by run_id desc limit ?""", (scope, scope, runs))]


def roster_pages(db: Database, spider: str) -> list[dict]:
    """Where each roster of `spider` was last read whole: one {scope, entity, url} per roster scope,
    from its latest healthy, complete scope run. A run that reads such a page again and reports
    nothing of the roster has missed the list there (crawler/unread_scopes.py)."""
    return list(db.query(
        """select scope_runs.scope, scope_runs.entity, scope_runs.url from scope_runs
           join (select sr.scope, max(sr.id) as id from scope_runs sr join crawl_runs on crawl_runs.id = sr.run_id
                 where crawl_runs.spider = ? and sr.kind = 'roster' and sr.complete = 1 and sr.healthy = 1
                       and sr.finished_at is not null
                 group by sr.scope) latest on latest.id = scope_runs.id
           where scope_runs.url is not null order by scope_runs.scope""", [spider]))


def _scope_history(db: Database, scope: str, *, other_than_run: int | None = None) -> tuple[str | None, bool]:
    """(latest capture time of the scope, whether a finished run saw it complete and healthy).

    A scope run counts (for the baseline and the removal rule) only once finished: a crawl killed
    while writing a scope leaves an unfinished row, which later runs treat as if never made.
    """
    # An observation dated after now (+ skew) is no evidence of order: a store that recorded one
    # before it was refused (issue 20) must not let it make every real observation look stale.
    observed, trusted = db.conn.execute(
        """select max(case when observed_at <= ? then observed_at end),
                  max(complete and healthy and finished_at is not null)
           from scope_runs where scope = ? and run_id is not ?""",
        (latest_plausible(), scope, other_than_run),
    ).fetchone()
    return observed, bool(trusted)


def begin_scope(
    db: Database,
    *,
    run_id: int,
    scope: str,
    entity: str,
    url: str | None,
    observed_at: str | None,
    complete: bool,
    healthy: bool,
    keys: list[str] | None,
    kind: str = ROSTER,
    listed: int | None = None,
    stated: int | None = None,
    reason: str | None = None,
    quiet: bool = False,
    held: bool = False,
    outbox=None,
    stand_in: str | None = None,
) -> ScopeState:
    """Record that this run reports on `scope` and decide what the run may do to it.

    A report older than the scope's latest recorded observation is **stale** (an archive replayed
    out of capture order): it is recorded and changes nothing, so history is never rewritten.
    """
    if kind not in SCOPE_KINDS:
        raise ValueError(f"scope {scope}: kind {kind!r} is not one of {SCOPE_KINDS}")
    last_observed_at, had_trusted_run = _scope_history(db, scope, other_than_run=run_id)
    stale = last_observed_at is not None and observed_at is not None and observed_at < last_observed_at
    if observed_at is not None and observed_at > latest_plausible():
        # No single page may move the store's clock: a capture or record dated in the future changes nothing.
        reason = f"observation dated {observed_at} is in the future (now {utcnow()}); it changes nothing"
        stale, observed_at = True, None
    elif stale:
        reason = (
            f"observation of {observed_at} is older than the last recorded one ({last_observed_at}); "
            "replay archives in capture order"
        )
    baseline = not had_trusted_run
    if listed is None and keys is not None:
        listed = len(keys)
    with db.atomic():
        cursor = db.conn.execute(
            """insert into scope_runs (run_id, scope, entity, kind, url, observed_at, complete, healthy, baseline,
                                       listed, stated, reason, added, updated, removed, restored, stand_in)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?)""",
            (run_id, scope, entity, kind, url, observed_at, int(complete), int(healthy and not stale),
             int(baseline), listed, stated, reason, stand_in),
        )
    return ScopeState(
        scope=scope,
        entity=entity,
        run_id=run_id,
        scope_run_id=cursor.lastrowid,
        url=url,
        observed_at=observed_at,
        complete=complete,
        healthy=healthy and not stale,
        baseline=baseline,
        stale=stale,
        keys=set(keys) if keys is not None else None,
        kind=kind,
        reason=reason,
        quiet=quiet,
        held=held,
        outbox=outbox,
    )


def apply_records(
    db: Database,
    state: ScopeState,
    records: list[dict],
    *,
    now: str,
    page_of=lambda url: (None, None),
    resolver: ActorResolver | None = None,
) -> Counter:
    """Upsert item records of one entity into the scope of `state`, writing `changes` rows.

    :param records: item dicts (``kit.items.as_record``), all of ``state.entity``
    :param page_of: url -> (page_id, fetched_at) of the page that showed a record in this run
    :param resolver: actor resolver, required for signatures and memberships
    :returns: counts of added / updated / restored / unchanged / held rows
    """
    counts: Counter = Counter()
    if state.stale or not records:
        counts["held"] += len(records) if state.stale else 0
        return counts
    entity = ENTITIES[state.entity]
    by_key = {}
    for record in records:
        by_key[record["key"]] = record  # a key listed twice on one page is one row
    existing = _existing_rows(db, entity, list(by_key))

    try:
        _apply(db, state, entity, by_key, existing, counts, now, page_of, resolver)
    except BaseException:
        if resolver is not None:
            resolver.reload()
        raise
    state.counts.update(counts)
    return counts


# Positions in a stored row as _existing_rows reads it (entities.TRACKING, then actor_id, then compared).
_KEY, _SOURCE, _REMOVED_AT, _FIRST_SEEN_AT, _LAST_SEEN_AT, _ACTOR_ID = range(6)


def _apply(db, state, entity, by_key, existing, counts, now, page_of, resolver) -> None:
    """One batch in one transaction. The hot path of every crawl and import: rows are lists in
    `entity.columns` order (then actor_id), stored rows are tuples (see _existing_rows), and an
    unchanged row is told by comparing two tuples, without building a dict."""
    table, has_actor = entity.table, entity.has_actor
    inserts, updates, touches, changes, firsts = [], [], [], [], []
    trusted, notify, scope, run_id, name = state.trusted, state.notify, state.scope, state.run_id, entity.name
    default_seen_at = state.observed_at or now
    compared_of = itemgetter(*entity.compared_positions)
    positions = entity.compared_positions
    start = len(entity.existing_columns) - len(entity.compared)  # of the compared values in a stored row
    actor_position = len(entity.columns)  # actor_id follows the content columns in a row
    # Only an active row this run has not shown yet can be respelled; a scope without one (a
    # baseline, written batch by batch) skips the lookups.
    has_rows = has_actor and db.conn.execute(
        f"""select 1 from [{table}] where scope = ? and removed_at is null
            and coalesce(last_seen_run_id, 0) != ? limit 1""", (scope, run_id)).fetchone() is not None
    # Most rows of a crawl name an actor met before: its id without a call (ActorResolver.resolve's answer).
    known = resolver.known_names() if has_actor and trusted and resolver is not None else None
    with db.atomic():
        for key, record in by_key.items():
            url = record.get("url")
            page_id, seen_at = page_of(url)
            seen_at = seen_at or default_seen_at
            row = entity.values(record)
            old = existing.get(key)
            if old is None and has_actor and trusted:
                actor_name = record.get("actor_name")
                actor = known.get(actor_name) if known is not None and actor_name else None
                row.append(_actor_of(resolver, record, seen_at) if actor is None else actor)
                old = _respelled(db, state, entity, key, row[actor_position], by_key) if has_rows else None
                if old is not None:
                    key = old[_KEY]
            if old is not None and old[_LAST_SEEN_AT] and seen_at < old[_LAST_SEEN_AT]:
                counts["held"] += 1  # older evidence than the row already holds never overwrites it
                if old[_FIRST_SEEN_AT] and seen_at < old[_FIRST_SEEN_AT]:
                    firsts.append((seen_at, key))  # ...but it proves the row was there earlier
                continue
            if old is not None and old[_REMOVED_AT] is None and old[_SOURCE] != record["source"]:
                # A source that does not print a field cannot contradict one that does (the Covenant
                # dataset states a status the website's table has no column for).
                for offset, position in enumerate(positions):
                    if row[position] is None and old[start + offset] is not None:
                        row[position] = old[start + offset]
            if old is None or old[_REMOVED_AT] is not None:
                if not trusted:
                    counts["held"] += 1
                    continue
                if has_actor and len(row) == actor_position:
                    row.append(_actor_of(resolver, record, seen_at))
                if old is None:
                    inserts.append((key, record["source"], scope, url, seen_at, seen_at, run_id, run_id, *row))
                    change, diff = "added", _added_json(entity, row)
                else:
                    updates.append((*row, scope, url, seen_at, run_id, key))
                    change, diff = "restored", _json(_diff(entity, old[start:], compared_of(row)))
                changes.append((run_id, name, key, change, diff, seen_at, now, notify, scope, page_id))
                counts[change] += 1
                continue
            new = compared_of(row)
            if old[start:] == new:
                touches.append((seen_at, run_id, key))
                counts["unchanged"] += 1
            elif trusted:
                if has_actor:
                    if len(row) == actor_position:
                        row.append(old[_ACTOR_ID])
                    else:
                        row[actor_position] = old[_ACTOR_ID]
                updates.append((*row, scope, url, seen_at, run_id, key))
                changes.append((run_id, name, key, "updated", _json(_diff(entity, old[start:], new)), seen_at, now,
                                notify, scope, page_id))
                counts["updated"] += 1
            else:
                touches.append((seen_at, run_id, key))
                counts["held"] += 1

        conn = db.conn
        if resolver is not None:
            resolver.flush()
        columns = entity.columns + (("actor_id",) if has_actor else ())
        if inserts:
            names = ("key", "source", "scope", "url", "first_seen_at", "last_seen_at", "first_run_id",
                     "last_seen_run_id") + columns
            _insert_rows(conn, table, names, inserts)
        if updates:
            assignments = ", ".join(f"[{c}] = ?" for c in columns)
            conn.executemany(
                f"""update [{table}] set {assignments}, scope = ?, url = ?, last_seen_at = ?,
                    last_seen_run_id = ?, removed_at = null where key = ?""",
                updates,
            )
        if touches:
            conn.executemany(f"update [{table}] set last_seen_at = ?, last_seen_run_id = ? where key = ?", touches)
        write_changes(db, changes, state.outbox)
        if firsts:
            conn.executemany(f"update [{table}] set first_seen_at = ? where key = ?", firsts)


def _insert_rows(conn, table: str, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert a batch's new rows into `table` as one statement, in the batch's order (rows are
    tuples in `names` order; the table's own rowids follow that order, as one INSERT per row's).

    The entity tables carry triggers that write other tables (instrument_mentions, and m301/m302's
    kept tables), and SQLite gives every statement that may fire such a trigger its own statement
    journal: inserted one statement per row (executemany), a row cost each index page it touched
    copied into a journal, about twice the insert itself. The rows go first into a temporary table
    of this connection (no index, no trigger, untyped columns so that every value reaches the real
    insert as given), then into `table` by one INSERT ... SELECT in that order: the same rows, rowids
    and trigger writes, one journal for the batch (docs/performance.md).

    Binding the values is most of the staging's cost, and a batch repeats many of them: its scope
    and run in every row, and columns its source never fills. A column that holds one value in every
    row of the batch (None, or one text or integer, of one type) is not staged: the INSERT ... SELECT
    gives it as NULL or as one bound value, which reaches the insert as given just the same."""
    staged = f"staged_{table}"
    conn.execute(f"create temp table if not exists [{staged}] ({', '.join(f'[{n}]' for n in names)})")
    count = len(rows)
    selected, constants, kept, kept_values = [], [], [], []
    for position, (name, values) in enumerate(zip(names, zip(*rows))):
        first = values[0]
        if position and first is None and values.count(None) == count:
            selected.append("null")
        elif position and first.__class__ in _ONE_VALUE_TYPES and values.count(first) == count \
                and len(set(map(type, values))) == 1:  # 1 == True == 1.0: equal is not enough
            selected.append("?")
            constants.append(first)
        else:  # the first column is always staged: the staged table holds one row per row
            selected.append(f"[{name}]")
            kept.append(f"[{name}]")
            kept_values.append(values)
    # Inside the batch's transaction: a failure rolls the staged rows back with everything else.
    conn.executemany(f"insert into temp.[{staged}] ({', '.join(kept)}) values ({', '.join('?' * len(kept))})",
                     zip(*kept_values))
    conn.execute(f"insert into [{table}] ({', '.join(f'[{n}]' for n in names)}) "
                 f"select {', '.join(selected)} from temp.[{staged}] order by rowid", constants)
    conn.execute(f"delete from temp.[{staged}]")


_ONE_VALUE_TYPES = (str, int)  # a column of one such value is bound once (not float: 0.0 == -0.0)


def _actor_of(resolver, record: dict, seen_at: str) -> int | None:
    # A report whose author the source does not name (a review listed without "City, Country")
    # keeps no actor rather than one made of nothing.
    return resolver.resolve(record, seen_at) if record.get("actor_name") else None


def _respelled(db: Database, state: ScopeState, entity: Entity, key: str, actor_id: int,
               batch: dict[str, dict]) -> dict | None:
    """The active row of this scope that a new key respells, or None.

    A new key whose actor already has an active row in the scope, under a key this run's list does
    not show (nor this batch, nor an earlier respelling this run), is the same entry under a new
    spelling: the page renamed "New York" to "New York City", both naming one actor.
    """
    if state.active_by_actor is None:
        # One read per scope and run, not one per new key: a first crawl meets thousands of new keys.
        state.active_by_actor = {}
        for candidate_key, candidate_actor in db.conn.execute(
            f"select key, actor_id from [{entity.table}] where scope = ? and removed_at is null order by key",
            (state.scope,),
        ):
            state.active_by_actor.setdefault(candidate_actor, []).append(candidate_key)
    taken = state.respelled.values()
    for candidate_key in state.active_by_actor.get(actor_id, ()):
        if candidate_key in batch or (state.keys and candidate_key in state.keys) or candidate_key in taken:
            continue
        state.respelled[key] = candidate_key
        return _existing_rows(db, entity, [candidate_key])[candidate_key]
    return None


def close_scope(db: Database, state: ScopeState, *, now: str, removal_runs: int,
                page_id: int | None = None, incomplete: str | None = None) -> Counter:
    """Finish a scope: apply the removal rule if this run saw it healthy and complete, then
    store the scope's counts in its scope_runs row.

    :param incomplete: why a list reported complete must not count as such after all (items it
        listed never reached the store: dropped as invalid, or the crawl was stopped)
    """
    counts: Counter = Counter()
    with db.atomic():
        if incomplete and state.complete:
            state.complete, state.reason = False, incomplete
            db.conn.execute("update scope_runs set complete = 0, reason = ? where id = ?",
                            (incomplete, state.scope_run_id))
        db.conn.execute("update scope_runs set finished_at = ? where id = ?", (now, state.scope_run_id))
        if state.held:
            # Its changes wait for release (store/holds.py); a held list removes nobody.
            db.conn.execute("update changes set held = 1 where run_id = ? and scope = ?", (state.run_id, state.scope))
        elif state.trusted and state.complete and state.keys is not None and state.kind == ROSTER:
            counts = _remove_missing(db, state, now=now, removal_runs=removal_runs, page_id=page_id)
            state.counts.update(counts)
        db.conn.execute(
            "update scope_runs set finished_at = ?, added = ?, updated = ?, removed = ?, restored = ? where id = ?",
            (now, state.counts["added"], state.counts["updated"], state.counts["removed"], state.counts["restored"],
             state.scope_run_id),
        )
    return counts


def _remove_missing(db: Database, state: ScopeState, *, now: str, removal_runs: int, page_id) -> Counter:
    entity = ENTITIES[state.entity]
    counts: Counter = Counter()
    active = db.conn.execute(
        f"select key, last_seen_run_id from [{entity.table}] where scope = ? and removed_at is null",
        (state.scope,),
    ).fetchall()
    present = state.keys | set(state.respelled.values())
    missing = [(key, last_run) for key, last_run in active if key not in present]
    if not missing:
        return counts
    # The healthy, complete runs of this scope, oldest first (this run included); a run still held
    # counts for nothing until released.
    trusted_runs = db.conn.execute(
        """select run_id, observed_at from scope_runs
           where scope = ? and complete = 1 and healthy = 1 and finished_at is not null and coalesce(held, 0) = 0
           order by run_id""",
        (state.scope,),
    ).fetchall()
    # A row whose addition is still held was never announced: its removal is not news either.
    unannounced = {key for key, in db.conn.execute(
        "select entity_key from changes where scope = ? and change = 'added' and held = 1", (state.scope,))}
    removals, changes = [], []
    for key, last_run in missing:
        misses = [(run_id, seen) for run_id, seen in trusted_runs if run_id > (last_run or 0)]
        if len(misses) < removal_runs:
            counts["missing"] += 1
            continue
        missing_since = misses[0][1]
        removals.append((missing_since, key))
        diff = {"missing_since": missing_since, "missing_runs": len(misses)}
        changes.append((state.run_id, entity.name, key, "removed", _json(diff), missing_since, now,
                        0 if key in unannounced else state.notify, state.scope, page_id))
        counts["removed"] += 1
    if removals:
        db.conn.executemany(f"update [{entity.table}] set removed_at = ? where key = ?", removals)
        write_changes(db, changes, state.outbox)
    return counts


def record_count_claims(db: Database, run_id: int, claims: list[dict], *, now: str,
                        page_of=lambda url: (None, None), quiet: bool = False, outbox=None) -> Counter:
    """Keep each stated count as a dated series: a new row when the number changes, else extend
    `last_seen_at`. A changed count is a `count_claim.updated` change; the first one is recorded
    quietly (notify = 0), like a baseline."""
    counts: Counter = Counter()
    with db.atomic():
        for claim in claims:
            page_id, seen_at = page_of(claim["url"])
            seen_at = seen_at or now
            latest = db.conn.execute(
                "select id, count, qualifier, last_seen_at, unit from count_claims where key = ? order by id desc limit 1",
                (claim["key"],),
            ).fetchone()
            if latest and (latest[1], latest[2], latest[4]) == (claim["count"], claim.get("qualifier"), claim["unit"]):
                if seen_at > (latest[3] or ""):
                    db.conn.execute("update count_claims set last_seen_at = ? where id = ?", (seen_at, latest[0]))
                counts["unchanged"] += 1
                continue
            if latest and seen_at < (latest[3] or ""):
                counts["held"] += 1  # an older observation than the series holds: history stays as it is
                continue
            db.conn.execute(
                """insert into count_claims (key, source, subject_key, count, unit, qualifier, text, url,
                                             first_seen_at, last_seen_at, run_id, page_id)
                   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (claim["key"], claim["source"], claim["subject_key"], claim["count"], claim["unit"],
                 claim.get("qualifier"), claim.get("text"), claim["url"], seen_at, seen_at, run_id, page_id),
            )
            change = "updated" if latest else "added"
            if latest:
                diff = {name: [old, new] for name, old, new in (("count", latest[1], claim["count"]),
                                                                ("qualifier", latest[2], claim.get("qualifier")),
                                                                ("unit", latest[4], claim["unit"])) if old != new}
            else:
                diff = {"count": claim["count"], "unit": claim["unit"], "qualifier": claim.get("qualifier")}
            write_changes(db, [(run_id, "count_claim", claim["key"], change, _json(diff), seen_at, now,
                                int(bool(latest) and not quiet), None, page_id)], outbox)
            counts[change] += 1
    return counts


_CHANGE_COLUMNS = ("run_id", "entity", "entity_key", "change", "diff", "observed_at", "detected_at", "notify",
                   "scope", "page_id")


def write_changes(db: Database, changes: list[tuple], outbox=None) -> None:
    """Append `changes` rows (tuples in _INSERT_CHANGE's order); call `outbox(db, rows)` with them.

    The caller holds the transaction, so whatever the outbox writes (the alerts' `deliveries`
    rows) commits or rolls back with the changes themselves: no alert without its change, and
    no change whose alert is lost. The store knows nothing of rules or channels.
    """
    if not changes:
        return
    if outbox is None or not any(values[7] for values in changes):  # a baseline alerts nothing
        # Staged as a batch's new rows are: a first crawl writes one "added" row per signature, and
        # most of each row (run, entity, detection time, scope) is the batch's (_insert_rows).
        _insert_rows(db.conn, "changes", _CHANGE_COLUMNS, changes)
        return
    rows = []
    for values in changes:  # one statement per row, to know each row's id
        row_id = db.conn.execute(_INSERT_CHANGE, values).lastrowid
        rows.append(dict(zip(("id",) + _CHANGE_COLUMNS, (row_id, *values), strict=True)))
    outbox(db, rows)


def _existing_rows(db: Database, entity: Entity, keys: list[str]) -> dict[str, tuple]:
    """key -> the stored row as a tuple of `entity.existing_columns` (positions _KEY... above)."""
    select = ", ".join(f"[{c}]" for c in entity.existing_columns)
    rows = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        cursor = db.conn.execute(
            f"select {select} from [{entity.table}] where key in ({', '.join('?' * len(chunk))})", chunk
        )
        rows.update({values[0]: values for values in cursor})
    return rows


def _diff(entity: Entity, old: tuple, new: tuple) -> dict:
    """{column: [old, new]} of the compared columns that differ (old and new in `compared` order)."""
    return {c: [o, n] for c, o, n in zip(entity.compared, old, new, strict=True) if o != n}


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _json(value) -> str:
    return _ENCODER.encode(value)


_ADDED_FORMS: dict[str, tuple] = {}  # entity name -> (a row's added values, their JSON with a %s for each)


def _added_json(entity: Entity, row: list) -> str:
    """_json({column: value}) of an added row's content columns but "text", built directly.

    An "added" change per row is most of a first crawl's JSON: the generic encoder costs a dict, a
    sort and a new encoder per call. Text, NULL and integers are written here exactly as the encoder
    writes them, into the row's text made once per entity with the names in the encoder's order
    (tests/store/test_entities.py checks); a row with any other value goes through the encoder.
    """
    form = _ADDED_FORMS.get(entity.name)
    if form is None:
        positions = entity.added_positions
        values_of = itemgetter(*positions) if len(positions) > 1 else lambda row: (row[positions[0]],)
        template = "{" + ", ".join(_encode_text(c).replace("%", "%%") + ": %s" for c in entity.added_names) + "}"
        form = _ADDED_FORMS[entity.name] = (values_of, template)
    values_of, template = form
    encoded = []
    for value in values_of(row):
        if value is None:
            encoded.append("null")
        elif value.__class__ is str:
            encoded.append(_encode_text(value))
        elif value.__class__ is int:
            encoded.append(int.__repr__(value))
        else:
            return _json(dict(zip(entity.added_names, values_of(row))))
    return template % tuple(encoded)


def known_keys(db: Database, entity: str, keys: list[str], *, scope: str | None = None,
               urls: list[str] | None = None) -> set[str]:
    """Which of these keys of `entity` the store holds (removed or not); `scope` counts only that
    list's rows, and `urls[i]` (where `keys[i]` was seen) makes a key known when its URL is stored."""
    table = ENTITIES[entity].table
    in_scope = " and scope = ?" if scope is not None else ""
    extra = [scope] if scope is not None else []
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found.update(key for key, in db.conn.execute(
            f"select key from [{table}] where key in ({', '.join('?' * len(chunk))}){in_scope}", chunk + extra))
    if urls:
        key_of = dict(zip(urls, keys))
        for start in range(0, len(urls), 500):
            chunk = urls[start:start + 500]
            found.update(key_of[url] for url, in db.conn.execute(
                f"select url from [{table}] where url in ({', '.join('?' * len(chunk))}){in_scope}",
                chunk + extra))
    return found
