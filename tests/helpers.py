"""Helpers shared by the tests: saved pages, archives built from them, and the glocal command."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from scrapy.http import HtmlResponse, Request

from crawler.archive import ArchivedResponse, build_archive, pages_from_fixtures

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
SHARED = ROOT.parent / "shared"  # the project's shared folder (design notes, real samples), beside the checkout


@dataclass
class Page:
    html: str
    url: str
    fetched_at: str


def shared_file(*parts: str) -> Path:
    """A file of the project's shared folder (`../shared`, beside the checkout), for the tests that
    compare against real data. Missing, the test skips with a reason naming the path; under CI
    (CI=true), which has the folder beside its clone, a missing file fails the test instead."""
    import pytest

    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is missing (the project's shared folder, beside the checkout)"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"{reason}; CI must run this test", pytrace=False)
        pytest.skip(reason)
    return path


def fixture_meta(spider: str) -> dict:
    return json.loads((FIXTURES / spider / "meta.json").read_text(encoding="utf-8"))


def load_fixture(spider: str, filename: str) -> Page:
    return load_fixture_from(FIXTURES, spider, filename)


def load_fixture_from(folder: str | Path, spider: str, filename: str) -> Page:
    """A saved page of any fixtures folder (`glocal fixtures add --folder` writes such folders)."""
    folder = Path(folder) / spider
    info = json.loads((folder / "meta.json").read_text(encoding="utf-8"))[filename]
    html = (folder / filename).read_text(encoding="utf-8")
    return Page(html=html, url=info["url"], fetched_at=info["fetched_at"])


def html_response(spider: str, filename: str) -> HtmlResponse:
    page = load_fixture(spider, filename)
    return HtmlResponse(url=page.url, body=page.html.encode("utf-8"), encoding="utf-8", request=Request(page.url))


def saved_pages(spider: str, files: list[str], *, day: str | None = None, edits: dict | None = None,
                statuses: dict | None = None) -> list[ArchivedResponse]:
    """Fixture pages as archive records, optionally re-dated, edited (file -> fn(bytes) -> bytes)
    or answering another status (file -> (status, body))."""
    meta = fixture_meta(spider)
    by_url = {meta[f]["url"]: f for f in files}
    pages = []
    for page in pages_from_fixtures(FIXTURES / spider, only=files):
        filename = by_url[page.url]
        if day:
            page = dataclasses.replace(page, fetched_at=day + page.fetched_at[10:])
        if edits and filename in edits:
            page = dataclasses.replace(page, body=edits[filename](page.body))
        if statuses and filename in statuses:
            status, body = statuses[filename]
            page = dataclasses.replace(page, status=status, body=body)
        pages.append(page)
    return pages


def archive_of(path: Path, pages: list[ArchivedResponse]) -> Path:
    return build_archive(pages, path)


def glocal(*args, env: dict | None = None, timeout: int = 180, wrapper: list[str] = ()) -> subprocess.CompletedProcess:
    """Run the installed `glocal` command as a user would, in a child process (under `wrapper`,
    e.g. a privilege drop, when given)."""
    command = [*wrapper, str(Path(sys.executable).parent / "glocal"), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=ROOT)


# --- in-process crawls ------------------------------------------------------------------------------
# Twisted's reactor cannot restart, so one reactor runs for the whole test session in a daemon
# thread and every in-process crawl is scheduled on it. A crawl here runs the real spider,
# middlewares, pipeline and store, without the child process `glocal crawl` starts (tests that
# need that process, such as killing a crawl or its exit code, use `glocal(...)` above).

_REACTOR = {}
_REACTOR_LOCK = threading.Lock()


def _reactor():
    with _REACTOR_LOCK:
        if "reactor" not in _REACTOR:
            from twisted.internet import asyncioreactor

            loop = asyncio.new_event_loop()
            asyncioreactor.install(loop)
            from twisted.internet import reactor

            thread = threading.Thread(target=reactor.run, kwargs={"installSignalHandlers": False}, daemon=True,
                                      name="twisted-reactor")
            thread.start()
            _REACTOR["reactor"] = reactor
        return _REACTOR["reactor"]


def crawl_in_process(spider: str, *, db: Path, replay: Path | None = None, host_map: dict | None = None,
                     settings: dict | None = None, timeout: float = 120, stats: dict | None = None) -> dict | None:
    """Crawl `spider` in this process (replayed or against a local server) and return the run row
    it wrote in crawl_runs (None when it wrote none); `stats`, if given, receives Scrapy's stats."""
    from scrapy.crawler import CrawlerRunner

    from crawler.runner import crawl_settings

    overrides = {"LOG_LEVEL": "WARNING", **(settings or {})}
    crawl_config = crawl_settings(db_path=str(db), replay=str(replay) if replay else None, host_map=host_map,
                                  overrides=overrides)
    reactor = _reactor()
    finished: concurrent.futures.Future = concurrent.futures.Future()

    def start():
        try:
            runner = CrawlerRunner(crawl_config)
            crawler = runner.create_crawler(spider)
            deferred = runner.crawl(crawler)
        except Exception as error:  # noqa: BLE001 - handed to the waiting test thread
            finished.set_exception(error)
            return
        if stats is not None:
            deferred.addBoth(lambda result: stats.update(crawler.stats.get_stats()) or result)
        deferred.addCallbacks(lambda _: finished.set_result(None),
                              lambda failure: finished.set_exception(failure.value))

    reactor.callFromThread(start)
    finished.result(timeout=timeout)
    import sqlite3

    if not Path(db).exists():
        return None
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        row = connection.execute("select * from crawl_runs where spider = ? order by id desc limit 1",
                                 (spider,)).fetchone()
    except sqlite3.OperationalError:
        row = None
    finally:
        connection.close()
    return dict(row) if row else None


@dataclass
class Outcome:
    """What a person sees of a command: the shape of subprocess.CompletedProcess."""

    returncode: int
    stdout: str
    stderr: str = ""


def crawl_like_cli(spider: str, *, db: Path, replay: Path | None = None, host_map: dict | None = None,
                   settings: dict | None = None, timeout: float = 120) -> Outcome:
    """An in-process crawl reported as `glocal crawl` reports it: the run's line, exit 1 unless
    the run finished healthy (crawler.child.run_line is what the CLI prints)."""
    from crawler.child import run_line

    run = crawl_in_process(spider, db=db, replay=replay, host_map=host_map, settings=settings, timeout=timeout)
    if run is None:
        return Outcome(1, "", f"{spider}: the crawl opened no run")
    ok = run["status"] == "finished" and run["healthy"]
    return Outcome(0 if ok else 1, run_line(spider, run) + "\n")


def glocal_crawl_in_process(spider: str, *, db: Path, replay: Path | None = None, host_map: dict | None = None,
                            alerts_config: Path | None = None, settings: dict | None = None,
                            timeout: float = 120) -> Outcome:
    """`glocal crawl SPIDER` with the crawl in this process instead of its child, and the rest as the
    command's parent does it: the outbox of the alert rules (`alerts_config`, else the ALERTS_CONFIG
    this process's settings hold), the crawl routing its changes through them, then crawler.child.settle, which
    records the spider's health (health.failed / health.recovered into the outbox) and words the
    line. Exit 1 unless the run finished healthy. The parent and child processes themselves are
    tests/cli/test_main.py's end-to-end crawl."""
    from alerts.outbox import outbox_for
    from crawler import child
    from crawler.spider_registry import spider_names
    from store import open_db, runs

    project = child.project_settings()
    alerts_config = str(alerts_config) if alerts_config else project.get("ALERTS_CONFIG")
    outbox = outbox_for(alerts_config, sources=spider_names() if alerts_config else None)
    with open_db(db) as store:
        previous = (runs.last_runs(store).get(spider) or {}).get("id", 0)
    overrides = {**(settings or {}), **({"ALERTS_CONFIG": alerts_config} if alerts_config else {})}
    crawl_in_process(spider, db=db, replay=Path(replay).resolve() if replay else None, host_map=host_map,
                     settings=overrides, timeout=timeout)
    outcome = child.settle(spider, db_path=Path(db), previous=previous,
                           log_file=Path(db).parent / "logs" / f"{spider}.log", timeout=timeout, code=0,
                           reason=None, interrupted=None, outbox=outbox,
                           failed_runs=project.getint("ALERTS_HEALTH_FAILED_RUNS"),
                           drop_ratio=project.getfloat("ALERTS_HEALTH_DROP_RATIO"))
    return Outcome(0 if outcome.ok else 1, outcome.message + "\n")


def query(db: Path, sql: str, params=()) -> list[dict]:
    """The rows of one query on the store file `db`, as dicts (a connection of its own, closed after)."""
    import sqlite3

    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql, params)]
    finally:
        connection.close()


def rows(db: Path, sql: str, params=()) -> list[tuple]:
    """The rows of `sql` on the store file `db`, as tuples; waits for a crawl that holds the write
    lock (a child process may be writing it)."""
    import sqlite3

    connection = sqlite3.connect(db, timeout=30)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def copy_store(source: Path, target: Path) -> None:
    """Copy the store file `source` to `target` with SQLite's backup: how a module's first crawl,
    made once, starts each test that continues from it."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
        original.backup(copy)


class StoreWatch:
    """Reads a store another process is writing, as a test watches a crawl it means to stop: one
    connection, opened once the process has made the file (a new connection per poll reads the
    schema again, 3 ms of CPU, and the watches poll every 10-20 ms). `rows` is [] while the file
    or its tables do not exist yet."""

    def __init__(self, db: Path):
        self.db, self.connection = Path(db), None

    def rows(self, sql: str, params=()) -> list[tuple]:
        import sqlite3

        try:
            if self.connection is None:
                if not self.db.exists():
                    return []
                self.connection = sqlite3.connect(self.db, timeout=5)
            return self.connection.execute(sql, params).fetchall()
        except sqlite3.Error:
            return []

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Replayed(Outcome):
    """A replayed crawl as `glocal crawl` reports it, and the run row it wrote (None: no run)."""

    run: dict | None = None
    stats: dict = dataclasses.field(default_factory=dict)  # Scrapy's stats at the crawl's end


def replay_like_cli(spider: str, archive: Path, db: Path, *sets: str, settings: dict | None = None,
                    timeout: float = 120) -> Replayed:
    """`glocal crawl SPIDER --replay ARCHIVE --db DB --set NAME=VALUE...` in this process: the same
    spider, pipeline and store, the same exit status and run line, without the two child processes
    (`glocal`, then its crawl) that cost each replay a few seconds of interpreter and imports.
    `settings` are more overrides, as Python values."""
    from crawler.runner import setting_value
    from crawler.child import run_line

    settings = dict(settings or {})
    for assignment in sets:
        name, _, value = assignment.partition("=")
        settings[name] = setting_value(value)
    stats: dict = {}
    run = crawl_in_process(spider, db=db, replay=archive, settings=settings, timeout=timeout, stats=stats)
    if run is None:
        return Replayed(1, "", f"{spider}: the crawl opened no run", run=None, stats=stats)
    ok = run["status"] == "finished" and bool(run["healthy"])
    return Replayed(0 if ok else 1, run_line(spider, run) + "\n", run=run, stats=stats)


def replay_steps(folder: Path, spider: str, steps, *sets: str, db: Path | None = None) -> dict[str, Replayed]:
    """Replay each (name, pages) step in turn into one store (`db`, else folder/glocal.db), each from
    its own archive folder/NAME.warc.gz: the history a module-scoped fixture builds once and its
    tests read. `sets` apply to every step; a step given as (name, pages, sets) adds its own."""
    db = db or folder / "glocal.db"
    results = {}
    for name, pages, *extra in steps:
        archive = archive_of(folder / f"{name}.warc.gz", pages)
        results[name] = replay_like_cli(spider, archive, db, *sets, *(extra[0] if extra else ()))
    return results


def run_cli(*args, env: dict | None = None) -> Outcome:
    """`glocal ARGS` in this process (Click's CliRunner): for commands that start no crawl process."""
    from click.testing import CliRunner

    from cli.main import cli

    result = CliRunner(env=env).invoke(cli, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr)


def health_after_run(db: Path, spider: str, *, failed_runs: int = 3, drop_ratio: float = 0.5):
    """What the parent of a crawl does once its run ended (alerts.health.after_run): the health
    change it records, if any."""
    from alerts import health
    from store import open_db

    with open_db(db) as store:
        return health.after_run(store, spider, failed_runs=failed_runs, drop_ratio=drop_ratio)


def crawl_all_in_process(archive: Path, db: Path) -> Outcome:
    """`glocal crawl --all --replay ARCHIVE --db DB` in this process: the same spiders in the same
    order (those whose start URL the archive holds), each crawled in process (crawl_in_process)
    instead of in a child, then the spider's health recorded as the parent of a child crawl records
    it. Returns what the command would: exit 1 unless every run finished healthy, and its lines. tests/research/test_sample_store.py (marker `slow`)
    checks that the store this builds is the store the command builds."""
    from cli.common import open_store, project_settings, spider_class, spider_names, start_urls
    from crawler.child import run_line
    from crawler.download_handlers import archive_index

    index = archive_index(archive)
    settings = project_settings()
    open_store(db).close()
    lines, healthy = [], True
    for name in spider_names():
        starts = start_urls(spider_class(name))
        if not starts or any(url not in index for url in starts):
            continue  # skipped by the command too: the archive has no record of its start URL
        run = crawl_in_process(name, db=db, replay=Path(archive).resolve(), timeout=300)  # as the child is given it
        change = health_after_run(db, name, failed_runs=settings.getint("ALERTS_HEALTH_FAILED_RUNS"),
                                  drop_ratio=settings.getfloat("ALERTS_HEALTH_DROP_RATIO"))
        lines.append(run_line(name, run) + (f" [{change}]" if change else "") if run else f"{name}: no run")
        healthy = healthy and bool(run) and run["status"] == "finished" and bool(run["healthy"])
    return Outcome(0 if healthy else 1, "".join(line + "\n" for line in lines))
