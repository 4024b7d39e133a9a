"""A crawl killed mid-run (SIGKILL: no cleanup at all) leaves a consistent store, and the next run converges."""

import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.helpers import StoreWatch
from tests.site_server import SteppedSite
from tests.crawler.test_network import LOOPBACK_SETTINGS, SPIDER, crawl, serve_site


def scope_runs(watch: StoreWatch) -> int:
    rows = watch.rows("select count(*) from scope_runs")
    return rows[0][0] if rows else 0  # not created yet


@pytest.mark.parametrize("kill_after", [2, 5])
def test_killed_crawl_leaves_a_consistent_store_that_converges(tmp_path, kill_after):
    db = tmp_path / "glocal.db"
    watch = StoreWatch(db)
    slugs = ["green-healthy-streets", "clean-air-cities", "net-zero-carbon-buildings", "good-food-cities",
             "divest-invest", "urban-nature", "equity-pledge", "water-safe-cities"]
    with SteppedSite({f"/accelerators/{slug}/" for slug in slugs}) as server:
        serve_site(server)
        host_map = json.dumps({"www.c40.org": server.address})
        child = subprocess.Popen(
            [sys.executable, "-m", "crawler.runner", SPIDER, "--db", str(db), "--host-map", host_map,
             *LOOPBACK_SETTINGS, "--log-level", "WARNING"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        # The hub's scope, then one per list page: each new one in the store lets one more page be
        # answered, until `kill_after` are there and the kill lands mid-run.
        deadline, given = time.monotonic() + 60, 0
        while (seen := scope_runs(watch)) < kill_after and time.monotonic() < deadline and child.poll() is None:
            if seen > given:
                server.step()
                given += 1
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait()
        killed_at = scope_runs(watch)
        watch.close()
        server.unstep()  # the next run only has to converge
        assert 0 < killed_at < 9, "the kill must land mid-run"

        connection = sqlite3.connect(db)
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert connection.execute("select status from crawl_runs").fetchall() == [("running",)]
        duplicates = connection.execute(
            "select entity_key from changes group by entity_key, change having count(*) > 1").fetchall()
        assert duplicates == []
        connection.close()

        result = crawl(server, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

    connection = sqlite3.connect(db)
    statuses = connection.execute("select status from crawl_runs order by id").fetchall()
    assert statuses == [("aborted",), ("finished",)]
    assert connection.execute("select count(*) from signatures where removed_at is null").fetchone()[0] == 209
    assert connection.execute("select count(*) from instruments").fetchone()[0] == 8
    # every signature was added exactly once, and no list was alerted: each was a baseline
    assert connection.execute(
        "select count(*) from changes where entity = 'signature' and change = 'added'").fetchone()[0] == 209
    assert connection.execute("select count(*) from changes where notify = 1").fetchone()[0] == 0
    assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
    connection.close()
