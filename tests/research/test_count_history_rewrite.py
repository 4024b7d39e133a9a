"""count_history's rewrite for speed (issue 24) answers exactly as the SQL it replaced.

The replaced SQL (store/queries.py after the signings rule, kept here verbatim) ran three window
functions over every step of the list's change log (every added, removed and restored change of
every row of the instrument), a lag over them in a second window, and searched the earlier days
per day. The rewrite judges actors with one step without ordering anything, runs the window only
for actors with several steps, computes a step's flip from the running sums instead of a lag, and
carries the count over the days with a running sum. Both run on the README's sample store, the
research store, and random histories (tests/research/test_as_of_standing_rows.py's: removals and
rejoins at shared and distinct capture times, news rows beside list rows of one actor, rows
without an actor, treaty participants, rows never captured), to which this adds steps that start
with a removal, changes without a capture time, captures of the lists and stated counts."""

import random

import pytest

from store import open_db
from store.queries import (_COUNT_HISTORY_COLUMNS, QUERIES, _instrument_problem, _loud, _pick_instrument,
                           execute)
from tests.research.test_as_of_standing_rows import CAPTURES, SEEDS, random_store

COUNT_HISTORY_CORE_BEFORE = """
select * from (
with evidence as (
  select s.key, s.actor_id, coalesce(k.kind, 'roster') = 'roster' as is_list
  from signatures s left join scope_kinds k on k.scope = s.scope
  where s.instrument_key = (select key from pick_instrument)
),
steps as (
  select e.actor_id, e.is_list, c.observed_at, c.id, case c.change when 'removed' then -1 else 1 end as delta
  from evidence e cross join changes c on c.entity = 'signature' and c.entity_key = e.key
  where c.change in ('added', 'removed', 'restored')
),
running as (
  select actor_id, observed_at, id,
         sum(case when is_list then delta else 0 end) over w as list_rows,
         sum(case when is_list then 0 else delta end) over w as news_rows,
         max(is_list) over w as list_seen
  from steps window w as (partition by actor_id order by observed_at, id rows unbounded preceding)
),
standing as (
  select actor_id, observed_at, id,
         case when list_rows > 0 or (list_seen = 0 and news_rows > 0) then 1 else 0 end as stands
  from running
),
flips as (
  select substr(observed_at, 1, 10) as day,
         stands - coalesce(lag(stands) over (partition by actor_id order by observed_at, id), 0) as delta
  from standing
),
deltas as (select day, sum(delta) as delta from flips group by day),
observed as (select day, sum(delta) over (order by day) as observed from deltas),
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
days as (select day from observed union select day from stated union select day from captures)
select days.day,
       (select o.observed from observed o where o.day <= days.day order by o.day desc limit 1) as observed,
       stated.stated, stated.stated_by, stated.stated_url
from days left join stated on stated.day = days.day
)"""

COUNT_HISTORY_BEFORE = _loud(COUNT_HISTORY_CORE_BEFORE, _COUNT_HISTORY_COLUMNS, "day",
                             ctes=(_pick_instrument("instrument"),), problems=(_instrument_problem("instrument"),))


def with_odd_steps(db, seed: int):
    """Add to a random store what its histories lack: actors whose first step is a removal, a news
    row and a list row of one actor seen on one day, changes without a capture time (some seeds),
    the lists' captures (complete or not, healthy or not) and stated counts (some seen once)."""
    rng = random.Random(seed * 7919)
    conn = db.conn
    instruments = [row[0] for row in conn.execute("select key from instruments order by key")]
    next_id = conn.execute("select max(id) from changes").fetchone()[0] or 0
    with db.atomic():
        for number, instrument in enumerate(instruments):
            actor = 20 + number
            conn.execute("insert into actors (id, name, country, kind, geonames_id, key) values (?, ?, 'PE', 'city', ?, ?)",
                         [actor, f"Odd {number}", 500 + actor, f"odd|{actor}"])
            day = rng.choice(CAPTURES)
            for suffix, scope, steps in (("list", "signatures:list-a", [(day, "removed"), (rng.choice(CAPTURES), "added")]),
                                         ("news", "news:wire", [(day, "added")])):
                key = f"{instrument}/odd-{suffix}"
                conn.execute("insert into signatures (key, instrument_key, actor_id, scope, first_seen_at) "
                             "values (?, ?, ?, ?, ?)", [key, instrument, actor, scope, day])
                for moment, change in steps:
                    next_id += 1
                    conn.execute("insert into changes (id, run_id, entity, entity_key, change, diff, observed_at, "
                                 "detected_at, notify, scope) values (?, 1, 'signature', ?, ?, '{}', ?, ?, 0, ?)",
                                 [next_id, key, change, moment, moment, scope])
            for moment in rng.sample(CAPTURES, 4):
                conn.execute("insert into scope_runs (run_id, scope, entity, observed_at, finished_at, complete, healthy) "
                             "values (1, ?, 'signature', ?, ?, ?, ?)",
                             [rng.choice(["signatures:list-a", "signatures:list-b", "signatures:treaty"]), moment,
                              rng.choice([moment, None]), rng.choice([0, 1, 1]), rng.choice([0, 1, 1])])
            for claim in range(rng.randrange(0, 4)):
                first = rng.choice(CAPTURES + ["2026-03-01T09:00:00Z"])
                conn.execute("insert into count_claims (key, source, subject_key, count, url, first_seen_at, last_seen_at) "
                             "values (?, ?, ?, ?, ?, ?, ?)",
                             [f"{instrument}/claim-{claim}", rng.choice(["c40", "uclg"]), instrument,
                              rng.randrange(5, 40), rng.choice([None, "https://example.org/count"]), first,
                              rng.choice([first, None, "2026-06-01T09:00:00Z"])])
        if seed % 4 == 0:  # a change without its capture time: a day of its own, before every other
            conn.execute("update changes set observed_at = null where id in (select id from changes "
                         "where entity = 'signature' order by id limit 3)")


def compare(db, instruments) -> int:
    rows_seen = 0
    for instrument in instruments:
        params = {"instrument": instrument}
        rows = db.execute(QUERIES["count_history"].sql, params).fetchall()  # as Datasette runs it, problems too
        assert rows == db.execute(COUNT_HISTORY_BEFORE, params).fetchall(), params
        rows_seen += len(rows)
    return rows_seen


@pytest.fixture(scope="module")
def random_stores(tmp_path_factory):
    """The random stores of every seed with their odd steps, written once for the module (both tests
    below only read them)."""
    folder = tmp_path_factory.mktemp("random-counts")
    for seed in range(SEEDS):
        db = random_store(folder / f"random-{seed}.db", seed)
        with_odd_steps(db, seed)
        db.close()
    return {seed: folder / f"random-{seed}.db" for seed in range(SEEDS)}


@pytest.mark.parametrize("seed", range(SEEDS))
def test_random_histories_answer_as_before(random_stores, seed):
    db = open_db(random_stores[seed])
    instruments = [row[0] for row in db.execute("select key from instruments order by key")]
    assert len(instruments) == 4
    assert compare(db, instruments + ["no such instrument", "pledge"]) > 0
    db.close()


def test_random_histories_cover_the_cases(random_stores):
    # What the rewrite decides differently: actors with one step (no window) and with several, the
    # rows without an actor as one actor of either kind, news and list rows of one actor, a first
    # step that removes, a step without a capture time, a day on which observed falls back.
    found = set()
    for seed in range(SEEDS):
        db = open_db(random_stores[seed])
        found |= {row[0] for row in db.execute(
            """with steps as (select s.instrument_key, s.actor_id, s.scope, c.change, c.observed_at
                              from signatures s join changes c on c.entity_key = s.key
                              where c.change in ('added', 'removed', 'restored'))
               select case when count(*) = 1 then 'one step' else 'several steps' end
                      || case when actor_id is null then ' without actor' else '' end
               from steps group by instrument_key, actor_id
               union select 'news and list' from steps group by instrument_key, actor_id
                 having max(scope like 'news:%') and min(scope like 'news:%') = 0
               union select 'removal first' from changes c where change = 'removed'
                 and not exists (select 1 from changes b where b.entity_key = c.entity_key and b.id < c.id)
               union select 'no capture time' from steps where observed_at is null""")}
        found |= {"falls back" for instrument in ("random/pledge-0", "random/pledge-1", "random/pledge-2")
                  if any(a[1] is not None and b[1] is not None and b[1] < a[1] for a, b in
                         zip(*(lambda rows: (rows, rows[1:]))(execute(db, "count_history", instrument=instrument)[1])))}
        db.close()
    assert found == {"one step", "several steps", "one step without actor", "several steps without actor",
                     "news and list", "removal first", "no capture time", "falls back"}


@pytest.mark.parametrize("store", ["sample_store", "research_store"])
def test_the_stores_answer_as_before(store, request):
    db = open_db(request.getfixturevalue(store))
    instruments = [row[0] for row in db.execute(
        "select key from instruments union select instrument_key from signatures order by 1")]
    assert instruments
    assert compare(db, instruments) > 0
    db.close()


def test_only_actors_with_several_steps_are_ordered():
    # One window, over the steps of actors with several; no lag, and no search of earlier days per day.
    sql = QUERIES["count_history"].sql
    assert sql.count(" over ") == 4 and "lag(" not in sql and "limit 1" not in sql
    db = open_db(memory=True)
    plan = [row[3] for row in db.execute("explain query plan " + sql, {"instrument": "x"})]
    # the only subqueries run per row are pick_instrument's (an instrument named in a mention)
    correlated = {plan[n + 1] for n, step in enumerate(plan) if step.startswith("CORRELATED")}
    assert correlated == {"SEARCH i USING COVERING INDEX sqlite_autoindex_instruments_1 (key=?)"}, plan
    before = [row[3] for row in db.execute("explain query plan " + COUNT_HISTORY_BEFORE, {"instrument": "x"})]
    assert "SCAN o" in before and "SCAN o" not in plan  # the reference searched the earlier days per day
