"""Commands for researchers: review actors, export, snapshot, serve in Datasette, plot.

Thin wrappers: the questions live in store/queries.py, the decisions in store/review.py, the
files in research/exports.py, the charts in research/plots.py."""

from __future__ import annotations


import click

from cli.common import ROW_ID, db_option, open_store
from kit.terminal import for_terminal, json_text


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

    db = open_store(db_path, readonly=True)
    for row in actors_with_spellings(db, text):
        state = f"  -> merged into {row['merged_into']}" if row["merged_into"] else (
            "  (needs review)" if row["needs_review"] else "")
        geonames = f" GeoNames {row['geonames_id']}" if row["geonames_id"] else ""
        click.echo(for_terminal(f"{row['id']:>6}  {row['name']}, {row['country'] or '??'} [{row['kind'] or '?'}"
                                f"{geonames}]{state}  seen as: {row['spellings'] or '-'}"))
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

    db = open_store(db_path, readonly=True)
    rows = review_candidates(db, default())
    db.close()
    if as_json:
        click.echo(json_text(rows, indent=2))
        return
    click.echo(f"{len(rows)} actors need review")
    for row in rows:
        click.echo(for_terminal(f"{row['id']:>6}  {row['name']}, {row['country'] or '??'}  seen as: {row['seen_as']}"
                                f"  ({row['signatures']} signatures, {row['memberships']} memberships)"))
        for existing in row["existing_actors"]:
            click.echo(for_terminal(f"          same place already an actor: {existing}  (glocal actors merge "
                                    f"{row['id']} {existing.split()[0]})"))
        if row.get("review_reason"):
            click.echo(for_terminal(f"          why: {row['review_reason']}"))
        for label in row["candidates"]:
            click.echo(for_terminal(f"          candidate: {label}"))
        if not row["candidates"]:
            click.echo("          no candidate in the gazetteer")


@actors.command()
@click.argument("merged", type=ROW_ID)
@click.argument("kept", type=ROW_ID)
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
    click.echo(for_terminal(f"merged actor {merged} into {kept} ({result['kept_name']}): {result['moved']} rows "
                            f"moved (decision {result['decision_id']})"))


@actors.command()
@click.argument("actor", type=ROW_ID)
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
    click.echo(for_terminal(f"split {name!r} off actor {actor} into new actor {result['new_actor']}: "
                            f"{result['moved']} rows moved (decision {result['decision_id']})"))


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

    db = open_store(db_path, readonly=True)
    columns, rows = export_rows(db, what, parse_params(params))
    db.close()
    count = write_rows(columns, rows, fmt, output)
    if output:
        click.echo(f"wrote {count} rows to {output}", err=True)


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--with-archive", is_flag=True, help="Copy the WARC files the pages point at into the package.")
@click.option("--force", is_flag=True, help="Replace a non-empty snapshot folder of the same date.")
@db_option
def snapshot(directory, with_archive, force, db_path):
    """Write a dated, citable snapshot of the dataset as a Frictionless Data Package

    Creates DIRECTORY/glocal-watch-YYYY-MM-DD/: one CSV per table and view, data-dictionary.csv,
    datapackage.json (a Table Schema per CSV, the capture range, sources, tool version, SHA-256
    of every file), CITATION.cff, README.md and SHA256SUMS. Archive paths are relative to the
    package; --with-archive copies the WARC files into it. A non-empty folder is refused unless
    --force.

    Example:

    \b
        glocal snapshot exports/
        glocal snapshot exports/ --with-archive
    """
    from research.snapshot import write_snapshot

    db = open_store(db_path, readonly=True)
    folder, counts = write_snapshot(db, directory, with_archive=with_archive, force=force)
    db.close()
    click.echo(f"wrote {sum(counts.values())} rows in {len(counts)} files to {folder}")


# -- glocal serve ----------------------------------------------------------------------------

@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@db_option
def serve(port, db_path):
    """Open the store read-only in Datasette on 127.0.0.1, with the named queries as canned queries

    Example:

    \b
        glocal serve --port 8001
    """
    from research.datasette_app import run

    from store import database_file

    db = open_store(db_path, readonly=True)  # a store with migrations pending is refused: Datasette could not read it
    path = database_file(db)
    db.close()
    run(path, port)


# -- glocal plot -----------------------------------------------------------------------------

@click.command()
@click.argument("what")
@click.argument("instrument", required=False)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="A .png, .svg or .pdf file.")
@db_option
def plot(what, instrument, output, db_path):
    """Draw an instrument's signatories over time or on a world map, or the overlap of networks

    WHAT is an instrument (key, its last part or words of its title), the word `overlap`, or the
    word `map` followed by an instrument. The format follows the file name: PNG, SVG or PDF. A
    figure the store lacks data for (no capture, no coordinates) says what is missing.

    Example:

    \b
        glocal plot clean-air-cities -o clean-air.png
        glocal plot map clean-air-cities -o clean-air-map.pdf
        glocal plot overlap -o overlap.svg
    """
    from research import plots

    if what == "map" and not instrument:
        raise click.UsageError("glocal plot map INSTRUMENT: name the instrument to map")
    if what != "map" and instrument:
        raise click.UsageError(f"unexpected {instrument!r}: only `glocal plot map INSTRUMENT` takes two words")
    db = open_store(db_path, readonly=True)
    if what == "overlap":
        figure = plots.overlap_chart(db, output)
    elif what == "map":
        figure = plots.map_chart(db, instrument, output)
    else:
        figure = plots.instrument_chart(db, what, output)
    db.close()
    click.echo(f"wrote {figure.path}" + (f" (the figure says: {figure.missing})" if figure.missing else ""))


COMMANDS = (actors, export, snapshot, serve, plot)
