"""Resolve published names to actors: one city across networks, however a source spells it."""

from __future__ import annotations

from typing import Protocol

from sqlite_utils import Database


class Places(Protocol):
    """What the resolver needs of a gazetteer (crawler.places.Gazetteer is one): handed in, so the
    store imports nothing of the crawler."""

    def resolve(self, name: str, country: str | None = None): ...  # -> a place with name, country, kind, geonames_id, key

    def key(self, name: str) -> str: ...


class ActorResolver:
    """Maps (name as seen, source) to an actor id, creating actors and names as needed.

    A name the gazetteer knows joins its canonical actor (with country, kind and GeoNames id);
    an unknown name becomes its own actor with needs_review = 1. The first resolution of a
    spelling is stored in actor_names and wins afterwards, so an editor can re-point a name
    by updating that one row, and a later edit of the gazetteer never moves a stored name.
    """

    def __init__(self, db: Database, source: str, places: Places, now: str | None = None):
        self.db, self.source, self.places, self.now = db, source, places, now
        self.reload()

    def reload(self) -> None:
        """(Re)read the known names and actors; after a rolled-back batch the memory must forget it too."""
        db, source = self.db, self.source
        # Read once: a crawl meets the same few hundred names on every run.
        self._names: dict[str, int] = dict(db.conn.execute(
            "select name, actor_id from actor_names where source = ?", (source,)))
        # A reviewer's merge (actors.merged_into) holds for spellings met later too.
        self._actors: dict[str, int] = dict(db.conn.execute("select key, coalesce(merged_into, id) from actors"))

    def actor_id(self, name: str, country: str | None = None, seen_at: str | None = None) -> int:
        actor_id = self._names.get(name)
        if actor_id is None:
            actor_id = self._actor_for(name, country)
            self.db.conn.execute(
                "insert into actor_names (name, source, actor_id, first_seen_at) values (?, ?, ?, ?)",
                (name, self.source, actor_id, seen_at or self.now),
            )
            self._names[name] = actor_id
        return actor_id

    def _actor_for(self, name: str, country: str | None) -> int:
        place = self.places.resolve(name, country)
        if place:
            key = f"{place.key}|{place.country}"
            values = (place.name, place.country, place.kind, place.geonames_id, key, 0)
        else:
            key = f"{self.places.key(name)}|{(country or '').upper()}"
            values = (name, country.upper() if country else None, None, None, key, 1)
        if key not in self._actors:
            cursor = self.db.conn.execute(
                "insert into actors (name, country, kind, geonames_id, key, needs_review) values (?, ?, ?, ?, ?, ?)",
                values,
            )
            self._actors[key] = cursor.lastrowid
        return self._actors[key]
