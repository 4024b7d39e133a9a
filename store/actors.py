"""Resolve published names to actors: one city across networks, however a source spells it."""

from __future__ import annotations

import json
from typing import Protocol

from sqlite_utils import Database

# Kinds of place that are an authority of their own beside the city of their name (a metropolitan
# body, a county, a district, a rayon) or a group of towns: never merged into the city.
LINKED_KINDS = frozenset({"metropolitan", "county", "district", "rayon"})
GROUP = "group"


class Places(Protocol):
    """What the resolver needs of a gazetteer (places.gazetteer.Gazetteer is one): handed in, so the
    store imports nothing of the project.

    `decision` or else `lookup` (both optional) answers with the context a source gives
    (coordinates) and says why a name was left to review: an object with `place`, `reason` and
    `candidates` (places with `label()`), and from `decision` `to_offer` (true when the reviewer's
    candidates are left to be offered when the review queue is read: research/actor_review.py).
    A place has name, country, kind, geonames_id, key; optionally ref (another data set's id of a
    town GeoNames lacks, kept in actors.place_ref), lat, lon, seat (the city an
    authority belongs to) and members (a group's towns)."""

    def resolve(self, name: str, country: str | None = None): ...

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
        self._geonames: dict | None = None  # (GeoNames id or place ref, kind) -> actor, read on first use
        self._geonames_of: dict[str, int | str] = {}  # actor key -> the GeoNames id (or place ref) it holds
        # The ref path writes in batches (flush): 15,000 authorities a run, three rows each.
        self._next_id = db.conn.execute("select coalesce(max(id), 0) + 1 from actors").fetchone()[0]
        self._pending: dict[str, list[tuple]] = {"actors": [], "actor_refs": [], "actor_names": []}

    def known_names(self) -> dict[str, int] | None:
        """Spelling -> actor of every name this source met (read-only), for a caller that resolves
        many records: a name met before is `resolve`'s answer without the call. None when `resolve`
        does not go by the name first (a ref scheme). `reload` replaces the mapping."""
        return None if self.ref_scheme else self._names

    def resolve(self, record: dict, seen_at: str | None = None) -> int:
        """The actor of an item record (a signature or membership).

        Without a ref scheme this is `actor_id(name, country)`. With one, the record's source id
        ("<scheme>:<id>") and its key ("<scheme>-name:<key>") are the actor's refs: the first
        that is known wins; otherwise the curated gazetteer, otherwise a new actor of its own.
        A name ref already bound to another source id is not followed: same name, other place.
        """
        if not self.ref_scheme:
            # Treaty rows name the kind of actor ("state"); other sources leave it to the gazetteer.
            return self.actor_id(record["actor_name"], record.get("country"), seen_at, record.get("actor_kind"),
                                 point=(record.get("latitude"), record.get("longitude")))
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
        point = (record.get("latitude"), record.get("longitude"))
        place, review = self._lookup(name, country, point) if country else (None, _Review(None, (), (None, None), 0))
        if place is not None:
            return self._actor_of_place(place)  # a known place: one actor across networks
        if ref not in self._actors:  # the source's id, else its (name, country): this authority only
            self._actors[ref] = actor_id = self._next_id
            self._next_id += 1
            self._pending["actors"].append((actor_id, name, country.upper() if country else None, None, None, ref, 1,
                                            None, None, None, *review.columns()))
        return self._actors[ref]

    def _lookup(self, name: str, country: str | None, point=(None, None)):
        """(place or None, _Review) from the places resolver, with the source's point. Only the
        decision is asked for: a reviewer's candidates for a name of nothing the decision met are
        offered when the review queue is read, from the source's point kept with the actor."""
        lookup = getattr(self.places, "decision", None) or getattr(self.places, "lookup", None)
        if lookup is None:
            return self.places.resolve(name, country), _Review(None, (), (None, None), 0)
        lat, lon = point if point else (None, None)
        resolution = lookup(name, country, lat, lon) if lat is not None else lookup(name, country)
        if resolution.place is not None:
            return resolution.place, None
        return None, _Review(getattr(resolution, "reason", None), tuple(resolution.candidates or ()),
                             (_number(lat), _number(lon)), 1 if getattr(resolution, "to_offer", False) else 0)

    def flush(self) -> None:
        """Write the actors, refs and spellings `resolve` created since the last flush."""
        pending, conn = self._pending, self.db.conn
        if pending["actors"]:
            conn.executemany("insert into actors (id, name, country, kind, geonames_id, key, needs_review, latitude, "
                             "longitude, part_of, review_reason, review_candidates, source_latitude, "
                             "source_longitude, offer_at_read) "
                             "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", pending["actors"])
        if pending["actor_refs"]:
            conn.executemany("insert into actor_refs (ref, actor_id, source, first_seen_at) values (?, ?, ?, ?)",
                             pending["actor_refs"])
        if pending["actor_names"]:
            conn.executemany("insert or ignore into actor_names (name, source, actor_id, first_seen_at) "
                             "values (?, ?, ?, ?)", pending["actor_names"])
        for rows in pending.values():
            rows.clear()

    def actor_id(self, name: str, country: str | None = None, seen_at: str | None = None,
                 kind: str | None = None, point=(None, None)) -> int:
        actor_id = self._names.get(name)
        if actor_id is None:
            actor_id = self._actor_for(name, country, kind, point)
            self.db.conn.execute(
                "insert into actor_names (name, source, actor_id, first_seen_at) values (?, ?, ?, ?)",
                (name, self.source, actor_id, seen_at or self.now),
            )
            self._names[name] = actor_id
        return actor_id

    def _actor_for(self, name: str, country: str | None, kind: str | None = None, point=(None, None)) -> int:
        if kind in ("state", "organization"):
            # A state is not a place of the city gazetteer ("Monaco", "Singapore" are both): its
            # ISO code, given by the source, is its identity across spellings ("Turkey", "Türkiye").
            key = f"{kind}|{country.upper()}" if country else f"{kind}|{self.places.key(name)}"
            values = (name, country.upper() if country else None, kind, None, key, 0 if country else 1)
            return self._insert_actor(key, values)
        place, review = self._lookup(name, country, point)
        if place:
            return self._actor_of_place(place)
        key = f"{self.places.key(name)}|{(country or '').upper()}"
        values = (name, country.upper() if country else None, None, None, key, 1)
        return self._insert_actor(key, values, review=review)

    def _actor_of_place(self, place) -> int:
        """The actor of a resolved place: a town, a region or a state; an authority of its own kind
        linked to its seat city; a group with its member towns. Two places of one name and country
        (two Ostrov in CZ) are two actors: the second key carries its GeoNames id."""
        kind = place.kind
        seat = getattr(place, "seat", None)
        members = getattr(place, "members", ()) or ()
        point = (getattr(place, "lat", None), getattr(place, "lon", None))
        if kind == GROUP:
            key = f"group|{place.key}|{place.country}"
            if key in self._actors:
                return self._actors[key]
            member_ids = [self._actor_of_place(member) for member in members]
            actor_id = self._insert_actor(key, (place.name, place.country, kind, None, key, 0), point=point)
            self.db.conn.executemany("insert or ignore into actor_members (group_id, member_id) values (?, ?)",
                                     [(actor_id, member) for member in member_ids])
            return actor_id
        if kind in LINKED_KINDS:
            key = f"{place.key}|{place.country}|{kind}"
            if key in self._actors:
                return self._actors[key]
            part_of = self._actor_of_place(seat) if seat is not None else None
            return self._insert_actor(key, (place.name, place.country, kind, place.geonames_id, key, 0),
                                      point=point, part_of=part_of)
        key = f"{place.key}|{place.country}"
        # GeoNames' id, or another data set's ref ("csc:31941") for a town GeoNames lacks.
        identity = place.geonames_id if place.geonames_id is not None else getattr(place, "ref", None)
        if identity is not None:
            known = self._by_geonames().get((identity, kind))
            if known is not None:
                return known
            holder = self._geonames_of.get(key)
            if key in self._actors and holder is not None and holder != identity:
                key = f"{key}|{identity}"  # a namesake of the place that holds the plain key
        actor_id = self._insert_actor(key, (place.name, place.country, kind, place.geonames_id, key, 0), point=point,
                                      place_ref=getattr(place, "ref", None))
        if identity is not None:
            self._by_geonames()[(identity, kind)] = actor_id
            self._geonames_of.setdefault(key, identity)
        return actor_id

    def _by_geonames(self) -> dict:
        """(GeoNames id or data-set ref, kind) -> actor; fills `_geonames_of` (key -> that identity)."""
        if self._geonames is None:
            self._geonames, self._geonames_of = {}, {}
            for actor, geonames_id, ref, kind, key in self.db.conn.execute(
                    "select coalesce(merged_into, id), geonames_id, place_ref, kind, key from actors "
                    "where geonames_id is not null or place_ref is not null"):
                identity = geonames_id if geonames_id is not None else ref
                self._geonames.setdefault((identity, kind), actor)
                self._geonames_of.setdefault(key, identity)
        return self._geonames

    def _insert_actor(self, key: str, values: tuple, *, point=(None, None), part_of: int | None = None,
                      review: "_Review | None" = None, place_ref: str | None = None) -> int:
        if key not in self._actors:
            self.flush()  # ids handed out by the ref path must be in the table before SQLite picks one
            cursor = self.db.conn.execute(
                "insert into actors (name, country, kind, geonames_id, key, needs_review, latitude, longitude, part_of, "
                "review_reason, review_candidates, source_latitude, source_longitude, offer_at_read, place_ref) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, point[0], point[1], part_of, *(review.columns() if review else (None, None, None, None, 0)),
                 place_ref),
            )
            self._actors[key] = cursor.lastrowid
            self._next_id = max(self._next_id, cursor.lastrowid + 1)
        return self._actors[key]


class _Review:
    """Why a name was left to review, the candidates the decision met, the source's point (what
    the reviewer's offer is computed from at read) and whether that offer is owed (offer_at_read)."""

    __slots__ = ("reason", "candidates", "point", "offer_at_read")

    def __init__(self, reason: str | None, candidates: tuple, point: tuple, offer_at_read: int):
        self.reason, self.candidates, self.point, self.offer_at_read = reason, candidates, point, offer_at_read

    def columns(self) -> tuple:
        """review_reason, review_candidates, source_latitude, source_longitude, offer_at_read."""
        return (self.reason or "not a known place", _labels(self.candidates), *self.point, self.offer_at_read)


def _number(value) -> float | None:
    """A coordinate the source gave, as a number (None when it is none: the resolver ignores it then too)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _labels(candidates) -> str | None:
    """The candidates a reviewer sees, best first, as JSON one-line labels (None when there are none)."""
    labels = [place.label() if hasattr(place, "label") else str(place) for place in candidates or ()][:5]
    return json.dumps(labels, ensure_ascii=False) if labels else None
