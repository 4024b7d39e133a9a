"""History and first-day commands: `glocal backfill`, `glocal check`, `glocal fixtures add`."""

from __future__ import annotations

import re

import click

from crawler.cli import db_option, open_store, project_settings, spider_class
from crawler.errors import GlocalError


@click.command()
@click.argument("spider")
@click.option("--since", help="Only captures from this year (YYYY) or date (YYYY-MM-DD) on.")
@click.option("--until", help="Only captures up to the end of this date (YYYY-MM-DD).")
@click.option("--every", type=click.Choice(["capture", "day", "month", "year"]), default="capture", show_default=True,
              help="Crawl once per changed capture, or once per day, month or year (its last capture).")
@click.option("--timeout", type=float, help="Seconds before one crawl is killed (default: SCHEDULER_CRAWL_TIMEOUT).")
@db_option
def backfill(spider, since, until, every, timeout, db_path):
    """Fill the store with a spider's history from a web archive's captures

    Asks the archive's CDX API (BACKFILL_CDX_URL) which captures of the spider's pages exist,
    then crawls once per moment, oldest first, each page answered by its latest capture at that
    moment. First seen and removed dates land on the archive's capture dates; backfilled runs
    never alert. Interrupted, it resumes where it stopped; run again, it changes nothing.

    Example:

    \b
        glocal backfill c40_accelerators --since 2019
    """
    from crawler.backfill import run_backfill
    from scheduler.jobs import crawl_in_child

    if since and not re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", since):
        raise click.BadParameter(f"{since!r} is not a year (YYYY) or a date (YYYY-MM-DD)", param_hint="--since")
    if until and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", until):
        raise click.BadParameter(f"{until!r} is not a date (YYYY-MM-DD)", param_hint="--until")
    settings = project_settings()
    cls = spider_class(spider)
    path = db_path or settings.get("STORE_DB_PATH")
    open_store(path).close()
    interactive = click.get_text_stream("stdout").isatty()

    def progress(done: int, total: int, step) -> None:
        mark = "ok" if step.ok else "!!"
        line = f"[{done}/{total}] as of {step.moment} [{mark}] {step.message}"
        click.echo(line if interactive else line, err=not step.ok and not interactive)

    steps = run_backfill(cls, db_path=path, settings=settings, since=since, until=until, every=every,
                         timeout=timeout or settings.getfloat("SCHEDULER_CRAWL_TIMEOUT"),
                         crawl=crawl_in_child, on_step=progress)
    if not steps:
        click.echo(f"{spider}: nothing to backfill (every archived moment in range is already in the store)")
    else:
        click.echo(f"{spider}: {len(steps)} archived moments crawled, "
                   f"{sum(not s.ok for s in steps)} of them incomplete or unhealthy (see `glocal spiders`)")


def register(cli: click.Group) -> None:
    cli.add_command(backfill)


__all__ = ["register", "GlocalError"]
