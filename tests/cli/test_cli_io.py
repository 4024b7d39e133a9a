"""Scraped text never acts on a terminal: escape sequences in names and titles reach the screen
as visible escapes, in text and in JSON, while the store keeps them as the site sent them."""

import json

import pytest
from click.testing import CliRunner

from cli.main import cli
from kit.terminal import for_terminal, json_text
from kit.items import Instrument, Signature, as_record
from store import ingest, open_db, runs
from places.curated import gazetteer
from store.actors import ActorResolver

HOSTILE = "Amman\x1b[2J\x1b]0;owned\x07\x9b31m\u202egnp.exe\x7f"
TITLE = "Clean Air\x1b[31m Cities\x1b]8;;https://evil.example/\x1b\\"
INSTRUMENT = "test/clean-air"
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\x7f")


def crawl_once(db, *, day: int, names: list[str]):
    now = f"2026-11-{day:02d}T08:00:00Z"
    run_id = runs.start_run(db, spider="test", now=now)
    instruments = [as_record(Instrument(source="test", key=INSTRUMENT, url="https://example.org/", title=TITLE,
                                          kind="declaration"))]
    state = ingest.begin_scope(db, run_id=run_id, scope="instruments:test", entity="instrument",
                               url="https://example.org/", observed_at=now, complete=True, healthy=True,
                               keys=[INSTRUMENT], kind="roster")
    ingest.apply_records(db, state, instruments, now=now)
    ingest.close_scope(db, state, now=now, removal_runs=2)
    records = [as_record(Signature(source="test", key=f"{INSTRUMENT}/{n}", url="https://example.org/",
                                   instrument_key=INSTRUMENT, actor_name=name)) for n, name in enumerate(names)]
    state = ingest.begin_scope(db, run_id=run_id, scope="signatures:test", entity="signature",
                               url="https://example.org/", observed_at=now, complete=True, healthy=True,
                               keys=[r["key"] for r in records], kind="roster")
    ingest.apply_records(db, state, records, now=now, resolver=ActorResolver(db, "test", gazetteer(), now))
    ingest.close_scope(db, state, now=now, removal_runs=2)
    runs.finish_run(db, run_id, now=now, finish_reason="finished", pages=1, items=len(records), errors=0,
                    healthy=True, health=[], summary=f"summary with {HOSTILE}")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "glocal.db"
    db = open_db(path)
    crawl_once(db, day=1, names=["Lima"])
    crawl_once(db, day=2, names=["Lima", HOSTILE])
    db.close()
    return str(path)


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", [
    ["signatories", INSTRUMENT],
    ["signatories", INSTRUMENT, "--as-of", "2026-11-02"],
    ["changes", "--with-baselines"],
    ["instruments"],
])
def test_text_output_shows_control_characters_as_escapes(store, command):
    output = run(*command, "--db", store)
    for raw in RAW:
        assert raw not in output
    assert "\\x1b" in output


@pytest.mark.parametrize("command", [["signatories", INSTRUMENT, "--json"], ["changes", "--with-baselines", "--json"]])
def test_json_output_escapes_them_and_still_decodes_to_the_text_as_sent(store, command):
    output = run(*command, "--db", store)
    for raw in RAW:
        assert raw not in output
    values = [value for row in json.loads(output) for value in row.values()]
    assert HOSTILE in values


def test_the_store_keeps_the_text_as_the_site_sent_it(store):
    db = open_db(store)
    assert [r["actor_name"] for r in db.query("select actor_name from signatures order by key")][-1] == HOSTILE
    db.close()


def test_spiders_summary_is_neutralised(store, monkeypatch):
    db = open_db(store)
    db.execute("update crawl_runs set spider = 'c40_accelerators'")
    db.conn.commit()
    db.close()
    output = run("spiders", "--db", store)
    assert "summary with Amman\\x1b[2J" in output
    for raw in RAW:
        assert raw not in output


def test_for_terminal_keeps_every_script_and_ordinary_punctuation():
    text = "北京市, Москва, Київ, القاهرة, 서울, Αθήνα - São Paulo (Brasil) 50%"
    assert for_terminal(text) == text
    assert for_terminal("a\tb\nc") == "a b\\x0ac"


def test_json_text_round_trips():
    assert json.loads(json_text({"name": HOSTILE})) == {"name": HOSTILE}


# --- --as-of / --since in other ISO forms mean the same day, or are refused --------------------

@pytest.mark.parametrize("form", ["2026-11-01", "20261101", "2026-W44-7", " 2026-11-01 "])
def test_as_of_in_any_iso_date_form_means_the_whole_day(store, form):
    output = run("signatories", INSTRUMENT, "--as-of", form, "--db", store, "--json")
    assert [row["name_as_published"] for row in json.loads(output)] == ["Lima"]


@pytest.mark.parametrize("form", ["2026-11-02T07:59:59Z", "2026-11-02T09:59:59+02:00"])
def test_as_of_an_instant_before_the_second_capture(store, form):
    output = run("signatories", INSTRUMENT, "--as-of", form, "--db", store, "--json")
    assert [row["name_as_published"] for row in json.loads(output)] == ["Lima"]


@pytest.mark.parametrize("form", ["2026-11-02T08:00:00Z", "20261102", "2026-11-02"])
def test_as_of_the_second_capture_day_includes_it(store, form):
    output = run("signatories", INSTRUMENT, "--as-of", form, "--db", store, "--json")
    assert len(json.loads(output)) == 2


@pytest.mark.parametrize("form", ["2026-11", "11/02/2026", "yesterday", "2026-13-01", "2026-11-02T25:00"])
def test_other_date_forms_are_refused(store, form):
    result = CliRunner().invoke(cli, ["signatories", INSTRUMENT, "--as-of", form, "--db", store])
    assert result.exit_code == 1 and "is not a date" in result.output


def test_since_in_compact_form_is_the_same_day(store):
    assert run("changes", "--with-baselines", "--since", "20261102", "--db", store) == \
        run("changes", "--with-baselines", "--since", "2026-11-02", "--db", store)
