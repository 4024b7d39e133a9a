"""What a change is about, in the words a message needs: who, what, where, when, and the evidence.

The rows come from store/facts.py (one query per entity kind over the changes given); used by
the outbox (to match rules and build dedupe keys, inside the crawl's transaction) and by the
renderer (to write the message).
"""

from __future__ import annotations

import json

from store.facts import change_rows
from store.signings import best_dates


def facts(db, changes: list[dict]) -> list[dict]:
    """One dict per change (same order): the change's own columns, `kind`, `source`, the entity's
    fields (instrument, actor, country, dates, url) and the evidence page (page_url, fetched_at)."""
    found = change_rows(db, changes)
    # A signing's date is the signing's, not one row's: the list's own date, else the earliest a
    # source printed (a news post), with that source (store/signings.py, the signings view).
    pairs = [(row["instrument_key"], row["actor_id"]) for row in found.values()
             if row.get("entity") == "signature" and row.get("instrument_key") and row.get("actor_id") is not None]
    best = best_dates(db, pairs) if pairs else {}
    result = []
    for change in changes:
        row = dict(found.get(change["id"], change))
        row["diff"] = row["diff"] if isinstance(row.get("diff"), dict) else json.loads(row.get("diff") or "{}")
        row["kind"] = f"{row['entity']}.{row['change']}"
        row["source"] = row.get("source") or row.get("run_spider") or (
            row["entity_key"] if row["entity"] == "health" else None)
        for name in ("title", "actor_name", "country", "signed_on", "published_on", "starts_on"):
            if row.get(name) is None and name in row["diff"] and not isinstance(row["diff"][name], list):
                row[name] = row["diff"][name]  # the record as the change saw it, if the row moved on
        dated = best.get((row.get("instrument_key"), row.get("actor_id"))) if row["entity"] == "signature" else None
        if dated and dated["signed_on"]:
            row["signed_on"] = dated["signed_on"]
            row["signed_on_source"], row["signed_on_url"] = dated["signed_on_source"], dated["signed_on_url"]
        result.append(row)
    return result
