"""One crawl of one spider in this process: `python -m crawler.runner SPIDER [options]`.

`glocal crawl` (and the scheduler) start this in a child process per crawl: Twisted's reactor
cannot be restarted, and a hung crawl must be killable without killing its parent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import signal
import traceback

if __name__ == "__main__":  # a crawl child: sqlite-utils loads without numpy (kit/startup.py)
    from kit.startup import start_light

    start_light()

from kit.errors import GlocalError, NotConfigured
from store.errors import StoreError


MIN_LIVE_DELAY = 0.05  # seconds


def crawl_settings(*, db_path: str, replay: str | None = None, host_map: dict | None = None,
                   overrides: dict | None = None, log_level: str | None = None):
    """The project settings with this crawl's store, download route and overrides applied."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    from crawler.download_handlers import handler_settings

    settings = get_project_settings()
    settings.set("STORE_DB_PATH", db_path, priority="cmdline")
    settings.setdict(handler_settings(replay=replay, host_map=host_map), priority="cmdline")
    if log_level:
        settings.set("LOG_LEVEL", log_level, priority="cmdline")
    settings.setdict(overrides or {}, priority="cmdline")
    if not replay:
        # With a zero delay Scrapy 2.19's downloader hands every queued request of a host to the
        # network at once, whatever CONCURRENT_REQUESTS_PER_DOMAIN says; a small delay keeps it to one.
        # The same holds for a site's own slot (DOWNLOAD_SLOTS, {"host": {"delay": 0}}), which Scrapy
        # uses instead of DOWNLOAD_DELAY: any delay of its own above 0 is kept.
        if settings.getfloat("DOWNLOAD_DELAY") < MIN_LIVE_DELAY:
            settings.set("DOWNLOAD_DELAY", MIN_LIVE_DELAY, priority="cmdline")
        slots = settings.getdict("DOWNLOAD_SLOTS")
        floored = {host: ({**slot, "delay": MIN_LIVE_DELAY} if _zero_delay(slot) else slot)
                   for host, slot in slots.items()}
        if floored != slots:
            settings.set("DOWNLOAD_SLOTS", floored, priority="cmdline")
    return settings


def _zero_delay(slot) -> bool:
    if not isinstance(slot, dict) or "delay" not in slot:
        return False  # no delay of its own: DOWNLOAD_DELAY applies, floored above
    try:
        return float(slot["delay"]) <= 0
    except (TypeError, ValueError):
        return False  # Scrapy refuses it as it would without us


def setting_value(text: str):
    """A --set value as Scrapy's -s takes it (plain text, which settings.getint() and friends
    convert), or structured when it is JSON ({"a": 1}, [1, 2], "quoted text")."""
    if text[:1] in ("{", "[", '"'):
        try:
            return json.loads(text)
        except ValueError:
            raise NotConfigured(f"--set value {text!r} looks like JSON but is not valid JSON") from None
    return text


def _die_with_parent() -> bool:
    """On Linux, ask for SIGKILL when the process that started this crawl dies (itself killed
    outright: a stop signal to it is passed on and waited for, crawler/child.py): a crawl never goes
    on orphaned, with parent 1. Its run is left `running` and the next crawl closes it as
    `aborted`, as after any kill. False when that parent is already gone."""
    expected = os.environ.get("GLOCAL_PARENT_PID")
    if not expected or not sys.platform.startswith("linux"):
        return True
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return True
    return os.getppid() == int(expected)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.runner")
    parser.add_argument("spider")
    parser.add_argument("--db", required=True)
    parser.add_argument("--replay")
    parser.add_argument("--host-map", type=json.loads, default=None)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--log-level")
    parser.add_argument("--outcome", help="write why the crawl failed (one line) to this file, not to stderr")
    args = parser.parse_args(argv)
    if not _die_with_parent():
        return _failed(args, "the command that started this crawl is gone; not crawling")
    overrides = {}
    try:
        for assignment in args.set:
            name, equals, value = assignment.partition("=")
            if not name or not equals:
                raise NotConfigured(f"--set {assignment}: write NAME=VALUE")
            overrides[name] = setting_value(value)
        settings = crawl_settings(db_path=args.db, replay=args.replay, host_map=args.host_map,
                                  overrides=overrides, log_level=args.log_level)
        from crawler.settings import check as check_settings

        check_settings(settings)

        from scrapy.crawler import AsyncCrawlerProcess

        process = AsyncCrawlerProcess(settings)
        crawler = process.create_crawler(args.spider)
        running = process.crawl(crawler)  # an asyncio Task
        process.start()
    except Exception as error:  # the parent shows one line; the whole story goes to the log file
        log_file = overrides.get("LOG_FILE")
        if log_file:
            with open(log_file, "a", encoding="utf-8") as log:
                traceback.print_exc(file=log)
        else:
            traceback.print_exc()
        return _failed(args, str(error) if isinstance(error, (GlocalError, StoreError)) else f"{type(error).__name__}: {error}")
    # Scrapy logs what went wrong inside a crawl and returns normally: the store's verdict and the
    # crawl's own failure decide the exit status, so the parent never reads success into a failure.
    from crawler.session import CrawlSession

    session = CrawlSession.of(crawler)
    if session is not None and session.fatal:
        return _failed(args, session.fatal)
    error = running.exception() if running.done() and not running.cancelled() else None
    if error is not None:
        return _failed(args, str(error) if isinstance(error, (GlocalError, StoreError)) else f"{type(error).__name__}: {error}")
    if session is None or session.run_id is None:
        return _failed(args, "the crawl ended without opening a run (see the log)")
    return 0


def _failed(args, reason: str) -> int:
    """Report a failed crawl in one line (to the --outcome file when the parent gave one) and return 1."""
    line = (reason.strip().splitlines() or ["unknown error"])[0]
    if args.outcome:
        with open(args.outcome, "w", encoding="utf-8") as outcome:
            outcome.write(line + "\n")
    else:
        print(f"{args.spider}: {line}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
