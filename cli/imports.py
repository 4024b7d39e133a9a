"""`glocal import covenant FILE`: the JRC Covenant of Mayors signatories file into the store."""

from __future__ import annotations

import sys

import click

from cli.common import project_settings
from kit.errors import GlocalError
from kit.terminal import for_terminal


@click.group(name="import")
def import_group():
    """Import an open-data file through the store's rules (scopes, baselines, history)

    Example:

    \b
        glocal import covenant df1_Signatories_2024.csv
    """


@import_group.command(name="covenant")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--db", "db_path", type=click.Path(),
              help="SQLite file (default: STORE_DB_PATH, data/glocal.db, or $GLOCAL_DB)")
@click.option("--url", help="Where the file was downloaded from (recorded as its page URL).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
def import_covenant(file, db_path, url, progress):
    """Import the JRC Covenant signatories file (CSV or XLSX)

    Columns as in the JRC release (organisation_id, organisation_name, country_code,
    date_of_adhesion, signatory_status, population_adhesion, ...). Every row becomes the
    authority's signature of the Covenant of Mayors for Climate & Energy, with its adhesion
    date as signed_on. Rows with a problem are kept with the field empty and listed; a file in
    another layout is refused with the columns it expected and found.

    Example:

    \b
        glocal import covenant df1_Signatories_2024.xlsx --db data/glocal.db
    """
    import os

    from operations.covenant_import import import_file

    settings = project_settings()
    db_path = db_path or settings.get("STORE_DB_PATH")
    alerts_config = settings.get("ALERTS_CONFIG")
    removal_runs = settings.getint("STORE_REMOVAL_RUNS")
    show_bar = sys.stdout.isatty() if progress is None else progress
    size = os.path.getsize(file) if os.path.isfile(file) else 0
    try:
        if show_bar:
            with click.progressbar(length=size or 1, label=f"importing {os.path.basename(file)}") as bar:
                done = [0]

                def advance(position):
                    bar.update(max(0, position - done[0]))
                    done[0] = max(done[0], position)

                result = import_file(db_path, file, url=url, progress=advance, alerts_config=alerts_config,
                                     removal_runs=removal_runs)
        else:
            result = import_file(db_path, file, url=url, alerts_config=alerts_config, removal_runs=removal_runs)
    except GlocalError as error:
        raise click.ClickException(for_terminal(error)) from None
    for problem in result.problems[:20]:
        click.echo(for_terminal(f"  {problem}"), err=True)
    if result.problem_count > 20:
        click.echo(f"  ... and {result.problem_count - 20} more", err=True)
    click.echo(f"run {result.run_id}: {result.summary()}")
