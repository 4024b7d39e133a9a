"""Which table holds each kind of item, and which of its fields count as a change."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass



# Whitespace of any kind collapsed before hashing a text, so re-wrapped lines are not a change.
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def _collapsed(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Entity:
    name: str  # "signature": the word in changes.entity and in alert rules ("signature.added")
    table: str
    columns: tuple[str, ...]  # content columns copied from the item
    compared: tuple[str, ...]  # columns whose change is an "updated" change
    has_actor: bool = False

    def row(self, record: dict) -> dict:
        """The content columns of an item record, in the types SQLite stores."""
        row = {}
        for column in self.columns:  # the hot path of an ingest: plain type tests, no isinstance chain
            value = record.get(column)
            kind = value.__class__
            if kind is bool:
                value = int(value)
            elif kind is str:
                value = value or None
            elif kind is list or kind is dict:
                value = json.dumps(value, ensure_ascii=False, sort_keys=True)
            row[column] = value
        if "text_hash" in row:
            text = record.get("text")
            row["text_hash"] = hashlib.sha256(_collapsed(text).encode()).hexdigest() if text else None
        return row


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
                     "as_printed", "withdrawal_notified_on", "withdrawal_effective_on"),
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
            "announcement",
            "announcements",
            columns=("title", "published_on", "summary", "tags"),
            compared=("title", "published_on", "summary", "tags"),
        ),
    )
}
