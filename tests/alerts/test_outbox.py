"""The outbox: rows written with their changes, in one transaction; baselines never alert; one
piece of news reaches a channel once, whichever source reported it; rules filter."""

import pytest

from alerts.outbox import Outbox
from alerts.rules import load_config
from store import open_db
from tests.alerts.support import BASELINE, baseline_then, crawl, rules_file

RULES = """
[channels.team]
type = "email"
host = "127.0.0.1"
from = "alerts@glocal.test"
to = "team@glocal.test"

[channels.ops]
type = "slack"
webhook_url_env = "HOOK"

[[rules]]
name = "italy"
kinds = ["signature.added"]
countries = ["IT"]
channels = ["team", "ops"]

[[rules]]
name = "clean-air-digest"
kinds = ["signature.added", "signature.removed", "instrument.added"]
instruments = ["clean-air-cities"]
channels = ["team"]
delivery = "daily 08:00"

[[rules]]
name = "by-name"
kinds = ["signature.added"]
actors = ["Bogota"]
sources = ["c40_accelerators"]
channels = ["ops"]
"""


@pytest.fixture
def config(tmp_path):
    return load_config(rules_file(tmp_path, RULES), environ={"HOOK": "https://hooks.slack.com/services/T/B/x"})


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "glocal.db")
    yield database
    database.close()


def rows(db):
    return [(r["kind"], r["channel"], r["rule"], r["digest_key"]) for r in db.query(
        "select * from deliveries order by id")]


def test_a_baseline_writes_no_delivery(db, config):
    crawl(db, source="c40_accelerators", day="2026-11-02", cities=BASELINE + [("Milan", "IT")], outbox=Outbox(config))
    assert db.conn.execute("select count(*) from changes").fetchone()[0] == 7
    assert rows(db) == []


def test_a_new_signing_gets_a_row_per_matching_channel_and_rule(db, config):
    baseline_then(db, config, [("Milan", "IT")])
    # "italy" (immediate) wins the team channel; the digest rule finds that channel taken.
    assert rows(db) == [("signature.added", "team", "italy", None), ("signature.added", "ops", "italy", None)]


def test_a_digest_row_waits_for_the_end_of_its_period(db, config):
    baseline_then(db, config, [("Lyon", "FR")])
    (row,) = db.query("select * from deliveries")
    assert (row["rule"], row["digest_key"]) == ("clean-air-digest", "clean-air-digest@2026-11-10T08:00:00Z")
    assert row["next_attempt_at"] == "2026-11-10T08:00:00Z"  # detected 08:16: the next 08:00


def test_filters_by_actor_name_in_any_spelling(db, config):
    crawl(db, source="c40_accelerators", day="2026-11-02", cities=BASELINE[:3], outbox=Outbox(config))
    crawl(db, source="c40_accelerators", day="2026-11-09", cities=BASELINE[:3] + [("Bogotá D.C.", "CO")],
          outbox=Outbox(config))
    assert ("signature.added", "ops", "by-name", None) in rows(db)


def test_filters_by_source(db, config):
    crawl(db, source="c40_news", day="2026-11-02", cities=BASELINE[:3], outbox=Outbox(config),
          with_instrument=False)
    crawl(db, source="c40_news", day="2026-11-09", cities=BASELINE[:3] + [("Bogotá", "CO")], outbox=Outbox(config),
          with_instrument=False)
    assert [r[2] for r in rows(db)] == ["clean-air-digest"]  # not "by-name": that rule is for c40_accelerators


def test_the_same_signing_from_two_sources_is_one_message_per_channel(db, config):
    crawl(db, source="c40_accelerators", day="2026-11-02", cities=BASELINE, outbox=Outbox(config))
    crawl(db, source="c40_news", day="2026-11-02", cities=BASELINE, outbox=Outbox(config), with_instrument=False)
    crawl(db, source="c40_accelerators", day="2026-11-09", cities=BASELINE + [("Milan", "IT")], outbox=Outbox(config))
    crawl(db, source="c40_news", day="2026-11-10", cities=BASELINE + [("Milano", "IT")], outbox=Outbox(config),
          with_instrument=False)
    added = db.conn.execute("select count(*) from changes where change = 'added' and notify = 1").fetchone()[0]
    assert added == 2  # both sources recorded the signing...
    assert rows(db) == [("signature.added", "team", "italy", None), ("signature.added", "ops", "italy", None)]


def test_a_re_crawl_adds_nothing(db, config):
    baseline_then(db, config, [("Milan", "IT")])
    crawl(db, source="c40_accelerators", day="2026-11-10", cities=BASELINE + [("Milan", "IT")], outbox=Outbox(config))
    assert len(rows(db)) == 2


def test_deliveries_commit_or_roll_back_with_their_changes(db, config):
    crawl(db, source="c40_accelerators", day="2026-11-02", cities=BASELINE, outbox=Outbox(config))
    changes_before = db.conn.execute("select count(*) from changes").fetchone()[0]

    class Broken(Outbox):
        def __call__(self, db, changes):
            super().__call__(db, changes)
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        crawl(db, source="c40_accelerators", day="2026-11-09", cities=BASELINE + [("Milan", "IT")],
              outbox=Broken(config))
    assert db.conn.execute("select count(*) from changes").fetchone()[0] == changes_before
    assert rows(db) == []
    assert db.conn.execute("select count(*) from signatures where actor_name = 'Milan'").fetchone()[0] == 0
