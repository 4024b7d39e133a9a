"""What a reviewer needs about each doubtful actor (`glocal actors review`): the places the
gazetteer thinks it might be, and the actors already in the store at those places (merge targets)."""

from __future__ import annotations

import json

from store.review import actors_at_places, doubtful

CANDIDATES_SHOWN = 5  # as many as ingest stores in actors.review_candidates


def review_candidates(db, gazetteer) -> list[dict]:
    """The actors marked for review (store.review.doubtful's rows), each with `candidates` (the
    gazetteer's place labels for its name and country), `review_reason` (why, whole) and
    `existing_actors` ("ID (name, country)").

    An actor marked offer_at_read has its candidates offered now (places.resolver.offer through
    `gazetteer.offered`), from its name, country and the point its source gave, and its reason gains
    the clause saying which list they are: what ingest computed before issue 24, with the gazetteer
    of today."""
    rows = doubtful(db)
    for row in rows:
        candidates = gazetteer.candidates(row["name"], row["country"])
        # The resolver's own candidates, ranked with the source's context (its coordinates), first.
        stored = json.loads(row.pop("review_candidates", None) or "[]")
        point = (row.pop("source_latitude", None), row.pop("source_longitude", None))
        if row.pop("offer_at_read", 0) and not stored:
            offered, clause = gazetteer.offered(row["name"], row["country"], *point)
            stored = [place.label() for place in offered][:CANDIDATES_SHOWN]
            row["review_reason"] = (row["review_reason"] or "") + clause
        row["candidates"] = stored or [place.label() for place in candidates]
        ids = [place.geonames_id for place in candidates if place.geonames_id]
        row["existing_actors"] = [f"{r['id']} ({r['name']}, {r['country']})"
                                  for r in actors_at_places(db, ids, other_than=row["id"])]
    return rows
