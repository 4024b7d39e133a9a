"""Signings: one actor x one instrument, read from the rows that report it (its evidence).

The rules live in the `signings` view (store/migrations.py, m104) and are stated in
docs/schema.md: a signing is on the list when a row of the instrument's own list (a roster
scope) still shows it; named by news only when no list row exists; its date is the list's own
date, else the earliest date any evidence printed, with that evidence. Every count a command
prints is a count of signings, never of rows. This module adds what a view cannot hold: the
list as it stood at a moment (from the change log, or for a treaty from the dates the UN
printed), the per-instrument summary with the counts the sites stated, and lookups.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from store.queries import instrument_key

# What `glocal signatories` and its JSON show of one signing, in this order.
SIGNING_COLUMNS = (
    "instrument_key", "instrument_title", "actor_id", "actor", "country", "geonames_id", "name_as_published",
    "on_list", "standing", "current", "signed_on", "signed_on_from", "signed_on_source", "signed_on_url",
    "first_seen_at", "listed_since", "removed_at", "status", "action", "action_on", "withdrawal_notified_on",
    "withdrawal_effective_on", "as_printed", "role", "network_member", "evidence_rows", "sources",
)
TREATY_STATUSES = ("party", "signatory", "withdrawn")


def find_instrument(db: Database, text: str) -> dict:
    """The instrument a user means (its record in `instrument_records`): its key, the end of its key
    ("clean-air-cities") or words of its title, an instrument only news names included, by the very
    SQL the named queries resolve it with. QueryError (one line) for none or several."""
    key = instrument_key(db, text)
    return next(iter(db.query("select * from instrument_records where key = ?", [key])))


def signings(db: Database, instrument_key: str, *, include_removed: bool = False) -> list[dict]:
    """The instrument's signings now: on the list first, then those named only by news; by actor."""
    rows = db.query(
        f"""select {', '.join(SIGNING_COLUMNS)} from signings where instrument_key = ?
            {'' if include_removed else 'and current = 1'}
            order by on_list desc, standing, actor, name_as_published""", [instrument_key])
    return [_with_treaty_standing(row) for row in rows]


def signings_as_of(db: Database, instrument_key: str, until: str, *, treaty: bool = False) -> list[dict]:
    """The instrument's signings as they stood at `until` (an ISO UTC instant).

    For a list we crawled, "as it stood" is rebuilt from the change log by capture time: an
    evidence row counts from the capture that first showed it until the first healthy capture
    that no longer did; the rows standing then are grouped into signings by the view's rules.
    For a treaty the UN's own dates decide (a state is a signatory from its signature, a party
    from its act, and withdrawn from the day its withdrawal took effect), over the list as last
    crawled, so Canada is a party to Kyoto at the end of 2011 and withdrawn from 2012-12-15.
    """
    if treaty:
        return _treaty_as_of(db, instrument_key, until[:10])
    present: dict[str, dict] = {}
    for event in db.query(
            """select c.entity_key, c.change, c.diff, c.observed_at from changes c
               where c.entity = 'signature' and c.observed_at <= ?
                 and c.entity_key in (select key from signatures where instrument_key = ?)
               order by c.observed_at, c.id""", [until, instrument_key]):
        key, diff = event["entity_key"], json.loads(event["diff"] or "{}")
        if event["change"] == "added":
            present[key] = {"present": True, "first_seen_at": event["observed_at"], **diff}
        elif key in present:
            entry = present[key]
            entry["present"] = event["change"] != "removed"
            if event["change"] != "removed":
                entry.update({field: values[1] for field, values in diff.items() if isinstance(values, list)})
    evidence = {row["key"]: row for row in db.query(
        """select e.key, e.actor_id, e.evidence, e.source, e.url, a.name as actor, a.country as actor_country,
                  a.geonames_id
           from signing_evidence e left join actors a on a.id = e.actor_id where e.instrument_key = ?""",
        [instrument_key])}
    title = instrument_title(db, instrument_key)
    grouped: dict[int, list[tuple[dict, dict]]] = {}
    for key, entry in present.items():  # every row seen by then, standing or not
        if key in evidence:
            grouped.setdefault(evidence[key]["actor_id"], []).append((evidence[key], entry))
    result = []
    for actor_id, seen in grouped.items():
        rows = [(row, entry) for row, entry in seen if entry["present"]]
        listed = [(row, entry) for row, entry in rows if row["evidence"] == "list"]
        if not rows or (not listed and any(row["evidence"] == "list" for row, _entry in seen)):
            continue  # gone from the list by then (news of the signing does not bring it back)
        chosen = listed or rows
        dated = sorted(((entry.get("signed_on"), row["evidence"] != "list", row["source"], row["url"])
                        for row, entry in (listed if any(e.get("signed_on") for _r, e in listed) else rows)
                        if entry.get("signed_on")))
        row, entry = chosen[0]
        best = dated[0] if dated else (None, None, None, None)
        result.append(_with_treaty_standing({
            "instrument_key": instrument_key, "instrument_title": title, "actor_id": actor_id,
            "actor": row["actor"], "country": entry.get("country") or row["actor_country"],
            "geonames_id": row["geonames_id"], "name_as_published": entry.get("actor_name"),
            "on_list": int(bool(listed)), "standing": "listed" if listed else "news only", "current": 1,
            "signed_on": best[0], "signed_on_from": None if best[0] is None else ("news" if best[1] else "list"),
            "signed_on_source": best[2], "signed_on_url": best[3],
            "first_seen_at": min(e["first_seen_at"] for _r, e in rows),
            "listed_since": min((e["first_seen_at"] for _r, e in listed), default=None), "removed_at": None,
            **{name: entry.get(name) for name in ("status", "action", "action_on", "withdrawal_notified_on",
                                                  "withdrawal_effective_on", "as_printed", "role", "network_member")},
            "evidence_rows": len(rows), "sources": ",".join(sorted({r["source"] for r, _e in rows})),
        }))
    return sorted(result, key=lambda r: (-r["on_list"], r["standing"], r["actor"] or "", r["name_as_published"] or ""))


def _treaty_as_of(db: Database, instrument_key: str, day: str) -> list[dict]:
    rows = []
    for row in signings(db, instrument_key, include_removed=True):
        if row["standing"] == "removed" and (row["removed_at"] or "") <= day:
            continue
        signed, acted, left = row["signed_on"], row["action_on"], row["withdrawal_effective_on"]
        if row["status"] == "withdrawn" and left and left <= day:
            status = "withdrawn"
        elif acted and acted <= day:
            status = "party"
        elif signed and signed <= day:
            status = "signatory"
        else:
            continue  # not yet a participant on that day
        rows.append(_with_treaty_standing(dict(row, status=status, current=1)))
    return rows


def _with_treaty_standing(row: dict) -> dict:
    """A treaty participant's standing in words, with its dates ("withdrawn (ratification
    2002-12-17; withdrawal notified 2011-12-15, effective 2012-12-15)"); None for other signings."""
    row = dict(row)
    status = row.get("status")
    if status not in TREATY_STATUSES:
        row["treaty_standing"] = None
        return row
    if status == "party":
        words = f"party ({row['action'] or 'act'} {row['action_on'] or 'date not printed'})"
    elif status == "signatory":
        words = f"signatory only (signed {row['signed_on'] or 'date not printed'}, not bound)"
    else:
        dates = [f"{row['action']} {row['action_on']}" if row.get("action_on") else None,
                 f"withdrawal notified {row['withdrawal_notified_on']}" if row.get("withdrawal_notified_on") else None,
                 f"effective {row['withdrawal_effective_on']}" if row.get("withdrawal_effective_on") else None]
        words = "withdrawn" + (f" ({'; '.join(d for d in dates if d)})" if any(dates) else "")
    row["treaty_standing"] = words
    return row


def instrument_title(db: Database, instrument_key: str) -> str:
    row = db.execute("select title from instrument_records where key = ?", [instrument_key]).fetchone()
    return row[0] if row and row[0] else instrument_key


def instrument_summaries(db: Database) -> list[dict]:
    """Every instrument record with its signing counts, treaty counts and the counts its pages stated.

    `listed`: signings on the instrument's list now; `news_only`: signings only news names;
    `signatories` = listed + news_only (distinct actors); `removed`: signings whose list rows
    were all removed. For a treaty: `parties`, `signatory_only`, `withdrawn`, and `signed` (states
    that signed, whatever followed: what the UN counts as "Signatories"). `stated`: the latest count
    each page stated, per unit; `list_note`: why the latest run could not read the list, if so.
    """
    counts = {row["instrument_key"]: row for row in db.query(
        """select instrument_key,
                  sum(current) as signatories, sum(on_list) as listed,
                  sum(current and standing = 'news only') as news_only, sum(standing = 'removed') as removed,
                  sum(on_list and status = 'party') as parties, sum(on_list and status = 'signatory') as signatory_only,
                  sum(on_list and status = 'withdrawn') as withdrawn,
                  sum(on_list and status in ('party', 'signatory', 'withdrawn') and signed_on is not null) as signed
           from signings group by instrument_key""")}
    stated = stated_counts(db)
    notes = list_notes(db)
    result = []
    for record in db.query(
            """select key, title, kind, issuer, known_from, source, removed_at from instrument_records
               where coalesce(kind, '') not in ('voluntary_local_review', 'vlr') order by key"""):
        count = counts.get(record["key"], {})
        treaty = bool(count.get("parties") or count.get("signatory_only") or count.get("withdrawn"))
        result.append({
            **record,
            **{name: count.get(name) or 0 for name in ("signatories", "listed", "news_only", "removed")},
            **({name: count.get(name) or 0 for name in ("parties", "signatory_only", "withdrawn", "signed")}
               if treaty else {}),
            "treaty": treaty,
            "stated": stated.get(record["key"], []),
            "list_note": notes.get(record["key"]),
        })
    return result


def stated_counts(db: Database) -> dict[str, list[dict]]:
    """{subject: [the latest count each page stated about it, per unit]}: "104 local and regional
    governments", "over 800 cities", "192 parties"."""
    latest: dict[str, list[dict]] = {}
    for row in db.query(
            """select c.subject_key, c.count, c.qualifier, c.unit, c.url, c.source, c.last_seen_at
               from count_claims c
               where c.id = (select max(c2.id) from count_claims c2 where c2.key = c.key)
               order by c.subject_key, c.last_seen_at desc, c.unit"""):
        row["words"] = " ".join(str(part) for part in (row["qualifier"], row["count"], row["unit"]) if part)
        latest.setdefault(row["subject_key"], []).append(row)
    return latest


def list_notes(db: Database) -> dict[str, str]:
    """{instrument key: why its list could not be read}, from the latest run of its list scope
    when that run was incomplete (a page that states a count but publishes no list)."""
    notes = {}
    for key, complete, reason in db.execute(
            """select substr(r.scope, length('signatures:') + 1), r.complete, r.reason from scope_runs r
               where r.scope like 'signatures:%' and r.finished_at is not null
                 and r.id = (select max(r2.id) from scope_runs r2 where r2.scope = r.scope and r2.finished_at is not null)"""):
        if not complete:
            notes[key] = "list not published" if reason and "publishes no list" in reason else (
                f"list not read: {reason}" if reason else "list not read completely")
    return notes


def instrument_kind(db: Database, instrument_key: str) -> str | None:
    row = db.execute("select kind from instrument_records where key = ?", [instrument_key]).fetchone()
    return row[0] if row else None


def best_dates(db: Database, pairs: list[tuple[str, int]]) -> dict[tuple[str, int], dict]:
    """{(instrument key, actor id): the signing's date, its source and URL} for alerts."""
    found = {}
    for instrument, actor in set(pairs):
        row = db.execute(
            """select signed_on, signed_on_from, signed_on_source, signed_on_url from signings
               where instrument_key = ? and actor_id = ?""", [instrument, actor]).fetchone()
        if row:
            found[(instrument, actor)] = dict(zip(("signed_on", "signed_on_from", "signed_on_source",
                                                   "signed_on_url"), row))
    return found


__all__ = ["find_instrument", "signings", "signings_as_of", "instrument_summaries", "best_dates"]
