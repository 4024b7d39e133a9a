"""docs/schema.md, section Indexes: every index it names exists, with the columns it says, and
every index the named queries were given (bench/queries.py, QUERY_INDEXES) is there."""

import re
from pathlib import Path

from bench.queries import QUERY_INDEXES
from store import open_db

SCHEMA = (Path(__file__).parents[2] / "docs" / "schema.md").read_text(encoding="utf-8")
SECTION = re.split(r"^## ", SCHEMA.split("\n## Indexes\n", 1)[1], maxsplit=1, flags=re.M)[0]
DOCUMENTED = dict(re.findall(r"^\| `(idx_\w+)` \| `(\w+ \([^)]*\))` \|", SECTION, flags=re.M))


def store_indexes():
    db = open_db(memory=True)
    found = {}
    for table, name in db.execute("select tbl_name, name from sqlite_master where type = 'index' and sql is not null"):
        columns = [row[2] for row in db.execute(f"pragma index_info([{name}])")]
        found[name] = f"{table} ({', '.join(columns)})"
    db.close()
    return found


def test_every_documented_index_exists_with_its_columns():
    indexes = store_indexes()
    assert len(DOCUMENTED) >= 10
    for name, columns in DOCUMENTED.items():
        assert indexes.get(name) == columns, f"docs/schema.md, Indexes: {name} is {indexes.get(name)}, not {columns}"


def test_every_query_index_of_the_store_is_documented():
    indexes = store_indexes()
    for name in QUERY_INDEXES:
        if name in indexes:  # the benchmark also drops names that later migrations replaced
            assert name in DOCUMENTED, f"docs/schema.md, Indexes: no row for {name}"
