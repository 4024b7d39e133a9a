"""Commands for researchers: review actors, export, snapshot, serve in Datasette, plot.

Thin wrappers: the questions live in store/queries.py, the decisions in store/review.py, the
files in research/exports.py, the charts in research/plots.py."""

from __future__ import annotations

import json

import click

from cli.common import db_option, open_store


def parse_params(pairs: tuple[str, ...]) -> dict:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.UsageError(f"-p {pair!r}: give NAME=VALUE")
        params[name.strip().replace("-", "_")] = value
    return params


# -- glocal actors ---------------------------------------------------------------------------

@click.group()
def actors():
    """Review how names became actors: list the doubtful ones, merge, split

    Example:

    \b
        glocal actors review
        glocal actors merge 41 7
        glocal actors split 7 "Portland" --source covenant_signatories
    """


@actors.command(name="list")
@click.option("--search", "text", help="Only actors whose name contains this text.")
@db_option
def list_actors(text, db_path):
    """List actors with their spellings

    Example:

    \b
        glocal actors list --search port
    """
    from store.review import actors_with_spellings

    db = open_store(db_path, must_exist=True)
    for row in actors_with_spellings(db, text):
        state = f"  -> merged into {row['merged_into']}" if row["merged_into"] else (
            "  (needs review)" if row["needs_review"] else "")
        geonames = f" GeoNames {row['geonames_id']}" if row["geonames_id"] else ""
        click.echo(f"{row['id']:>6}  {row['name']}, {row['country'] or '??'} [{row['kind'] or '?'}{geonames}]"
                   f"{state}  seen as: {row['spellings'] or '-'}")
    db.close()


@actors.command()
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@db_option
def review(as_json, db_path):
    """List the actors marked for review, with the places the gazetteer thinks they might be

    Example:

    \b
        glocal actors review --json
    """
    from places.gazetteer import default
    from research.actor_review import review_candidates

    db = open_store(db_path, must_exist=True)
    rows = review_candidates(db, default())
    db.close()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{len(rows)} actors need review")
    for row in rows:
        click.echo(f"{row['id']:>6}  {row['name']}, {row['country'] or '??'}  seen as: {row['seen_as']}"
                   f"  ({row['signatures']} signatures, {row['memberships']} memberships)")
        for existing in row["existing_actors"]:
            click.echo(f"          same place already an actor: {existing}  (glocal actors merge {row['id']} "
                       f"{existing.split()[0]})")
        if row.get("review_reason"):
            click.echo(f"          why: {row['review_reason']}")
        for label in row["candidates"]:
            click.echo(f"          candidate: {label}")
        if not row["candidates"]:
            click.echo("          no candidate in the gazetteer")


@actors.command()
@click.argument("merged", type=int)
@click.argument("kept", type=int)
@click.option("--note", help="Why (kept with the decision).")
@db_option
def merge(merged, kept, note, db_path):
    """Merge actor MERGED into actor KEPT (both ids): one place, recorded as a decision

    Its spellings, signatures and memberships move to KEPT, and later crawls follow the decision.

    Example:

    \b
        glocal actors merge 41 7 --note "Portland on the C40 list is Portland, Oregon"
    """
    from store.review import merge as merge_actors

    db = open_store(db_path, must_exist=True)
    result = merge_actors(db, merged, kept, note=note)
    db.close()
    click.echo(f"merged actor {merged} into {kept} ({result['kept_name']}): {result['moved']} rows moved "
               f"(decision {result['decision_id']})")


@actors.command()
@click.argument("actor", type=int)
@click.argument("name")
@click.option("--source", help="Only this source's spelling.")
@click.option("--note", help="Why (kept with the decision).")
@db_option
def split(actor, name, source, note, db_path):
    """Split spelling NAME off actor ACTOR into an actor of its own, recorded as a decision

    Example:

    \b
        glocal actors split 7 "Portland" --source covenant_signatories
    """
    from store.review import split as split_actor

    db = open_store(db_path, must_exist=True)
    result = split_actor(db, actor, name, source=source, note=note)
    db.close()
    click.echo(f"split {name!r} off actor {actor} into new actor {result['new_actor']}: {result['moved']} rows moved "
               f"(decision {result['decision_id']})")


# -- glocal export / snapshot ----------------------------------------------------------------

@click.command()
@click.argument("what")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A named query's parameter.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@db_option
def export(what, params, fmt, output, db_path):
    """Export a table, a view or a named query as CSV, JSON or JSON lines

    WHAT is a table or view (signatures, actors, signatories ...) or a named query (see
    docs/queries.md). Columns come in the schema's (or the query's) order, rows in key order.

    Example:

    \b
        glocal export signatories_as_of -p instrument=clean-air-cities -p as_of=2026-11-05 --format json
        glocal export signatures --format csv -o signatures.csv
    """
    from research.exports import export_rows, write_rows

    db = open_store(db_path, must_exist=True)
    columns, rows = export_rows(db, what, parse_params(params))
    db.close()
    count = write_rows(columns, rows, fmt, output)
    if output:
        click.echo(f"wrote {count} rows to {output}", err=True)


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@db_option
def snapshot(directory, db_path):
    """Write a dated, citable snapshot of the dataset: CSVs, a data dictionary and a README

    Creates DIRECTORY/glocal-watch-YYYY-MM-DD/ with one CSV per table (with provenance columns),
    data-dictionary.csv and README.md stating the date, sources and counts.

    Example:

    \b
        glocal snapshot exports/
    """
    from research.exports import write_snapshot

    db = open_store(db_path, must_exist=True)
    folder, counts = write_snapshot(db, directory)
    db.close()
    click.echo(f"wrote {sum(counts.values())} rows in {len(counts)} tables to {folder}")


# -- glocal serve ----------------------------------------------------------------------------

@click.command()
@click.option("--port", type=int, default=8001, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@db_option
def serve(port, db_path):
    """Open the store read-only in Datasette on 127.0.0.1, with the named queries as canned queries

    Example:

    \b
        glocal serve --port 8001
    """
    from research.datasette_app import run

    from store import database_file

    db = open_store(db_path, must_exist=True)  # applies pending migrations before the read-only server starts
    path = database_file(db)
    db.close()
    run(path, port)


# -- glocal plot -----------------------------------------------------------------------------

@click.command()
@click.argument("what")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="A .png or .svg file.")
@db_option
def plot(what, output, db_path):
    """Draw an instrument's signatories over time, or the overlap of networks, to PNG or SVG

    WHAT is an instrument (key, its last part or words of its title) or the word `overlap`.

    Example:

    \b
        glocal plot clean-air-cities -o clean-air.png
        glocal plot overlap -o overlap.svg
    """
    from research import plots

    db = open_store(db_path, must_exist=True)
    if what == "overlap":
        path = plots.overlap_chart(db, output)
    else:
        path = plots.instrument_chart(db, what, output)
    db.close()
    click.echo(f"wrote {path}")


COMMANDS = (actors, export, snapshot, serve, plot)
