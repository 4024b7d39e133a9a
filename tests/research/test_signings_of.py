"""The named queries that read one instrument's, one place's or one event's signings
(who_signed, portfolio, adopted_at_event, treaty_uptake) filter the evidence rows inside the
signings rule (store.queries.signings_of) instead of filtering the `signings` view, which SQLite
grouped whole first. They must answer exactly as the view did: the queries' cores as they read the
view are kept here verbatim as the reference, and compared on the README's sample store and the
research store for every instrument, actor, event and treaty they hold. The rule's text is the
view's own: a migration that changes the view fails here until `signings_of` follows."""

import re

import pytest

from store import open_db
from store import queries as q

WHO_SIGNED_BEFORE = (f"select {', '.join(q._SIGNINGS_COLUMNS)} from signings "
                     "where instrument_key = (select key from pick_instrument)")

PORTFOLIO_BEFORE = """
select * from (
with actor as (select id, name, country from actors where id = (select id from pick_actor)),
     spellings as (select lower(name) as name from actor_names where actor_id = (select id from actor)
                   union select lower(name) from actor)
select 'signature' as relation, coalesce(r.kind, 'named by ' || r.known_from) as kind, g.instrument_key as key,
       g.instrument_title as title, r.issuer as body, g.signed_on as dated, g.first_seen_at, g.removed_at,
       g.sources as source, coalesce(g.signed_on_url, r.url) as url
from signings g left join instrument_records r on r.key = g.instrument_key
where g.actor_id = (select id from actor) and coalesce(r.kind, '') not in ('voluntary_local_review', 'vlr')
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

ADOPTED_AT_BEFORE = """
select e.key as event_key, e.title as event, e.starts_on, e.ends_on, e.city, e.country,
       i.key as instrument_key, i.title as instrument, i.kind, i.adopted_on,
       (select count(*) from signings g where g.instrument_key = i.key and g.current = 1) as signatories,
       (select count(*) from signings g where g.instrument_key = i.key and g.current = 1
          and g.signed_on between e.starts_on and coalesce(e.ends_on, e.starts_on)) as signed_during_event
from events e join instruments i on i.event_key = e.key
where e.key = :event"""

TREATY_UPTAKE_BEFORE = """
select * from (
with sovereign(territory, state) as (
    values ('HK', 'CN'), ('MO', 'CN'), ('PR', 'US'), ('GU', 'US'), ('VI', 'US'), ('AS', 'US'), ('MP', 'US'),
           ('GL', 'DK'), ('FO', 'DK'), ('AW', 'NL'), ('CW', 'NL'), ('SX', 'NL'), ('NC', 'FR'), ('PF', 'FR'),
           ('RE', 'FR'), ('GP', 'FR'), ('MQ', 'FR'), ('GF', 'FR'), ('YT', 'FR'), ('BM', 'GB'), ('GI', 'GB'),
           ('JE', 'GB'), ('GG', 'GB'), ('IM', 'GB'), ('KY', 'GB'), ('VG', 'GB')
),
states as (
  select st.country, g.status, g.action, g.action_on, g.withdrawal_effective_on
  from signings g join actors st on st.id = g.actor_id and st.kind = 'state'
  where g.instrument_key = (select key from pick_treaty) and g.current = 1
),
cities as (
  select g.*, coalesce((select state from sovereign where territory = g.country), g.country) as state_country
  from treaty_links l join signings g on g.instrument_key like l.instrument_pattern
  join actors c on c.id = g.actor_id and coalesce(c.kind, 'city') not in ('state', 'organization')
  where l.treaty_key = (select key from pick_treaty) and g.current = 1 and g.country is not null
)
select c.state_country as country, coalesce(s.status, 'not a participant') as state_status, s.action as state_action,
       s.action_on as state_action_on, s.withdrawal_effective_on as state_withdrawal_effective_on,
       c.actor_id as city_id, c.actor as city, c.instrument_key, c.instrument_title as instrument,
       c.signed_on as city_signed_on, c.first_seen_at as city_first_seen_at
from cities c left join states s on s.country = c.state_country
)"""


REFERENCE = {
    "who_signed": q._loud(WHO_SIGNED_BEFORE, q._SIGNINGS_COLUMNS, "current desc, on_list desc, actor, name_as_published",
                          ctes=(q._pick_instrument("instrument"),), problems=(q._instrument_problem("instrument"),)),
    "portfolio": q._loud(PORTFOLIO_BEFORE, q._PORTFOLIO_COLUMNS, "dated is null, dated, first_seen_at, relation, key",
                         ctes=(q._PICK_ACTOR,), problems=(q._ACTOR_PROBLEM,)),
    "adopted_at_event": q._loud(ADOPTED_AT_BEFORE, q._ADOPTED_AT_COLUMNS, "adopted_on, instrument",
                                ctes=("event_given(x) as (select 1)",), problems=(q._EVENT_PROBLEM,)),
    "treaty_uptake": q._loud(TREATY_UPTAKE_BEFORE, q._TREATY_UPTAKE_COLUMNS, "country, city, instrument_key",
                             ctes=(q._pick_instrument("treaty"),), problems=(q._instrument_problem("treaty", "treaty"),)),
}


def _words(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def test_the_rule_is_the_views_own_text(tmp_path):
    with open_db(tmp_path / "fresh.db") as db:
        (view,) = db.execute("select sql from sqlite_master where type = 'view' and name = 'signings'").fetchone()
    assert _words(view) == _words("CREATE VIEW signings as " + q.signings_of("")[1:-1])


def _parameter_sets(db) -> dict[str, list[dict]]:
    instruments = [r[0] for r in db.execute("select distinct instrument_key from signatures")]
    actors = [r[0] for r in db.execute("select id from actors")]
    events = [r[0] for r in db.execute("select key from events")]
    treaties = [r[0] for r in db.execute("select distinct treaty_key from treaty_links")]
    return {"who_signed": [{"instrument": key} for key in instruments] + [{"instrument": "no such instrument"}],
            "portfolio": [{"actor_id": actor} for actor in actors],
            "adopted_at_event": [{"event": key} for key in events] + [{"event": "event/none"}],
            "treaty_uptake": [{"treaty": key} for key in treaties + instruments[:5]]}


@pytest.mark.parametrize("store", ["sample_store", "research_store"])
def test_each_query_answers_as_it_did_over_the_view(store, request):
    db = open_db(request.getfixturevalue(store))
    # The references read the view's rows kept once in a temporary table of the same name, which
    # shadows the view on this connection: the view itself groups every signature again for each
    # of the references' 500 parameter sets (7 s of CPU on the sample store, 0.2 s so); the rows
    # are the view's, so each reference answers as it does over the view. The rewritten queries
    # read the evidence tables, not `signings`.
    db.execute("create temp table signings as select * from main.signings")
    assert not [name for name in REFERENCE if re.search(r"\b(from|join)\s+signings\b", q.QUERIES[name].sql, re.I)]
    compared = {}
    for name, sets in _parameter_sets(db).items():
        for params in sets:
            values = {p: params.get(p) for p in q.QUERIES[name].params}
            now = db.execute(q.QUERIES[name].sql, values).fetchall()
            assert now == db.execute(REFERENCE[name], values).fetchall(), (name, params)
            compared[name] = compared.get(name, 0) + len(now)
    # the comparison saw rows of every query (a store where every answer is empty proves nothing)
    assert all(compared.get(name, 0) > 0 for name in REFERENCE), compared


def test_the_event_counts_are_the_views_current_signings(sample_store, tmp_path):
    """adopted_at_event's two counts on instruments that have signings (the stores above adopt none
    at an event): the sample store's three largest instruments put at one event, whose days cover
    some of their signings' dates and not others, five of the signings within them removed."""
    import shutil

    path = tmp_path / "events.db"
    shutil.copy(sample_store, path)
    db = open_db(path)
    largest = [r[0] for r in db.execute("select instrument_key from signings where signed_on is not null "
                                        "group by 1 order by count(*) desc, 1 limit 3")]
    dates = sorted(r[0] for r in db.execute(
        f"select signed_on from signings where instrument_key in ({', '.join('?' * len(largest))}) "
        "and signed_on is not null", largest))
    starts, ends = dates[len(dates) // 4], dates[len(dates) // 2]
    event = db.execute("select key from events order by key limit 1").fetchone()[0]
    db.execute("update events set starts_on = ?, ends_on = ? where key = ?", [starts, ends, event])
    db.execute(f"update instruments set event_key = ? where key in ({', '.join('?' * len(largest))})",
               [event, *largest])
    # five signings within the event's days taken off their list (the sample store has none removed)
    db.execute(f"update signatures set removed_at = '2026-12-01T00:00:00Z' where rowid in (select rowid from "
               f"signatures where instrument_key in ({', '.join('?' * len(largest))}) and signed_on between ? and ? "
               "order by key limit 5)", [*largest, starts, ends])
    db.conn.commit()
    rows = db.execute(q.QUERIES["adopted_at_event"].sql, {"event": event}).fetchall()
    assert rows == db.execute(REFERENCE["adopted_at_event"], {"event": event}).fetchall()
    columns = q._ADOPTED_AT_COLUMNS
    got = {row[columns.index("instrument_key")]: (row[columns.index("signatories")],
                                                  row[columns.index("signed_during_event")]) for row in rows}
    expected = {key: tuple(db.execute(
        "select count(*), count(case when signed_on between ? and ? then 1 end) from signings "
        "where instrument_key = ? and current = 1", [starts, ends, key]).fetchone()) for key in largest}
    assert {key: got[key] for key in largest} == expected
    # the counts tell the cases apart: signings within the days and outside them, and signings
    # that are not current (removed from the list) left out of both
    assert any(0 < during < total for total, during in expected.values()), expected
    not_current = db.execute(f"select count(*) from signings where current = 0 and signed_on between ? and ? "
                             f"and instrument_key in ({', '.join('?' * len(largest))})", [starts, ends, *largest])
    assert not_current.fetchone()[0] == 5
