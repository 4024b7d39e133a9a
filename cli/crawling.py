"""`glocal crawl`, `schedule`, `parse`, `spiders` and `build-archive`: crawling and its inputs."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from cli.common import (checked_timeout, db_option, open_store, project_settings, spider_class, spider_names,
                        start_urls, store_path)
from kit.errors import GlocalError
from kit.terminal import for_terminal, json_text


@click.command()
@click.argument("spiders", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Crawl every spider.")
@click.option("--replay", type=click.Path(dir_okay=False),
              help="Answer requests from this WARC file instead of the network.")
@db_option
@click.option("--timeout", type=float, default=None,
              help="Seconds before a crawl is killed (default: SCHEDULER_CRAWL_TIMEOUT, 3600).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Live crawls at once, of different sites only (default: CRAWL_WORKERS, 4; 1 with -v). "
                   "A --replay runs every spider in one child process instead (with -v: one child each, this many at once).")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log at INFO level (one crawl at a time).")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE", hidden=True,
              help="Override a setting for this crawl, as Scrapy's -s (tests and experiments).")
@click.option("--host-map", hidden=True, help="JSON {host: 127.0.0.1:port}: send requests to a local server.")
@click.option("--full", is_flag=True,
              help="Walk every page of incremental listings (news), not only up to the posts already stored.")
def crawl(spiders, all_, replay, db_path, timeout, workers, verbose, overrides, host_map, full):
    """Crawl spiders now, one child process each, and store what changed

    Up to CRAWL_WORKERS crawls run at once, never two of one site. With --replay (without -v)
    every spider runs in one child process instead, each as its own crawler. Each crawl is recorded in
    crawl_runs with its health, and its line is printed in the spiders' order. The exit status
    is 1 when a run failed or was unhealthy.

    Examples:

    \b
        glocal crawl c40_accelerators
        glocal crawl c40_news --full
        glocal crawl --all --replay tests/fixtures/sample.warc.gz
    """
    if all_ == bool(spiders):
        raise click.UsageError("name one or more spiders, or pass --all")
    # A wrong --timeout is refused before Scrapy and the spiders are imported (about a second).
    timeout = checked_timeout(timeout)
    from crawler.download_handlers import archive_index
    from crawler.pool import crawl_each, default_workers

    names = spider_names() if all_ else list(spiders)
    classes = {name: spider_class(name) for name in names}
    if replay:
        index = archive_index(replay)
        skipped = []
        for name, cls in list(classes.items()):
            # A spider whose start URL is configuration (covenant_open_data: COVENANT_OPEN_DATA_URL)
            # replays the URL its setting names; with none set it has nothing to replay.
            starts = start_urls(cls, overrides)
            missing = [url for url in starts if url not in index] or (
                [] if starts else [f"its configured start URL ({getattr(cls, 'start_url_setting', None) or 'none'})"])
            if missing and not all_:
                raise GlocalError(f"archive {replay} has no record of {missing[0]}, the start URL of {name}")
            if missing:
                skipped.append(name)
                del classes[name]
        if not classes:
            raise GlocalError(f"archive {replay} holds the start URL of no spider")
        for name in skipped:
            click.echo(f"{name}: skipped, the archive has no record of its start URL", err=True)
    db_path = store_path(db_path)
    if timeout is None:
        timeout = project_settings().getfloat("SCHEDULER_CRAWL_TIMEOUT")
    open_store(db_path).close()  # fails here, in one line, if the file cannot be created or written

    if full:
        overrides = (*overrides, "CRAWL_FULL=true")
    if workers is None:  # with -v the crawls' logs share the terminal: one at a time keeps each readable
        workers = 1 if verbose else default_workers(project_settings().getint("CRAWL_WORKERS"), replay=bool(replay))
    healthy, interrupted = True, False
    if replay and not verbose and not host_map:
        # A replay waits on no network: every spider's crawler in one child process (crawler/batch.py)
        # spares each its own Scrapy start-up; --workers is for live crawls.
        from crawler.batch import replay_all

        outcomes = replay_all(list(classes), db_path=db_path, timeout=timeout, replay=replay, overrides=overrides)
    else:
        outcomes = crawl_each(classes, workers=workers, db_path=db_path, timeout=timeout, replay=replay,
                              host_map=host_map, overrides=overrides, verbose=verbose)
    for outcome in outcomes:
        click.echo(for_terminal(outcome.message),
                   err=outcome.run is None or outcome.run["status"] == "aborted" or bool(outcome.error))
        healthy = healthy and outcome.ok
        interrupted = interrupted or bool(outcome.interrupted)  # no further spider starts after a stop
    if interrupted or not healthy:
        sys.exit(1)


@click.command()
@db_option
@click.option("--list", "list_jobs", is_flag=True, help="Print every job and its next run, then exit.")
@click.option("--replay", type=click.Path(dir_okay=False), hidden=True,
              help="Crawl this WARC file instead of the network (demos and tests).")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE", hidden=True)
@click.option("--host-map", hidden=True)
def schedule(db_path, list_jobs, replay, overrides, host_map):
    """Run every spider on its schedule, and deliver alerts, in the foreground, until SIGTERM

    Each spider crawls on its own schedule (see `glocal spiders`; SCHEDULER_SCHEDULES
    overrides it) with a random delay, in a child process killed after SCHEDULER_CRAWL_TIMEOUT.
    Up to SCHEDULER_WORKERS crawls run at once, never two of one spider or of one site. Spiders
    that missed their time while the scheduler was down (or never ran) crawl once at start. With
    an alert configuration (GLOCAL_ALERTS), a delivery job sends the outbox every
    ALERTS_SEND_INTERVAL seconds and an hourly check reports stale spiders. SIGTERM or Ctrl-C
    stops the running crawls cleanly and exits. Run it under a service manager (deploy/).

    Examples:

    \b
        glocal schedule --db /var/lib/glocal/glocal.db
        glocal schedule --list
    """
    import logging

    from crawler import spider_registry as catalogue
    from scheduler.main import build_scheduler, plan_jobs, run_forever, spider_schedules
    from scheduler.service import job_lines

    settings = project_settings()
    db_path = db_path or settings.get("STORE_DB_PATH")
    open_store(db_path).close()
    if replay:
        from crawler.download_handlers import archive_index

        archive_index(replay)
    alerts_path = settings.get("ALERTS_CONFIG")
    alerts = None
    if alerts_path:  # a wrong rule stops the start, in one line
        from alerts.rules import load_config

        alerts = load_config(alerts_path, sources=set(catalogue.spiders(settings)))
    # --list only prints each job's trigger and next run: the catalogue's entries (name and
    # schedule) plan the same jobs without importing Scrapy, nor APScheduler's scheduler. A
    # running scheduler needs the classes, for the sites each spider crawls (never two crawls of
    # one site at once).
    catalogued = catalogue.spiders(settings)
    spiders = catalogued if list_jobs else {name: spider_class(name) for name in catalogued}
    crawl_options = {"replay": replay, "host_map": host_map, "overrides": tuple(overrides)}
    unconfigured = catalogue.not_configured(settings, spiders)
    if list_jobs:
        _, jobs = plan_jobs(settings, spiders, db_path=db_path, alerts=alerts, crawl_options=crawl_options)
        for line in job_lines(jobs, datetime.now(timezone.utc)):
            click.echo(line)
        for name, reason in unconfigured.items():
            click.echo(f"crawl {name}: not scheduled ({reason})")
        return
    scheduler = build_scheduler(settings, spiders, db_path=db_path, alerts=alerts, crawl_options=crawl_options)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    crons = spider_schedules(settings, spiders)
    for job in scheduler.get_jobs():
        if job.id.startswith("crawl:"):
            name = job.id.removeprefix("crawl:")
            when = getattr(job, "next_run_time", None)
            when = f"now (catching up), then {crons[name]!r}" if when else (
                f"{job.trigger.get_next_fire_time(None, datetime.now(timezone.utc)):%Y-%m-%d %H:%M %Z}")
            click.echo(f"{name}: schedule {crons[name]!r}, next run {when}")
    for name, reason in unconfigured.items():
        click.echo(f"{name}: not scheduled ({reason})")
    if alerts is None:
        click.echo("alerts: off (set GLOCAL_ALERTS to a rules file to deliver them)")
    else:
        click.echo(f"alerts: {len(alerts.rules)} rules, channels {', '.join(sorted(alerts.channels))}")
    run_forever(scheduler)


@click.command()
@click.argument("spider")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--url", required=True, help="The URL the page was fetched from: picks the parser (the spider's "
              "routing table) and resolves links.")
def parse(spider, file, url):
    """Print what a spider's parser extracts from a saved page, one JSON object per line

    The page is read by the route its URL matches in spiders/parsers/SPIDER.py, as in a crawl.
    Each line has a "type" (scope_report, link, instrument, signature, ...). The first tool
    when a site changes: save the page, run this, see which landmark is missing.

    Example:

    \b
        glocal parse c40_accelerators page.html --url https://www.c40.org/accelerators/clean-air-cities/
    """
    cls = spider_class(spider)
    if getattr(cls, "parser", None) is None:
        raise GlocalError(f"spider {spider} declares no parser module")
    route = cls.parser.ROUTES.match(url)
    raw = Path(file).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        if route.format != "xml":
            raise GlocalError(f"{file} is not UTF-8 text (is it an HTML page?)") from None
        text = raw  # an XML file declares its own encoding (UN treaty files are Latin-1): its parser decodes it
    from kit.page_limits import check_page

    # The limits look at the characters; undecoded XML is measured as Latin-1, one byte a character.
    settings = project_settings()
    check_page(text if isinstance(text, str) else raw.decode("latin-1"), url,
               max_chars=settings.getint("CRAWL_MAX_PAGE_CHARS"),
               max_depth=None if route.format not in ("html", "xml") else settings.getint("CRAWL_MAX_PAGE_DEPTH"))
    for item in route.parse(text, url):
        click.echo(json_text(export_record(item)))


def export_record(item) -> dict:
    """An item as one JSON object a reader can tell apart from the others: its "type" first."""
    from kit.items import as_record, item_kind

    return {"type": item_kind(item), **as_record(item)}


@click.command(name="spiders")
@db_option
def spiders_command(db_path):
    """List spiders with their schedule, last run and its health

    Example:

    \b
        glocal spiders
    """
    from crawler import spider_registry as catalogue

    settings = project_settings()
    path = store_path(db_path)
    spiders = catalogue.spiders(settings)
    crons = catalogue.spider_schedules(settings, spiders)
    last = {}
    if Path(path).exists():
        from store import runs

        db = open_store(path, readonly=True)
        last = runs.last_runs(db)
        db.close()
    for name in spiders:
        run = last.get(name)
        if run is None:
            state = "never run"
        else:
            health = "healthy" if run["healthy"] else "UNHEALTHY"
            state = f"last run {run['id']} at {run['started_at']}: {run['status']}, {health} - {run['summary']}"
        click.echo(for_terminal(f"{name}  [{crons[name]}]  {state}"))


@click.command(name="build-archive")
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The WARC file to write.")
@click.option("--only", multiple=True, help="Only these files of the folders (repeatable).")
@click.option("--sample", is_flag=True, help='Only the pages marked "sample": true in each meta.json.')
def build_archive_command(folders, output, only, sample):
    """Build a WARC file from saved pages (folders with a meta.json)

    meta.json maps each file to its url, fetched_at, status and content_type. The archive can
    then be replayed with `glocal crawl --replay`.

    Example:

    \b
        glocal build-archive tests/fixtures/c40_accelerators -o sample.warc.gz
    """
    from crawler.archive import build_archive, pages_from_fixtures

    if only and len(folders) > 1:
        raise click.UsageError("--only picks files of one folder; give a single folder with it")
    pages = []
    for folder in folders:
        pages.extend(pages_from_fixtures(folder, only=list(only) or None, sample=sample))
    path = build_archive(pages, output)
    click.echo(f"wrote {len(pages)} responses to {path}")
