"""A store that cannot take a write: full disk (SQLite max_page_count), a database deleted under a
running crawl, two crawls of one spider at once. Each fails the run with its reason, counts nothing
it did not write, and the next run converges without a false alert or a false removal."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from store import locks, open_db
from tests.helpers import archive_of, glocal, replay_like_cli, rows, saved_pages
from tests.site_server import Answer, SiteServer, SteppedSite
from tests.crawler.test_network import FIXTURES, LOOPBACK_SETTINGS, SPIDER, crawl as live_crawl, serve_site
from tests.crawler.test_replay_e2e import LIST_PAGES, amman_leaves_accra_joins

LAST_LIST = "/accelerators/green-healthy-streets/"  # the hub's first link, which the crawl requests last
AMMAN = "c40_accelerators/clean-air-cities/amman"


def state(db):
    """What a researcher sees, without run ids and times."""
    return {
        "signatures": rows(db, "select key, actor_name, removed_at is null from signatures order by key"),
        "instruments": rows(db, "select key, title, removed_at is null from instruments order by key"),
        "alerts": rows(db, "select entity, change, entity_key from changes where notify = 1 order by id"),
    }


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    folder = tmp_path_factory.mktemp("archives")
    changed = {"clean-air-cities.html": amman_leaves_accra_joins}
    return {
        "baseline": archive_of(folder / "baseline.warc.gz", saved_pages(SPIDER, LIST_PAGES, day="2026-11-02")),
        "changed": archive_of(folder / "changed.warc.gz", saved_pages(SPIDER, LIST_PAGES, day="2026-11-09", edits=changed)),
        "changed2": archive_of(folder / "changed2.warc.gz", saved_pages(SPIDER, LIST_PAGES, day="2026-11-16", edits=changed)),
        "changed3": archive_of(folder / "changed3.warc.gz", saved_pages(SPIDER, LIST_PAGES, day="2026-11-23", edits=changed)),
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory, archives):
    db = tmp_path_factory.mktemp("reference") / "glocal.db"
    assert replay_like_cli(SPIDER, archives["baseline"], db).returncode == 0
    return state(db)


def crawl(archive, db, *settings):
    """`glocal crawl` in a child process: what it prints when the store fails is the point."""
    arguments = ["crawl", SPIDER, "--replay", archive, "--db", db]
    for setting in settings:
        arguments += ["--set", setting]
    return glocal(*arguments)


def replay(archive, db):
    """A crawl expected to succeed: in this process (the child process proves nothing more)."""
    return replay_like_cli(SPIDER, archive, db)


@pytest.mark.parametrize("pages", [70])  # more points: tests/faults (-m faults)
def test_a_full_disk_fails_the_baseline_and_the_next_run_converges_quietly(tmp_path, archives, reference, pages):
    db = tmp_path / "glocal.db"
    failed = crawl(archives["baseline"], db, f"STORE_MAX_PAGE_COUNT={pages}")
    assert failed.returncode == 1
    assert "crawl failed: store write failed" in failed.stderr and "database or disk is full" in failed.stderr
    assert rows(db, "select status, healthy from crawl_runs") == [("failed", 0)]
    assert rows(db, "pragma integrity_check") == [("ok",)]
    # no list of the failed run counts as seen whole unless all of it was written
    for scope, listed in rows(db, "select scope, listed from scope_runs where finished_at is not null and complete"):
        table_rows = rows(db, "select count(*) from signatures where scope = ?", (scope,))[0][0]
        assert scope.startswith("instruments:") or table_rows == listed

    again = replay(archives["baseline"], db)
    assert again.returncode == 0, again.stdout + again.stderr
    assert state(db) == reference


@pytest.mark.parametrize("extra_pages", [0])
def test_a_full_disk_in_a_later_run_is_never_one_of_the_misses_that_remove(tmp_path, archives, extra_pages):
    db = tmp_path / "glocal.db"
    assert replay(archives["baseline"], db).returncode == 0
    connection = sqlite3.connect(db)
    connection.execute("vacuum")  # no free page left to reuse: the cap below binds at the first growth
    size = connection.execute("pragma page_count").fetchone()[0]
    connection.close()
    failed = crawl(archives["changed"], db, f"STORE_MAX_PAGE_COUNT={size + extra_pages}")
    assert failed.returncode == 1 and "database or disk is full" in failed.stderr
    assert rows(db, "select removed_at from signatures where key = ?", (AMMAN,)) == [(None,)]

    first_miss = replay(archives["changed2"], db)
    assert first_miss.returncode == 0, first_miss.stdout + first_miss.stderr
    assert rows(db, "select removed_at from signatures where key = ?", (AMMAN,)) == [(None,)], \
        "a run that failed to write must not count as a healthy miss"
    second_miss = replay(archives["changed3"], db)
    assert second_miss.returncode == 0
    assert rows(db, "select removed_at from signatures where key = ?", (AMMAN,)) == [("2026-11-16T08:15:06Z",)]
    alerts = [change for _, change, key in state(db)["alerts"] if "amman" in key or "accra" in key]
    assert sorted(alerts) == ["added", "removed"]


# --- the crawl lock -----------------------------------------------------------------------------------

def test_a_live_holder_keeps_the_lock(db):
    other = locks.Holder("this-host", os.getppid(), locks.process_start(os.getppid()))
    locks.acquire(db, "c40_accelerators", now="2026-11-02T08:00:00Z",
                  holder=locks.Holder(locks.Holder.me().host, other.pid, other.started))
    with pytest.raises(locks.CrawlLocked, match=f"already being crawled into this store by process {other.pid}"):
        locks.acquire(db, "c40_accelerators", now="2026-11-02T08:00:01Z")
    locks.acquire(db, "another_spider", now="2026-11-02T08:00:01Z")  # other spiders are not held up


def test_a_dead_holder_releases_the_lock(db):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = locks.Holder(locks.Holder.me().host, child.pid, "1")
    locks.acquire(db, "c40_accelerators", now="2026-11-02T08:00:00Z", holder=dead)
    assert locks.acquire(db, "c40_accelerators", now="2026-11-02T08:00:01Z") == locks.Holder.me()


def test_a_reused_pid_is_not_the_holder(db):
    parent = os.getppid()
    reused = locks.Holder(locks.Holder.me().host, parent, "1")  # same pid, another start time
    locks.acquire(db, "c40_accelerators", now="2026-11-02T08:00:00Z", holder=reused)
    assert locks.acquire(db, "c40_accelerators", now="2026-11-02T08:00:01Z") == locks.Holder.me()


def test_release_leaves_another_holders_lock(db):
    parent = os.getppid()
    other = locks.Holder(locks.Holder.me().host, parent, locks.process_start(parent))
    locks.acquire(db, "c40_accelerators", now="2026-11-02T08:00:00Z", holder=other)
    locks.release(db, "c40_accelerators")
    assert db.execute("select pid from crawl_locks").fetchall() == [(parent,)]


def slow_site(server, delay):
    serve_site(server)
    for slug in ["clean-air-cities", "net-zero-carbon-buildings", "good-food-cities", "divest-invest"]:
        body = (FIXTURES / SPIDER / f"{slug}.html").read_bytes()
        server.route(f"/accelerators/{slug}/", Answer(body=body, delay=delay))


def start_crawl(server, db):
    return subprocess.Popen(
        [sys.executable, "-m", "crawler.runner", SPIDER, "--db", str(db), "--host-map",
         json.dumps({"www.c40.org": server.address}), *LOOPBACK_SETTINGS, "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for_run(db, child):
    deadline = time.monotonic() + 90  # a ceiling, not a wait: a loaded machine may take long to start the child
    while time.monotonic() < deadline and child.poll() is None:
        try:
            if rows(db, "select count(*) from scope_runs")[0][0] >= 2:
                return
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    raise AssertionError("the first crawl did not get going")


def test_a_second_crawl_of_the_same_spider_is_refused_and_a_killed_one_releases_it(tmp_path):
    db = tmp_path / "glocal.db"
    with SiteServer() as server:
        # The first crawl must still run when the second starts, however loaded the machine (a
        # second `glocal crawl` may take 20 s to start there): it is killed below, never waited for.
        slow_site(server, delay=120)
        first = start_crawl(server, db)
        try:
            wait_for_run(db, first)
            second = glocal("crawl", SPIDER, "--db", db, "--host-map", json.dumps({"www.c40.org": server.address}),
                            *LOOPBACK_SETTINGS)
            assert second.returncode == 1
            assert f"crawl failed: {SPIDER} is already being crawled into this store by process {first.pid}" \
                in second.stderr
            assert rows(db, "select id, status from crawl_runs") == [(1, "running")]
            first.send_signal(signal.SIGKILL)
        finally:
            first.kill()
            first.wait()
        serve_site(server)  # the pages answer at once again: the slowness was only to hold the first crawl
        third = live_crawl(server, tmp_path)
    assert third.returncode == 0, third.stdout + third.stderr
    assert rows(db, "select id, status from crawl_runs") == [(1, "aborted"), (2, "finished")]
    assert rows(db, "select count(*) from crawl_locks") == [(0,)]


def test_a_database_deleted_under_a_crawl_fails_it_with_that_reason(tmp_path):
    db = tmp_path / "glocal.db"
    open_db(db).close()
    with SteppedSite({LAST_LIST}) as server:  # the list the crawl requests last waits for the deletion
        serve_site(server)
        outcome = tmp_path / "outcome"
        child = subprocess.Popen(
            [sys.executable, "-m", "crawler.runner", SPIDER, "--db", str(db), "--host-map",
             json.dumps({"www.c40.org": server.address}), *LOOPBACK_SETTINGS, "--log-level", "WARNING",
             "--outcome", str(outcome)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_run(db, child)
            for suffix in ("", "-wal", "-shm"):
                (tmp_path / f"glocal.db{suffix}").unlink(missing_ok=True)
        finally:
            server.unstep()
        assert child.wait(timeout=60) == 1
    assert "was deleted or replaced during the crawl" in outcome.read_text()
