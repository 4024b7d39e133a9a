"""m301 keeps the signings the rule makes current (current_signings) and the bodies each instrument
names as its issuer (instrument_issuer_names) by triggers, m302 each printed network name's members
and signatories with their counts (network_members), and network_overlap reads them: it must
answer exactly as the SQL it replaced, which applied the rule to every evidence row and split every
issuer at each call. That SQL is kept here verbatim as the reference (store/queries.py's
network_overlap before m301, parameters' CTEs and problem row included).

Compared on the README's sample store, the research store, the benchmark's synthetic store and a
store written step by step through the real ingest with random lists: baselines, additions,
removals, names that return, a held list confirmed, news evidence, a scope that changes kind, a
reviewer's merge, an instrument whose issuer changes, a deleted row. After each step the kept tables
equal what the views say (signings.current, instrument_issuers), and every pair of networks
answers as the reference does."""

import random
import re

import pytest

from kit.items import Membership, Signature, as_record
from places.curated import gazetteer
from store import holds, ingest, open_db, review, runs
from store.actors import ActorResolver
from store.queries import QUERIES, execute

OVERLAP_BEFORE_M301 = """
with recursive tree_network(id) as (
  select network_id from network_aliases where alias = trim(:network)
  union
  select n.id from networks n join tree_network t on n.parent_id = t.id
),
names_network(name) as (
  select alias from network_aliases where network_id in (select id from tree_network)
  union all select trim(:network)  -- union all: a union would fold "c40 cities" and "C40 Cities" (nocase)
  -- and each spelling the store holds that differs from an alias only in case ("EUROCITIES" beside
  -- the alias "Eurocities"): the aliases compare without case, memberships.network and issuers with it
  union all select distinct network from memberships
  where network collate nocase in (select alias from network_aliases where network_id in (select id from tree_network))
  union all select distinct issuer_as_printed from instrument_issuers where network_id in (select id from tree_network)
), tree_other(id) as (
  select network_id from network_aliases where alias = trim(:other)
  union
  select n.id from networks n join tree_other t on n.parent_id = t.id
),
names_other(name) as (
  select alias from network_aliases where network_id in (select id from tree_other)
  union all select trim(:other)  -- union all: a union would fold "c40 cities" and "C40 Cities" (nocase)
  -- and each spelling the store holds that differs from an alias only in case ("EUROCITIES" beside
  -- the alias "Eurocities"): the aliases compare without case, memberships.network and issuers with it
  union all select distinct network from memberships
  where network collate nocase in (select alias from network_aliases where network_id in (select id from tree_other))
  union all select distinct issuer_as_printed from instrument_issuers where network_id in (select id from tree_other)
),
problem(message) as (select coalesce(case when exists (select 1 from tree_network)
            or exists (select 1 from memberships where network = trim(:network))
            or exists (select 1 from instrument_issuers where issuer_as_printed = trim(:network))
  then null
  else 'unknown network ' || quote(:network) || ' (a name of the networks table, a memberships.network or an instruments.issuer)' end, case when exists (select 1 from tree_other)
            or exists (select 1 from memberships where network = trim(:other))
            or exists (select 1 from instrument_issuers where issuer_as_printed = trim(:other))
  then null
  else 'unknown network ' || quote(:other) || ' (a name of the networks table, a memberships.network or an instruments.issuer)' end, null))
select * from (
  select * from (
select * from (
with a_instruments as (
  select distinct instrument_key from instrument_issuers where issuer_as_printed in (select name from names_network)
),
b_instruments as (
  select distinct instrument_key from instrument_issuers where issuer_as_printed in (select name from names_other)
),
a_rows as (
  select actor_id, null as instrument_key from memberships
  where network in (select name from names_network) and removed_at is null
  union all
  select actor_id, instrument_key from (
    select s.actor_id, s.instrument_key,
           max(coalesce(k.kind, 'roster') = 'roster' and s.removed_at is null) as on_list,
           max(coalesce(k.kind, 'roster') = 'roster') as list_ever,
           max(s.removed_at is null) as any_current
    from a_instruments i cross join signatures s on s.instrument_key = i.instrument_key
    left join scope_kinds k on k.scope = s.scope
    group by s.actor_id, s.instrument_key)
  where on_list or (not list_ever and any_current)
),
a as (select actor_id, count(distinct instrument_key) as instruments_signed from a_rows group by actor_id),
b as (
  select actor_id from memberships where network in (select name from names_other) and removed_at is null
  union
  select actor_id from (select actor_id, instrument_key from (
    select s.actor_id, s.instrument_key,
           max(coalesce(k.kind, 'roster') = 'roster' and s.removed_at is null) as on_list,
           max(coalesce(k.kind, 'roster') = 'roster') as list_ever,
           max(s.removed_at is null) as any_current
    from b_instruments i cross join signatures s on s.instrument_key = i.instrument_key
    left join scope_kinds k on k.scope = s.scope
    group by s.actor_id, s.instrument_key)
  where on_list or (not list_ever and any_current))
)
select ac.id as actor_id, ac.name as actor, ac.country,
       coalesce(a.actor_id in (select actor_id from b), 0) as in_other,
       a.instruments_signed
from a join actors ac on ac.id = a.actor_id
)) where (select message from problem) is null
  union all
  select message, null, null, null, null from problem where message is not null
)
order by in_other desc, actor, actor_id
"""


def kept_tables_agree_with_the_views(db):
    kept = db.execute("select instrument_key, actor_id from current_signings order by 1, 2").fetchall()
    truth = db.execute("select instrument_key, actor_id from signings where current = 1 and actor_id is not null "
                       "order by 1, 2").fetchall()
    assert kept == truth
    kept = db.execute("select issuer_as_printed, instrument_key from instrument_issuer_names order by 1, 2").fetchall()
    truth = db.execute("select distinct issuer_as_printed, instrument_key from instrument_issuers order by 1, 2").fetchall()
    assert kept == truth
    kept = db.execute("select network, actor_id, memberships, instruments from network_members order by 1, 2").fetchall()
    truth = db.execute("""
        select network, actor_id, sum(member), sum(signed) from (
          select network, actor_id, 1 as member, 0 as signed from memberships
          where removed_at is null and actor_id is not null
          union all
          select i.issuer_as_printed, g.actor_id, 0, 1
          from (select distinct issuer_as_printed, instrument_key from instrument_issuers) i
          join signings g on g.instrument_key = i.instrument_key and g.current = 1 and g.actor_id is not null)
        group by network, actor_id order by 1, 2""").fetchall()
    assert kept == truth


def network_names(db):
    """Every name a question may give: members' networks, issuers as printed, the vocabulary's."""
    return [row[0] for row in db.execute(
        """select network from memberships union select issuer_as_printed from instrument_issuers
           union select name from networks where id in (select network_id from network_aliases
                                                        where alias in (select network from memberships)
                                                           or alias in (select issuer_as_printed from instrument_issuers))
           order by 1""")]


def answers_as_before(db, names=None) -> int:
    """Compare every ordered pair of `names`; the number of rows compared.

    The reference reads the view instrument_issuers's rows kept once, for these comparisons, in a
    temporary table of that name, which shadows the view on this connection: the view splits every
    issuer again at each of the reference's calls (a third of its CPU); network_overlap reads the
    kept tables, not the view."""
    assert not re.search(r"\b(from|join)\s+instrument_issuers\b", QUERIES["network_overlap"].sql, re.I)
    db.execute("create temp table instrument_issuers as select * from main.instrument_issuers")
    try:
        return _each_pair_as_before(db, names or network_names(db))
    finally:
        db.execute("drop table temp.instrument_issuers")


def _each_pair_as_before(db, names) -> int:
    compared = 0
    for network in names:
        for other in names:
            rows = execute(db, "network_overlap", network=network, other=other)[1]
            assert rows == db.execute(OVERLAP_BEFORE_M301, {"network": network, "other": other}).fetchall(), \
                (network, other)
            compared += len(rows)
    return compared


@pytest.mark.parametrize("store", ["sample_store", "research_store", "bench_store"])
def test_network_overlap_answers_as_the_replaced_sql(request, store):
    path = request.getfixturevalue(store)
    db = open_db(path[0] if store == "bench_store" else path)
    try:
        kept_tables_agree_with_the_views(db)
        names = network_names(db)
        assert len(names) >= 3
        assert answers_as_before(db, names) > 0
    finally:
        db.close()


# -- a store written step by step ------------------------------------------------------------------

CITIES = ("Paris", "Lima", "Oslo", "Durban", "Accra", "Amman", "Austin", "Bogotá", "London", "Milano", "Quito",
          "Barcelona", "Dhaka", "Lagos", "Nairobi", "Seoul", "Tokyo", "Madrid", "Lisbon", "Vienna")
INSTRUMENTS = {"test/pledge-a": "C40 Cities", "test/pledge-b": "C40", "test/charter": "UCLG; Eurocities",
               "test/compact": "Covenant of Mayors", "test/declaration": "UN-Habitat",
               "test/joint": "C40; C40 Cities"}  # two names of one network: its signatories count it once
NETWORKS = ("C40 Cities", "Covenant of Mayors", "EUROCITIES", "UCLG")


class Writer:
    """Crawls through the store's real API: one run a week, each scope as a crawl reports it."""

    def __init__(self, db, seed):
        self.db, self.rng, self.week = db, random.Random(seed), 0

    def run(self, scopes, *, held=()):
        now = f"2026-{1 + self.week // 4:02d}-{1 + 7 * (self.week % 4):02d}T08:00:00Z"
        self.week += 1
        run_id = runs.start_run(self.db, spider="test", now=now)
        resolver = ActorResolver(self.db, "test", gazetteer(), now)
        for scope, entity, kind, records in scopes:
            state = ingest.begin_scope(self.db, run_id=run_id, scope=scope, entity=entity, url="https://example.org/",
                                       observed_at=now, complete=True, healthy=True, kind=kind,
                                       keys=[r["key"] for r in records], held=scope in held)
            if scope in held:
                holds.hold(self.db, state.scope_run_id, kind="confirm", keys=[r["key"] for r in records])
            for start in range(0, len(records), 4):
                ingest.apply_records(self.db, state, records[start:start + 4], now=now, resolver=resolver)
            ingest.close_scope(self.db, state, now=now, removal_runs=2)
        runs.finish_run(self.db, run_id, now=now, finish_reason="finished", pages=len(scopes), items=0, errors=0,
                        healthy=True, health=[], summary="")
        return run_id


def signatures(instrument, names, *, news=None, dated=()):
    # A name in `dated` is printed with a date: a later run that prints one updates the row.
    return [as_record(Signature(source="test", key=f"{news or instrument}/{n.lower()}", url="https://example.org/",
                                instrument_key=instrument, actor_name=n, signed_on="2026-01-15" if n in dated else None))
            for n in names]


def members(network, names):
    return [as_record(Membership(source="test", key=f"{network}/{n.lower()}", url="https://example.org/",
                                 network=network, actor_name=n)) for n in names]


def instrument_rows(db, issuers):
    with db.atomic():
        for key, issuer in issuers.items():
            db.execute("insert into instruments (key, title, issuer, source, scope, url) values (?, ?, ?, 'test', "
                       "'instruments:test', 'https://example.org/') on conflict (key) do update set issuer = excluded.issuer",
                       [key, key, issuer])


def test_the_kept_tables_follow_every_write_and_the_answers_stay_those_of_the_replaced_sql(tmp_path):
    db = open_db(tmp_path / "glocal.db")
    writer = Writer(db, seed=301)
    rng = writer.rng
    instrument_rows(db, INSTRUMENTS)
    lists = {key: rng.sample(CITIES, rng.randint(6, 14)) for key in INSTRUMENTS}
    rosters = {network: rng.sample(CITIES, rng.randint(5, 12)) for network in NETWORKS}
    compared = 0
    dated = set()

    def week(*, held=(), news=()):
        scopes = [(f"signatures:{key}", "signature", "roster", signatures(key, names, dated=dated))
                  for key, names in lists.items()]
        scopes += [(f"members:{network}", "membership", "roster", members(network, names))
                   for network, names in rosters.items()]
        if news:
            scopes.append(("signatures:test/news", "signature", "append-only", [
                record for instrument, names in news for record in signatures(instrument, names, news=f"news/{instrument}")]))
        return writer.run(scopes, held=held)

    def check():
        nonlocal compared
        kept_tables_agree_with_the_views(db)
        compared += answers_as_before(db, list(NETWORKS) + ["C40", "Eurocities", "UN-Habitat", "Covenant of Mayors - Europe"])

    week(news=[("test/pledge-a", ["Tokyo", "Seoul"]), ("test/compact", ["Lagos"])])  # baselines
    check()
    for _ in range(4):  # names leave (removed after two runs without them) and come back (restored)
        for names in (*lists.values(), *rosters.values()):
            if len(names) > 3 and rng.random() < 0.7:
                names.remove(rng.choice(names))
            if rng.random() < 0.5:
                names.append(rng.choice([c for c in CITIES if c not in names]))
        dated.update(rng.sample(CITIES, 3))  # rows updated with a date, nothing else changed
        week(news=[("test/charter", rng.sample(CITIES, 2))])
        check()
    # A name removed from a list comes back to it (restored), and to its network's roster.
    instrument, name = db.execute("select instrument_key, actor_name from signatures where removed_at is not null "
                                  "and scope <> 'signatures:test/news' order by key limit 1").fetchone()
    network, member = db.execute("select network, actor_name from memberships where removed_at is not null "
                                 "order by key limit 1").fetchone()
    lists[instrument].append(name)
    rosters[network].append(member)
    week()
    check()
    assert db.execute("select count(*) from changes where entity = 'signature' and change = 'updated'").fetchone()[0]
    assert db.execute("select count(*) from changes where entity = 'signature' and change = 'restored'").fetchone()[0]
    assert db.execute("select count(*) from changes where entity = 'membership' and change = 'restored'").fetchone()[0]
    # A list that lost most of its names is held; an operator confirms it: the others are removed then.
    lists["test/compact"] = lists["test/compact"][:2]
    held_run = week(held=("signatures:test/compact",))
    check()
    holds.confirm(db, held_run, now="2026-06-01T00:00:00Z")
    check()
    # The news scope turns out to be a list (its kind changes), and back.
    for kind in ("roster", "append-only"):
        db.execute("update scope_kinds set kind = ? where scope = 'signatures:test/news'", [kind])
        check()
    # A reviewer merges two actors and splits a spelling off again.
    ids = {name: id_ for id_, name in db.execute("select id, name from actors")}
    review.merge(db, ids["Lima"], ids["Quito"])
    check()
    # An instrument's issuer is corrected; one is deleted; evidence rows are deleted.
    instrument_rows(db, {"test/declaration": "Covenant of Mayors; UN-Habitat", "test/pledge-b": "UCLG"})
    check()
    with db.atomic():
        db.execute("delete from instruments where key = 'test/charter'")
        db.execute("delete from signatures where key in (select key from signatures order by key limit 5)")
        db.execute("delete from memberships where key in (select key from memberships order by key limit 3)")
    check()
    assert compared > 100


def test_a_store_written_before_m301_gets_the_kept_tables_from_the_migrations(tmp_path):
    path = tmp_path / "glocal.db"
    db = open_db(path)
    triggers = [name for name, in db.execute(
        "select name from sqlite_master where type = 'trigger' "
        "and (name like '%current%' or name like '%issuer_names%' or name like '%\\_members\\_%' escape '\\')")]
    # m301: four on signatures, three on scope_kinds, three on instruments; m302: three on each of
    # memberships, current_signings and instrument_issuer_names.
    assert len(triggers) == 19, triggers
    # As before m301: no kept tables, no triggers, m100's trigger on scope_runs.
    for name in triggers:
        db.execute(f"drop trigger {name}")
    db.execute("drop trigger scope_runs_kind_ai")
    db.execute("""create trigger scope_runs_kind_ai after insert on scope_runs begin
                      insert or replace into scope_kinds (scope, kind) values (new.scope, coalesce(new.kind, 'roster'));
                  end""")
    for table in ("network_members", "current_signings", "instrument_issuer_names"):
        db.execute(f"drop table {table}")
    db.execute("delete from _sqlite_migrations where name in "
               "('m301_current_signings_and_issuer_names', 'm302_network_members')")
    writer = Writer(db, seed=7)
    instrument_rows(db, INSTRUMENTS)
    writer.run([(f"signatures:{key}", "signature", "roster", signatures(key, CITIES[i:i + 8]))
                for i, key in enumerate(INSTRUMENTS)]
               + [("members:C40 Cities", "membership", "roster", members("C40 Cities", CITIES[3:12]))])
    db.close()
    db = open_db(path)  # applies m301 and m302: their tables filled from the rows already there
    assert db.execute("select count(*) from current_signings").fetchone()[0] > 20
    assert db.execute("select count(*) from network_members").fetchone()[0] > 8
    kept_tables_agree_with_the_views(db)
    assert answers_as_before(db, list(NETWORKS) + ["C40"]) > 0
    db.close()


def test_the_plan_reads_the_kept_tables_and_no_evidence_row():
    from store.queries import QUERIES

    db = open_db(":memory:", memory=True)
    plan = [row[3] for row in db.execute("explain query plan " + QUERIES["network_overlap"].sql,
                                         {"network": "C40 Cities", "other": "Covenant of Mayors"})]
    db.close()
    # Each side: its names' rows of network_members, one search per name.
    assert [step for step in plan if "network_members" in step] == [
        "SEARCH network_members USING PRIMARY KEY (network=?)"] * 2, plan
    # The rare instrument under two of a network's names: its signatories, by instrument.
    assert [step for step in plan if step.startswith("SEARCH c ")] == ["SEARCH c USING PRIMARY KEY (instrument_key=?)"], plan
    # No evidence row, no split of every instrument's issuer (the view scans `instruments` whole).
    assert not any("signatures" in step or "SCAN instruments" in step or "SCAN parts" in step for step in plan), plan
