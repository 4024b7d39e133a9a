"""Read-side queries: what changed, and what a list looked like on a given day."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlite_utils import Database

from store.clock import iso_utc, parse_moment


def end_of(moment: str) -> str:
    """The instant a user's date or timestamp ends: "2026-11-05" means up to the end of that day (UTC)."""
    parsed = parse_moment(moment)
    if len(moment.strip()) == 10:
        parsed += timedelta(days=1)
        return iso_utc(parsed - timedelta(seconds=1))
    return iso_utc(parsed)


def signatories(db: Database, instrument_key: str, *, as_of: str | None = None) -> list[dict]:
    """The signatories of an instrument, now or as the list stood at `as_of`, by actor name.

    "As it stood" is rebuilt from the `changes` log by capture time (observed_at): a signature
    counts from the capture that first showed it until the first healthy capture that no longer did.
    """
    if as_of is None:
        rows = db.query(
            """select s.key, a.name as actor, s.actor_name as name_as_published, coalesce(s.country, a.country) as country,
                      a.geonames_id, s.signed_on, s.network_member, s.first_seen_at, s.url, s.scope, s.actor_id
               from signatures s left join actors a on a.id = s.actor_id
               where s.instrument_key = ? and s.removed_at is null order by a.name, s.actor_name""",
            [instrument_key],
        )
        return merge_dated_evidence(list(rows), instrument_key, _evidence_scopes(db, instrument_key))
    until = end_of(as_of)
    state: dict[str, dict] = {}
    events = db.query(
        """select c.entity_key, c.change, c.diff, c.observed_at from changes c
           where c.entity = 'signature' and c.observed_at <= ?
             and c.entity_key in (select key from signatures where instrument_key = ?)
           order by c.observed_at, c.id""",
        [until, instrument_key],
    )
    for event in events:
        key, diff = event["entity_key"], json.loads(event["diff"] or "{}")
        if event["change"] == "added":
            state[key] = {"present": True, "first_seen_at": event["observed_at"], **diff}
        elif key in state:
            entry = state[key]
            if event["change"] == "removed":
                entry["present"] = False
            else:
                entry["present"] = True
                entry.update({field: values[1] for field, values in diff.items() if isinstance(values, list)})
    actors = {row["key"]: row for row in db.query(
        """select s.key, a.name as actor, a.country, a.geonames_id, s.url, s.scope, s.actor_id from signatures s
           left join actors a on a.id = s.actor_id where s.instrument_key = ?""",
        [instrument_key],
    )}
    result = []
    for key, entry in state.items():
        if not entry["present"]:
            continue
        actor = actors.get(key, {})
        result.append({
            "key": key, "actor": actor.get("actor"), "name_as_published": entry.get("actor_name"),
            "country": entry.get("country") or actor.get("country"), "geonames_id": actor.get("geonames_id"),
            "signed_on": entry.get("signed_on"), "network_member": entry.get("network_member"),
            "first_seen_at": entry["first_seen_at"], "url": actor.get("url"), "scope": actor.get("scope"),
            "actor_id": actor.get("actor_id"),
        })
    return merge_dated_evidence(sorted(result, key=lambda r: (r["actor"] or "", r["name_as_published"] or "")),
                                instrument_key, _evidence_scopes(db, instrument_key))


def _evidence_scopes(db: Database, instrument_key: str) -> set[str]:
    """The append-only scopes holding signatures of an instrument: evidence (a news post saying a
    city joined), not the list itself. A scope's kind is what its runs recorded (scope_runs.kind)."""
    return {scope for scope, in db.conn.execute(
        """select distinct sr.scope from scope_runs sr
           where sr.kind = 'append-only'
             and sr.scope in (select distinct scope from signatures where instrument_key = ?)""",
        [instrument_key])}


def merge_dated_evidence(rows: list[dict], instrument_key: str, evidence_scopes: set[str]) -> list[dict]:
    """One row per signatory: the instrument's own list, with signing dates other sources printed.

    An instrument's list lives in its roster scopes (the page that lists its signatories, whatever
    the scope is named). Append-only scopes (`evidence_scopes`) hold *evidence* about the same
    signatures, such as a news post saying a city joined on a date (c40_news). Both stay separate rows in `signatures`, so the
    researcher keeps "first seen on the list" (first_seen_at) and "signed per the news"
    (signed_on, signed_on_source). Here each listed actor gets the earliest date any evidence
    gives when its own row has none; actors only the evidence names follow with `listed` False.
    """
    listed = [dict(r, listed=True, signed_on_source=r["url"] if r.get("signed_on") else None)
              for r in rows if r.get("scope") not in evidence_scopes]
    evidence: dict = {}
    for row in rows:
        if row.get("scope") not in evidence_scopes:
            continue
        best = evidence.get(row.get("actor_id"))
        if best is None or (row.get("signed_on") or "9999") < (best.get("signed_on") or "9999"):
            evidence[row.get("actor_id")] = row
    for row in listed:
        found = evidence.pop(row.get("actor_id"), None)
        if found is not None and not row.get("signed_on") and found.get("signed_on"):
            row["signed_on"], row["signed_on_source"] = found["signed_on"], found["url"]
    others = [dict(r, listed=False, signed_on_source=r["url"] if r.get("signed_on") else None)
              for r in evidence.values()]
    return listed + sorted(others, key=lambda r: (r["actor"] or "", r["name_as_published"] or ""))


def changes(db: Database, *, since: str | None = None, include_quiet: bool = False,
            source: str | None = None, latest: int | None = None) -> list[dict]:
    """Changes detected since a date (by detection time), newest last; baseline rows only on
    request; `latest`: only the last so many."""
    where, params = [], []
    if since:
        where.append("c.detected_at >= ?")
        params.append(iso_utc(parse_moment(since)))
    if not include_quiet:
        where.append("c.notify = 1")
    if source:
        where.append("r.spider = ?")
        params.append(source)
    sql = f"""select c.id, c.detected_at, c.observed_at, c.entity, c.change, c.entity_key, c.diff, c.run_id,
                     r.spider as source, p.url as evidence_url,
                     coalesce(i.title, a.name, s.actor_name) as label,
                     si.title as instrument_title
              from changes c
              join crawl_runs r on r.id = c.run_id
              left join pages p on p.id = c.page_id
              left join instruments i on c.entity = 'instrument' and i.key = c.entity_key
              left join signatures s on c.entity = 'signature' and s.key = c.entity_key
              left join actors a on a.id = s.actor_id
              left join instruments si on si.key = s.instrument_key
              {"where " + " and ".join(where) if where else ""}
              order by c.id {"desc limit ?" if latest is not None else ""}"""
    if latest is not None:
        params.append(latest)
    rows = []
    for row in db.query(sql, params):
        row["diff"] = json.loads(row["diff"] or "{}")
        rows.append(row)
    return rows[::-1] if latest is not None else rows
