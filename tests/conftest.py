import pytest
from sqlite_utils import Database

from store import open_db


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
