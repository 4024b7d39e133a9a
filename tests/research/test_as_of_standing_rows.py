"""signatories_as_of's second rewrite for speed (issue 24) answers exactly as the SQL it replaced.

The replaced SQL (store/queries.py after m302, kept here verbatim with the evidence rows it read)
judged every evidence row at the moment, then grouped all of them per actor with a dozen CASEs each
and kept an actor when a list row stood or, with no list row seen, any row stood. The rewrite groups
only the rows that stand, ranks list rows first by a one-character prefix, and asks whether a list
row had been seen only for actors whose standing rows are all news. Both run on the README's sample
store (treaties with the UN's dates, news-only signings, C40 replays) and on random histories:
additions, updates, removals and rejoins at shared and distinct capture times (ties broken by id),
rows never captured, news and list rows of one actor, rows without an actor, actors of one name,
missing countries, names, dates and sources, and treaty participants (signatory, party, withdrawn,
removed), at moments before the first capture, at and between captures and on the printed dates."""

import random

import pytest

from store import open_db
from store.queries import (_AS_OF_COLUMNS, _MOMENT_PROBLEM, QUERIES, _instrument_problem, _loud, _pick_instrument,
                           execute)
from tests.research.test_as_of_rewrite import AS_OF_GROUPED_BEFORE

EVIDENCE_OF_BEFORE = """select s.*, coalesce(k.kind, 'roster') = 'roster' as is_list
  from signatures s left join scope_kinds k on k.scope = s.scope"""

AS_OF_CORE_BEFORE = """
select * from (
with moment(until, day) as (
  select case when length(trim(:as_of)) = 10 then trim(:as_of) || 'T23:59:59Z' else trim(:as_of) end,
         substr(trim(:as_of), 1, 10)
),
latest as materialized (
  select e.actor_id, e.is_list, e.country, e.actor_name, e.signed_on, e.source, e.first_seen_at, e.url, e.status,
         e.removed_at, e.action_on, e.withdrawal_effective_on,
         case when e.status in ('party', 'signatory', 'withdrawn') then null
              else (select c.change from changes c
                     where c.entity = 'signature' and c.entity_key = e.key and c.observed_at <= (select until from moment)
                     order by c.observed_at desc, c.id desc limit 1) end as latest_change
  from (""" + EVIDENCE_OF_BEFORE + """ where s.instrument_key = (select key from pick_instrument)) e
),
-- materialised too: the grouping reads `stands` in a dozen aggregates, and a flattened CTE would
-- evaluate its CASE again in each (5.7M VM steps for a 10,600-row list at 1M signatures, 3.3M so)
rows as materialized (
  select e.*,
         case when e.status in ('party', 'signatory', 'withdrawn') then
                (e.removed_at is null or e.removed_at > (select until from moment))
                and coalesce(e.signed_on, e.action_on) <= (select day from moment)
              else e.latest_change in ('added', 'updated', 'restored') end as stands,
         case when e.status in ('party', 'signatory', 'withdrawn') then 1
              else e.latest_change is not null end as seen,
         case when e.status = 'withdrawn' and coalesce(e.withdrawal_effective_on, '') <= (select day from moment)
                then 'withdrawn'
              when e.action_on <= (select day from moment) then 'party'
              when e.status in ('party', 'signatory', 'withdrawn') then 'signatory'
              else e.status end as status_then
  from latest e
),
""" + AS_OF_GROUPED_BEFORE  # the grouping tail, unchanged by the first rewrite

AS_OF_BEFORE = _loud(AS_OF_CORE_BEFORE, _AS_OF_COLUMNS, "on_list desc, actor, name_as_published",
                     ctes=(_pick_instrument("instrument"),), problems=(_instrument_problem("instrument"), _MOMENT_PROBLEM))

CAPTURES = [f"2025-{month:02d}-{day:02d}T{hour:02d}:15:00Z" for month in (2, 5, 9) for day in (3, 17) for hour in (8, 20)]
SCOPES = {"signatures:list-a": None, "signatures:list-b": "roster", "news:wire": "news", "news:blog": "news"}
SEEDS = 20  # a treaty row with no date beside news of one actor turns up in a few of these only
SOURCES = ["c40", "uclg", "news_wire", "un_treaties", None]


def random_store(path, seed: int):
    """A store with random histories written straight into its tables (the triggers run); returns it."""
    rng = random.Random(seed)
    db = open_db(path)
    conn = db.conn
    with db.atomic():
        names = ["Springfield", "Lagos", "Quito", "Springfield", "Oslo", "Accra", "Lima", "Pune", "Kobe", "Turin"]
        conn.executemany("insert into actors (id, name, country, kind, geonames_id, key) values (?, ?, ?, 'city', ?, ?)",
                         [(i + 1, name, rng.choice(["US", "NG", None]), 100 + i, f"{name}|{i}")
                          for i, name in enumerate(names)])
        conn.executemany("insert into scope_kinds (scope, kind) values (?, ?)",
                         [(scope, kind) for scope, kind in SCOPES.items() if kind])
        instruments = [f"random/pledge-{n}" for n in range(3)] + ["random/treaty"]
        conn.executemany("insert into instruments (key, title, source, first_seen_at) values (?, ?, 'random', ?)",
                         [(key, f"Title of {key}", CAPTURES[0]) for key in instruments])
        change_id = 0
        for instrument in instruments:
            treaty = instrument.endswith("treaty")
            for number in range(rng.randrange(8, 30)):
                actor = rng.choice([None] * 4 + list(range(1, len(names) + 1)) * 2)
                # a treaty's list, and news of it (which the UN's dates do not judge)
                scope = ("signatures:treaty" if treaty and rng.random() < 0.7 else rng.choice(list(SCOPES)))
                key = f"{instrument}/{number}"
                row = {"key": key, "instrument_key": instrument, "actor_id": actor, "scope": scope,
                       "actor_name": rng.choice([None, f"Name {number % 4}", f"City {number}"]),
                       "country": rng.choice([None, "US", "NG", "PE"]), "source": rng.choice(SOURCES),
                       "url": rng.choice([None, f"https://example.org/{number % 3}"]),
                       "signed_on": rng.choice([None, None, f"20{rng.randrange(10, 26)}-0{rng.randrange(1, 9)}-15"]),
                       "first_seen_at": rng.choice(CAPTURES), "status": None, "removed_at": None,
                       "action_on": None, "withdrawal_effective_on": None}
                if scope == "signatures:treaty":  # the UN's printed dates judge these rows; some have no status
                    row["status"] = rng.choice(["signatory", "party", "withdrawn", "party", None])
                    row["action_on"] = rng.choice([None, "2001-03-04", "2025-05-17", "2026-01-01"])
                    if row["status"] == "withdrawn":
                        row["withdrawal_effective_on"] = rng.choice([None, "2019-11-04", "2025-09-03"])
                    row["removed_at"] = rng.choice([None, None, None, rng.choice(CAPTURES)])
                else:
                    row["status"] = rng.choice([None, None, "signed", "listed"])
                history = []
                if rng.random() < 0.85:  # else never captured: no change at all
                    captured = sorted(rng.sample(CAPTURES, rng.randrange(1, 5)))
                    if rng.random() < 0.2:
                        captured.insert(1, captured[0])  # two changes at one capture time: the later id counts
                    history = [(captured[0], "added")]
                    for moment in captured[1:]:
                        last = history[-1][1]
                        change = (rng.choice(["removed", "updated"]) if last in ("added", "updated", "restored")
                                  else rng.choice(["restored", "added"]))
                        history.append((moment, change))
                    if not treaty and history[-1][1] == "removed":
                        row["removed_at"] = history[-1][0]
                columns = ", ".join(row)
                conn.execute(f"insert into signatures ({columns}) values ({', '.join('?' * len(row))})", list(row.values()))
                for moment, change in history:
                    change_id += 1
                    conn.execute("insert into changes (id, run_id, entity, entity_key, change, diff, observed_at, detected_at, "
                                 "notify, scope) values (?, 1, 'signature', ?, ?, '{}', ?, ?, 0, ?)",
                                 [change_id, key, change, moment, moment, scope])
    return db


def moments(db, *, every_signed_on=True):
    """Before the first capture, each capture day and instant, a minute after each, and the printed dates.

    Without `every_signed_on`, the signing dates of rows the UN's dates do not judge are left out:
    both queries read the moment only in the changes' times and in the dates of rows whose status is
    party, signatory or withdrawn (the `stands` and `status_then` CASEs), so such a date answers as
    the kept moment at or before it with none of those between (each of which is kept, in the date
    form such a date has): the same answers, a third fewer moments (the random histories' 56 to 38)."""
    instants = [row[0] for row in db.execute(
        "select distinct observed_at from changes where entity = 'signature' order by 1")]
    judged = "" if every_signed_on else "and status in ('party', 'signatory', 'withdrawn')"
    printed = [row[0] for row in db.execute(
        "select action_on from signatures where action_on is not null union "
        "select withdrawal_effective_on from signatures where withdrawal_effective_on is not null union "
        f"select signed_on from signatures where signed_on is not null {judged} order by 1")]
    between = [instant[:14] + "16:00Z" for instant in instants]
    return sorted(set(["2000-01-01"] + [i[:10] for i in instants] + instants + between + printed + ["2027-01-01"]))


def compare(db, instruments, at) -> int:
    rows_seen = 0
    for instrument in instruments:
        for moment in at:
            params = {"instrument": instrument, "as_of": moment}
            _columns, rows = execute(db, "signatories_as_of", **params)
            assert rows == db.execute(AS_OF_BEFORE, params).fetchall(), params
            rows_seen += len(rows)
    return rows_seen


@pytest.fixture(scope="module")
def random_stores(tmp_path_factory):
    """The random stores of every seed, written once for the module (both tests below only read them)."""
    folder = tmp_path_factory.mktemp("random-histories")
    for seed in range(SEEDS):
        random_store(folder / f"random-{seed}.db", seed).close()
    return {seed: folder / f"random-{seed}.db" for seed in range(SEEDS)}


@pytest.mark.parametrize("seed", range(SEEDS))
def test_random_histories_answer_as_before(random_stores, seed):
    db = open_db(random_stores[seed])
    instruments = [row[0] for row in db.execute("select distinct instrument_key from signatures order by 1")]
    at = moments(db, every_signed_on=False)
    assert len(instruments) == 4 and len(at) > 20
    assert compare(db, instruments, at) > 0
    db.close()


def test_random_histories_cover_the_cases(random_stores):
    # The random stores above hold what the rewrite decides differently: news rows beside list rows of
    # one actor, rows without an actor, rejoins, ties at one capture, rows never captured, each treaty status.
    found = set()
    for seed in range(SEEDS):
        db = open_db(random_stores[seed])
        found |= {row[0] for row in db.execute(
            """select 'news and list' from signatures a join signatures b on a.actor_id = b.actor_id
                 and a.instrument_key = b.instrument_key and a.scope like 'news:%' and b.scope like 'signatures:%'
               union select 'no actor' from signatures where actor_id is null
               union select 'rejoin' from changes where change = 'restored'
               union select 'tie' from changes group by entity_key, observed_at having count(*) > 1
               union select 'never captured' from signatures s
                 where s.status is null and not exists (select 1 from changes c where c.entity_key = s.key)
               union select 'treaty ' || status from signatures where status in ('signatory', 'party', 'withdrawn')""")}
        db.close()
    assert found == {"news and list", "no actor", "rejoin", "tie", "never captured",
                     "treaty signatory", "treaty party", "treaty withdrawn"}


def test_the_sample_store_answers_as_before(sample_store):
    db = open_db(sample_store)
    instruments = [row[0] for row in db.execute(
        "select instrument_key from signatures group by instrument_key order by count(*) desc, 1")]
    assert instruments
    assert compare(db, instruments[:8] + instruments[8::max(1, len(instruments) // 8)], moments(db)) > 0
    db.close()


def test_each_row_is_judged_once_in_the_grouping():
    # The rows that stand are grouped, their changes searched once each (the grouping's WHERE); the
    # second search belongs to the check of actors whose standing rows are all news, run only for them.
    db = open_db(memory=True)
    plan = [row[3] for row in db.execute("explain query plan " + QUERIES["signatories_as_of"].sql,
                                         {"instrument": "x", "as_of": "2026-01-01"})]
    assert sum(step.startswith("SEARCH c ") for step in plan) == 2, plan
    assert any("AUTOMATIC COVERING INDEX (actor_id=?)" in step for step in plan), plan
