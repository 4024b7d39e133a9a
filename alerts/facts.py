"""What a change is about, in the words a message needs: who, what, where, when, and the evidence.

The rows come from store/facts.py (one query per entity kind over the changes given); used by
the outbox (to match rules and build dedupe keys, inside the crawl's transaction) and by the
renderer (to write the message).
"""

from __future__ import annotations

import json

from store.facts import change_rows


def facts(db, changes: list[dict]) -> list[dict]:
    """One dict per change (same order): the change's own columns, `kind`, `source`, the entity's
    fields (instrument, actor, country, dates, url) and the evidence page (page_url, fetched_at)."""
    found = change_rows(db, changes)
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
        result.append(row)
    return result
