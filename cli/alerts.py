"""`glocal alerts ...`, `glocal status` and `glocal show-page`: the operator's commands."""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone

import click

from cli.common import ROW_ID, checked_wait, config_option, db_option, open_store, project_settings, store_path
from kit.errors import GlocalError
from kit.terminal import for_terminal, json_text, lines_for_terminal


def _config(path: str | None):
    from alerts.rules import load_config

    path = path or project_settings().get("ALERTS_CONFIG")
    if not path:
        raise GlocalError("no alert configuration: set GLOCAL_ALERTS to the rules file, or pass --config "
                          "(see docs/alerts.md)")
    from crawler.spider_registry import spider_names

    return load_config(path, sources=spider_names())


@click.group()
def alerts():
    """Send, preview and check alerts (the outbox of email and Slack messages)

    Example:

    \b
        glocal alerts send --dry-run
    """


@alerts.command()
@config_option
@db_option
@click.option("--dry-run", is_flag=True, help="Print what would be sent now; send and change nothing.")
@click.option("--wait", type=float, default=0, show_default=True,
              help="Keep retrying failed sends for up to this many seconds.")
def send(config_path, db_path, dry_run, wait):
    """Send the alerts that are due: immediate ones and digests whose period ended

    Failed sends are retried later with backoff (see `glocal alerts status`).

    Example:

    \b
        glocal alerts send
    """
    from alerts.deliver import lock_path_for, send_due, send_until_idle

    wait = checked_wait(wait)
    config = _config(config_path)
    settings = project_settings()
    path = store_path(db_path)
    db = open_store(path, readonly=dry_run, must_exist=True)  # a dry run changes nothing
    options = {"lock_path": lock_path_for(path), "dry_run": dry_run,
               "backoff_base": settings.getfloat("ALERTS_BACKOFF_BASE"),
               "backoff_max": settings.getfloat("ALERTS_BACKOFF_MAX"),
               "slack_interval": settings.getfloat("ALERTS_SLACK_INTERVAL"),
               "limit": settings.getint("ALERTS_SEND_BATCH") or None}
    if sys.stderr.isatty() and not dry_run:  # a person watching: show progress; a log stays quiet
        options["progress"] = lambda done, total: click.echo(f"\rsending {done}/{total}", nl=done == total,
                                                             err=True)
    try:
        if wait and not dry_run:
            outcome = send_until_idle(db, config, deadline=time.monotonic() + wait, **options)
        else:
            outcome = send_due(db, config, **options)
    finally:
        db.close()
    for preview in outcome.previews:
        click.echo(lines_for_terminal(preview))
    if dry_run:
        click.echo(f"dry run: {len(outcome.previews)} messages would be sent now")
        return
    click.echo(outcome.summary())


@alerts.command()
@config_option
@db_option
def preview(config_path, db_path):
    """Show every message the outbox holds, digests not yet due included, without sending

    Example:

    \b
        glocal alerts preview
    """
    from alerts.deliver import send_due

    config = _config(config_path)
    db = open_store(db_path, readonly=True)
    try:
        settings = project_settings()  # a dry run sends nothing: the backoff is only passed on
        outcome = send_due(db, config, now="9999-12-31T23:59:59Z", dry_run=True,
                           backoff_base=settings.getfloat("ALERTS_BACKOFF_BASE"),
                           backoff_max=settings.getfloat("ALERTS_BACKOFF_MAX"))
    finally:
        db.close()
    for text in outcome.previews:
        click.echo(lines_for_terminal(text))
    click.echo(f"{len(outcome.previews)} messages pending")


@alerts.command(name="test")
@click.argument("channel")
@config_option
def test_channel(channel, config_path):
    """Send a test message to one channel now, and say whether it arrived

    Example:

    \b
        glocal alerts test researchers
    """
    from alerts import render
    from alerts.channels import DeliveryError, channel_sender

    config = _config(config_path)
    if channel not in config.channels:
        raise GlocalError(f"unknown channel {channel!r} (channels: {', '.join(sorted(config.channels)) or 'none'})")
    fact = {"kind": "health.recovered", "entity": "health", "change": "recovered", "entity_key": "glocal-watch",
            "diff": {}, "id": 0}
    message = render.single(fact)
    message.subject = message.text = f"glocal-watch test message to {channel}"
    message.slack = {"text": message.subject, "blocks": [
        {"type": "section", "text": {"type": "plain_text", "text": message.subject}}]}
    message.html = f"<p>{message.subject}</p>"
    try:
        channel_sender(config.channels[channel]).send(
            message, message_id=f"<test-{int(time.time())}@glocal-watch>")
    except DeliveryError as error:
        raise GlocalError(f"{channel}: not delivered: {error}") from None
    click.echo(f"{channel}: delivered")


@alerts.command(name="status")
@db_option
def alerts_status(db_path):
    """Count the outbox per channel (pending, sending, sent, failed, dead) and list dead rows

    Example:

    \b
        glocal alerts status
    """
    from store import deliveries

    db = open_store(db_path, readonly=True)
    try:
        counts, dead = deliveries.status_counts(db), deliveries.dead_rows(db)
    finally:
        db.close()
    if not counts:
        click.echo("the outbox is empty")
    for channel, by_status in sorted(counts.items()):
        click.echo(f"{channel}: " + ", ".join(f"{n} {status}" for status, n in by_status.items()))
    if dead:
        click.echo("dead (given up; see last_error):")
        for row in dead:
            click.echo(for_terminal(f"  #{row['id']} {row['channel']} {row['kind']} after {row['attempts']} "
                                    f"attempts: {row['last_error']}"))


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
def status(db_path, as_json):
    """One screen: each spider's last run, health and next run, and the outbox per channel

    Example:

    \b
        glocal status --json
    """
    from operations.status import status_report

    path = store_path(db_path)
    report = status_report(path, project_settings(), datetime.now(timezone.utc))
    if as_json:
        click.echo(json_text(report, indent=2))
        return
    click.echo(f"database {path}")
    for entry in report["spiders"]:
        run = entry["last_run"]
        if run:
            seconds = f"{run['seconds']:.0f}s" if run["seconds"] is not None else "?"
            line = (f"last run {run['started_at']} ({seconds}, {run['status']}): {run['pages'] or 0} pages, "
                    f"{run['items'] or 0} items, {run['changes']} changes")
        else:
            line = "never run"
        click.echo(for_terminal(f"{entry['spider']}  [{entry['health'].upper()}]  {line}; next run {entry['next_run']}"))
        if entry["reason"]:
            click.echo(for_terminal(f"    why: {entry['reason']}"))
    if not report["outbox"]:
        click.echo("outbox: empty")
    for channel, counts in sorted(report["outbox"].items()):
        click.echo(f"outbox {channel}: " + ", ".join(f"{n} {s}" for s, n in counts.items()))


@click.command(name="show-page")
@click.argument("page_id", type=ROW_ID)
@db_option
@click.option("--headers", is_flag=True, help="Print the status line and headers before the body.")
def show_page(page_id, db_path, headers):
    """Print the archived copy of a fetched page (the evidence an alert links to)

    Example:

    \b
        glocal show-page 42 > page.html
    """
    from crawler.archive import read_record

    from store.pages import archived_page

    db = open_store(db_path, readonly=True)
    try:
        page = archived_page(db, page_id)  # a 304: the capture it confirmed, whose body it shares
    finally:
        db.close()
    if page is None:
        raise GlocalError(f"no page {page_id} in the database")
    if not page["archive"]:
        raise GlocalError(f"page {page_id} ({page['url']}) has no archived copy (ARCHIVE_ENABLED was off)")
    record = read_record(page["archive"], page["archive_offset"])
    if headers:
        click.echo(for_terminal(f"# {record.url} captured {record.fetched_at}, HTTP {record.status}"))
        for name, value in record.headers:
            click.echo(for_terminal(f"{name}: {value}"))
        click.echo("")
    sys.stdout.flush()
    sys.stdout.buffer.write(record.body)
    sys.stdout.buffer.flush()
