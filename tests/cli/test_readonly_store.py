"""Read commands work on a store they cannot write: a read-only file, or a read-only folder
(where SQLite cannot create the WAL's shared-memory file). Root ignores permission bits, so
the commands then run with the capabilities that let root do so dropped (setpriv)."""

import os
import shutil
import stat
import subprocess

import pytest

from store import open_db
from tests.cli.test_cli_io import INSTRUMENT, crawl_once
from tests.helpers import glocal

DROP_ROOT_OVERRIDES = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"]


def as_unprivileged(*args):
    if os.geteuid() != 0:
        return glocal(*args)
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permission bits cannot be tested")
    result = glocal(*args, wrapper=DROP_ROOT_OVERRIDES)
    return result


@pytest.fixture
def store(tmp_path):
    folder = tmp_path / "store"
    folder.mkdir()
    path = folder / "glocal.db"
    db = open_db(path)
    crawl_once(db, day=1, names=["Lima", "Oslo"])
    db.close()  # the last connection checkpoints the WAL and removes -wal and -shm
    yield path
    for item in (folder, *folder.iterdir()):
        item.chmod(item.stat().st_mode | stat.S_IWUSR)


def read_commands(path):
    return {
        "signatories": as_unprivileged("signatories", INSTRUMENT, "--db", path),
        "changes": as_unprivileged("changes", "--with-baselines", "--db", path),
        "spiders": as_unprivileged("spiders", "--db", path),
    }


def check(results):
    for name, result in results.items():
        assert result.returncode == 0, f"{name}: {result.stderr}"
    assert "2 signatories" in results["signatories"].stdout
    assert "signature.added" in results["changes"].stdout
    assert "c40_accelerators" in results["spiders"].stdout


def test_the_privilege_drop_really_forbids_writing(store):
    store.chmod(0o444)
    probe = subprocess.run([*DROP_ROOT_OVERRIDES, "sh", "-c", f"echo x >> {store}"] if os.geteuid() == 0 else
                           ["sh", "-c", f"echo x >> {store}"], capture_output=True)
    assert probe.returncode != 0


def test_read_commands_on_a_read_only_file(store):
    before = store.read_bytes()
    store.chmod(0o444)
    check(read_commands(store))
    assert store.read_bytes() == before


def test_read_commands_in_a_read_only_folder(store):
    before = store.read_bytes()
    store.chmod(0o444)
    store.parent.chmod(0o555)
    check(read_commands(store))
    assert sorted(p.name for p in store.parent.iterdir()) == ["glocal.db"]
    assert store.read_bytes() == before


def test_a_crawl_into_a_read_only_store_fails_in_one_line(store):
    store.chmod(0o444)
    result = as_unprivileged("crawl", "c40_accelerators", "--replay", "tests/fixtures/sample.warc.gz",
                             "--db", store)
    assert result.returncode == 1
    assert "readonly" in result.stderr or "read-only" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
