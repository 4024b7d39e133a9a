"""Resolve published names to actors: one city across networks, however a source spells it."""

from __future__ import annotations

from sqlite_utils import Database

from crawler.text import name_key
from store.places import resolve_place


class ActorResolver:
    """Maps (name as seen, source) to an actor id, creating actors and names as needed.

    A name the gazetteer knows joins its canonical actor (with country, kind and GeoNames id);
    an unknown name becomes its own actor with needs_review = 1. The first resolution of a
    spelling is stored in actor_names and wins afterwards, so an editor can re-point a name
    by updating that one row.
    """

    def __init__(self, db: Database, source: str, now: str):
        self.db, self.source, self.now = db, source, now
        self._cache: dict[tuple[str, str | None], int] = {}

    def actor_id(self, name: str, country: str | None = None) -> int:
        cached = self._cache.get((name, country))
        if cached is not None:
            return cached
        conn = self.db.conn
        row = conn.execute(
            "select actor_id from actor_names where name = ? and source = ?", (name, self.source)
        ).fetchone()
        if row:
            actor_id = row[0]
        else:
            actor_id = self._actor_for(name, country)
            conn.execute(
                "insert into actor_names (name, source, actor_id, first_seen_at) values (?, ?, ?, ?)",
                (name, self.source, actor_id, self.now),
            )
        self._cache[(name, country)] = actor_id
        return actor_id

    def _actor_for(self, name: str, country: str | None) -> int:
        place = resolve_place(name, country)
        if place:
            key = f"{place.key}|{place.country}"
            values = (place.name, place.country, place.kind, place.geonames_id, key, 0)
        else:
            key = f"{name_key(name)}|{(country or '').upper()}"
            values = (name, country.upper() if country else None, None, None, key, 1)
        conn = self.db.conn
        row = conn.execute("select id from actors where key = ?", (key,)).fetchone()
        if row:
            return row[0]
        cursor = conn.execute(
            "insert into actors (name, country, kind, geonames_id, key, needs_review) values (?, ?, ?, ?, ?, ?)",
            values,
        )
        return cursor.lastrowid
