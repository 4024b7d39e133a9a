"""A stopped crawl stops promptly (crawler/prompt_stop.py): SIGTERM to a polite crawl drops the
downloads queued behind the host's delay or a Retry-After hold, instead of sending them one delay
apart until the stop's grace kills the crawl; what was in flight is still read, and the run is
closed as a stopped run always was (failed, "shutdown", nothing removed, no health alarm).

Real crawl children against a loopback site; each waits on events (a request reaching the site, a
line in the crawl's log), never on a timed speed. CRAWL_STOP_GRACE is set far above any wait, so
a crawl that only ended when the grace killed it would fail the test's own wait instead."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from crawler.prompt_stop import CrawlStopped, drop_queued
from tests.crawler.test_network import LISTS, LOOPBACK, SPIDER, FirstListThrottled, crawl, serve_site
from store import open_db
from tests.helpers import ROOT, crawl_in_process, rows
from tests.site_server import SiteServer, SteppedSite

WAIT = 120  # seconds: the ceiling of every wait here (a crawl that never gets there fails, not hangs)
GRACE = "3600"  # CRAWL_STOP_GRACE for the stopped crawls: never what ends them
HOLD = 30  # seconds of Retry-After: the lists queued behind it are due long after the stop
STOPPED_FIRST = "CrawlStopped: not requested: the crawl was stopped first"
NOT_REACHED = "not observed: not reached before the crawl ended (shutdown)"  # still in the scheduler


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.02)


def runner_child(site, folder: Path, *settings: str) -> tuple[subprocess.Popen, Path]:
    """`python -m crawler.runner` crawling the site (what `glocal crawl` starts), logging at INFO to a file."""
    log = folder / "crawl.log"
    command = [sys.executable, "-m", "crawler.runner", SPIDER, "--db", str(folder / "glocal.db"),
               "--host-map", json.dumps({"www.c40.org": site.address}), "--log-level", "INFO",
               "--set", f"LOG_FILE={json.dumps(str(log))}", "--set", "AUTOTHROTTLE_ENABLED=false"]
    for setting in settings:
        command += ["--set", setting]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), log


def logged(log: Path, text: str) -> bool:
    return log.exists() and text in log.read_text(encoding="utf-8", errors="replace")


def test_sigterm_during_a_retry_after_hold_drops_the_queued_lists_and_the_run_closes_as_stopped(tmp_path):
    db = tmp_path / "glocal.db"
    with SiteServer() as site:  # run 1: every list on record, so a wrong verdict could remove signatories
        serve_site(site)
        assert crawl(site, tmp_path).returncode == 0
    with FirstListThrottled(HOLD) as site:
        serve_site(site)
        command = [str(Path(sys.executable).parent / "glocal"), "crawl", SPIDER, "--db", str(db),
                   "--host-map", json.dumps({"www.c40.org": site.address}),
                   "--set", "DOWNLOAD_DELAY=0.05", "--set", "AUTOTHROTTLE_ENABLED=false"]
        with open(tmp_path / "out", "w") as out, open(tmp_path / "err", "w") as err:
            parent = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT,
                                      env={**os.environ, "GLOCAL_CRAWL_STOP_GRACE": GRACE})
        try:
            # The 429 answered: its host is held, the seven other lists and the retry queued behind it.
            wait_for(lambda: site.throttled is not None and site.throttled.status == 429, "the 429")
            parent.send_signal(signal.SIGTERM)
            parent.wait(timeout=WAIT)
        finally:
            parent.kill()
        queued_sent = site.after_throttle()
    output = (tmp_path / "out").read_text() + (tmp_path / "err").read_text()
    assert queued_sent == [], [r.path for r in queued_sent]  # the old stop sent them all once the hold ended
    assert parent.returncode != 0
    # Closed by the crawl itself (a crawl killed after the grace is closed as aborted by its parent).
    assert f"{SPIDER}: crawl interrupted by SIGTERM; run 2 closed as failed" in output, output
    assert "health.failed" not in output
    assert rows(db, "select status, finish_reason, healthy from crawl_runs where id = 2") == [("failed", "shutdown", 0)]
    # No list was read: each is incomplete, not fetched, and removed nothing. Those the downloader
    # held (the lists queued behind the hold, and the throttled one's retry) were not requested; any
    # the engine had not yet handed it when the stop came were not reached.
    lists = rows(db, "select reason, complete, removed from scope_runs where run_id = 2 and url like ?",
                  ("%/accelerators/%",))
    assert len(lists) == len(LISTS) and all(complete == 0 and removed == 0 for _, complete, removed in lists)
    assert {reason for reason, _, _ in lists} <= {STOPPED_FIRST, NOT_REACHED}, lists
    assert rows(db, "select count(*) from signatures where removed_at is not null") == [(0,)]
    assert rows(db, "select count(*) from changes where run_id = 2 and change = 'removed'") == [(0,)]
    assert rows(db, "select count(*) from changes where entity = 'health'") == [(0,)]  # no blind alarm


def test_sigterm_to_a_polite_crawl_reads_the_page_in_flight_and_sends_none_of_the_queue(tmp_path):
    # A delay of a second between two requests of the host; every list answers only when the test
    # says, so the first list is in flight and the seven others queued when the stop comes.
    with SteppedSite(LISTS) as site:
        serve_site(site)
        child, log = runner_child(site, tmp_path, "DOWNLOAD_DELAY=1", "DOWNLOAD_DELAY_JITTER=0")
        try:
            wait_for(lambda: any(r.path in LISTS for r in site.requests), "the first list asked")
            child.send_signal(signal.SIGTERM)
            wait_for(lambda: logged(log, "crawl stopping: 7 queued requests dropped unsent"), "the queue dropped")
            site.unstep()  # the list in flight answers now
            child.wait(timeout=WAIT)
        finally:
            site.unstep()
            child.kill()
        asked = [r.path for r in site.requests if r.path in LISTS]
    assert len(asked) == 1, asked
    db = tmp_path / "glocal.db"
    assert rows(db, "select status, finish_reason, healthy from crawl_runs") == [("failed", "shutdown", 0)]
    # The list in flight was read whole, as before the change; the others say why they were not.
    read = rows(db, "select url, complete, healthy from scope_runs where url like ? and reason is null",
                 (f"%{asked[0]}",))
    assert [(complete, healthy) for _, complete, healthy in read] == [(1, 1)], read
    assert rows(db, "select count(*) from scope_runs where reason = ?", (STOPPED_FIRST,)) == [(7,)]


def test_a_request_that_waited_on_robots_txt_is_not_sent_after_the_stop(tmp_path):
    # The hub waits in the downloader middlewares for robots.txt, not in a slot's queue: when robots.txt
    # answers after the stop, the hub must not go out then.
    with SteppedSite({"/robots.txt"}) as site:
        serve_site(site)
        child, log = runner_child(site, tmp_path)
        try:
            wait_for(lambda: site.requests_for("/robots.txt"), "robots.txt asked")
            child.send_signal(signal.SIGTERM)
            wait_for(lambda: logged(log, "Closing spider (shutdown)"), "the stop under way")
            site.unstep()
            child.wait(timeout=WAIT)
        finally:
            site.unstep()
            child.kill()
        paths = [r.path for r in site.requests]
    assert paths == ["/robots.txt"]
    assert rows(tmp_path / "glocal.db", "select status, finish_reason from crawl_runs") == [("failed", "shutdown")]


def test_a_store_that_fails_under_a_polite_crawl_sends_none_of_its_queue(tmp_path):
    # The crawl closes itself when its store cannot be written (crawler/session.py): a close waits
    # for the downloads it holds as a stop does, so the lists queued behind the host's delay of a
    # second went out one by one for a crawl that could record none of them.
    db = tmp_path / "glocal.db"
    open_db(db).close()
    connection = sqlite3.connect(db)
    with connection:  # a real SQLite error at the first list page's record, as a full disk would give
        connection.execute("""create trigger first_list_fails before insert on pages when new.url like '%/accelerators/%'
                              begin select raise(abort, 'database or disk is full'); end""")
    connection.close()
    with SiteServer() as site:
        serve_site(site)
        run = crawl_in_process(SPIDER, db=db, host_map={"www.c40.org": site.address}, timeout=WAIT,
                               settings={"DOWNLOAD_DELAY": 1, "DOWNLOAD_DELAY_JITTER": 0, "AUTOTHROTTLE_ENABLED": False})
        lists_asked = [r.path for r in site.requests if r.path in LISTS]
    assert (run["status"], run["finish_reason"]) == ("failed", "store_error")
    assert len(lists_asked) == 1, lists_asked  # the list whose record failed; none of the seven queued after it


def test_dropping_fails_each_queued_download_once_and_leaves_those_in_flight():
    # Scrapy's own download slot and deferreds: what the downloader would fire, failed instead.
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.core.downloader import Slot
    from twisted.internet.defer import Deferred

    slots = {"a": Slot(concurrency=1, delay=5.0, jitter=0.0), "b": Slot(concurrency=1, delay=0.0, jitter=0.0)}
    in_flight = Request("https://a.test/0")
    slots["a"].transferring.add(in_flight)
    outcomes: dict[str, list] = {}
    for key, count in (("a", 3), ("b", 1)):
        for number in range(count):
            request, deferred = Request(f"https://{key}.test/{number + 1}"), Deferred()
            deferred.addBoth(lambda result, url=request.url: outcomes.setdefault(url, []).append(result))
            slots[key].queue.append((request, deferred))
    assert drop_queued(SimpleNamespace(slots=slots)) == 4
    assert sorted(outcomes) == ["https://a.test/1", "https://a.test/2", "https://a.test/3", "https://b.test/1"]
    assert all(len(results) == 1 and results[0].check(CrawlStopped) for results in outcomes.values())
    assert not slots["a"].queue and not slots["b"].queue
    assert slots["a"].transferring == {in_flight}
    assert drop_queued(SimpleNamespace(slots=slots)) == 0


class StopWhileOpening:
    """A test extension: asks the crawl to stop, through Scrapy's own Crawler.stop_async, while its
    spider opens (as a SIGTERM arriving while the crawl opens its run does)."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        deferred_from_coro(self.crawler.stop_async())


def test_a_stop_asked_while_the_spider_opens_is_not_lost(tmp_path):
    # Scrapy 2.19 only clears `crawling` when its engine is not running yet, and the crawl went on
    # whole: read to the end, closed finished.
    with SiteServer() as site:
        serve_site(site)
        run = crawl_in_process(SPIDER, db=tmp_path / "glocal.db", host_map={"www.c40.org": site.address},
                               settings={**LOOPBACK, "EXTENSIONS": {"crawler.session.CrawlSession": 100,
                                                                    f"{__name__}.StopWhileOpening": 200}})
        asked = [r.path for r in site.requests]
    assert (run["status"], run["finish_reason"]) == ("failed", "shutdown"), (run["status"], run["finish_reason"])
    assert not LISTS & set(asked), asked
