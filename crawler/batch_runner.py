"""Several replayed crawls in this one process: `python -m crawler.batch_runner --plan PLAN ...`.

`glocal crawl --replay` starts this in ONE child process (crawler/batch.py) instead of one child
per spider: a replay waits on no network, so Scrapy's start-up in every child was most of the
wait. Each spider is still its own Scrapy crawler, with its own run row (its CrawlSession), its
own log file (a handler that keeps only that spider's records), its own time limit (a crawler
past it is closed alone, reason "timeout") and its own failure (a crawler that cannot be built or
raises ends alone; the others go on). The outcome file tells the parent, per spider, why it failed.

The crawlers run one after another on the one reactor, in the spiders' order, each started when
the one before it ends. A replay is CPU-bound and one reactor is one thread, so running them at
once would save nothing; one at a time keeps the store exactly the one a child per spider builds
(the same rows in the same order, ids included) and tells whose a log record is when our modules
log it without naming the spider (it is the crawl running now).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback

if __name__ == "__main__":  # a crawl child: sqlite-utils loads without numpy (kit/startup.py)
    from kit.startup import start_light

    start_light()

from kit.errors import GlocalError, NotConfigured
from store.errors import StoreError

TIMEOUT_REASON = "timeout"  # the finish_reason of a crawl closed at its time limit
UNATTRIBUTED_LOG = "replay-batch.log"
_current: list[str | None] = [None]  # the spider whose crawler runs now (one at a time, see main)  # records no spider claims (start-up, the reactor), beside the spiders' logs


class _OfSpider(logging.Filter):
    """Keeps the records of one spider: those Scrapy and our code log with `extra={"spider": ...}`."""

    def __init__(self, name: str):
        super().__init__()
        self.spider_name = name

    def filter(self, record: logging.LogRecord) -> bool:
        spider = getattr(record, "spider", None)
        if spider is None:  # our modules log without naming the spider: it is the one crawling now
            return _current[0] == self.spider_name
        return getattr(spider, "name", None) == self.spider_name


class _Unattributed(logging.Filter):
    """Keeps the records logged while no crawler runs (start-up, shut-down)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "spider", None) is None and _current[0] is None


def _noting_stop(handler, stopped: list, outcome: dict):
    def noting(signum, frame):
        stopped.append(signum)
        if _current[0] is not None:
            outcome[_current[0]]["stopped"] = True  # the crawl the signal interrupted
        return handler(signum, frame)

    return noting


def _count_own_records_only() -> None:
    """Scrapy's LogCount extension counts every record of the process into its crawler's stats
    (log_count/ERROR feeds a run's error count): with several crawlers, count a record only for
    the crawler of the spider it names (records naming none still count for each)."""
    from scrapy.extensions import logcount
    from scrapy.utils.log import LogCounterHandler

    class SpiderLogCounter(LogCounterHandler):
        def emit(self, record: logging.LogRecord) -> None:
            spider = getattr(record, "spider", None)
            if spider is None or spider is getattr(self.crawler, "spider", None):
                super().emit(record)

    logcount.LogCounterHandler = SpiderLogCounter


def _handler(path: str | None, settings, level: str, log_filter: logging.Filter) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8") if path else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT")))
    handler.setLevel(level)
    handler.addFilter(log_filter)
    return handler


def _line(error: BaseException) -> str:
    text = str(error) if isinstance(error, (GlocalError, StoreError)) else f"{type(error).__name__}: {error}"
    return (text.strip().splitlines() or ["unknown error"])[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.batch_runner")
    parser.add_argument("--plan", required=True,
                        help='JSON: [{"spider", "timeout", "log_file", "set": [NAME=VALUE...]}, ...] in order')
    parser.add_argument("--db", required=True)
    parser.add_argument("--replay", required=True)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--outcome", required=True,
                        help="write {spider: {error, timed_out, stopped, skipped}} here as JSON")
    args = parser.parse_args(argv)
    with open(args.plan, encoding="utf-8") as plan_file:
        plan = json.load(plan_file)
    from crawler.runner import _die_with_parent, crawl_settings, setting_value

    outcome: dict[str, dict] = {entry["spider"]: {"error": None, "timed_out": False} for entry in plan}

    def write_outcome() -> None:
        with open(args.outcome, "w", encoding="utf-8") as out:
            json.dump(outcome, out)

    if not _die_with_parent():
        for entry in outcome.values():
            entry["error"] = "the command that started this crawl is gone; not crawling"
        write_outcome()
        return 1
    try:
        overrides = {}
        for assignment in args.set:
            name, equals, value = assignment.partition("=")
            if not name or not equals:
                raise NotConfigured(f"--set {assignment}: write NAME=VALUE")
            overrides[name] = setting_value(value)
        settings = crawl_settings(db_path=args.db, replay=args.replay, overrides=overrides, log_level=args.log_level)
        from crawler.settings import check as check_settings

        check_settings(settings)
        from scrapy.crawler import AsyncCrawlerProcess

        _count_own_records_only()
        settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")  # one handler per spider, below
        process = AsyncCrawlerProcess(settings)
    except Exception as error:  # every spider fails with the same one line; the story goes to their logs
        for entry in plan:
            _log_failure(entry, error)
        for entry in outcome.values():
            entry["error"] = _line(error)
        write_outcome()
        return 1
    logging.root.setLevel(args.log_level)
    logs = [entry.get("log_file") for entry in plan]
    shared = next((log for log in logs if log), None)
    from pathlib import Path

    logging.root.addHandler(_handler(str(Path(shared).parent / UNATTRIBUTED_LOG) if shared else None,
                                     settings, args.log_level, _Unattributed()))
    from twisted.internet import reactor

    running: dict[str, tuple] = {}
    waiting = list(plan)
    stopped: list[int] = []  # a stop signal arrived: no further crawl starts

    def start_next(_finished=None) -> None:
        """Start the next spider's crawler (the previous one ended); a crawler that cannot be built fails alone."""
        while waiting and not stopped:
            entry = waiting.pop(0)
            name = entry["spider"]
            _current[0] = name
            try:
                crawler = process.create_crawler(name)
                own = {}
                for assignment in entry.get("set", ()):  # this spider's own settings (tests, experiments)
                    setting, _, value = assignment.partition("=")
                    own[setting] = setting_value(value)
                crawler.settings.setdict(own, priority="cmdline")
                task = process.crawl(crawler)
            except Exception as error:
                _log_failure(entry, error)
                outcome[name]["error"] = _line(error)
                continue
            running[name] = (crawler, task)
            reactor.callLater(float(entry["timeout"]), _time_out, name, crawler, task, outcome)
            task.add_done_callback(start_next)
            return
        _current[0] = None
        for entry in waiting:
            outcome[entry["spider"]].update(error="not crawled: the batch was stopped", skipped=True)

    for name in ("_signal_shutdown", "_signal_kill"):  # Scrapy's own handlers, which stop the running crawler
        setattr(process, name, _noting_stop(getattr(process, name), stopped, outcome))
    for entry in plan:
        logging.root.addHandler(_handler(entry.get("log_file"), settings, args.log_level, _OfSpider(entry["spider"])))
    start_next()
    if running:
        process.start()
    from crawler.session import CrawlSession

    failed = False
    for entry in plan:
        name = entry["spider"]
        if name not in running:
            failed = True
            continue
        crawler, task = running[name]
        outcome[name].pop("asked", None)
        stats = getattr(crawler, "stats", None)
        if stats is not None and stats.get_value("finish_reason") == TIMEOUT_REASON:
            outcome[name]["timed_out"] = True
        session = CrawlSession.of(crawler)
        error = task.exception() if task.done() and not task.cancelled() else None
        if session is not None and session.fatal:
            outcome[name]["error"] = session.fatal.strip().splitlines()[0]
        elif error is not None:
            _log_failure(entry, error)
            outcome[name]["error"] = _line(error)
        elif session is None or session.run_id is None:
            outcome[name]["error"] = "the crawl ended without opening a run (see the log)"
        failed = failed or bool(outcome[name]["error"]) or outcome[name]["timed_out"]
    write_outcome()
    return 1 if failed else 0


def _time_out(name: str, crawler, task, outcome: dict) -> None:
    """Close one crawler at its time limit; the others go on. Its run closes with reason "timeout"."""
    if task.done():
        return
    if not outcome[name].get("asked"):
        outcome[name]["asked"] = True  # the verdict is its finish reason (main), should it finish meanwhile
        logging.getLogger(__name__).error("crawl past its time limit: closing it",
                                          extra={"spider": getattr(crawler, "spider", None)})
    engine = getattr(crawler, "engine", None)
    if engine is None or not getattr(engine, "running", False):
        if crawler.crawling:  # still starting: close it as soon as its engine runs
            from twisted.internet import reactor

            reactor.callLater(0.05, _time_out, name, crawler, task, outcome)
        else:
            outcome[name]["timed_out"] = True
            task.cancel()
        return
    from crawler.prompt_stop import close_now

    close_now(engine, TIMEOUT_REASON)


def _log_failure(entry: dict, error: BaseException) -> None:
    text = "".join(traceback.format_exception(error))
    if entry.get("log_file"):
        with open(entry["log_file"], "a", encoding="utf-8") as log:
            log.write(text)
    else:
        sys.stderr.write(text)


if __name__ == "__main__":
    sys.exit(main())
