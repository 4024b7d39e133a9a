"""What a reviewer needs about each doubtful actor (`glocal actors review`): the places the
gazetteer thinks it might be, and the actors already in the store at those places (merge targets)."""

from __future__ import annotations

import json

from store.review import actors_at_places, doubtful


def review_candidates(db, gazetteer) -> list[dict]:
    """The actors marked for review (store.review.doubtful's rows), each with `candidates` (the
    gazetteer's place labels for its name and country) and `existing_actors` ("ID (name, country)")."""
    rows = doubtful(db)
    for row in rows:
        candidates = gazetteer.candidates(row["name"], row["country"])
        # The resolver's own candidates, ranked with the source's context (its coordinates), first.
        stored = json.loads(row.pop("review_candidates", None) or "[]")
        row["candidates"] = stored or [place.label() for place in candidates]
        ids = [place.geonames_id for place in candidates if place.geonames_id]
        row["existing_actors"] = [f"{r['id']} ({r['name']}, {r['country']})"
                                  for r in actors_at_places(db, ids, other_than=row["id"])]
    return rows
