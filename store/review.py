"""A reviewer's decisions about actors: merge two that are one place, split a spelling off one
that is two. Each decision is a row of `actor_decisions`; the rows it moved keep pointing where
the reviewer put them, and the resolver follows `actors.merged_into`, so re-crawls keep them."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlite_utils import Database

from store.queries import QueryError


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _actor(db: Database, actor_id: int) -> dict:
    rows = list(db.query("select * from actors where id = ?", [actor_id]))
    if not rows:
        raise QueryError(f"unknown actor {actor_id} (see: glocal actors list)")
    return rows[0]


def doubtful(db: Database) -> list[dict]:
    """Actors marked for review and not yet merged away, with the spellings and sources that named them,
    and what the reviewer's offer is computed from when owed (offer_at_read, the source's point)."""
    rows = db.query(
        """select a.id, a.name, a.country, a.key, a.review_reason, a.review_candidates,
                  a.offer_at_read, a.source_latitude, a.source_longitude,
                  (select group_concat(n.name || ' [' || n.source || ']', '; ') from actor_names n
                    where n.actor_id = a.id) as seen_as,
                  (select count(*) from signatures s where s.actor_id = a.id) as signatures,
                  (select count(*) from memberships m where m.actor_id = a.id) as memberships
           from actors a where a.needs_review = 1 and a.merged_into is null
           order by a.name, a.id"""
    )
    return list(rows)


def actors_with_spellings(db: Database, text: str | None = None) -> list[dict]:
    """Every actor (merged ones too) whose name contains `text` (all when None), by name, with its
    spellings joined by "; " (`glocal actors list`)."""
    sql = """select a.id, a.name, a.country, a.kind, a.geonames_id, a.needs_review, a.merged_into,
                    (select group_concat(name, '; ') from actor_names n where n.actor_id = a.id) as spellings
             from actors a where (? is null or lower(a.name) like '%' || lower(?) || '%') order by a.name, a.id"""
    return list(db.query(sql, [text, text]))


def actors_at_places(db: Database, geonames_ids: list[int], *, other_than: int) -> list[dict]:
    """The actors, not merged away and other than actor `other_than`, placed at one of these
    GeoNames ids: where a doubtful name might be merged (id, name, country)."""
    if not geonames_ids:
        return []
    # `+merged_into`: the planner would otherwise search idx_actors_merged_into for null, which
    # nearly every actor is (a scan of the store's actors for each doubtful one: `glocal actors
    # review` grew with the square of the actors), instead of the geonames_id index.
    return list(db.query(
        f"""select id, name, country from actors where +merged_into is null and id != ?
            and geonames_id in ({', '.join('?' * len(geonames_ids))})""", [other_than, *geonames_ids]))


def merge(db: Database, merged: int, kept: int, *, note: str | None = None, now: str | None = None) -> dict:
    """Make actor `merged` part of actor `kept`: its names, signatures and memberships move.

    Refuses (QueryError, nothing changed) an actor merged into itself, into an actor already
    merged away, or an actor that was already merged.
    """
    if merged == kept:
        raise QueryError(f"cannot merge actor {merged} into itself")
    source, target = _actor(db, merged), _actor(db, kept)
    if target["merged_into"] is not None:
        if target["merged_into"] == merged:
            raise QueryError(f"merging {merged} into {kept} would create a cycle: {kept} is already merged into {merged}")
        raise QueryError(f"actor {kept} is itself merged into {target['merged_into']}; merge into that one")
    if source["merged_into"] is not None:
        raise QueryError(f"actor {merged} is already merged into {source['merged_into']}")
    with db.atomic():
        moved = 0
        for table in ("actor_names", "signatures", "memberships"):
            moved += db.execute(f"update [{table}] set actor_id = ? where actor_id = ?", [kept, merged]).rowcount
        db.execute("update actors set merged_into = ? where id = ? or merged_into = ?", [kept, merged, merged])
        db.execute("update actors set needs_review = 0 where id = ?", [merged])
        decision = db.execute(
            """insert into actor_decisions (decision, actor_id, other_actor_id, moved, decided_at, note)
               values ('merge', ?, ?, ?, ?, ?)""", [merged, kept, moved, now or _now(), note]).lastrowid
    return {"decision_id": decision, "merged": merged, "kept": kept, "moved": moved, "kept_name": target["name"]}


def split(db: Database, actor: int, name: str, *, source: str | None = None, note: str | None = None,
          now: str | None = None) -> dict:
    """Move spelling `name` (of one source, or of all) off `actor` to an actor of its own.

    The new actor is keyed by the spelling and marked for review; the signatures and memberships
    published under that spelling follow it. Undoes a wrong merge, or separates two places that
    share a name.
    """
    row = _actor(db, actor)
    where, params = "actor_id = ? and name = ?", [actor, name]
    if source:
        where += " and source = ?"
        params.append(source)
    names = db.execute(f"select count(*) from actor_names where {where}", params).fetchone()[0]
    if not names:
        scope = f" from source {source}" if source else ""
        raise QueryError(f"actor {actor} ({row['name']}) has no spelling {name!r}{scope} to split off")
    if db.execute("select count(*) from actor_names where actor_id = ?", [actor]).fetchone()[0] == names:
        raise QueryError(f"{name!r} is the only spelling of actor {actor}: nothing would be left to split from")
    with db.atomic():
        key = f"{name.strip().casefold()}|{(row['country'] or '')}|split-{actor}"
        existing = db.execute("select id from actors where key = ?", [key]).fetchone()
        new_id = existing[0] if existing else db.execute(
            "insert into actors (name, country, kind, key, needs_review) values (?, ?, ?, ?, 1)",
            [name, row["country"], row["kind"], key]).lastrowid
        moved = db.execute(f"update actor_names set actor_id = ? where {where}", [new_id, *params]).rowcount
        for table in ("signatures", "memberships"):
            sql = f"update [{table}] set actor_id = ? where actor_id = ? and actor_name = ?"
            args = [new_id, actor, name]
            if source:
                sql += " and source = ?"
                args.append(source)
            moved += db.execute(sql, args).rowcount
        decision = db.execute(
            """insert into actor_decisions (decision, actor_id, other_actor_id, name, source, moved, decided_at, note)
               values ('split', ?, ?, ?, ?, ?, ?, ?)""",
            [actor, new_id, name, source, moved, now or _now(), note]).lastrowid
    return {"decision_id": decision, "actor": actor, "new_actor": new_id, "moved": moved}
