"""`glocal events`: summits, forums and meetings, upcoming or past, without SQL."""

from __future__ import annotations

from datetime import datetime, timezone

import click

from cli.common import checked_date, db_option, open_store
from kit.errors import GlocalError
from kit.terminal import for_terminal, json_text


@click.command()
@click.option("--past", "when", flag_value="past", help="Events that have ended, latest first.")
@click.option("--upcoming", "when", flag_value="upcoming", default=True,
              help="Events still to come or running today, soonest first (the default).")
@click.option("--all", "when", flag_value="all", help="Every event, dated or not, by first day.")
@click.option("--network", help="Only events a network organises (any of its names: C40, UCLG ...; its bodies too).")
@click.option("--country", help="Only events in this country (ISO 3166-1 alpha-2, e.g. ZA).")
@click.option("--since", help="Only events starting on or after this day (YYYY-MM-DD).")
@click.option("--until", help="Only events starting on or before this day (YYYY-MM-DD).")
@click.option("--today", hidden=True, help="The day that divides upcoming from past (default: today, UTC).")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@db_option
def events(when, network, country, since, until, today, as_json, db_path):
    """List events: upcoming or past, by network, country and date range

    An event is upcoming while its last day is today or later. Dates are those the sites printed.

    Examples:

    \b
        glocal events
        glocal events --past --network UCLG --since 2020-01-01
        glocal events --all --country ZA --json
    """
    from store.events import events as find_events

    since, until = _day(since, "--since"), _day(until, "--until")
    today = _day(today, "--today") or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    db = open_store(db_path, readonly=True)
    try:
        rows = find_events(db, when=when, today=today, network=network, country=country, since=since, until=until)
    finally:
        db.close()
    if as_json:
        click.echo(json_text(rows, indent=2))
        return
    if not rows:
        click.echo(f"no {'' if when == 'all' else when + ' '}events" + (" matching" if network or country or since or until else ""))
    for row in rows:
        days = row["starts_on"] or "date not given"
        if row["ends_on"] and row["ends_on"] != row["starts_on"]:
            days = f"{days} to {row['ends_on']}"
        where = ", ".join(part for part in (row["city"], row["country"]) if part)
        by = f"  [{row['organiser']}]" if row["organiser"] else ""
        click.echo(for_terminal(f"{days}  {row['title']}" + (f"  ({where})" if where else "") + by))


def _day(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    day = checked_date(value)
    if len(day) != 10:
        raise GlocalError(f"{option} {value!r}: give a day (YYYY-MM-DD)")
    return day
