"""Which table holds each kind of item, and which of its fields count as a change."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from operator import itemgetter

# Whitespace of any kind collapsed before hashing a text, so re-wrapped lines are not a change.
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
# Value types SQLite stores as they are; a row made only of these (and no "") needs no conversion.
_STORED_AS_IS = frozenset({str, int, float, type(None)})
_STORED_AS_IS_OR_BOOL = _STORED_AS_IS | {bool}
# What _existing_rows reads of a stored row before its compared columns (see Entity.existing_columns).
TRACKING = ("key", "source", "removed_at", "first_seen_at", "last_seen_at")


def _collapsed(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Entity:
    name: str  # "signature": the word in changes.entity and in alert rules ("signature.added")
    table: str
    columns: tuple[str, ...]  # content columns copied from the item
    compared: tuple[str, ...]  # columns whose change is an "updated" change
    has_actor: bool = False
    # Derived once (the ingest reads them per row): see __post_init__.
    _get: itemgetter = field(init=False, repr=False, compare=False)
    compared_positions: tuple[int, ...] = field(init=False, repr=False, compare=False)
    added_positions: tuple[int, ...] = field(init=False, repr=False, compare=False)
    added_names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    hashes_text: bool = field(init=False, repr=False, compare=False)  # has a text_hash column to fill

    def __post_init__(self):
        # itemgetter returns a tuple only for two or more positions; the ingest reads stored rows as
        # TRACKING, actor_id, then compared, so none of those may be compared.
        if len(self.compared) < 2 or set(self.compared) & set(TRACKING + ("actor_id",)):
            raise ValueError(f"entity {self.name}: two or more compared columns, none of the tracking ones")
        set_ = object.__setattr__  # a frozen dataclass: derived fields are set once, here
        set_(self, "_get", itemgetter(*self.columns))
        set_(self, "hashes_text", "text_hash" in self.columns)
        set_(self, "compared_positions", tuple(self.columns.index(c) for c in self.compared))
        # An "added" change lists every content column but the full text, by name (as JSON sorts them).
        added = sorted(c for c in self.columns if c != "text")
        set_(self, "added_names", tuple(added))
        set_(self, "added_positions", tuple(self.columns.index(c) for c in added))

    @property
    def existing_columns(self) -> tuple[str, ...]:
        """What the ingest reads of a stored row: TRACKING, actor_id (if any), then `compared`."""
        return TRACKING + (("actor_id",) if self.has_actor else ()) + self.compared

    def values(self, record: dict) -> list:
        """The content columns of an item record, in `columns` order, in the types SQLite stores:
        a bool as 0/1, "" as NULL, a list or dict as its JSON text, and text_hash from the text."""
        try:
            values = self._get(record)
        except KeyError:  # a record without some optional field (tests, hand-made records)
            values = tuple(record.get(column) for column in self.columns)
        # The hot path of an ingest: set() and `in` run in C; most rows are plain text and numbers.
        kinds = set(map(type, values))
        if "" not in values and not self.hashes_text:
            if kinds <= _STORED_AS_IS:
                return list(values)
            if kinds <= _STORED_AS_IS_OR_BOOL:
                return [int(value) if value.__class__ is bool else value for value in values]
        row = []
        for value in values:
            kind = value.__class__
            if kind is bool:
                value = int(value)
            elif kind is str:
                value = value or None
            elif kind is list or kind is dict:
                value = json.dumps(value, ensure_ascii=False, sort_keys=True)
            row.append(value)
        if self.hashes_text:
            text = record.get("text")
            row[self.columns.index("text_hash")] = (
                hashlib.sha256(_collapsed(text).encode()).hexdigest() if text else None)
        return row

    def row(self, record: dict) -> dict:
        """The content columns of an item record by name, in the types SQLite stores."""
        return dict(zip(self.columns, self.values(record), strict=True))


ENTITIES: dict[str, Entity] = {
    entity.name: entity
    for entity in (
        Entity(
            "instrument",
            "instruments",
            columns=("title", "kind", "issuer", "adopted_on", "place", "event_key", "text", "text_hash"),
            compared=("title", "kind", "issuer", "adopted_on", "place", "event_key", "text_hash"),
        ),
        Entity(
            "signature",
            "signatures",
            columns=("instrument_key", "actor_name", "country", "signed_on", "role", "status",
                     "network_member", "commitments", "population", "source_id", "action", "action_on",
                     "as_printed", "withdrawal_notified_on", "withdrawal_effective_on",
                     "instrument_title", "instrument_issuer"),
            compared=("actor_name", "country", "signed_on", "role", "status", "network_member", "commitments",
                      "population", "source_id", "action", "action_on", "as_printed", "withdrawal_notified_on",
                      "withdrawal_effective_on"),
            has_actor=True,
        ),
        Entity(
            "membership",
            "memberships",
            columns=("network", "actor_name", "country", "category"),
            compared=("actor_name", "country", "category"),
            has_actor=True,
        ),
        Entity(
            "event",
            "events",
            columns=("title", "starts_on", "ends_on", "city", "country", "organiser", "series", "edition"),
            compared=("title", "starts_on", "ends_on", "city", "country", "organiser", "series", "edition"),
        ),
        Entity(
            "report",
            "reports",
            columns=("title", "kind", "actor_name", "country", "published", "published_precision", "reviews",
                     "document_url"),
            compared=("title", "kind", "actor_name", "country", "published", "published_precision", "reviews",
                      "document_url"),
            has_actor=True,
        ),
        Entity(
            "announcement",
            "announcements",
            columns=("title", "published_on", "summary", "tags"),
            compared=("title", "published_on", "summary", "tags"),
        ),
    )
}
