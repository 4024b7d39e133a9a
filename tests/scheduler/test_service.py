"""The service with sub-second schedules and fake crawls (real child processes that succeed,
hang or fail): no overlap of one spider or one site, timeouts recorded, two sites in parallel,
and the delivery job independent of the crawls."""

import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

import pytest
from scrapy.settings import Settings

from crawler import settings as project_settings
from alerts.outbox import Outbox
from alerts.rules import load_config
from crawler.child import CrawlOutcome
from scheduler.main import build_scheduler, spider_hosts
from scheduler.service import job_lines
from store import open_db, runs
from tests.alerts.support import BASELINE, SlackReceiver, baseline_then, crawl, rules_file
from tests.helpers import StoreWatch

# What each fake spider's child process does, and for how long.
BEHAVIOUR = {"fine_a": ("exit 0", 0.4), "fine_a_news": ("exit 0", 0.4), "hangs_b": ("sleep", 30),
             "fails_c": ("exit 3", 0.2)}


def fake_spider(name, host):
    return type(name, (), {"name": name, "allowed_domains": [host], "start_urls": [f"https://{host}/"],
                           "schedule": "every 0.3s"})


SPIDERS = {"fine_a": fake_spider("fine_a", "www.site-a.test"), "fine_a_news": fake_spider("fine_a_news", "site-a.test"),
           "hangs_b": fake_spider("hangs_b", "site-b.test"), "fails_c": fake_spider("fails_c", "site-c.test")}


class FakeCrawls:
    """Stands in for child.crawl_in_child: a real child process per crawl, killed at the timeout,
    and a crawl_runs row saying how it ended. `stop` ends the test: the children still running are
    killed; their crawls, cut short by the test and not by what they did, keep their spans (an
    overlap is one whenever it ends) and are listed in `cut` (name, start), their runs in
    `stopped_runs`."""

    def __init__(self):
        self.spans: list[tuple[str, float, float]] = []
        self.running: dict[str, float] = {}  # name: when its crawl started
        self.children: set[subprocess.Popen] = set()
        self.cut: set[tuple[str, float]] = set()
        self.stopped_runs: list[int] = []
        self.stopped = False
        self.lock = threading.Lock()

    def __call__(self, name, *, db_path, timeout, **_options):
        what, seconds = BEHAVIOUR[name]
        code = 3 if what == "exit 3" else 0
        start = time.monotonic()
        with self.lock:
            self.running[name] = start
        with open_db(db_path) as db:
            run = runs.start_run(db, spider=name, now=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        child = subprocess.Popen([sys.executable, "-c", f"import time, sys; time.sleep({seconds}); sys.exit({code})"])
        with self.lock:
            self.children.add(child)
            if self.stopped:
                child.kill()
        try:
            code = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            code = None
        with self.lock:
            self.children.discard(child)
            stopped = self.stopped and code == -signal.SIGKILL
        with open_db(db_path) as db:
            if stopped:
                runs.abort_run(db, run, reason="stopped at the end of the test")
            elif code == 0:
                runs.finish_run(db, run, now="2026-11-28T00:00:00Z", finish_reason="finished", pages=1, items=1,
                                errors=0, healthy=True, health=[], summary="ok")
            else:
                runs.abort_run(db, run, reason=f"killed after {timeout:g}s" if code is None else f"exit {code}")
            row = dict(next(db.query("select * from crawl_runs where id = ?", [run])))
        with self.lock:
            del self.running[name]
            if stopped:
                self.cut.add((name, start))
                self.stopped_runs.append(run)
            self.spans.append((name, start, time.monotonic()))
        return CrawlOutcome(spider=name, run=row, message=f"{name}: {row['status']}", log_file=None)

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            for child in self.children:
                child.kill()


def wait_for(predicate, seconds=60) -> bool:
    """Poll `predicate` until it holds (True) or `seconds` pass (False): a ceiling, not a wait."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


RULES = """
[channels.ops]
type = "slack"
webhook_url_env = "HOOK"

[[rules]]
name = "signings"
kinds = ["signature.added"]
channels = ["ops"]
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("service")
    db_path = folder / "glocal.db"
    values = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    values.update(SCHEDULER_JITTER=0, SCHEDULER_CRAWL_TIMEOUT=1.5, SCHEDULER_WORKERS=2, ALERTS_SEND_INTERVAL=0.2,
                  ALERTS_SLACK_INTERVAL=0)
    fakes = FakeCrawls()
    with SlackReceiver() as receiver:
        config = load_config(rules_file(folder, RULES), environ={"HOOK": receiver.url})
        with open_db(db_path) as db:  # news waiting in the outbox when the service starts
            baseline_then(db, config, [("Milan", "IT")])
        scheduler = build_scheduler(Settings(values), SPIDERS, db_path=db_path, alerts=config, crawl=fakes)
        listing = job_lines(scheduler.get_jobs(), datetime.now(timezone.utc))
        started = time.monotonic()
        thread = threading.Thread(target=scheduler.start, daemon=True)
        thread.start()
        watch = StoreWatch(db_path)

        def a_hang_just_began():
            began = fakes.running.get("hangs_b")
            return began is not None and time.monotonic() - began < 0.5

        def all_crawled_and_sent_and_a_hang_ended_after():
            crawled = [name for name, _, _ in fakes.spans]
            return (set(crawled) == set(SPIDERS) and crawled.count("fine_a") >= 2
                    and watch.rows("select status from deliveries") == [("sent",), ("sent",)]
                    and max(end for name, _, end in fakes.spans if name == "hangs_b") > receiver.delivered[-1].at)

        try:
            # News arriving while a crawl hangs: once the news waiting at start went out, and a hung
            # crawl has just begun (its 1.5 s timeout leaves the delivery job the time to send it).
            assert wait_for(lambda: receiver.delivered and a_hang_just_began()), "no hung crawl began"
            with open_db(db_path) as db:
                crawl(db, source="c40_accelerators", day="2026-11-10",
                      cities=BASELINE + [("Milan", "IT"), ("Lyon", "FR")], outbox=Outbox(config))
            # Then until every spider crawled (fine_a twice: its runs outlast its 0.3 s interval, so a
            # second one that did not wait for the first would be seen) and both news went out, the
            # last during a hang that ended. Then the stop cuts short the crawls still running.
            wait_for(all_crawled_and_sent_and_a_hang_ended_after)
        finally:
            fakes.stop()  # not a hung child's 1.5 s more: what it would prove was seen above
            scheduler.shutdown(wait=True)
            thread.join(10)
            watch.close()
    stopped = ",".join(str(run) for run in fakes.stopped_runs) or "0"
    with open_db(db_path) as db:
        run_rows = list(db.query("select spider, status, summary from crawl_runs where spider != 'c40_accelerators'"
                                 f" and id not in ({stopped})"))
        delivered = list(db.query("select status from deliveries"))
    return {"spans": fakes.spans, "cut": fakes.cut, "runs": run_rows, "receiver": receiver, "started": started,
            "listing": listing, "delivered": delivered}


def spans_of(service, *names):
    return [(start, end) for name, start, end in service["spans"] if name in names]


def overlaps(a, b):
    return a[0] < b[1] and b[0] < a[1]


def test_every_spider_crawled(service):
    assert {name for name, start, _ in service["spans"] if (name, start) not in service["cut"]} == set(SPIDERS)


def test_one_spider_never_overlaps_itself(service):
    for name in SPIDERS:
        spans = sorted(spans_of(service, name))
        assert all(earlier[1] <= later[0] for earlier, later in zip(spans, spans[1:])), name


def test_two_spiders_of_one_site_never_run_at_once(service):
    assert spider_hosts(SPIDERS["fine_a"]) == spider_hosts(SPIDERS["fine_a_news"]) == frozenset({"site-a.test"})
    for a in spans_of(service, "fine_a"):
        for b in spans_of(service, "fine_a_news"):
            assert not overlaps(a, b)


def test_two_sites_are_crawled_in_parallel(service):
    assert any(overlaps(a, b) for a in spans_of(service, "hangs_b") for b in spans_of(service, "fine_a", "fine_a_news",
                                                                                      "fails_c"))


def test_never_more_crawls_than_workers(service):
    moments = sorted({start for _, start, _ in service["spans"]})
    for moment in moments:
        running = [s for s in service["spans"] if s[1] <= moment < s[2]]
        assert len(running) <= 2


def test_the_hung_crawl_was_killed_at_the_timeout_and_recorded(service):
    # Killed, not waited out: each span ends before the child's own sleep would have (a bound that
    # holds on a loaded machine, where opening the store and starting the child may take seconds);
    # the recorded reason below names the 1.5 s timeout.
    hung = [(start, end) for start, end in spans_of(service, "hangs_b") if ("hangs_b", start) not in service["cut"]]
    assert hung and all(1.4 <= end - start < BEHAVIOUR["hangs_b"][1] for start, end in hung)
    statuses = {(r["status"], r["summary"]) for r in service["runs"] if r["spider"] == "hangs_b"}
    assert ("aborted", "the crawl process ended before finishing the run (killed after 1.5s)") in statuses


def test_the_failed_crawl_is_recorded(service):
    assert {r["status"] for r in service["runs"] if r["spider"] == "fails_c"} == {"aborted"}
    assert all("exit 3" in r["summary"] for r in service["runs"] if r["spider"] == "fails_c")


def test_the_delivery_job_sends_at_start(service):
    first = service["receiver"].delivered[0]
    assert first.body["text"] == "Milan signed the Clean Air Accelerator (C40 Cities)"
    # not queued behind the crawls: sent while the first hung crawl still held its worker (at least
    # its 1.5 s timeout; an order, not a time limit, so a loaded machine cannot fail it)
    first_hung_end = min(end for _, end in spans_of(service, "hangs_b"))
    assert service["started"] < first.at < first_hung_end


def test_the_delivery_job_ran_while_a_crawl_hung(service):
    (lyon,) = [m for m in service["receiver"].delivered if m.body["text"].startswith("Lyon")]
    assert any(start < lyon.at < end for start, end in spans_of(service, "hangs_b"))
    assert [r["status"] for r in service["delivered"]] == ["sent", "sent"]


def test_schedule_list_shows_every_job(service):
    ids = [line.split()[0] for line in service["listing"]]
    assert ids == ["crawl:fails_c", "crawl:fine_a", "crawl:fine_a_news", "crawl:hangs_b", "deliver", "overdue", "stale"]
    assert all(" next " in line for line in service["listing"])


def test_a_schedule_that_does_not_parse_is_named(tmp_path):
    from kit.errors import NotConfigured

    values = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    broken = {"x": type("x", (), {"name": "x", "schedule": "every blue moon"})}
    with pytest.raises(NotConfigured, match="the schedule 'every blue moon' of x is not a cron expression"):
        build_scheduler(Settings(values), broken, db_path=tmp_path / "glocal.db")


def test_a_vanished_database_is_logged_and_the_job_returns(tmp_path, caplog):
    from scheduler.main import crawl_job
    from scheduler.service import delivery_job

    crawl_job("fine_a", db_path=str(tmp_path / "gone" / "glocal.db"), timeout=1, crawl=FakeCrawls())
    delivery_job(db_path=str(tmp_path / "gone" / "glocal.db"), config=None, options={})
    assert "fine_a: not crawled, the database" in caplog.text and "is gone" in caplog.text
    assert "alerts: the database" in caplog.text
