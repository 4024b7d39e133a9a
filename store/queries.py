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
    # The CTEs that resolve the parameters, and the SQL expressions that say (in words) why a
    # parameter names nothing or several things: `sql` starts with the former and answers the
    # latter as its one row; the Python checks run them alone first (see `_checked`).
    ctes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


# -- how a parameter names a thing, in SQL: the same rules the Python checks below apply -------------
# Each named query starts with the CTEs its parameters need, so Datasette (which runs the SQL as it
# stands) resolves "clean-air-cities" or "Durban" exactly as the command line does, and a parameter
# that matches nothing, or several things, answers one row saying so instead of an empty table.

def _pick_instrument(param: str) -> str:
    # The key as given; else keys ending in "/<text>..." or titles containing the text.
    return f"""pick_{param} as (
  select key from instrument_records where key = :{param}
  union
  select key from instrument_records
  where not exists (select 1 from instrument_records where key = :{param})
    and (key like '%/' || :{param} || '%' or lower(title) like '%' || lower(:{param}) || '%')
)"""


def _instrument_problem(param: str, what: str = "instrument") -> str:
    return f"""case (select count(*) from pick_{param})
  when 1 then null
  when 0 then 'unknown {what} ' || quote(:{param}) || ' (see: glocal instruments)'
  else quote(:{param}) || ' matches ' || (select count(*) from pick_{param}) || ' instruments: '
       || (select group_concat(key, ', ') from (select key from pick_{param} order by key limit 6))
       || '; give the full key' end"""


# An actor id (a merged actor answers for the one it was merged into), or a name as the store or
# any source spells it: as printed first, then regardless of (ASCII) case.
_PICK_ACTOR = """exact_actor as (
  select coalesce(merged_into, id) as id from actors
  where trim(:actor_id) <> '' and trim(:actor_id) not glob '*[^0-9]*' and id = cast(trim(:actor_id) as integer)
  union
  select coalesce(a.merged_into, a.id) from actors a
  where trim(:actor_id) glob '*[^0-9]*'
    and (a.name = trim(:actor_id) or a.id in (select actor_id from actor_names where name = trim(:actor_id)))
),
pick_actor as (
  select id from exact_actor
  union
  select coalesce(a.merged_into, a.id) from actors a
  where not exists (select 1 from exact_actor) and trim(:actor_id) glob '*[^0-9]*'
    and (a.name = trim(:actor_id) collate nocase
         or a.id in (select actor_id from actor_names where name = trim(:actor_id) collate nocase))
)"""
_ACTOR_PROBLEM = """case (select count(*) from pick_actor)
  when 1 then null
  when 0 then 'unknown place ' || quote(:actor_id) || ' (see: glocal actors list)'
  else quote(:actor_id) || ' names ' || (select count(*) from pick_actor) || ' actors: '
       || (select group_concat(id || ' (' || name || ', ' || coalesce(country, '?') || ')', ', ')
           from (select a.id, a.name, a.country from actors a where a.id in (select id from pick_actor) order by a.id))
       || '; give the id' end"""


def _pick_network(param: str) -> str:
    # Every name the network goes by, and those of the bodies under it (UCLG's World Council is
    # UCLG's), plus the text as given for a network the vocabulary does not know.
    return f"""tree_{param}(id) as (
  select network_id from network_aliases where alias = trim(:{param})
  union
  select n.id from networks n join tree_{param} t on n.parent_id = t.id
),
names_{param}(name) as (
  select alias from network_aliases where network_id in (select id from tree_{param})
  union all select trim(:{param})  -- union all: a union would fold "c40 cities" and "C40 Cities" (nocase)
  -- and each spelling the store holds that differs from an alias only in case ("EUROCITIES" beside
  -- the alias "Eurocities"): the aliases compare without case, memberships.network and issuers with it
  union all select distinct network from memberships
  where network collate nocase in (select alias from network_aliases where network_id in (select id from tree_{param}))
  -- an issuer as printed names the network when the vocabulary maps it there (instrument_issuers' join),
  -- read from the split kept by m301's triggers rather than by splitting every instrument's issuer
  union all select distinct n.issuer_as_printed from instrument_issuer_names n
  join network_aliases a on a.alias = n.issuer_as_printed join networks w on w.id = a.network_id
  where w.id in (select id from tree_{param})
)"""


def _network_problem(param: str) -> str:
    return f"""case when exists (select 1 from tree_{param})
            or exists (select 1 from memberships where network = trim(:{param}))
            or exists (select 1 from instrument_issuer_names where issuer_as_printed = trim(:{param}))
  then null
  else 'unknown network ' || quote(:{param}) || ' (a name of the networks table, a memberships.network or an instruments.issuer)' end"""


_EVENT_PROBLEM = """case when exists (select 1 from events where key = :event) then null
  else 'unknown event ' || quote(:event) end"""
_MOMENT_PROBLEM = """case when trim(:as_of) glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
            or trim(:as_of) glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]*' then null
  else 'as_of ' || quote(:as_of) || ' is not a date: give YYYY-MM-DD or an ISO time like 2026-11-05T12:00:00Z' end"""


def _loud(core: str, columns: tuple[str, ...], order: str, *, ctes: tuple[str, ...] = (),
          problems: tuple[str, ...] = ()) -> str:
    """The query: its parameters' CTEs, then its rows; or, when a parameter names nothing or several
    things, one row whose first column says so (the other columns empty)."""
    if not problems:
        return f"with recursive {', '.join(ctes)}\n{core}\norder by {order}" if ctes else f"{core}\norder by {order}"
    nulls = ", ".join(["null"] * (len(columns) - 1))
    return f"""with recursive {', '.join(ctes)},
problem(message) as (select coalesce({', '.join(problems)}, null))
select * from (
  select * from ({core}) where (select message from problem) is null
  union all
  select message, {nulls} from problem where message is not null
)
order by {order}"""


# The signings view (m104, m350) word for word, with room for a filter on the evidence rows `s`
# inside its grouping. SQLite (3.40) does not push a filter that holds a subquery into a grouped
# view: `signings where instrument_key = (select key from pick_instrument)` grouped every signature
# of the store first (1.2 s a call at 100,000 signatures). `signings_of` puts the filter where the
# index serves it. tests/store/test_signings_of.py checks the text against the store's own view
# and the rows against the view's, so a migration that changes the view fails it until this follows.
_SIGNINGS_VIEW = """
        with grouped as (
          select s.instrument_key, s.actor_id,
                 count(*) as evidence_rows,
                 sum(s.is_list) as list_rows,
                 max(s.is_list and s.removed_at is null) as on_list,
                 max(not s.is_list and s.removed_at is null) as news_current,
                 min(case when s.is_list and s.signed_on is not null
                          then s.signed_on || char(31) || 'list' || char(31) || s.source || char(31) || s.url end) as list_date,
                 min(case when s.signed_on is not null
                          then s.signed_on || char(31) || case when s.is_list then 'list' else 'news' end
                               || char(31) || s.source || char(31) || s.url end) as any_date,
                 min(s.first_seen_at) as first_seen_at,
                 min(case when s.is_list then s.first_seen_at end) as listed_since,
                 max(case when s.is_list then s.removed_at end) as last_removed_at,
                 coalesce(min(case when s.is_list and s.removed_at is null then s.actor_name end),
                          min(case when s.is_list then s.actor_name end), min(s.actor_name)) as name_as_published,
                 coalesce(max(case when s.is_list then s.country end), max(s.country)) as country,
                 max(case when s.is_list then s.status end) as status,
                 max(case when s.is_list then s.action end) as action,
                 max(case when s.is_list then s.action_on end) as action_on,
                 max(case when s.is_list then s.withdrawal_notified_on end) as withdrawal_notified_on,
                 max(case when s.is_list then s.withdrawal_effective_on end) as withdrawal_effective_on,
                 max(case when s.is_list then s.as_printed end) as as_printed,
                 max(case when s.is_list then s.role end) as role,
                 min(case when s.is_list then s.network_member end) as network_member,
                 group_concat(distinct s.source) as sources
          from (select s.*, coalesce(k.kind, 'roster') = 'roster' as is_list
                from signatures s left join scope_kinds k on k.scope = s.scope{where}) s
          group by s.instrument_key, s.actor_id
        ),
        dated as (select *, coalesce(list_date, any_date) as best_date from grouped)
        select d.instrument_key,
               coalesce(i.title, (select m.title from instrument_mentions m where m.instrument_key = d.instrument_key),
                        d.instrument_key) as instrument_title,
               d.actor_id, a.name as actor,
               coalesce(d.country, a.country) as country, a.geonames_id, d.name_as_published,
               cast(coalesce(d.on_list, 0) as integer) as on_list,
               case when d.on_list then 'listed' when d.list_rows > 0 then 'removed' else 'news only' end as standing,
               cast(case when d.on_list or (d.list_rows = 0 and d.news_current) then 1 else 0 end as integer) as current,
               substr(d.best_date, 1, instr(d.best_date, char(31)) - 1) as signed_on,
               substr(d.best_date, instr(d.best_date, char(31)) + 1, 4) as signed_on_from,
               substr(substr(d.best_date, instr(d.best_date, char(31)) + 6), 1,
                      instr(substr(d.best_date, instr(d.best_date, char(31)) + 6), char(31)) - 1) as signed_on_source,
               substr(substr(d.best_date, instr(d.best_date, char(31)) + 6),
                      instr(substr(d.best_date, instr(d.best_date, char(31)) + 6), char(31)) + 1) as signed_on_url,
               d.first_seen_at, d.listed_since,
               case when d.list_rows > 0 and not d.on_list then d.last_removed_at end as removed_at,
               d.status, d.action, d.action_on, d.withdrawal_notified_on, d.withdrawal_effective_on, d.as_printed,
               d.role, cast(d.network_member as integer) as network_member, cast(d.evidence_rows as integer) as evidence_rows, d.sources
        from dated d
        left join actors a on a.id = d.actor_id
        left join instruments i on i.key = d.instrument_key"""


def signings_of(condition: str) -> str:
    """The signings view's rows for the evidence rows (signatures `s`) where `condition` holds, as
    a subquery: "(select ... ) " to use as `from (...) g`. Without a condition, the view's text."""
    return "(" + _SIGNINGS_VIEW.format(where=f"\n                where {condition}" if condition else "") + ")"


# A signing's evidence rows with whether each is the list's (a roster scope) or other evidence.
_EVIDENCE_OF = """select s.*, coalesce(k.kind, 'roster') = 'roster' as is_list
  from signatures s left join scope_kinds k on k.scope = s.scope"""

# "As it stood" at a moment: an evidence row stands if its latest change up to then (capture time,
# observed_at) is not a removal; a signing stands if a list row stands, or if no list row of it had
# been seen yet and a news row stands (the rule of the signings view, at that moment). A treaty
# participant is judged by the dates the UN printed instead: a signatory from its signature, a party
# from its act, withdrawn from the day its withdrawal took effect.
_AS_OF_COLUMNS = ("instrument_key", "actor_id", "actor", "country", "geonames_id", "name_as_published", "on_list",
                  "status", "signed_on", "signed_on_source", "first_seen_at", "sources", "url")
# "Stands" at the moment, for one evidence row `e` (a row of _EVIDENCE_OF): a treaty participant by the
# UN's dates, any other row by its latest change up to then (one search of `changes`, index only).
_AS_OF_STANDS = """case when e.status in ('party', 'signatory', 'withdrawn') then
                (e.removed_at is null or e.removed_at > (select until from moment))
                and coalesce(e.signed_on, e.action_on) <= (select day from moment)
              else (select c.change from changes c
                     where c.entity = 'signature' and c.entity_key = e.key and c.observed_at <= (select until from moment)
                     order by c.observed_at desc, c.id desc limit 1) in ('added', 'updated', 'restored') end"""

# Issue 24, second round: the answer is built from the rows that stand only. A signatory is an actor
# with a standing row; it is on the list when one of those is a list row, and otherwise counts only if
# no list row of it had been seen by then (`listed_seen`, read for those few actors alone). Each
# column prefers the list's rows: its aggregate reads the value behind a one-character rank ('1'
# before '0' for a max, '0' before '1' for a min), which picks a list row's value when one has a
# value and else the other rows', as coalesce(list value, any value) did; the columns are TEXT, so
# the rank compares as a prefix. The same rows as the SQL it replaced
# (tests/research/test_as_of_standing_rows.py keeps it), without that SQL's dozen CASEs per row.
_AS_OF_CORE = """
select * from (
with moment(until, day) as (
  select case when length(trim(:as_of)) = 10 then trim(:as_of) || 'T23:59:59Z' else trim(:as_of) end,
         substr(trim(:as_of), 1, 10)
),
-- not materialised: the grouping reads `stands` once per row (its WHERE), `listed_seen` only when run
rows as not materialized (
  select e.actor_id, e.is_list, e.country, e.actor_name, e.signed_on, e.source, e.first_seen_at, e.url, e.status,
         e.action_on, e.withdrawal_effective_on, e.status in ('party', 'signatory', 'withdrawn') as printed,
         """ + _AS_OF_STANDS + """ as stands
  from (""" + _EVIDENCE_OF + """ where s.instrument_key = (select key from pick_instrument)) e
),
grouped as (
  select r.actor_id, max(r.is_list) as on_list,
         max(iif(r.is_list, '1', '0') || r.country) as country,
         min(iif(r.is_list, '0', '1') || r.actor_name) as name_as_published,
         max(case when r.is_list then
               case when r.status = 'withdrawn' and coalesce(r.withdrawal_effective_on, '') <= (select day from moment)
                      then 'withdrawn'
                    when r.action_on <= (select day from moment) then 'party'
                    when r.printed then 'signatory'
                    else r.status end end) as status,
         min(iif(r.is_list, '0', '1') || r.signed_on || char(31) || r.source) as dated,
         min(r.first_seen_at) as first_seen_at,
         group_concat(distinct r.source) as sources,
         min(iif(r.is_list, '0', '1') || r.url) as url
  from rows r where r.stands
  group by r.actor_id
),
-- actors with a list row seen by then (a treaty participant's row is always seen); `is`: an evidence
-- row without an actor forms the group of null, as in the grouping
listed_seen as materialized (select actor_id from rows where is_list and (printed or stands is not null))
select (select key from pick_instrument) as instrument_key, g.actor_id, a.name as actor,
       coalesce(substr(g.country, 2), a.country) as country, a.geonames_id,
       substr(g.name_as_published, 2) as name_as_published, g.on_list, g.status,
       substr(g.dated, 2, instr(g.dated, char(31)) - 2) as signed_on,
       substr(g.dated, instr(g.dated, char(31)) + 1) as signed_on_source,
       g.first_seen_at, g.sources, substr(g.url, 2) as url
from grouped g left join actors a on a.id = g.actor_id
where g.on_list or not exists (select 1 from listed_seen l where l.actor_id is g.actor_id)
)"""
_AS_OF = _loud(_AS_OF_CORE, _AS_OF_COLUMNS, "on_list desc, actor, name_as_published",
               ctes=(_pick_instrument("instrument"),), problems=(_instrument_problem("instrument"), _MOMENT_PROBLEM))

# Who signed an instrument, now: one row per signing, with the rules' results.
_SIGNINGS_COLUMNS = ("instrument_key", "instrument_title", "actor_id", "actor", "country", "name_as_published",
                     "standing", "on_list", "current", "signed_on", "signed_on_from", "signed_on_source",
                     "signed_on_url", "first_seen_at", "listed_since", "removed_at", "status", "action",
                     "action_on", "withdrawal_effective_on", "evidence_rows", "sources")
_SIGNINGS = _loud(
    f"select {', '.join(_SIGNINGS_COLUMNS)} from "
    + signings_of("s.instrument_key = (select key from pick_instrument)") + " g",
    _SIGNINGS_COLUMNS, "current desc, on_list desc, actor, name_as_published",
    ctes=(_pick_instrument("instrument"),), problems=(_instrument_problem("instrument"),))

# Every row that reports a signing, with its source, page, dates and capture: which source said
# what, when (RQ 21). An actor given as "" lists the evidence of every signing of the instrument.
_EVIDENCE_COLUMNS = ("instrument_key", "actor_id", "actor", "evidence", "source", "key", "name_as_published",
                     "signed_on", "status", "url", "first_seen_at", "last_seen_at", "removed_at")
_EVIDENCE = _loud(
    """select e.instrument_key, e.actor_id, a.name as actor, e.evidence, e.source, e.key, e.name_as_published,
              e.signed_on, e.status, e.url, e.first_seen_at, e.last_seen_at, e.removed_at
       from signing_evidence e left join actors a on a.id = e.actor_id
       where e.instrument_key = (select key from pick_instrument) and e.actor_id = (select id from pick_actor)""",
    _EVIDENCE_COLUMNS, "evidence, first_seen_at, source, key",
    ctes=(_pick_instrument("instrument"), _PICK_ACTOR),
    problems=(_instrument_problem("instrument"), _ACTOR_PROBLEM))

_PORTFOLIO_COLUMNS = ("relation", "kind", "key", "title", "body", "dated", "first_seen_at", "removed_at", "source", "url")
_PORTFOLIO_CORE = """
select * from (
with actor as (select id, name, country from actors where id = (select id from pick_actor)),
     spellings as (select lower(name) as name from actor_names where actor_id = (select id from actor)
                   union select lower(name) from actor)
select 'signature' as relation, coalesce(r.kind, 'named by ' || r.known_from) as kind, g.instrument_key as key,
       g.instrument_title as title, r.issuer as body, g.signed_on as dated, g.first_seen_at, g.removed_at,
       g.sources as source, coalesce(g.signed_on_url, r.url) as url
from """ + signings_of("s.actor_id = (select id from actor)") + """ g
left join instrument_records r on r.key = g.instrument_key
where coalesce(r.kind, '') not in ('voluntary_local_review', 'vlr')
union all
select 'membership', m.category, m.key, coalesce(nw.name, m.network), coalesce(nw.name, m.network), null,
       m.first_seen_at, m.removed_at, m.source, m.url
from memberships m left join network_aliases na on na.alias = m.network left join networks nw on nw.id = na.network_id
where m.actor_id = (select id from actor)
union all
select 'review', p.kind, p.key, p.title, p.actor_name, p.published, p.first_seen_at, p.removed_at, p.source, p.url
from reports p where p.actor_id = (select id from actor)
union all
select 'hosted event', e.series, e.key, e.title, e.organiser, e.starts_on, e.first_seen_at, e.removed_at, e.source, e.url
from events e where lower(e.city) in (select name from spellings)
  and (e.country is null or e.country = (select country from actor) or (select country from actor) is null)
)"""
_PORTFOLIO = _loud(_PORTFOLIO_CORE, _PORTFOLIO_COLUMNS, "dated is null, dated, first_seen_at, relation, key",
                   ctes=(_PICK_ACTOR,), problems=(_ACTOR_PROBLEM,))

# Observed: how many distinct actors the instrument's signings counted at the end of each capture
# day, from the change log: per actor, a running count of its list rows and of its news rows
# standing (added, restored +1; removed -1); the signing stands while a list row stands, or while
# a news row stands and no list row of it was seen yet. Only the days its standing flips count.
# Carried over every day a healthy, complete capture of the list saw it unchanged. Stated: what the
# sites said the count was, on the first and the last day each number was seen.
#
# Most actors have one step (one row, added once): it stands from that day unless the step was a
# removal, and nothing needs ordering. So every step is first grouped by actor (count, first time,
# sum), and only the steps of actors with several are read again and run through the window (per
# step: list rows, all rows and list steps so far; a step's flip is its standing less the standing
# before it, which is the running sums less the step's own part; before a list row is seen an
# actor has no list rows, so its news rows are all its rows). The running sum over the days (NULL
# before the first step) replaces a search of the earlier days per day. Three window functions
# over every step, and a lag over them in a second window, cost 96 ms at 1M signatures (issue 24);
# that SQL is kept verbatim in tests/research/test_count_history_rewrite.py, which compares answers.
# `+c.change`: a signature's changes are found by its key. Stores are never ANALYZEd, and where the
# (entity, entity_key) covering index is missing (the bench's baseline) the planner took the
# (entity, change) index instead and walked every signature change of the log for each row.
_COUNT_HISTORY_COLUMNS = ("day", "observed", "stated", "stated_by", "stated_url")
_COUNT_HISTORY_CORE = """
select * from (
with by_actor as materialized (
  select s.actor_id, count(*) as steps, min(c.observed_at) as observed_at,
         sum(case c.change when 'removed' then -1 else 1 end) as delta
  from signatures s cross join changes c on c.entity = 'signature' and c.entity_key = s.key
  where s.instrument_key = (select key from pick_instrument) and +c.change in ('added', 'removed', 'restored')
  group by s.actor_id
),
-- the steps of actors with several (rows without an actor are one actor to the rule, as in a
-- PARTITION BY, and `in` never matches NULL), read again: a second look-up of few rows' changes
-- costs less than keeping every step
several as (
  select s.actor_id, coalesce(k.kind, 'roster') = 'roster' as is_list, c.observed_at, c.id,
         case c.change when 'removed' then -1 else 1 end as delta
  from signatures s left join scope_kinds k on k.scope = s.scope
  cross join changes c on c.entity = 'signature' and c.entity_key = s.key
  where s.instrument_key = (select key from pick_instrument) and +c.change in ('added', 'removed', 'restored')
    and (s.actor_id in (select actor_id from by_actor where steps > 1)
         or (s.actor_id is null and exists (select 1 from by_actor where actor_id is null and steps > 1)))
),
running as (
  select observed_at, is_list, delta,
         sum(is_list * delta) over w as list_rows,
         sum(delta) over w as all_rows,
         sum(is_list) over w as list_steps
  from several window w as (partition by actor_id order by observed_at, id rows unbounded preceding)
),
flips as (
  select observed_at, delta > 0 as delta from by_actor where steps = 1
  union all
  select observed_at,
         case when list_steps > 0 then list_rows > 0 else all_rows > 0 end
         - case when list_steps > is_list then list_rows - is_list * delta > 0 else all_rows - delta > 0 end
  from running
),
deltas as (select substr(observed_at, 1, 10) as day, sum(delta) as delta from flips group by day),
captures as (
  select distinct substr(observed_at, 1, 10) as day from scope_runs
  where scope in (select distinct scope from signatures where instrument_key = (select key from pick_instrument))
    and complete = 1 and healthy = 1 and finished_at is not null
),
claims as (
  select substr(first_seen_at, 1, 10) as day, count, source, url from count_claims
  where subject_key = (select key from pick_instrument)
  union
  select substr(last_seen_at, 1, 10), count, source, url from count_claims
  where subject_key = (select key from pick_instrument)
),
stated as (
  select day, max(count) as stated, group_concat(distinct source) as stated_by, min(url) as stated_url
  from claims group by day
),
days as (select day from deltas union select day from stated union select day from captures)
select days.day,
       case when days.day is not null then sum(deltas.delta) over (order by days.day rows unbounded preceding) end
         as observed,
       stated.stated, stated.stated_by, stated.stated_url
from days left join deltas on deltas.day is days.day left join stated on stated.day = days.day
)"""
_COUNT_HISTORY = _loud(_COUNT_HISTORY_CORE, _COUNT_HISTORY_COLUMNS, "day",
                       ctes=(_pick_instrument("instrument"),), problems=(_instrument_problem("instrument"),))

# Members of :network (its memberships under any of its names, or a current signing of an
# instrument it or one of its bodies issued), whether they also belong to :other, and how many of
# :network's own instruments each signed (distinct instruments, never evidence rows). Each side is
# read from network_members (m302): per name a source prints and per actor, its current memberships
# and current signings of instruments naming that issuer, kept by triggers as rows are written, so
# neither the signings rule over every evidence row nor the split of every issuer runs at each call.
_OVERLAP_COLUMNS = ("actor_id", "actor", "country", "in_other", "instruments_signed")
_OVERLAP_CORE = """
select * from (
with a as (
  select actor_id, sum(instruments) as instruments from network_members
  where network in (select name from names_network) group by actor_id
),
-- An instrument naming two of :network's names (two of its bodies) is counted under each: it counts once.
doubled as (
  select instrument_key, count(*) - 1 as extra from instrument_issuer_names
  where issuer_as_printed in (select name from names_network) group by instrument_key having count(*) > 1
),
overcounted as (
  select c.actor_id, sum(d.extra) as extra from doubled d cross join current_signings c on c.instrument_key = d.instrument_key
  group by c.actor_id
),
b as (select actor_id from network_members where network in (select name from names_other))
select ac.id as actor_id, ac.name as actor, ac.country,
       coalesce(a.actor_id in (select actor_id from b), 0) as in_other,
       a.instruments - case when exists (select 1 from doubled)  -- rare: looked up per actor only then
                            then coalesce((select extra from overcounted o where o.actor_id = a.actor_id), 0) else 0 end
         as instruments_signed
from a join actors ac on ac.id = a.actor_id
)"""
_OVERLAP = _loud(_OVERLAP_CORE, _OVERLAP_COLUMNS, "in_other desc, actor, actor_id",
                 ctes=(_pick_network("network"), _pick_network("other")),
                 problems=(_network_problem("network"), _network_problem("other")))

# New instruments per year and issuing network (an instrument two bodies issued counts for each);
# the year of adoption when printed, else of the first capture; reports are not instruments.
_PER_YEAR_COLUMNS = ("year", "issuer", "instruments", "dated_by")
_PER_YEAR_CORE = """
select coalesce(substr(r.adopted_on, 1, 4), substr(r.first_seen_at, 1, 4)) as year,
       coalesce(i.network, i.issuer_as_printed, '(unknown)') as issuer,
       count(distinct r.key) as instruments,
       case when r.adopted_on is not null then 'adopted_on' else 'first_seen_at' end as dated_by
from instrument_records r left join instrument_issuers i on i.instrument_key = r.key
where coalesce(r.kind, '') not in ('voluntary_local_review', 'vlr')
  and (coalesce(:issuer, '') = '' or i.issuer_as_printed in (select name from names_issuer))
group by 1, 2, 4"""
_PER_YEAR = _loud(_PER_YEAR_CORE, _PER_YEAR_COLUMNS, "year, issuer", ctes=(_pick_network("issuer"),))

_ADOPTED_AT_COLUMNS = ("event_key", "event", "starts_on", "ends_on", "city", "country", "instrument_key",
                       "instrument", "kind", "adopted_on", "signatories", "signed_during_event")
# The signings of the event's instruments are grouped once, and both counts read from that one
# grouping (the two counts were two scalar subqueries, each grouping an instrument's evidence rows).
_ADOPTED_AT_CORE = """
select * from (
with counted as (
  select g.instrument_key, count(*) as signatories,
         count(case when g.signed_on between ev.starts_on and coalesce(ev.ends_on, ev.starts_on) then 1 end)
           as signed_during_event
  from """ + signings_of("s.instrument_key in (select i.key from instruments i where i.event_key = :event)") + """ g
  join events ev on ev.key = :event
  where g.current = 1
  group by g.instrument_key
)
select e.key as event_key, e.title as event, e.starts_on, e.ends_on, e.city, e.country,
       i.key as instrument_key, i.title as instrument, i.kind, i.adopted_on,
       coalesce(c.signatories, 0) as signatories, coalesce(c.signed_during_event, 0) as signed_during_event
from events e join instruments i on i.event_key = e.key
left join counted c on c.instrument_key = i.key
where e.key = :event)"""
_ADOPTED_AT = _loud(_ADOPTED_AT_CORE, _ADOPTED_AT_COLUMNS, "adopted_on, instrument",
                    ctes=("event_given(x) as (select 1)",), problems=(_EVENT_PROBLEM,))

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

# RQ 18 and 20: the cities whose signings act under a treaty (treaty_links) and, beside each, the
# state's own standing on that treaty as the UN prints it (party, signatory only, withdrawn, with
# the dates), or "not a participant". Territories with their own ISO code are judged by their state.
_TREATY_UPTAKE_COLUMNS = ("country", "state_status", "state_action", "state_action_on", "state_withdrawal_effective_on",
                          "city_id", "city", "instrument_key", "instrument", "city_signed_on", "city_first_seen_at")
_TREATY_UPTAKE_CORE = """
select * from (
with sovereign(territory, state) as (
    values ('HK', 'CN'), ('MO', 'CN'), ('PR', 'US'), ('GU', 'US'), ('VI', 'US'), ('AS', 'US'), ('MP', 'US'),
           ('GL', 'DK'), ('FO', 'DK'), ('AW', 'NL'), ('CW', 'NL'), ('SX', 'NL'), ('NC', 'FR'), ('PF', 'FR'),
           ('RE', 'FR'), ('GP', 'FR'), ('MQ', 'FR'), ('GF', 'FR'), ('YT', 'FR'), ('BM', 'GB'), ('GI', 'GB'),
           ('JE', 'GB'), ('GG', 'GB'), ('IM', 'GB'), ('KY', 'GB'), ('VG', 'GB')
),
states as (
  select st.country, g.status, g.action, g.action_on, g.withdrawal_effective_on
  from """ + signings_of("s.instrument_key = (select key from pick_treaty)") + """ g
  join actors st on st.id = g.actor_id and st.kind = 'state'
  where g.current = 1
),
cities as (
  select g.*, coalesce((select state from sovereign where territory = g.country), g.country) as state_country
  -- the instruments the links name, then their signings (every signature's instrument is an
  -- instrument or a mention: m103's triggers record it)
  from """ + signings_of("""s.instrument_key in (
      select k.key from (select key from instruments union select instrument_key from instrument_mentions) k
      join treaty_links l on k.key like l.instrument_pattern where l.treaty_key = (select key from pick_treaty))""") + """ g
  join actors c on c.id = g.actor_id and coalesce(c.kind, 'city') not in ('state', 'organization')
  where g.current = 1 and g.country is not null
)
select c.state_country as country, coalesce(s.status, 'not a participant') as state_status, s.action as state_action,
       s.action_on as state_action_on, s.withdrawal_effective_on as state_withdrawal_effective_on,
       c.actor_id as city_id, c.actor as city, c.instrument_key, c.instrument_title as instrument,
       c.signed_on as city_signed_on, c.first_seen_at as city_first_seen_at
from cities c left join states s on s.country = c.state_country
)"""
_TREATY_UPTAKE = _loud(_TREATY_UPTAKE_CORE, _TREATY_UPTAKE_COLUMNS, "country, city, instrument_key",
                       ctes=(_pick_instrument("treaty"),), problems=(_instrument_problem("treaty", "treaty"),))

QUERIES: dict[str, Query] = {q.name: q for q in (
    Query("who_signed", "Who signed an instrument, and when",
          "One row per signing of :instrument (an actor, however many sources report it): on the list or named "
          "by news only, its date and the source of that date, treaty status.",
          _SIGNINGS, ("instrument",), (_pick_instrument("instrument"),), (_instrument_problem("instrument"),)),
    Query("signatories_as_of", "Signatories of an instrument as the list stood on a date",
          "Who had signed :instrument at the end of :as_of (YYYY-MM-DD or ISO time): by capture time, or for a "
          "treaty by the dates the UN printed.",
          _AS_OF, ("instrument", "as_of"), (_pick_instrument("instrument"),), (_instrument_problem("instrument"), _MOMENT_PROBLEM)),
    Query("signing_evidence", "Which source said what about a signing",
          "Every row that reports :actor_id signing :instrument: the list's, news posts', imports', with page and dates.",
          _EVIDENCE, ("instrument", "actor_id"), (_pick_instrument("instrument"), _PICK_ACTOR), (_instrument_problem("instrument"), _ACTOR_PROBLEM)),
    Query("portfolio", "A place's whole portfolio",
          "Every instrument :actor_id signed, network it belongs to, report it published and event it hosted, with dates.",
          _PORTFOLIO, ("actor_id",), (_PICK_ACTOR,), (_ACTOR_PROBLEM,)),
    Query("count_history", "Signatory counts over time beside the stated counts",
          "Per day: the number of distinct signatories in the list's history and the count the site stated.",
          _COUNT_HISTORY, ("instrument",), (_pick_instrument("instrument"),), (_instrument_problem("instrument"),)),
    Query("network_overlap", "Network overlap",
          "Members of :network (any of its names), whether they also belong to :other, and how many of :network's "
          "instruments they signed.",
          _OVERLAP, ("network", "other"), (_pick_network("network"), _pick_network("other")), (_network_problem("network"), _network_problem("other"))),
    Query("instruments_per_year", "New instruments per year by issuer",
          "Instruments by year of adoption (or of first sight when no date is printed); :issuer '' for all.",
          _PER_YEAR, ("issuer",)),
    Query("adopted_at_event", "What was adopted at an event",
          "Instruments adopted at event :event, their signatories, and how many signed during the event.",
          _ADOPTED_AT, ("event",), ("event_given(x) as (select 1)",), (_EVENT_PROBLEM,)),
    Query("treaty_uptake", "City uptake beside the state's treaty status",
          "Cities whose signings act under :treaty (treaty_links), each beside its state's status on the treaty.",
          _TREATY_UPTAKE, ("treaty",), (_pick_instrument("treaty"),), (_instrument_problem("treaty", "treaty"),)),
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
                 "event": "events", "announcement": "announcements", "report": "reports", "count_claim": "count_claims"}


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


def _resolved(db: Database, ctes: tuple[str, ...], problems: tuple[str, ...], values: dict) -> None:
    """QueryError with the named queries' own words when a parameter names nothing or several things."""
    message = db.execute(f"with recursive {', '.join(ctes)} select coalesce({', '.join(problems)}, null)",
                         values).fetchone()[0]
    if message:
        raise QueryError(message)


def instrument_key(db: Database, text: str, *, param: str = "instrument") -> str:
    """The instrument a user means: its key, the end of its key, or words of its title (an
    instrument only news names included), by the SQL every named query resolves it with."""
    text = (text or "").strip()
    if not text:
        raise QueryError(f"no {param} given")
    values = {param: text}
    _resolved(db, (_pick_instrument(param),), (_instrument_problem(param, param),), values)
    return db.execute(f"with {_pick_instrument(param)} select key from pick_{param}", values).fetchone()[0]


def actor_id(db: Database, text: str | int) -> int:
    """The actor a user means: an id, or a name as the store or any source spells it (merges
    followed), by the SQL every named query resolves it with."""
    text = str(text if text is not None else "").strip()
    if not text:
        raise QueryError("no place given")
    values = {"actor_id": text}
    _resolved(db, (_PICK_ACTOR,), (_ACTOR_PROBLEM,), values)
    return db.execute(f"with {_PICK_ACTOR} select id from pick_actor", values).fetchone()[0]


def network_names(db: Database, text: str) -> list[str]:
    """Every name network `text` (any of its names) and the bodies under it go by; QueryError for
    a name no vocabulary entry, member list or issuer knows."""
    values = {"network": (text or "").strip()}
    _resolved(db, (_pick_network("network"),), (_network_problem("network"),), values)
    return [row[0] for row in db.execute(
        f"with recursive {_pick_network('network')} select name from names_network order by name", values)]


def network_of(db: Database, text: str) -> str:
    """The vocabulary's name of a network given by any of its names; the text itself when unknown."""
    row = db.execute("select n.name from network_aliases a join networks n on n.id = a.network_id where a.alias = ?",
                     [(text or "").strip()]).fetchone()
    return row[0] if row else (text or "").strip()


def _checked(db: Database, query: Query, params: dict) -> dict:
    missing = [p for p in query.params if params.get(p) is None and p != "issuer"]
    if missing:
        raise QueryError(f"query {query.name} needs {', '.join(missing)}")
    values = {p: params.get(p) for p in query.params}
    if "as_of" in values:
        values["as_of"] = checked_moment(values["as_of"])
    if "issuer" in values:
        values["issuer"] = values["issuer"] or ""
        if values["issuer"]:
            network_names(db, values["issuer"])
    if "entity" in values and values["entity"] not in ENTITY_TABLES:
        raise QueryError(f"unknown entity {values['entity']!r} (one of: {', '.join(ENTITY_TABLES)})")
    for name in ("instrument", "treaty", "actor_id", "network", "other"):
        if name in values and not str(values[name]).strip():
            raise QueryError(f"no {'place' if name == 'actor_id' else name} given")
    if query.problems:
        _resolved(db, query.ctes, query.problems, values)
    return values


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
    """Networks (by the vocabulary's name, whatever name a source printed) and, for each pair, how
    many actors belong to both; the diagonal holds each network's size. An actor belongs to a
    network when it is a current member or has a current signing of an instrument the network (or
    one of its bodies) issued; a body counts under its network."""
    rows = db.execute(
        """with recursive up(id, top) as (
             select id, id from networks where parent_id is null
             union all select n.id, up.top from networks n join up on n.parent_id = up.id
           ),
           named(printed, network) as (
             select a.alias, t.name from network_aliases a join up on up.id = a.network_id join networks t on t.id = up.top
           )
           select coalesce(n.network, m.network), m.actor_id from memberships m
           left join named n on n.printed = m.network where m.removed_at is null
           union
           select coalesce(n.network, i.issuer_as_printed), g.actor_id from instrument_issuers i
           join instrument_records r on r.key = i.instrument_key
           join signings g on g.instrument_key = i.instrument_key and g.current = 1
           left join named n on n.printed = i.issuer_as_printed
           where coalesce(r.kind, '') not in ('voluntary_local_review', 'vlr')"""
    ).fetchall()
    members: dict[str, set[int]] = {}
    for network, actor in rows:
        members.setdefault(network, set()).add(actor)
    names = sorted(members, key=lambda n: (-len(members[n]), n))
    return names, [[len(members[a] & members[b]) for b in names] for a in names]
