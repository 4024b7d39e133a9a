"""signatories_as_of rewritten for speed (issue 24) answers exactly as the SQL it replaced.

The replaced text evaluated "the evidence row's latest change up to the moment" once per reference:
SQLite flattened the `rows` CTE into the grouping, so a 10,000-row list ran some fifteen look-ups in
`changes` per row. The rewrite looks once per row (a materialised CTE). The replaced SQL is kept
here verbatim; both run on the research store (C40 replays: additions, a removal, respellings, news
evidence), on the README's sample store (treaties with the UN's dates, news-only signings) and on
the benchmark's synthetic store, for every instrument at every capture day and around it."""

import pytest

from store import open_db
from store.queries import (_AS_OF_COLUMNS, _EVIDENCE_OF, _MOMENT_PROBLEM, QUERIES,
                           _instrument_problem, _loud,
                           _pick_instrument, execute)

# The grouping tail both that SQL and its first rewrite (m302's round) shared, verbatim from
# store/queries.py before the second rewrite (test_as_of_standing_rows.py).
AS_OF_GROUPED_BEFORE = """grouped as (
  select r.actor_id, max(r.is_list and r.stands) as on_list, max(r.is_list and r.seen) as list_seen,
         max(r.stands) as any_stands,
         coalesce(max(case when r.is_list and r.stands then r.country end), max(case when r.stands then r.country end)) as country,
         coalesce(min(case when r.is_list and r.stands then r.actor_name end), min(case when r.stands then r.actor_name end)) as name_as_published,
         max(case when r.is_list and r.stands then r.status_then end) as status,
         coalesce(min(case when r.is_list and r.stands and r.signed_on is not null then r.signed_on || char(31) || r.source end),
                  min(case when r.stands and r.signed_on is not null then r.signed_on || char(31) || r.source end)) as dated,
         min(case when r.stands then r.first_seen_at end) as first_seen_at,
         group_concat(distinct case when r.stands then r.source end) as sources,
         coalesce(min(case when r.is_list and r.stands then r.url end), min(case when r.stands then r.url end)) as url
  from rows r group by r.actor_id
)
select (select key from pick_instrument) as instrument_key, g.actor_id, a.name as actor,
       coalesce(g.country, a.country) as country, a.geonames_id, g.name_as_published, g.on_list, g.status,
       substr(g.dated, 1, instr(g.dated, char(31)) - 1) as signed_on,
       substr(g.dated, instr(g.dated, char(31)) + 1) as signed_on_source,
       g.first_seen_at, g.sources, g.url
from grouped g left join actors a on a.id = g.actor_id
where g.on_list or (not g.list_seen and g.any_stands)
)"""

AS_OF_CORE_BEFORE = """
select * from (
with moment(until, day) as (
  select case when length(trim(:as_of)) = 10 then trim(:as_of) || 'T23:59:59Z' else trim(:as_of) end,
         substr(trim(:as_of), 1, 10)
),
rows as (
  select e.*,
         case when e.status in ('party', 'signatory', 'withdrawn') then
                (e.removed_at is null or e.removed_at > (select until from moment))
                and coalesce(e.signed_on, e.action_on) <= (select day from moment)
              else (select c.change from changes c
                     where c.entity = 'signature' and c.entity_key = e.key and c.observed_at <= (select until from moment)
                     order by c.observed_at desc, c.id desc limit 1) in ('added', 'updated', 'restored') end as stands,
         case when e.status in ('party', 'signatory', 'withdrawn') then 1
              else exists (select 1 from changes c where c.entity = 'signature' and c.entity_key = e.key
                             and c.observed_at <= (select until from moment)) end as seen,
         case when e.status = 'withdrawn' and coalesce(e.withdrawal_effective_on, '') <= (select day from moment)
                then 'withdrawn'
              when e.action_on <= (select day from moment) then 'party'
              when e.status in ('party', 'signatory', 'withdrawn') then 'signatory'
              else e.status end as status_then
  from (""" + _EVIDENCE_OF + """ where s.instrument_key = (select key from pick_instrument)) e
),
""" + AS_OF_GROUPED_BEFORE  # unchanged by the first rewrite

AS_OF_BEFORE = _loud(AS_OF_CORE_BEFORE, _AS_OF_COLUMNS, "on_list desc, actor, name_as_published",
                     ctes=(_pick_instrument("instrument"),),
                     problems=(_instrument_problem("instrument"), _MOMENT_PROBLEM))


@pytest.fixture(scope="module", params=["research", "sample", "bench"])
def db(request):
    if request.param == "bench":
        path = request.getfixturevalue("bench_store")[0]
    else:
        path = request.getfixturevalue(f"{request.param}_store")
    database = open_db(path)
    yield database
    database.close()


def moments(db):
    """Every capture day, the instants of the captures, the day before the first, and the dates the
    UN printed (a treaty's standing moves on those)."""
    days = [row[0] for row in db.execute(
        "select distinct substr(observed_at, 1, 10) from changes where entity = 'signature' order by 1")]
    instants = [row[0] for row in db.execute(
        "select distinct observed_at from changes where entity = 'signature' order by 1")]
    printed = [row[0] for row in db.execute(
        "select action_on from signatures where action_on is not null "
        "union select withdrawal_effective_on from signatures where withdrawal_effective_on is not null order by 1")]
    spread = lambda values, n: values[::max(1, len(values) // n)]  # noqa: E731 (a few of each, first to last)
    return sorted(set(spread(days, 6) + days[-1:] + spread(instants, 4) + spread(printed, 6) + ["2000-01-01"]))


def test_signatories_as_of_answers_as_before(db):
    # The largest lists first (the benchmark's have up to a few hundred rows at this size), then others.
    instruments = [row[0] for row in db.execute(
        "select instrument_key from signatures group by instrument_key order by count(*) desc, 1")]
    instruments = instruments[:6] + instruments[6::max(1, len(instruments) // 10)]
    assert instruments
    compared = rows_seen = 0
    for instrument in instruments:
        for moment in moments(db):
            params = {"instrument": instrument, "as_of": moment}
            _columns, rows = execute(db, "signatories_as_of", **params)
            assert rows == db.execute(AS_OF_BEFORE, params).fetchall(), params
            compared += 1
            rows_seen += len(rows)
    assert compared > 20 and rows_seen > 0


def test_the_rewrite_looks_up_each_rows_changes_once():
    db = open_db(memory=True)
    plan = [row[3] for row in db.execute("explain query plan " + QUERIES["signatories_as_of"].sql,
                                         {"instrument": "x", "as_of": "2026-01-01"})]
    before = [row[3] for row in db.execute("explain query plan " + AS_OF_BEFORE, {"instrument": "x", "as_of": "2026-01-01"})]
    # one search in the grouping (the row's WHERE), one in the check of actors whose rows standing
    # are all news (`listed_seen`, run only for them): each at most once per row (test_as_of_standing_rows.py)
    assert sum(step.startswith("SEARCH c ") for step in plan) == 2, plan
    assert sum(step.startswith("SEARCH c ") for step in before) > 5
