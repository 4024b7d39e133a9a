import os
import sys

# The suite caches compiled bytecode even where the shell sets PYTHONDONTWRITEBYTECODE: it starts
# dozens of `glocal` child processes (crawls, the scheduler, Scrapyd), and without .pyc files each one
# recompiles the project's modules before doing anything (about a minute of the suite's CPU on a
# fresh checkout). __pycache__/ is ignored by git.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

import pytest
from sqlite_utils import Database

from store import open_db

# the fault matrix of a run (`pytest -m faults --fault-matrix FILE`): rows recorded where trials are judged
pytest_plugins = ["tests.faults.recording"]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """Under xdist, build the gazetteer's cache (~/.cache/glocal-watch) here, once, before the
    workers start: each would otherwise build the same file at its first lookup on a fresh machine
    (the build is atomic, so they would not break, only pay it four times)."""
    config = session.config
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None) or config.option.collectonly:
        return
    from places import gazetteer

    gazetteer.default().lookup("Paris")


@pytest.fixture
def db():
    """A fresh in-memory store with every migration applied."""
    database = open_db(memory=True)
    yield database
    database.close()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "glocal.db"


@pytest.fixture
def read_db():
    opened = []

    def _open(path) -> Database:
        database = Database(path)
        opened.append(database)
        return database

    yield _open
    for database in opened:
        database.close()
