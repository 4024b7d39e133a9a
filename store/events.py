"""Events without SQL: upcoming or past, by network (any of its names), country and date range."""

from __future__ import annotations

from sqlite_utils import Database

from store.queries import QueryError, network_names

WHEN = ("upcoming", "past", "all")


def events(db: Database, *, when: str = "upcoming", today: str, network: str | None = None,
           country: str | None = None, since: str | None = None, until: str | None = None) -> list[dict]:
    """Events as dicts, soonest first (upcoming) or latest first (past).

    `today` (YYYY-MM-DD) divides upcoming from past: an event is upcoming while its last day
    (`ends_on`, else `starts_on`) is today or later. An event without a printed date is neither;
    `when="all"` lists it too. `network` matches a body the organiser field names (several are
    separated by "; "), by any name of the vocabulary, the network's own bodies included.
    `since`/`until` bound the first day (inclusive)."""
    if when not in WHEN:
        raise QueryError(f"when {when!r} is not one of {', '.join(WHEN)}")
    where, params = ["1 = 1"], {"today": today}
    if when == "upcoming":
        where.append("coalesce(e.ends_on, e.starts_on) >= :today")
    elif when == "past":
        where.append("coalesce(e.ends_on, e.starts_on) < :today")
    if country:
        where.append("upper(e.country) = upper(:country)")
        params["country"] = country.strip()
    if since:
        where.append("e.starts_on >= :since")
        params["since"] = since
    if until:
        where.append("e.starts_on <= :until")
        params["until"] = until
    if network:
        names = network_names(db, network)
        marks = ", ".join(f":n{i}" for i in range(len(names)))
        params.update({f"n{i}": name for i, name in enumerate(names)})
        where.append(f"""exists (
            with recursive parts(body, rest) as (
              select null, e.organiser || '; '
              union all
              select trim(substr(rest, 1, instr(rest, '; ') - 1)), substr(rest, instr(rest, '; ') + 2)
              from parts where rest <> ''
            )
            select 1 from parts where body collate nocase in ({marks}))""")
    order = "e.starts_on desc, e.key" if when == "past" else "e.starts_on is null, e.starts_on, e.key"
    return [dict(row) for row in db.query(
        f"""select e.key, e.title, e.starts_on, e.ends_on, e.city, e.country, e.organiser, e.series, e.edition,
                   e.source, e.url, e.first_seen_at
            from events e where {' and '.join(where)} order by {order}""", params)]
