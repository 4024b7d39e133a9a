"""The field's questions as named queries (docs/queries.md has one section per query).

Each query is plain SQL with named parameters, so the same text serves Python callers, the
`glocal query`/`export` commands and Datasette's canned queries. The Python entry point
(`run`) checks the parameters first: a date that is not a date, an unknown instrument or an
unknown place is one clear `QueryError`, never an empty answer that looks like a finding.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from sqlite_utils import Database

from store.errors import StoreError


class QueryError(StoreError):
    """A question the store cannot answer as asked (bad parameter, unknown name); one line."""


@dataclass(frozen=True)
class Query:
    name: str
    title: str
    description: str
    sql: str
    params: tuple[str, ...]


# "As it stood" at a moment: a signature counts if its latest change up to then is not a removal.
# Capture times (observed_at) decide, never the dates the sites print.
_AS_OF = """
select s.instrument_key, a.id as actor_id, a.name as actor, coalesce(s.country, a.country) as country,
       a.geonames_id, s.actor_name as name_as_published, s.signed_on, s.first_seen_at, s.source, s.url
from signatures s
left join actors a on a.id = s.actor_id
where s.instrument_key = :instrument
  and (select c.change from changes c
        where c.entity = 'signature' and c.entity_key = s.key
          and c.observed_at <= (case when length(:as_of) = 10 then :as_of || 'T23:59:59Z' else :as_of end)
        order by c.observed_at desc, c.id desc limit 1) in ('added', 'updated', 'restored')
order by a.name, s.actor_name
"""

_PORTFOLIO = """
select * from (
with actor as (select id, name, country from actors where id = :actor_id),
     spellings as (select lower(name) as name from actor_names where actor_id = :actor_id
                   union select lower(name) from actor)
select 'signature' as relation, i.kind as kind, s.instrument_key as key, i.title as title, i.issuer as body,
       s.signed_on as dated, s.first_seen_at, s.removed_at, s.source, s.url
from signatures s left join instruments i on i.key = s.instrument_key
where s.actor_id = :actor_id
union all
select 'membership', m.category, m.key, m.network, m.network, null, m.first_seen_at, m.removed_at, m.source, m.url
from memberships m where m.actor_id = :actor_id
union all
select 'review', i.kind, i.key, i.title, i.issuer, i.adopted_on, i.first_seen_at, i.removed_at, i.source, i.url
from instruments i where i.kind in ('vlr', 'voluntary local review') and lower(i.place) in (select name from spellings)
union all
select 'hosted event', e.series, e.key, e.title, e.organiser, e.starts_on, e.first_seen_at, e.removed_at, e.source, e.url
from events e where lower(e.city) in (select name from spellings)
  and (e.country is null or e.country = (select country from actor) or (select country from actor) is null)
) order by dated is null, dated, first_seen_at, relation, key
"""

# Observed: the running count of the list as captured (added/restored +1, removed -1), carried
# over every day a healthy, complete capture of the list saw it unchanged; stated: what the sites
# said the count was, on the first and the last day each number was seen; side by side per day.
# CROSS JOIN fixes the order: the instrument's signatures first, then each one's changes. Stores are
# never ANALYZEd, and without statistics SQLite would rather walk every signature change in the log
# (0.7 s at a million signatures) and look each signature up.
_COUNT_HISTORY = """
with deltas as (
  select substr(c.observed_at, 1, 10) as day,
         sum(case c.change when 'removed' then -1 when 'updated' then 0 else 1 end) as delta
  from signatures s cross join changes c on c.entity = 'signature' and c.entity_key = s.key
  where s.instrument_key = :instrument
  group by day
),
observed as (select day, sum(delta) over (order by day) as observed from deltas),
captures as (
  select distinct substr(observed_at, 1, 10) as day from scope_runs
  where scope in (select distinct scope from signatures where instrument_key = :instrument)
    and complete = 1 and healthy = 1 and finished_at is not null
),
claims as (
  select substr(first_seen_at, 1, 10) as day, count, source, url from count_claims where subject_key = :instrument
  union
  select substr(last_seen_at, 1, 10), count, source, url from count_claims where subject_key = :instrument
),
stated as (
  select day, max(count) as stated, group_concat(distinct source) as stated_by, min(url) as stated_url
  from claims group by day
),
days as (select day from observed union select day from stated union select day from captures)
select days.day,
       (select o.observed from observed o where o.day <= days.day order by o.day desc limit 1) as observed,
       stated.stated, stated.stated_by, stated.stated_url
from days left join stated on stated.day = days.day
order by days.day
"""

# Members of network :network (memberships, or signatures of instruments it issued), whether
# they also belong to :other, and how many of :network's own instruments they signed. Each side is
# read once from covering indexes (a network's current members, an instrument's current
# signatories) and never row by row: :network's side grouped by actor, :other's side as one list
# that each actor is looked up in. Work grows with the two lists' lengths, whatever their sizes
# (probing :other per actor cost a row lookup per signature of each actor: 0.2 s for 1,500 actors).
_OVERLAP = """
with a_rows as (
  select actor_id, 0 as signed from memberships where network = :network and removed_at is null
  union all
  select s.actor_id, 1 from instruments i join signatures s on s.instrument_key = i.key
  where i.issuer = :network and s.removed_at is null
),
a as (select actor_id, sum(signed) as instruments_signed from a_rows group by actor_id),
b as (
  select actor_id from memberships where network = :other and removed_at is null
  union all
  select s.actor_id from instruments i join signatures s on s.instrument_key = i.key
  where i.issuer = :other and s.removed_at is null
)
select ac.id as actor_id, ac.name as actor, ac.country,
       coalesce(a.actor_id in (select actor_id from b), 0) as in_other,
       a.instruments_signed
from a join actors ac on ac.id = a.actor_id
order by in_other desc, ac.name, ac.id
"""

_PER_YEAR = """
select coalesce(substr(adopted_on, 1, 4), substr(first_seen_at, 1, 4)) as year,
       coalesce(issuer, '(unknown)') as issuer,
       count(*) as instruments,
       case when adopted_on is not null then 'adopted_on' else 'first_seen_at' end as dated_by
from instruments
where (:issuer = '' or issuer = :issuer)
group by year, issuer, dated_by
order by year, issuer
"""

_ADOPTED_AT = """
select e.key as event_key, e.title as event, e.starts_on, e.ends_on, e.city, e.country,
       i.key as instrument_key, i.title as instrument, i.kind, i.adopted_on,
       (select count(*) from signatures s where s.instrument_key = i.key and s.removed_at is null) as signatories,
       (select count(*) from signatures s where s.instrument_key = i.key and s.removed_at is null
          and s.signed_on between e.starts_on and coalesce(e.ends_on, e.starts_on)) as signed_during_event
from events e join instruments i on i.event_key = e.key
where e.key = :event
order by i.adopted_on, i.title
"""

_PROVENANCE = """
select c.id as change_id, c.entity, c.entity_key, c.change, c.diff, c.observed_at, c.detected_at,
       r.spider as source, c.run_id, r.replay, p.url as page_url, p.fetched_at, p.status, p.sha256,
       p.archive, p.archive_offset
from changes c
join crawl_runs r on r.id = c.run_id
left join pages p on p.id = c.page_id
where c.entity = :entity and c.entity_key = :key
order by c.observed_at, c.id
"""

_STATED_COUNTS = """
select subject_key, source, count, qualifier, unit, first_seen_at, last_seen_at, url, text
from count_claims where subject_key = :subject
order by first_seen_at, source
"""

_SEARCH = """
select x.entity, x.entity_key, x.title, snippet(search_index, 3, '[', ']', ' … ', 12) as excerpt,
       coalesce(i.url, n.url) as url, coalesce(i.adopted_on, n.published_on) as dated
from search_index x
left join instruments i on x.entity = 'instrument' and i.key = x.entity_key
left join announcements n on x.entity = 'announcement' and n.key = x.entity_key
where search_index match :q
order by rank
limit 200
"""

QUERIES: dict[str, Query] = {q.name: q for q in (
    Query("signatories_as_of", "Signatories of an instrument as the list stood on a date",
          "Who had signed :instrument at the end of :as_of (YYYY-MM-DD or ISO time), by capture time.",
          _AS_OF, ("instrument", "as_of")),
    Query("portfolio", "A place's whole portfolio",
          "Every instrument :actor_id signed, network it belongs to, VLR it published and event it hosted, with dates.",
          _PORTFOLIO, ("actor_id",)),
    Query("count_history", "Signatory counts over time beside the stated counts",
          "Per day: the count observed in the list's history and the count the site stated.",
          _COUNT_HISTORY, ("instrument",)),
    Query("network_overlap", "Network overlap",
          "Members of :network, whether they also belong to :other, and how many of :network's instruments they signed.",
          _OVERLAP, ("network", "other")),
    Query("instruments_per_year", "New instruments per year by issuer",
          "Instruments by year of adoption (or of first sight when no date is printed); :issuer '' for all.",
          _PER_YEAR, ("issuer",)),
    Query("adopted_at_event", "What was adopted at an event",
          "Instruments adopted at event :event, their signatories, and how many signed during the event.",
          _ADOPTED_AT, ("event",)),
    Query("provenance", "Which source said what, when",
          "Every change recorded for :entity :key with the run, page, hash and archive record that showed it.",
          _PROVENANCE, ("entity", "key")),
    Query("stated_counts", "Stated counts by source and date",
          "Every count the sites stated about :subject, with where and when each was seen.",
          _STATED_COUNTS, ("subject",)),
    Query("search", "Full-text search",
          "Instruments (title, text) and announcements (title, summary) matching :q (SQLite FTS5 syntax).",
          _SEARCH, ("q",)),
)}

ENTITY_TABLES = {"instrument": "instruments", "signature": "signatures", "membership": "memberships",
                 "event": "events", "announcement": "announcements", "count_claim": "count_claims"}


# -- parameter checks ------------------------------------------------------------------------

def checked_moment(value: str, name: str = "as_of") -> str:
    """An ISO date or UTC time as given, or QueryError naming the parameter."""
    text = (value or "").strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            date.fromisoformat(text)
            return text
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z?", text):
            datetime.fromisoformat(text.rstrip("Z"))
            return text if text.endswith("Z") else text + ("Z" if len(text) == 19 else ":00Z")
    except ValueError:
        pass
    raise QueryError(f"{name} {value!r} is not a date: give YYYY-MM-DD or an ISO time like 2026-11-05T12:00:00Z")


def instrument_key(db: Database, text: str) -> str:
    """The instrument a user means: its key, the end of its key, or words of its title."""
    text = (text or "").strip()
    if not text:
        raise QueryError("no instrument given")
    if db.execute("select 1 from instruments where key = ?", [text]).fetchone():
        return text
    matches = [row[0] for row in db.execute(
        "select key from instruments where key like ? or lower(title) like ? order by key",
        [f"%/{text}%", f"%{text.lower()}%"])]
    if not matches:
        raise QueryError(f"unknown instrument {text!r} (see: glocal instruments)")
    if len(matches) > 1:
        raise QueryError(f"{text!r} matches {len(matches)} instruments: {', '.join(matches[:6])}; give the full key")
    return matches[0]


def actor_id(db: Database, text: str | int) -> int:
    """The actor a user means: an id, or a name as the store or any source spells it (merges followed)."""
    text = str(text or "").strip()
    if not text:
        raise QueryError("no place given")
    if text.isdigit():
        row = db.execute("select coalesce(merged_into, id) from actors where id = ?", [int(text)]).fetchone()
        if row:
            return row[0]
        raise QueryError(f"unknown place: no actor with id {text} (see: glocal actors list)")
    # The spelling as given first (indexed), then regardless of case (a scan, only when that fails).
    ids = sorted({row[0] for row in db.execute(
        """select coalesce(a.merged_into, a.id) from actors a
           where a.name = ? or a.id in (select actor_id from actor_names where name = ?)""", [text, text])})
    if not ids:
        ids = sorted({row[0] for row in db.execute(
            """select coalesce(a.merged_into, a.id) from actors a
               where lower(a.name) = lower(?) or a.id in (select actor_id from actor_names where lower(name) = lower(?))""",
            [text, text])})
    if not ids:
        raise QueryError(f"unknown place {text!r} (see: glocal actors list)")
    if len(ids) > 1:
        labels = ", ".join(f"{i} ({n}, {c or '?'})" for i, n, c in db.execute(
            f"select id, name, country from actors where id in ({', '.join('?' * len(ids))})", ids))
        raise QueryError(f"{text!r} names {len(ids)} actors: {labels}; give the id")
    return ids[0]


def _checked(db: Database, query: Query, params: dict) -> dict:
    missing = [p for p in query.params if params.get(p) is None and p != "issuer"]
    if missing:
        raise QueryError(f"query {query.name} needs {', '.join(missing)}")
    values = {p: params.get(p) for p in query.params}
    if "instrument" in values:
        values["instrument"] = instrument_key(db, values["instrument"])
    if "as_of" in values:
        values["as_of"] = checked_moment(values["as_of"])
    if "actor_id" in values:
        values["actor_id"] = actor_id(db, values["actor_id"])
    if "issuer" in values:
        values["issuer"] = values["issuer"] or ""
    if "event" in values and not db.execute("select 1 from events where key = ?", [values["event"]]).fetchone():
        raise QueryError(f"unknown event {values['event']!r}")
    if "entity" in values and values["entity"] not in ENTITY_TABLES:
        raise QueryError(f"unknown entity {values['entity']!r} (one of: {', '.join(ENTITY_TABLES)})")
    if "network" in values:
        for name in ("network", "other"):
            if not _is_network(db, values[name]):
                raise QueryError(f"unknown network {values[name]!r} (a memberships.network or an instruments.issuer)")
    return values


def _is_network(db: Database, name: str) -> bool:
    return bool(db.execute(
        "select 1 from memberships where network = ? union all select 1 from instruments where issuer = ? limit 1",
        [name, name]).fetchone())


def execute(db: Database, name: str, **params) -> tuple[list[str], list[tuple]]:
    """Run named query `name` with checked parameters: (column names in the query's order, row tuples)."""
    query = QUERIES.get(name)
    if query is None:
        raise QueryError(f"unknown query {name!r} (one of: {', '.join(QUERIES)})")
    values = _checked(db, query, params)
    try:
        cursor = db.execute(query.sql, values)
    except sqlite3.OperationalError as error:  # an FTS5 syntax error in a search, typically
        raise QueryError(f"{name} {values.get('q', values)!r}: {error}") from None
    return [d[0] for d in cursor.description], cursor.fetchall()


def run(db: Database, name: str, **params) -> list[dict]:
    """Run named query `name` with checked parameters; rows as dicts in the query's column order."""
    columns, rows = execute(db, name, **params)
    return [dict(zip(columns, row)) for row in rows]


def overlap_matrix(db: Database) -> tuple[list[str], list[list[int]]]:
    """Networks (membership networks and instrument issuers) and, for each pair, how many actors
    belong to both; the diagonal holds each network's size."""
    rows = db.execute(
        """select network, actor_id from memberships where removed_at is null
           union
           select i.issuer, s.actor_id from instruments i join signatures s on s.instrument_key = i.key
           where s.removed_at is null and i.issuer is not null"""
    ).fetchall()
    members: dict[str, set[int]] = {}
    for network, actor in rows:
        members.setdefault(network, set()).add(actor)
    names = sorted(members, key=lambda n: (-len(members[n]), n))
    return names, [[len(members[a] & members[b]) for b in names] for a in names]
