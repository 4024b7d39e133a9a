"""`glocal changes` (and `changes confirm`), `signatories` and `instruments`: what the store knows."""

from __future__ import annotations

import click

from cli.common import ROW_ID, checked_date, config_option, db_option, open_store, project_settings
from kit.errors import GlocalError
from kit.terminal import for_terminal, json_text


@click.group(invoke_without_command=True)
@click.option("--since", help="Only changes detected on or after this date (YYYY-MM-DD or ISO time).")
@click.option("--with-baselines", "--all", "include_quiet", is_flag=True,
              help="Include baseline rows, which never alert (--all: the former name, kept for scripts).")
@click.option("--source", help="Only changes found by this spider.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@db_option
@click.pass_context
def changes(ctx, since, include_quiet, source, as_json, db_path):
    """Show detected changes: signatures added or removed, new instruments, counts that moved

    `glocal changes confirm RUN` releases the lists a run held for changing too much at once.

    Example:

    \b
        glocal changes --since 2026-11-01
    """
    if ctx.invoked_subcommand:
        return
    from store import history, holds

    db = open_store(db_path, readonly=True)
    rows = history.changes(db, since=checked_date(since), include_quiet=include_quiet, source=source)
    waiting = holds.waiting(db)
    db.close()
    if as_json:
        click.echo(json_text(rows, indent=2))
        return
    if not rows:
        click.echo("no changes" + (" (baselines are hidden; --with-baselines shows them)" if not include_quiet else ""))
    for row in rows:
        about = row["label"] or ""
        if row["instrument_title"]:
            about = f"{about} - {row['instrument_title']}"
        kind = f"{row['entity']}.{row['change']}"
        click.echo(for_terminal(f"{row['detected_at']}  {kind:<20} {row['entity_key']}  {about}".rstrip()))
    for held in waiting:
        click.echo(for_terminal(f"held: run {held['run_id']}, {held['scope']}: {held['reason']} "
                                f"(`glocal changes confirm {held['run_id']}` releases it)"), err=True)


@click.command()
@click.argument("instrument")
@click.option("--as-of", help="The list as it stood at the end of this date (YYYY-MM-DD) or at this ISO time.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@db_option
def signatories(instrument, as_of, as_json, db_path):
    """List who signed an instrument (one line per signatory), now or as the list stood on a date

    INSTRUMENT is a key (c40_accelerators/clean-air-cities), its last part, or words of its title;
    an instrument only news names is found too. A city the list shows and a news post names is one
    signatory; the signing date is the list's own, else the earliest a source printed, with that
    source. A treaty's participants show as party, signatory only or withdrawn, with their dates;
    --as-of a treaty follows the dates the UN printed (a withdrawal counts from its effective date).

    Examples:

    \b
        glocal signatories clean-air-cities --as-of 2026-11-05
        glocal signatories kyoto --json
    """
    from cli.signing_lines import count_line, signing_line
    from store import signings
    from store.history import end_of

    db = open_store(db_path, readonly=True)
    try:
        found = signings.find_instrument(db, instrument)
        treaty = found["kind"] == "treaty"
        if as_of:
            rows = signings.signings_as_of(db, found["key"], end_of(checked_date(as_of)), treaty=treaty)
        else:
            rows = signings.signings(db, found["key"])
        summary = None if as_of else next(
            (s for s in signings.instrument_summaries(db) if s["key"] == found["key"]), None)
    finally:
        db.close()
    if as_json:
        click.echo(json_text(rows, indent=2))
        return
    known = "  [known only from news]" if found["known_from"] == "news" else ""
    if summary is not None:
        counted = count_line(summary)
    else:
        listed = sum(1 for row in rows if row["on_list"])
        counted = f"{len(rows)} signatories as of {as_of}" + (
            f" ({listed} on the list, {len(rows) - listed} named only by news)" if listed != len(rows) else "")
        if treaty:
            by_status = {status: sum(1 for row in rows if row["status"] == status)
                         for status in ("party", "signatory", "withdrawn")}
            counted = (f"{len(rows)} on the list as of {as_of}, by the UN's dates: {by_status['party']} parties, "
                       f"{by_status['signatory']} signatory only, {by_status['withdrawn']} withdrawn")
    click.echo(for_terminal(f"{found['title']} ({found['key']}): {counted}{known}"))
    for index, row in enumerate(rows):
        if not row["on_list"] and (index == 0 or rows[index - 1]["on_list"]):
            click.echo("  named as signing by news only, not on the list:")
        click.echo(for_terminal(f"  {signing_line(row)}"))


@click.command()
@db_option
def instruments(db_path):
    """List known instruments with their signatories, beside the counts their pages state

    Every count is of signatories (distinct actors), whichever sources report them; a treaty shows
    its parties, signatories only and withdrawn states beside the UN's own counts. An instrument
    only news posts name is listed, marked so.

    Example:

    \b
        glocal instruments
    """
    from cli.signing_lines import count_line
    from store.signings import instrument_summaries

    db = open_store(db_path, readonly=True)
    try:
        rows = instrument_summaries(db)
    finally:
        db.close()
    for row in rows:
        gone = f"  (removed {row['removed_at'][:10]})" if row["removed_at"] else ""
        known = "  [known only from news]" if row["known_from"] == "news" else ""
        click.echo(for_terminal(f"{row['key']}  {row['title']}  {count_line(row)}{gone}{known}"))


@changes.command(name="confirm")
@click.argument("run_id", type=ROW_ID)
@config_option
@db_option
def confirm_command(run_id, config_path, db_path):
    """Say that the lists run RUN_ID held are right: release their changes to the alerts

    A list that changed too much at once (more than HEALTH_HOLD_SHARE of its names, or a collapse
    beyond HEALTH_MAX_DROP_RATIO) is recorded but held. Confirming releases its changes to the
    outbox; for a collapse it also removes, at once, the names the run no longer listed.

    Example:

    \b
        glocal changes confirm 42
    """
    from alerts.outbox import outbox_for
    from store import holds
    from store.clock import utcnow
    from store.errors import StoreError

    from crawler.spider_registry import spider_names as all_spiders

    outbox = outbox_for(config_path or project_settings().get("ALERTS_CONFIG"), sources=all_spiders())
    db = open_store(db_path, must_exist=True)
    try:
        counts = holds.confirm(db, run_id, now=utcnow(), outbox=outbox)
    except StoreError as error:
        raise GlocalError(str(error)) from None
    finally:
        db.close()
    click.echo(f"run {run_id}: {counts['lists']} held lists confirmed, {counts['released']} changes released, "
               f"{counts['removed']} removed")
