"""History and first-day commands: `glocal backfill`, `glocal check`, `glocal fixtures add`."""

from __future__ import annotations

import re
import sys

import click

from cli.common import (checked_timeout, db_option, open_store, project_settings, spider_class, spider_names,
                        store_path)
from kit.errors import GlocalError
from kit.terminal import for_terminal, json_text


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
    if since and not re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", since):
        raise click.BadParameter(f"{since!r} is not a year (YYYY) or a date (YYYY-MM-DD)", param_hint="--since")
    if until and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", until):
        raise click.BadParameter(f"{until!r} is not a date (YYYY-MM-DD)", param_hint="--until")
    timeout = checked_timeout(timeout)  # a wrong value is refused before Scrapy is imported (about a second)
    from operations.backfill import run_backfill
    from crawler.child import crawl_in_child

    settings = project_settings()
    cls = spider_class(spider)
    path = store_path(db_path)
    open_store(path).close()
    interactive = sys.stdout.isatty()  # click.get_text_stream is deprecated (Click 9 drops it)

    def progress(done: int, total: int, step) -> None:
        mark = "ok" if step.ok else "!!"
        line = f"[{done}/{total}] as of {step.moment} [{mark}] {step.message}"
        click.echo(for_terminal(line), err=not step.ok and not interactive)

    steps = run_backfill(cls, db_path=path, settings=settings, since=since, until=until, every=every,
                         timeout=timeout or settings.getfloat("SCHEDULER_CRAWL_TIMEOUT"),
                         crawl=crawl_in_child, on_step=progress, on_note=lambda note: click.echo(for_terminal(note), err=True))
    if not steps:
        click.echo(f"{spider}: nothing to backfill (every archived moment in range is already in the store)")
    else:
        click.echo(f"{spider}: {len(steps)} archived moments crawled, "
                   f"{sum(not s.ok for s in steps)} of them incomplete or unhealthy (see `glocal spiders`)")


@click.command()
@click.argument("spiders", nargs=-1)
@click.option("--live", "live", is_flag=True, help="Crawl the real sites (the default when no --replay is given).")
@click.option("--replay", type=click.Path(dir_okay=False), help="Crawl this WARC file instead of the network.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@click.option("--scratch", type=click.Path(file_okay=False),
              help="Folder for the scratch store and its archive (default: a new folder under the data folder's checks/).")
@click.option("--timeout", type=float, help="Seconds before one crawl is killed (default: SCHEDULER_CRAWL_TIMEOUT).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Crawls at once, of different sites only (default: CRAWL_WORKERS, at most the cores with --replay).")
def check(spiders, live, replay, as_json, scratch, timeout, workers):
    """Crawl each spider once into a scratch store and say whether it can see its site

    Nothing reaches the real store or the alert outbox. For each spider: pages and statuses
    (403s and challenge pages called out as blocking, with the headers that name the
    protection), URLs robots.txt forbids, items against the spider's expectations, and each
    declared landmark found or missing. Every response is archived in the scratch folder, ready
    for `glocal fixtures add`. Live, up to CRAWL_WORKERS spiders crawl at once, never two of
    one site; a replay runs them all in one child process. The verdicts come in the spiders' order. Exit status 1 when any spider is blind.

    Examples:

    \b
        glocal check
        glocal check c40_accelerators --replay crawl.warc.gz --json
    """
    from datetime import datetime, timezone
    from pathlib import Path

    from operations.live_check import judge, render
    from crawler.pool import crawl_each, default_workers

    if live and replay:
        raise click.UsageError("--live and --replay exclude each other")
    settings = project_settings()
    timeout = checked_timeout(timeout)
    names = list(spiders) or spider_names()
    classes = {name: spider_class(name) for name in names}
    index = None
    if replay:
        from crawler.download_handlers import archive_index

        index = archive_index(replay)  # a bad archive fails here, in one line, before any crawl
    if scratch is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        scratch = Path(settings.get("STORE_DB_PATH")).parent / "checks" / stamp
    scratch = Path(scratch)
    scratch_db = scratch / "check.db"
    if scratch_db.exists():
        raise GlocalError(f"{scratch} already holds a check; name another --scratch folder")
    open_store(scratch_db).close()
    from operations.live_check import SpiderVerdict

    verdicts = {}
    for name, cls in classes.items():
        absent = [url for url in cls.start_urls if index is not None and url not in index]
        if absent:
            verdicts[name] = SpiderVerdict(spider=name, verdict="blind", summary="not crawled",
                                           reasons=[f"the archive {replay} has no record of {absent[0]}, "
                                                    "the spider's start URL"])
    crawled = {name: cls for name, cls in classes.items() if name not in verdicts}
    workers = workers or default_workers(settings.getint("CRAWL_WORKERS"), replay=bool(replay))
    limit = timeout or settings.getfloat("SCHEDULER_CRAWL_TIMEOUT")
    if not crawled:
        outcomes = []
    elif replay:
        # A replay waits on no network: every spider's crawler in one child (crawler/batch.py), as
        # `glocal crawl --replay` does, sparing each its own Scrapy start-up.
        from crawler.batch import replay_all

        outcomes = replay_all(list(crawled), db_path=scratch_db, replay=replay, timeout=limit, log_level="DEBUG")
    else:
        outcomes = crawl_each(crawled, workers=workers, db_path=scratch_db, replay=replay,
                              overrides=('LOG_LEVEL="DEBUG"',), timeout=limit)
    for outcome in outcomes:
        verdicts[outcome.spider] = judge(classes[outcome.spider], db_path=scratch_db, outcome=outcome,
                                         log_file=outcome.log_file)
    verdicts = [verdicts[name] for name in classes if name in verdicts]  # the spiders' order
    if as_json:
        click.echo(json_text({"scratch": str(scratch), "spiders": [v.as_dict() for v in verdicts]}, indent=2))
    else:
        for verdict in verdicts:
            for line in render(verdict):
                click.echo(for_terminal(line))
        kept = f"responses are those of {replay}" if replay else f"responses archived under {scratch / 'archive'}"
        click.echo(f"{kept}; scratch store {scratch_db}")
    if any(v.blind for v in verdicts):
        raise SystemExit(1)


@click.group()
def fixtures():
    """Turn archived responses into test fixtures

    Example:

    \b
        glocal fixtures add c40_accelerators --from crawl.warc.gz https://www.c40.org/accelerators/clean-air-cities/
    """


@fixtures.command(name="add")
@click.argument("spider")
@click.argument("urls", nargs=-1)
@click.option("--from", "warc", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The WARC holding the responses (a crawl's or a check's archive).")
@click.option("--folder", type=click.Path(file_okay=False), default="tests/fixtures", show_default=True,
              help="The fixtures folder; pages go to FOLDER/SPIDER/.")
@click.option("--test", "test_file", type=click.Path(dir_okay=False),
              help="Write the test skeleton to this file instead of printing it.")
@click.option("--force", is_flag=True, help="Replace a fixture file that holds another version of the page.")
def fixtures_add(spider, urls, warc, folder, test_file, force):
    """Copy archived pages into tests/fixtures/SPIDER/ and print a test of what they say today

    URLS default to every page of the spider's hosts in the archive. Each page is written with
    its URL and capture time in meta.json; then a field-by-field test skeleton holding the values
    the parser extracts now is printed (or written with --test), to check against the page.
    An error page is refused, and an existing fixture is only replaced with --force.

    Example:

    \b
        glocal fixtures add c40_accelerators --from data/checks/20261128T0900Z/archive/c40_accelerators/x.warc.gz \\
            https://www.c40.org/accelerators/clean-air-cities/
    """
    from pathlib import Path

    from operations.live_check import page_parser
    from kit.errors import ParseError
    from operations.add_fixture import add_fixtures, skeleton_source

    cls = spider_class(spider)
    added = add_fixtures(cls, warc, list(urls), folder=folder, force=force)
    parsed = []
    for page in added:
        click.echo(f"{page.action}: {Path(folder) / spider / page.filename} ({page.url})", err=True)
        html = (Path(folder) / spider / page.filename).read_text(encoding="utf-8", errors="replace")
        parse = page_parser(cls, page.url)
        if parse is None:
            continue
        try:
            parsed.append((page.filename, list(parse(html, page.url))))
        except ParseError:
            parsed.append((page.filename, None))
    source = skeleton_source(cls, parsed, warc=warc, folder=folder)
    if test_file:
        if Path(test_file).exists() and not force:
            raise GlocalError(f"{test_file} exists; pass --force to overwrite it")
        Path(test_file).write_text(source, encoding="utf-8")
        click.echo(f"wrote {test_file}", err=True)
    else:
        click.echo(source)
