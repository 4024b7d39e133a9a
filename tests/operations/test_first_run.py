"""A spider whose first run is blind establishes no baseline: its lists wait for a run that reads them."""

from store import open_db
from tests.helpers import FIXTURES, archive_of, replay_like_cli, saved_pages

SPIDER = "c40_accelerators"
SCOPE = "signatures:c40_accelerators/clean-air-cities"


def test_a_blind_first_run_leaves_the_next_healthy_run_as_the_baseline(tmp_path):
    blind = archive_of(tmp_path / "blind.warc.gz",
                       saved_pages(SPIDER, ["hub.html", "redesigned.html"], day="2026-11-01"))
    db_path = tmp_path / "glocal.db"
    first = replay_like_cli(SPIDER, blind, db_path)
    assert first.returncode == 1  # unhealthy: the list's landmark is missing
    second = replay_like_cli(SPIDER, FIXTURES / "sample.warc.gz", db_path)
    assert second.returncode == 0, second.stdout + second.stderr
    db = open_db(db_path)
    try:
        runs = db.execute("select complete, healthy from scope_runs where scope = ? order by run_id",
                          [SCOPE]).fetchall()
        assert runs[0][0] == 0  # the blind run did not read the list
        added = db.execute("select count(*), sum(notify) from changes where scope = ? and change = 'added'",
                           [SCOPE]).fetchone()
        assert added == (35, 0)  # recorded by the second run, as a baseline: nothing alerts
    finally:
        db.close()
