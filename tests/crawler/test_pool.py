"""crawler/pool.py: several crawls at once, never two of one site, outcomes in the spiders' order,
and a hung or crashing crawl killed alone while the others finish healthy."""

from __future__ import annotations

import sqlite3
import threading
import time
from types import SimpleNamespace

import pytest

from crawler.child import crawl_in_child
from crawler.pool import crawl_each, default_workers, spider_hosts
from tests.helpers import FIXTURES, StoreWatch


def spider(*urls, domains=()):
    return SimpleNamespace(start_urls=list(urls), allowed_domains=list(domains))


SPIDERS = {
    "a_one": spider("https://www.site-a.test/one"),
    "a_two": spider("https://site-a.test/two"),  # "www." ignored: the same site as a_one
    "b_one": spider("https://site-b.test/"),
    "c_one": spider("https://site-c.test/", domains=["site-c.test", "site-a.test"]),  # also crawls site A
    "d_one": spider("https://site-d.test/"),
    "e_one": spider("https://site-e.test/"),
}


class Recorder:
    """A fake crawl that notes which sites are being crawled at each moment.

    Each crawl stays busy `seconds` (default 0.02); one named in `after` also until the crawl it
    names has finished, and with `together` each also until that many crawls were busy at once
    (at most 30 s: a pool that never gets there fails the test's count, not by hanging). Waiting
    on those events, not on longer sleeps, is what makes the order and the overlap certain on a
    loaded machine."""

    def __init__(self, seconds: dict[str, float], *, after: dict[str, str] | None = None, together: int = 0):
        self.seconds, self.after, self.together = seconds, after or {}, together
        self.lock = threading.Condition()
        self.busy: list[frozenset] = []
        self.overlaps: list[tuple] = []
        self.most_at_once = 0
        self.finished: list[str] = []

    def __call__(self, name, **options):
        hosts = spider_hosts(SPIDERS[name])
        with self.lock:
            self.overlaps += [(name, other) for other in self.busy if other & hosts]
            self.busy.append(hosts)
            self.most_at_once = max(self.most_at_once, len(self.busy))
            self.lock.notify_all()
        time.sleep(self.seconds.get(name, 0.02))
        with self.lock:
            self.lock.wait_for(lambda: self.most_at_once >= self.together
                               and (name not in self.after or self.after[name] in self.finished), timeout=30)
            self.busy.remove(hosts)
            self.finished.append(name)
            self.lock.notify_all()
        return SimpleNamespace(spider=name, options=options)


def test_outcomes_come_in_the_spiders_order_whatever_finishes_first():
    # a_one, the first spider, ends after b_one (which runs beside it on another site)
    crawl = Recorder({}, after={"a_one": "b_one"})
    outcomes = list(crawl_each(SPIDERS, workers=3, crawl=crawl, note="x"))
    assert [o.spider for o in outcomes] == list(SPIDERS)
    assert crawl.finished != list(SPIDERS)  # they did finish in another order
    assert all(o.options == {"note": "x"} for o in outcomes)


def test_never_two_crawls_of_one_site_and_at_most_workers_at_once():
    # The first three (a_one, b_one, d_one: three sites) stay busy until all three are: a pool
    # that started a_two or c_one beside a_one, or a fourth crawl, would be seen doing it.
    crawl = Recorder({}, together=3)
    list(crawl_each(SPIDERS, workers=3, crawl=crawl))
    assert crawl.overlaps == []
    assert 1 < crawl.most_at_once <= 3
    assert sorted(crawl.finished) == sorted(SPIDERS)


def test_one_worker_crawls_one_after_another_in_order():
    crawl = Recorder({})
    list(crawl_each(SPIDERS, workers=1, crawl=crawl))
    assert crawl.finished == list(SPIDERS) and crawl.most_at_once == 1


def test_a_crawl_that_raises_is_raised_at_its_turn_and_nothing_more_starts():
    started = []

    def crawl(name, **options):
        started.append(name)
        if name == "b_one":
            raise RuntimeError("the rules file cannot be read")
        time.sleep(0.05)
        return SimpleNamespace(spider=name)

    seen = []
    with pytest.raises(RuntimeError, match="rules file"):
        for outcome in crawl_each(SPIDERS, workers=1, crawl=crawl):
            seen.append(outcome.spider)
    assert seen == ["a_one", "a_two"]
    assert started == ["a_one", "a_two", "b_one"]  # c_one .. e_one never started


# -- real crawls: each spider its own child, run, log and verdict ------------------------------

SAMPLE = FIXTURES / "sample.warc.gz"
HEALTHY, HUNG, CRASHING = "gcom", "marrakech_declaration", "uap_events"


def test_a_hung_and_a_crashing_spider_are_killed_alone_while_the_other_finishes_healthy(tmp_path):
    from cli.common import spider_class

    db = tmp_path / "glocal.db"

    def crawl(name, **options):
        if name == HUNG:  # killed by its timeout before it can finish, as a hung crawl is
            options["timeout"] = 0.5
        if name == CRASHING:  # its child cannot even build its crawler
            options["overrides"] = ('ITEM_PIPELINES={"crawler.nowhere.Pipeline": 300}',)
        return crawl_in_child(name, **options)

    spiders = {name: spider_class(name) for name in (HUNG, CRASHING, HEALTHY)}
    outcomes = list(crawl_each(spiders, workers=3, crawl=crawl, db_path=db, timeout=600, replay=str(SAMPLE)))
    by_name = {o.spider: o for o in outcomes}
    assert [o.spider for o in outcomes] == [HUNG, CRASHING, HEALTHY]
    assert by_name[HUNG].message.startswith(f"{HUNG}: crawl timed out after 0.5s and was killed")
    assert by_name[CRASHING].message.startswith(f"{CRASHING}: crawl failed: ")
    assert "crawler.nowhere" in by_name[CRASHING].message
    assert by_name[HEALTHY].ok, by_name[HEALTHY].message
    assert not by_name[HUNG].ok and not by_name[CRASHING].ok
    # one log file per spider
    assert {o.log_file.name for o in outcomes} == {f"{name}.log" for name in spiders}
    connection = sqlite3.connect(db)
    rows = dict(connection.execute("select spider, status from crawl_runs where spider = ?", (HEALTHY,)))
    assert rows == {HEALTHY: "finished"}
    assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
    connection.close()


def test_a_replay_runs_no_more_crawls_at_once_than_cores_and_a_live_crawl_the_setting():
    # A replayed crawl only waits on the CPU: more children than cores would only compete for it.
    assert default_workers(4, replay=True, cores=2) == 2
    assert default_workers(4, replay=True, cores=8) == 4
    assert default_workers(4, replay=True, cores=1) == 1
    assert default_workers(4, replay=False, cores=2) == 4
    assert 1 <= default_workers(4, replay=True) <= 4  # this machine's cores


# -- a replay: every spider's crawler in one child, each still its own run, log, limit and verdict --

def test_a_batch_replay_isolates_a_spider_that_cannot_build_and_one_past_its_limit(tmp_path):
    from crawler.batch import replay_all

    db = tmp_path / "glocal.db"
    SLOW = "uclg_news"  # ten pages: still crawling at its 0.001 s limit
    healthy = [HEALTHY, "eccar_members"]
    outcomes = list(replay_all([SLOW, CRASHING, *healthy], db_path=db, timeout=600, replay=str(SAMPLE),
                               timeouts={SLOW: 0.001},  # closed at its limit before it can finish
                               spider_overrides={CRASHING: ('ITEM_PIPELINES={"crawler.nowhere.Pipeline": 300}',)}))
    by_name = {o.spider: o for o in outcomes}
    assert [o.spider for o in outcomes] == [SLOW, CRASHING, *healthy]
    assert by_name[SLOW].message.startswith(f"{SLOW}: crawl timed out after 0.001s and was stopped"), by_name[SLOW].message
    assert by_name[CRASHING].message.startswith(f"{CRASHING}: crawl failed: "), by_name[CRASHING].message
    assert "crawler.nowhere" in by_name[CRASHING].message
    for name in healthy:
        assert by_name[name].ok, by_name[name].message
    assert not by_name[SLOW].ok and not by_name[CRASHING].ok
    connection = sqlite3.connect(db)
    statuses = dict(connection.execute("select spider, status from crawl_runs"))
    reasons = dict(connection.execute("select spider, finish_reason from crawl_runs"))
    connection.close()
    # each healthy spider and the stopped one has a run of its own; the stopped one closed as timed out
    assert statuses == {SLOW: "failed", **{name: "finished" for name in healthy}}
    assert reasons[SLOW] == "timeout"
    # each spider's own log file, holding its own records only
    assert {o.log_file.name for o in outcomes} == {f"{name}.log" for name in (SLOW, CRASHING, *healthy)}
    assert "crawler.nowhere" in by_name[CRASHING].log_file.read_text()
    assert "past its time limit" in by_name[SLOW].log_file.read_text()
    for name in healthy:
        text = by_name[name].log_file.read_text() if by_name[name].log_file.exists() else ""
        assert "crawler.nowhere" not in text and "past its time limit" not in text


def test_a_batch_replay_whose_child_dies_crawls_the_unfinished_spiders_again_one_by_one(tmp_path, monkeypatch):
    import crawler.batch as batch

    db = tmp_path / "glocal.db"
    # the batch child is killed 0.5 s in, before Scrapy has even started: no crawl of it finished
    monkeypatch.setattr(batch, "BATCH_EXIT_MARGIN", 0.5 - 600)
    outcomes = list(batch.replay_all([HEALTHY, "eccar_members"], db_path=db, timeout=600, replay=str(SAMPLE)))
    assert [o.spider for o in outcomes] == [HEALTHY, "eccar_members"]
    assert all(o.ok for o in outcomes), [o.message for o in outcomes]
    connection = sqlite3.connect(db)
    finished = sorted(connection.execute("select spider from crawl_runs where status = 'finished'"))
    connection.close()
    assert finished == [("eccar_members",), (HEALTHY,)]


def test_sigterm_to_a_batch_replay_stops_the_crawl_running_and_starts_no_other(tmp_path):
    import signal
    import subprocess
    import sys
    from pathlib import Path

    db = tmp_path / "glocal.db"
    command = [str(Path(sys.executable).parent / "glocal"), "crawl", "--all", "--replay", str(SAMPLE), "--db", str(db)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    watch = StoreWatch(db)

    def runs():
        return watch.rows("select spider, status from crawl_runs order by id")

    def one_finished_and_another_running(rows):
        return any(status == "finished" for _, status in rows) and rows[-1][1] == "running"

    deadline = time.monotonic() + 120  # the stop lands mid-crawl, after one crawl finished
    while time.monotonic() < deadline and not one_finished_and_another_running(runs()) and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    rows = runs()
    watch.close()
    if all(status == "finished" for _, status in rows) and len(rows) == out.count("\n") and "interrupted" not in err:
        pytest.skip("the whole batch ended before the signal arrived")
    assert process.returncode == 1
    assert "interrupted by SIGTERM" in err, err
    assert all(status != "running" for _, status in rows), rows  # the cut-short run was closed, not left open
    printed = out.count("\n") + err.count("interrupted by SIGTERM")
    assert printed == len(rows) < 22  # the spiders not started are left out; the others keep their line
    finished = [spider for spider, status in rows if status == "finished"]
    for spider in finished:
        assert f"{spider}: run " in out
