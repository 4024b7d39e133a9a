"""Resolve published names to actors: one city across networks, however a source spells it."""

from __future__ import annotations

from typing import Protocol

from sqlite_utils import Database


class Places(Protocol):
    """What the resolver needs of a gazetteer (places.curated.Gazetteer is one): handed in, so the
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

    def __init__(self, db: Database, source: str, places: Places, now: str | None = None, *,
                 ref_scheme: str | None = None):
        self.db, self.source, self.places, self.now = db, source, places, now
        # With a scheme, a source's records find their actor by the source's own id or by their
        # signature key (see resolve), never by a name another place may share.
        self.ref_scheme = ref_scheme
        self.reload()

    def reload(self) -> None:
        """(Re)read the known names and actors; after a rolled-back batch the memory must forget it too."""
        db, source = self.db, self.source
        # Read once: a crawl meets the same few hundred names on every run.
        self._names: dict[str, int] = dict(db.conn.execute(
            "select name, actor_id from actor_names where source = ?", (source,)))
        # A reviewer's merge (actors.merged_into) holds for spellings met later too.
        self._actors: dict[str, int] = dict(db.conn.execute("select key, coalesce(merged_into, id) from actors"))
        self._refs: dict[str, int] | None = None  # read on first use: only sources with ids need it
        # The ref path writes in batches (flush): 15,000 authorities a run, three rows each.
        self._next_id = db.conn.execute("select coalesce(max(id), 0) + 1 from actors").fetchone()[0]
        self._pending: dict[str, list[tuple]] = {"actors": [], "actor_refs": [], "actor_names": []}

    def resolve(self, record: dict, seen_at: str | None = None) -> int:
        """The actor of an item record (a signature or membership).

        Without a ref scheme this is `actor_id(name, country)`. With one, the record's source id
        ("<scheme>:<id>") and its key ("<scheme>-name:<key>") are the actor's refs: the first
        that is known wins; otherwise the curated gazetteer, otherwise a new actor of its own.
        A name ref already bound to another source id is not followed: same name, other place.
        """
        if not self.ref_scheme:
            # Treaty rows name the kind of actor ("state"); other sources leave it to the gazetteer.
            return self.actor_id(record["actor_name"], record.get("country"), seen_at, record.get("actor_kind"))
        if self._refs is None:
            self._refs = dict(self.db.conn.execute("select ref, actor_id from actor_refs"))
            prefix = f"{self.ref_scheme}:"
            self._id_of = {actor: ref for ref, actor in self._refs.items() if ref.startswith(prefix)}
        source_id = record.get("source_id")
        id_ref = f"{self.ref_scheme}:{source_id}" if source_id else None
        name_ref = f"{self.ref_scheme}-name:{record['key']}"
        actor_id = self._refs.get(id_ref) if id_ref else None
        if actor_id is None:
            by_name = self._refs.get(name_ref)
            if by_name is not None and not (id_ref and self._id_of.get(by_name, id_ref) != id_ref):
                actor_id = by_name
        if actor_id is None:
            actor_id = self._new_or_curated(record, id_ref or name_ref)
        now = seen_at or self.now
        for ref in (id_ref, name_ref):
            if ref and ref not in self._refs:
                self._pending["actor_refs"].append((ref, actor_id, self.source, now))
                self._refs[ref] = actor_id
                if ref == id_ref:
                    self._id_of.setdefault(actor_id, ref)
        if record["actor_name"] not in self._names:  # the first spelling per source, as actor_id does
            self._pending["actor_names"].append((record["actor_name"], self.source, actor_id, now))
            self._names[record["actor_name"]] = actor_id
        return actor_id

    def _new_or_curated(self, record: dict, ref: str) -> int:
        name, country = record["actor_name"], record.get("country")
        if country and self.places.resolve(name, country):
            return self._actor_for(name, country)  # a curated city: one actor across networks
        if ref not in self._actors:  # the source's id, else its (name, country): this authority only
            self._actors[ref] = actor_id = self._next_id
            self._next_id += 1
            self._pending["actors"].append((actor_id, name, country.upper() if country else None, None, None, ref, 1))
        return self._actors[ref]

    def flush(self) -> None:
        """Write the actors, refs and spellings `resolve` created since the last flush."""
        pending, conn = self._pending, self.db.conn
        if pending["actors"]:
            conn.executemany("insert into actors (id, name, country, kind, geonames_id, key, needs_review) "
                             "values (?, ?, ?, ?, ?, ?, ?)", pending["actors"])
        if pending["actor_refs"]:
            conn.executemany("insert into actor_refs (ref, actor_id, source, first_seen_at) values (?, ?, ?, ?)",
                             pending["actor_refs"])
        if pending["actor_names"]:
            conn.executemany("insert or ignore into actor_names (name, source, actor_id, first_seen_at) "
                             "values (?, ?, ?, ?)", pending["actor_names"])
        for rows in pending.values():
            rows.clear()

    def actor_id(self, name: str, country: str | None = None, seen_at: str | None = None,
                 kind: str | None = None) -> int:
        actor_id = self._names.get(name)
        if actor_id is None:
            actor_id = self._actor_for(name, country, kind)
            self.db.conn.execute(
                "insert into actor_names (name, source, actor_id, first_seen_at) values (?, ?, ?, ?)",
                (name, self.source, actor_id, seen_at or self.now),
            )
            self._names[name] = actor_id
        return actor_id

    def _actor_for(self, name: str, country: str | None, kind: str | None = None) -> int:
        if kind in ("state", "organization"):
            # A state is not a place of the city gazetteer ("Monaco", "Singapore" are both): its
            # ISO code, given by the source, is its identity across spellings ("Turkey", "Türkiye").
            key = f"{kind}|{country.upper()}" if country else f"{kind}|{self.places.key(name)}"
            values = (name, country.upper() if country else None, kind, None, key, 0 if country else 1)
            return self._insert_actor(key, values)
        place = self.places.resolve(name, country)
        if place:
            key = f"{place.key}|{place.country}"
            values = (place.name, place.country, place.kind, place.geonames_id, key, 0)
        else:
            key = f"{self.places.key(name)}|{(country or '').upper()}"
            values = (name, country.upper() if country else None, None, None, key, 1)
        return self._insert_actor(key, values)

    def _insert_actor(self, key: str, values: tuple) -> int:
        if key not in self._actors:
            self.flush()  # ids handed out by the ref path must be in the table before SQLite picks one
            cursor = self.db.conn.execute(
                "insert into actors (name, country, kind, geonames_id, key, needs_review) values (?, ?, ?, ?, ?, ?)",
                values,
            )
            self._actors[key] = cursor.lastrowid
            self._next_id = max(self._next_id, cursor.lastrowid + 1)
        return self._actors[key]
