"""The first step beyond one machine: the spiders deployed to a Scrapyd on 127.0.0.1, one job run
there through the real pipeline into a store, and the result equal to a local crawl of the same replay."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from operations import scrapyd
from crawler.download_handlers import handler_settings
from tests.helpers import FIXTURES, glocal

pytest.importorskip("scrapyd")

SAMPLE = FIXTURES / "sample.warc.gz"
PROJECT = "glocal"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.2\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\nitems_dir =\n")
    process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/daemonstatus.json", timeout=1).read()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("scrapyd did not start")
    yield url, home
    process.terminate()
    process.wait(timeout=10)


def contents(path) -> dict:
    """What a store holds, without run ids and wall-clock times."""
    connection = sqlite3.connect(path)
    try:
        return {
            "instruments": connection.execute("select key, title, kind, text, first_seen_at from instruments order by key").fetchall(),
            "signatures": connection.execute(
                "select key, instrument_key, actor_name, network_member, first_seen_at from signatures order by key").fetchall(),
            "count_claims": connection.execute("select key, count, unit, first_seen_at from count_claims order by key").fetchall(),
            "actors": connection.execute("select name, country, geonames_id from actors order by name").fetchall(),
        }
    finally:
        connection.close()


def test_a_scrapyd_job_stores_what_a_local_crawl_stores(node, tmp_path):
    url, home = node
    answer = scrapyd.deploy(url, project=PROJECT, version="r1", egg=scrapyd.build_egg("r1"))
    assert answer["spiders"] >= 1
    remote_db = tmp_path / "remote.db"
    settings = {"STORE_DB_PATH": str(remote_db), **handler_settings(replay=str(SAMPLE))}
    job = scrapyd.schedule(url, project=PROJECT, spider="c40_accelerators", settings=settings)
    assert scrapyd.wait_for(url, project=PROJECT, job=job, timeout=90) == "finished"

    local = glocal("crawl", "c40_accelerators", "--replay", SAMPLE, "--db", tmp_path / "local.db")
    assert local.returncode == 0, local.stderr
    remote, here = contents(remote_db), contents(tmp_path / "local.db")
    assert len(remote["signatures"]) == 209
    assert remote == here


def test_the_egg_is_reproducible_and_names_the_settings():
    import io
    import zipfile

    egg = scrapyd.build_egg("r1")
    assert egg == scrapyd.build_egg("r1")
    names = zipfile.ZipFile(io.BytesIO(egg)).namelist()
    assert "spiders/c40_accelerators.py" in names and "EGG-INFO/entry_points.txt" in names
    assert zipfile.ZipFile(io.BytesIO(egg)).read("EGG-INFO/entry_points.txt") == b"[scrapy]\nsettings = crawler.settings\n"


def test_an_unreachable_node_is_one_clear_error():
    from kit.errors import GlocalError

    with pytest.raises(GlocalError, match="cannot reach Scrapyd at http://127.0.0.1:9"):
        scrapyd.schedule("http://127.0.0.1:9", project=PROJECT, spider="c40_accelerators")
