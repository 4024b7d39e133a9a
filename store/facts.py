"""The rows a change's alert is written from: the change, its run and evidence page, and the
entity it is about (instrument, actor, country, dates, url), one query per entity kind."""

from __future__ import annotations

from sqlite_utils import Database

_CHUNK = 500

# Per entity: the columns a message needs, from the entity's row and what it points at.
_SELECT = {
    "signature": """s.instrument_key, i.title as instrument_title, i.issuer, s.actor_id, a.name as actor,
                    s.actor_name, coalesce(s.country, a.country) as country, s.signed_on, s.url, s.source""",
    "membership": """m.network as instrument_key, m.network as instrument_title, null as issuer, m.actor_id,
                     a.name as actor, m.actor_name, coalesce(m.country, a.country) as country, m.url, m.source""",
    "instrument": """e.key as instrument_key, e.title as instrument_title, e.issuer, e.title, e.adopted_on,
                     e.url, e.source""",
    "event": "e.title, e.starts_on, e.ends_on, e.city, e.country, e.url, e.source",
    "announcement": "e.title, e.published_on, e.summary, e.url, e.source",
    "count_claim": """k.subject_key as instrument_key, k.count, k.unit, k.qualifier, k.text as title, k.url,
                      k.source""",
}
_JOIN = {
    "signature": """left join signatures s on s.key = c.entity_key left join actors a on a.id = s.actor_id
                    left join instruments i on i.key = s.instrument_key""",
    "membership": "left join memberships m on m.key = c.entity_key left join actors a on a.id = m.actor_id",
    "instrument": "left join instruments e on e.key = c.entity_key",
    "event": "left join events e on e.key = c.entity_key",
    "announcement": "left join announcements e on e.key = c.entity_key",
    "count_claim": "left join count_claims k on k.id = (select max(id) from count_claims where key = c.entity_key)",
}


def change_rows(db: Database, changes: list[dict]) -> dict[int, dict]:
    """The joined row of each change (by change id): its own columns, `run_spider`, `page_url`,
    `page_fetched_at`, and its entity's fields. A change whose row is gone is left out."""
    by_entity: dict[str, list[int]] = {}
    for change in changes:
        by_entity.setdefault(change["entity"], []).append(change["id"])
    found: dict[int, dict] = {}
    for entity, ids in by_entity.items():
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            detail = f", {_SELECT[entity]}" if entity in _SELECT else ""
            rows = db.query(
                f"""select c.*, r.spider as run_spider, p.url as page_url, p.fetched_at as page_fetched_at{detail}
                    from changes c left join crawl_runs r on r.id = c.run_id left join pages p on p.id = c.page_id
                    {_JOIN.get(entity, "")}
                    where c.id in ({', '.join('?' * len(chunk))})""", chunk)
            for row in rows:
                found[row["id"]] = row
    return found
