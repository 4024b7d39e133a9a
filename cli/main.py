"""The `glocal` command: crawl, inspect and query. Each command is a thin wrapper over crawler/,
store/ or scheduler/; every error the user can act on is one line and a non-zero exit.

Startup is a cost every cron job, status check and shell completion pays: this module and the
command modules import only click and the project's light modules at the top. Scrapy and Twisted
are imported by the commands that crawl (through `spider_class`), the store (sqlite-utils) by the
commands that open it; the settings and the spider list come from crawler/spider_registry.py, which
reads them without Scrapy (tests/cli/test_startup.py checks that the read-only commands never load it).
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from kit import __version__
from kit.terminal import for_terminal, json_text
from kit.errors import GlocalError, UnknownSpider

os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")


def project_settings():
    """The project's settings (crawler/settings.py, as Scrapy reads it), without importing Scrapy.

    Every command only reads values the project defines; a crawl's child process reads Scrapy's
    full settings itself (crawler/runner.py)."""
    from crawler import spider_registry as catalogue

    return catalogue.settings()


def spider_class(name: str):
    """The spider's class, from Scrapy's spider loader: for the commands that crawl or parse."""
    from scrapy.spiderloader import get_spider_loader
    from scrapy.utils.project import get_project_settings

    loader = get_spider_loader(get_project_settings())
    try:
        return loader.load(name)
    except KeyError:
        known = ", ".join(sorted(loader.list())) or "none"
        raise UnknownSpider(f"unknown spider {name!r} (known: {known})") from None


def spider_names() -> list[str]:
    """Every spider's name, from the catalogue (the spiders' source, read without Scrapy)."""
    from crawler import spider_registry as catalogue

    return list(catalogue.spiders(project_settings()))


def db_option(fn):
    return click.option(
        "--db", "db_path", type=click.Path(),
        help="SQLite file (default: STORE_DB_PATH, data/glocal.db, or $GLOCAL_DB)",
    )(fn)


def open_store(db_path: str | None, *, must_exist: bool = False, readonly: bool = False):
    """The store; `readonly` for commands that only read, so they work where no write is possible."""
    from store import open_db, open_db_readonly

    path = db_path or project_settings().get("STORE_DB_PATH")
    if (must_exist or readonly) and not Path(path).exists():
        raise GlocalError(f"no database at {path} yet: run `glocal crawl` first, or pass --db")
    return open_db_readonly(path) if readonly else open_db(path)


class GlocalGroup(click.Group):
    """Turns the project's own errors into one line (and a non-zero exit), never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as error:
            # StoreError is looked up, not imported: importing store/ loads sqlite-utils (and numpy
            # under it), which `glocal --help` or `glocal new-spider` must not pay for. A StoreError
            # can only have been raised once store.errors was imported.
            store_errors = sys.modules.get("store.errors")
            if isinstance(error, GlocalError) or (store_errors and isinstance(error, store_errors.StoreError)):
                raise click.ClickException(for_terminal(error)) from None
            raise


class _SqliteUtilsWithoutNumpy:
    """Hides numpy (and pandas) from sqlite-utils while its `db` module loads, once.

    sqlite_utils.db imports numpy when it can, only to map numpy scalar types to column types when
    a table is created from numpy values; matplotlib brings numpy along, and importing it is
    about half of what a store command spends starting (docs/performance.md). The CLI never
    writes a numpy value, so the console script loads sqlite-utils as it would without numpy
    installed; numpy itself stays importable (`glocal plot` draws with it)."""

    HIDDEN = ("numpy", "pandas")

    def find_spec(self, name, path=None, target=None):
        if name != "sqlite_utils.db":
            return None
        sys.meta_path.remove(self)  # once; the real finders locate the module
        from importlib.util import find_spec

        spec = find_spec(name)
        if spec is not None and spec.loader is not None:
            self.loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self.loader  # the module as if loaded as usual
        hidden = [name for name in self.HIDDEN if name not in sys.modules]
        for name in hidden:
            sys.modules[name] = None  # `import numpy` raises ImportError, as if it were not installed
        try:
            self.loader.exec_module(module)
        finally:
            for name in hidden:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]


def start_light() -> None:
    """Before the first command of a process: sqlite-utils will load without numpy."""
    if "sqlite_utils.db" not in sys.modules and not any(isinstance(f, _SqliteUtilsWithoutNumpy) for f in sys.meta_path):
        sys.meta_path.insert(0, _SqliteUtilsWithoutNumpy())


def main() -> None:
    """The `glocal` console script (pyproject.toml): the CLI, started light."""
    start_light()
    cli()


@click.group(cls=GlocalGroup)
@click.version_option(__version__, prog_name="glocal")
def cli():
    "Watch city networks and UN sites for declarations, signatories and events; keep the history in SQLite."


@cli.command()
@click.argument("spiders", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Crawl every spider.")
@click.option("--replay", type=click.Path(dir_okay=False),
              help="Answer requests from this WARC file instead of the network.")
@db_option
@click.option("--timeout", type=float, default=None,
              help="Seconds before a crawl is killed (default: SCHEDULER_CRAWL_TIMEOUT, 3600).")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log at INFO level.")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE", hidden=True,
              help="Override a setting for this crawl, as Scrapy's -s (tests and experiments).")
@click.option("--host-map", hidden=True, help="JSON {host: 127.0.0.1:port}: send requests to a local server.")
@click.option("--full", is_flag=True,
              help="Walk every page of incremental listings (news), not only up to the posts already stored.")
def crawl(spiders, all_, replay, db_path, timeout, verbose, overrides, host_map, full):
    """Crawl spiders now, one child process each, and store what changed

    Each crawl is recorded in crawl_runs with its health; the exit status is 1 when a run
    failed or was unhealthy.

    Examples:

    \b
        glocal crawl c40_accelerators
        glocal crawl c40_news --full
        glocal crawl --all --replay tests/fixtures/sample.warc.gz
    """
    from crawler.download_handlers import archive_index
    from crawler.child import crawl_in_child

    if all_ == bool(spiders):
        raise click.UsageError("name one or more spiders, or pass --all")
    names = spider_names() if all_ else list(spiders)
    classes = {name: spider_class(name) for name in names}
    if replay:
        index = archive_index(replay)
        skipped = []
        for name, cls in list(classes.items()):
            # A spider whose start URL is configuration (none set) has nothing to replay either.
            missing = [url for url in cls.start_urls if url not in index] or (
                [] if cls.start_urls else ["its configured start URL"])
            if missing and not all_:
                raise GlocalError(f"archive {replay} has no record of {missing[0]}, the start URL of {name}")
            if missing:
                skipped.append(name)
                del classes[name]
        if not classes:
            raise GlocalError(f"archive {replay} holds the start URL of no spider")
        for name in skipped:
            click.echo(f"{name}: skipped, the archive has no record of its start URL", err=True)
    db_path = db_path or project_settings().get("STORE_DB_PATH")
    if timeout is None:
        timeout = project_settings().getfloat("SCHEDULER_CRAWL_TIMEOUT")
    open_store(db_path).close()  # fails here, in one line, if the file cannot be created or written

    if full:
        overrides = (*overrides, "CRAWL_FULL=true")
    healthy = True
    for name in classes:
        outcome = crawl_in_child(name, db_path=db_path, timeout=timeout, replay=replay, host_map=host_map,
                                 overrides=overrides, verbose=verbose)
        click.echo(for_terminal(outcome.message),
                   err=outcome.run is None or outcome.run["status"] == "aborted" or bool(outcome.error))
        healthy = healthy and outcome.ok
    if not healthy:
        sys.exit(1)


@cli.command()
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
    from alerts.rules import load_config
    from scheduler.main import build_scheduler, run_forever, spider_schedules
    from scheduler.service import job_lines

    settings = project_settings()
    db_path = db_path or settings.get("STORE_DB_PATH")
    open_store(db_path).close()
    if replay:
        from crawler.download_handlers import archive_index

        archive_index(replay)
    alerts_path = settings.get("ALERTS_CONFIG")
    alerts = load_config(alerts_path) if alerts_path else None  # a wrong rule stops the start, in one line
    # --list only prints each job's trigger and next run: the catalogue's entries (name and
    # schedule) build the same jobs without importing Scrapy. A running scheduler needs the
    # classes, for the sites each spider crawls (never two crawls of one site at once).
    catalogued = catalogue.spiders(settings)
    spiders = catalogued if list_jobs else {name: spider_class(name) for name in catalogued}
    scheduler = build_scheduler(settings, spiders, db_path=db_path, alerts=alerts,
                                crawl_options={"replay": replay, "host_map": host_map, "overrides": tuple(overrides)})
    if list_jobs:
        for line in job_lines(scheduler, datetime.now(timezone.utc)):
            click.echo(line)
        return
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
    if alerts is None:
        click.echo("alerts: off (set GLOCAL_ALERTS to a rules file to deliver them)")
    else:
        click.echo(f"alerts: {len(alerts.rules)} rules, channels {', '.join(sorted(alerts.channels))}")
    run_forever(scheduler)


@cli.command()
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
    from kit.page_limits import MAX_PAGE_DEPTH, check_page

    # The limits look at the characters; undecoded XML is measured as Latin-1, one byte a character.
    check_page(text if isinstance(text, str) else raw.decode("latin-1"), url,
               max_depth=None if route.format not in ("html", "xml") else MAX_PAGE_DEPTH)
    for item in route.parse(text, url):
        click.echo(json_text(export_record(item)))


def export_record(item) -> dict:
    """An item as one JSON object a reader can tell apart from the others: its "type" first."""
    from kit.items import as_record, item_kind

    return {"type": item_kind(item), **as_record(item)}


@cli.command(name="spiders")
@db_option
def spiders_command(db_path):
    """List spiders with their schedule, last run and its health

    Example:

    \b
        glocal spiders
    """
    from crawler import spider_registry as catalogue

    settings = project_settings()
    path = db_path or settings.get("STORE_DB_PATH")
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


@cli.group(invoke_without_command=True)
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
    rows = history.changes(db, since=_checked_date(since), include_quiet=include_quiet, source=source)
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


@cli.command()
@click.argument("instrument")
@click.option("--as-of", help="The list as it stood at the end of this date (YYYY-MM-DD) or at this ISO time.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@db_option
def signatories(instrument, as_of, as_json, db_path):
    """List who signed an instrument, now or as the list stood on a date

    INSTRUMENT is a key (c40_accelerators/clean-air-cities), its last part, or words of its title.

    Example:

    \b
        glocal signatories clean-air-cities --as-of 2026-11-05
    """
    from store import history

    db = open_store(db_path, readonly=True)
    found = history.find_instrument(db, instrument)
    rows = history.signatories(db, found["key"], as_of=_checked_date(as_of))
    db.close()
    if as_json:
        click.echo(json_text(rows, indent=2))
        return
    when = f" as of {as_of}" if as_of else ""
    listed = [row for row in rows if row["listed"]]
    click.echo(for_terminal(f"{found['title']} ({found['key']}): {len(listed)} signatories{when}"))
    for index, row in enumerate(rows):
        if not row["listed"] and (index == 0 or rows[index - 1]["listed"]):
            click.echo("  named as signing elsewhere (news), not on the list:")
        published = f"  [as published: {row['name_as_published']}]" if row["name_as_published"] != row["actor"] else ""
        flag = "  (non-member)" if row["network_member"] == 0 else ""
        signed = f"  signed {row['signed_on']}" if row["signed_on"] else ""
        click.echo(for_terminal(f"  {row['actor'] or row['name_as_published']}, {row['country'] or '??'}"
                                f"  first seen {row['first_seen_at'][:10]}{signed}{flag}{published}"))


@cli.command()
@db_option
def instruments(db_path):
    """List known instruments with their number of current signatories

    Example:

    \b
        glocal instruments
    """
    db = open_store(db_path, readonly=True)
    rows = db.query(
        """select i.key, i.title, i.removed_at, count(s.key) as signatories
           from instruments i left join signatures s on s.instrument_key = i.key and s.removed_at is null
           group by i.key order by i.key"""
    )
    for row in rows:
        gone = f"  (removed {row['removed_at'][:10]})" if row["removed_at"] else ""
        click.echo(for_terminal(f"{row['key']}  {row['title']}  {row['signatories']} signatories{gone}"))
    db.close()


@cli.command(name="build-archive")
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


def _checked_date(value: str | None) -> str | None:
    """The user's date in one canonical form: a day in any ISO form ("20261102", "2026-W45-1")
    becomes YYYY-MM-DD, so it means the whole day like "2026-11-02" does; a time becomes UTC."""
    if value is None:
        return None
    from datetime import date

    from store.clock import iso_utc, parse_moment

    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        pass
    try:
        return iso_utc(parse_moment(value))
    except ValueError:
        raise GlocalError(f"{value!r} is not a date (YYYY-MM-DD) or an ISO time") from None


from cli import operations as cli_history  # noqa: E402  (the history commands build on the helpers above)

cli_history.register(cli)

from cli.scrapyd import scrapyd_group  # noqa: E402

cli.add_command(scrapyd_group)

from cli.alerts import alerts, show_page, status  # noqa: E402  (the operator's commands)

for command in (alerts, status, show_page): cli.add_command(command)  # noqa: E701

from cli.new_spider import new_spider  # noqa: E402 (commands of their own modules, registered last)

cli.add_command(new_spider)

from cli.research import COMMANDS as RESEARCH_COMMANDS  # noqa: E402  (research: actors, export, snapshot, serve, plot)

for _command in RESEARCH_COMMANDS:
    cli.add_command(_command)

from cli.imports import import_group  # noqa: E402 - registered last, see docs/cli.md

cli.add_command(import_group)

from cli.roster import roster  # noqa: E402  (the generic roster reader on a saved page)

cli.add_command(roster)
