"""Read commands work on a store they cannot write: a read-only file, or a read-only folder
(where SQLite cannot create the WAL's shared-memory file). Root ignores permission bits, so
the commands then run with the capabilities that let root do so dropped (setpriv)."""

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest

from store import open_db
from tests.cli.test_cli_io import INSTRUMENT, crawl_once
from tests.helpers import ROOT, glocal

DROP_ROOT_OVERRIDES = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"]


def unprivileged_wrapper() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permission bits cannot be tested")
    return DROP_ROOT_OVERRIDES


def as_unprivileged(*args):
    return glocal(*args, wrapper=unprivileged_wrapper())


# The read commands one after another in one unprivileged interpreter, as the console script starts
# them: what they can open is the point, and one process spares two starts (0.3 s of CPU each).
READER = textwrap.dedent("""
    import json, sys
    from click.testing import CliRunner
    from cli.main import cli, start_light

    start_light()
    results = {}
    for name, args in json.loads(sys.argv[1]).items():
        result = CliRunner().invoke(cli, args)
        failure = "" if result.exception is None or isinstance(result.exception, SystemExit) else repr(result.exception)
        results[name] = {"returncode": result.exit_code, "stdout": result.stdout, "stderr": result.stderr + failure}
    print(json.dumps(results))
""")


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
    commands = {"signatories": ["signatories", INSTRUMENT, "--db", str(path)],
                "changes": ["changes", "--with-baselines", "--db", str(path)],
                "spiders": ["spiders", "--db", str(path)]}
    child = subprocess.run([*unprivileged_wrapper(), sys.executable, "-c", READER, json.dumps(commands)],
                           capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert child.returncode == 0, child.stderr
    return {name: SimpleNamespace(**result) for name, result in json.loads(child.stdout).items()}


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
