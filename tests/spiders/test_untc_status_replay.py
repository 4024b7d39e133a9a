"""untc_status end to end through the real Scrapy engine and store, replaying archives of the real
Paris Agreement status file: a baseline (2018), then a version in which the Russian Federation
accepts and the United States withdraws: exactly those two changes, with the dates the file prints.
Then a treaty number that does not exist, and an XML file that is not one."""

import json

import pytest

from spiders.parsers import untc_status as parser
from tests.helpers import archive_of, query, saved_pages
from tests.helpers import replay_like_cli as replay

SPIDER = "untc_status"
ONLY_PARIS = 'UNTC_TREATIES=["XXVII-7-d"]'
PARIS = "untc_status/XXVII-7-d"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    folder = tmp_path_factory.mktemp("untc")
    db = folder / "glocal.db"
    steps = {
        "baseline": saved_pages(SPIDER, ["XXVII-7-d.en.xml"]),
        "later": saved_pages(SPIDER, ["XXVII-7-d.2020-12.en.xml"]),
        # The UN renamed Turkey "Türkiye" in 2022 (Latin-1 0xFC in the file).
        "renamed": saved_pages(SPIDER, ["XXVII-7-d.2020-12.en.xml"], day="2022-06-15", edits={
            "XXVII-7-d.2020-12.en.xml": lambda body: body.replace(b"<Entry>Turkey</Entry>", "<Entry>Türkiye</Entry>"
                                                                   .encode("latin-1"))}),
    }
    results = {}
    for name, pages in steps.items():
        archive = archive_of(folder / f"{name}.warc.gz", pages)
        results[name] = replay(SPIDER, archive, db, ONLY_PARIS)
    return {"db": db, "results": results, "folder": folder}


def test_baseline_is_healthy_and_quiet(history):
    result = history["results"]["baseline"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "baseline of 2 lists recorded, nothing to alert" in result.stdout
    assert query(history["db"], "select count(*) as n from changes where run_id = 1 and notify = 1")[0]["n"] == 0


def test_baseline_stores_every_participant_with_its_acts(history):
    rows = query(history["db"], "select * from signatures where instrument_key = ? and removed_at is null", (PARIS,))
    assert len(rows) == 197
    assert len([r for r in rows if r["status"] == "party"]) == 173
    (us,) = [r for r in rows if r["actor_name"] == "United States of America"]
    assert us["first_seen_at"] == "2018-01-15T00:00:00Z"
    (added,) = query(history["db"], "select diff from changes where run_id = 1 and entity_key = ?", (us["key"],))
    recorded = json.loads(added["diff"])
    assert (recorded["signed_on"], recorded["action"], recorded["action_on"], recorded["status"]) == (
        "2016-04-22", "acceptance", "2016-09-03", "party")


def test_states_are_actors_of_kind_state_with_their_iso_code(history):
    (actor,) = query(history["db"], """select a.* from actors a join signatures s on s.actor_id = a.id
                                        where s.actor_name = 'Côte d''Ivoire'""")
    assert (actor["kind"], actor["country"], actor["needs_review"]) == ("state", "CI", 0)
    kinds = query(history["db"], "select kind, count(*) as n from actors group by kind order by kind")
    assert kinds == [{"kind": "organization", "n": 1}, {"kind": "state", "n": 196}]


def test_stated_counts_are_recorded(history):
    claims = query(history["db"], "select unit, count from count_claims order by unit")
    assert claims == [{"unit": "parties", "count": 173}, {"unit": "signatories", "count": 195}]


def test_later_version_gives_exactly_a_ratification_and_a_withdrawal(history):
    result = history["results"]["later"]
    assert result.returncode == 0, result.stdout + result.stderr
    changes = query(history["db"], "select * from changes where run_id = 2 and notify = 1 order by entity_key")
    assert [(c["entity"], c["change"], c["entity_key"]) for c in changes] == [
        ("signature", "updated", f"{PARIS}/russian-federation"),
        ("signature", "updated", f"{PARIS}/united-states-of-america"),
    ]


def test_the_ratification_carries_the_printed_date(history):
    (change,) = query(history["db"], "select diff from changes where run_id = 2 and entity_key = ?",
                      (f"{PARIS}/russian-federation",))
    assert json.loads(change["diff"]) == {
        "action": [None, "acceptance"], "action_on": [None, "2019-10-07"], "status": ["signatory", "party"],
        "as_printed": ["22 Apr 2016 | ", "22 Apr 2016 | 7 Oct 2019 A"],
    }


def test_the_withdrawal_carries_the_printed_bracketed_date(history):
    (change,) = query(history["db"], "select diff, observed_at from changes where run_id = 2 and entity_key = ?",
                      (f"{PARIS}/united-states-of-america",))
    assert json.loads(change["diff"]) == {
        "status": ["party", "withdrawn"], "as_printed": ["22 Apr 2016 | 3 Sep 2016 A", "22 Apr 2016 | [3 Sep 2016 A]"],
    }
    assert change["observed_at"] == "2020-12-01T09:00:00Z"


def test_the_withdrawn_state_stays_listed(history):
    (us,) = query(history["db"], "select * from signatures where key = ?", (f"{PARIS}/united-states-of-america",))
    assert us["removed_at"] is None  # it left the treaty, not the list: the row says so in status
    assert (us["status"], us["action_on"]) == ("withdrawn", "2016-09-03")


def test_counts_unchanged_so_no_count_change(history):
    assert query(history["db"], "select count(*) as n from changes where entity = 'count_claim' and run_id = 2")[0][
        "n"] == 0


def test_a_treaty_number_that_does_not_exist_fails_with_both_reasons(tmp_path):
    archive = archive_of(tmp_path / "paris.warc.gz", saved_pages(SPIDER, ["XXVII-7-d.en.xml"]))
    db = tmp_path / "glocal.db"
    result = replay(SPIDER, archive, db,
                    'UNTC_TREATIES=["XXVII-7-d", "XXVII-99"]')
    assert result.returncode == 1
    (scope,) = query(db, "select * from scope_runs where scope = 'signatures:untc_status/XXVII-99'")
    assert scope["complete"] == 0
    assert "no status of treaty XXVII-99" in scope["reason"]
    assert "HTTP 404" in scope["reason"] and "is the treaty number right?" in scope["reason"]
    paris = query(db, "select complete, healthy from scope_runs where scope = 'signatures:untc_status/XXVII-7-d'")
    assert paris == [{"complete": 1, "healthy": 1}]


def test_a_broken_xml_file_falls_back_to_the_html_page(tmp_path):
    pages = saved_pages(SPIDER, ["XXVII-7-d.en.xml", "XXVII-7-d.html"],
                        edits={"XXVII-7-d.en.xml": lambda body: b"<html><body>Request Rejected</body></html>"})
    archive = archive_of(tmp_path / "broken.warc.gz", pages)
    db = tmp_path / "glocal.db"
    result = replay(SPIDER, archive, db, ONLY_PARIS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert query(db, "select count(*) as n from signatures")[0]["n"] == 197
    (instrument,) = query(db, "select url from instruments")
    assert instrument["url"] == parser.html_url("XXVII-7-d")


def test_a_renamed_state_is_one_update_of_the_same_actor_never_a_removal(history):
    result = history["results"]["renamed"]
    assert result.returncode == 0, result.stdout + result.stderr
    changes = query(history["db"], "select entity, change, entity_key, diff from changes where run_id = 3 and notify = 1")
    assert [(c["entity"], c["change"], c["entity_key"]) for c in changes] == [
        ("signature", "updated", f"{PARIS}/turkey")]
    assert json.loads(changes[0]["diff"])["actor_name"] == ["Turkey", "Türkiye"]
    names = query(history["db"], "select n.name from actor_names n join actors a on a.id = n.actor_id "
                                 "where a.key = 'state|TR'")
    assert sorted(n["name"] for n in names) == ["Turkey", "Türkiye"]
