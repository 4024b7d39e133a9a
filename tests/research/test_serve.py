"""glocal serve, for real: a child process serving the replayed store in Datasette on 127.0.0.1."""

import json
import sqlite3
import urllib.error
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner

from cli.main import cli


def get(base, path, **params):
    url = base.rstrip("/") + path + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, response.read().decode("utf-8")


def get_json(base, path, **params):
    status, body = get(base, path, _shape="objects", **params)
    assert status == 200
    return json.loads(body)


def test_index_page_names_the_project_and_the_database(server):
    base, _ = server
    status, html = get(base, "/")
    assert status == 200 and "glocal-watch" in html and "glocal" in html


def test_table_page_shows_column_descriptions_from_the_schema_docs(server):
    base, _ = server
    status, html = get(base, "/glocal/signatures")
    assert status == 200
    assert "only ever what the site printed" in html or "signed_on" in html
    metadata = json.loads(get(base, "/-/metadata.json")[1])
    columns = metadata["databases"]["glocal"]["tables"]["signatures"]["columns"]
    assert columns["signed_on"] and columns["first_seen_at"]
    assert metadata["license"] and metadata["source"]


def test_json_api_answers_with_the_stores_rows(server):
    base, db_path = server
    data = get_json(base, "/glocal/actors.json", name="Durban")
    assert [(r["name"], r["country"], r["geonames_id"]) for r in data["rows"]] == [("Durban", "ZA", 1007311)]


def test_canned_query_answers_as_of_a_date(server):
    base, _ = server
    before = get_json(base, "/glocal/signatories_as_of.json", instrument="c40_accelerators/clean-air-cities",
                      as_of="2026-11-05")["rows"]
    after = get_json(base, "/glocal/signatories_as_of.json", instrument="c40_accelerators/clean-air-cities",
                     as_of="2026-11-20")["rows"]
    assert len(before) == len(after) == 35
    assert "Amman" in {r["actor"] for r in before} and "Accra" not in {r["actor"] for r in before}
    assert "Accra" in {r["actor"] for r in after} and "Amman" not in {r["actor"] for r in after}


def test_every_named_query_is_a_canned_query(server):
    from store.queries import QUERIES

    base, _ = server
    status, html = get(base, "/glocal")
    for name in QUERIES:
        assert f"/glocal/{name}" in html


def test_the_store_cannot_be_written_through_datasette(server):
    base, db_path = server
    before = sqlite3.connect(db_path).execute("select count(*) from actors").fetchone()[0]
    with pytest.raises(urllib.error.HTTPError) as refused:
        get(base, "/glocal.json", sql="delete from actors")
    assert refused.value.code == 400
    assert sqlite3.connect(db_path).execute("select count(*) from actors").fetchone()[0] == before


def test_a_port_in_use_is_one_clear_line(server):
    base, db_path = server
    port = urllib.parse.urlsplit(base).port
    result = CliRunner().invoke(cli, ["serve", "--port", str(port), "--db", str(db_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: cannot serve on 127.0.0.1:{port}: Address already in use (another server is there; choose another --port)"]


# -- the pages glocal-watch adds: front page, map, charts, folded column descriptions -------------

def test_front_page_shows_what_is_tracked_not_a_migrations_table(server):
    base, db_path = server
    status, html = get(base, "/")
    assert status == 200 and "_sqlite_migrations" not in html
    for heading in ("Instruments (", "Latest changes", "Upcoming events", "Spider health", "Canned queries"):
        assert heading in html
    from store import open_db_readonly
    from store.signings import instrument_summaries

    db = open_db_readonly(db_path)
    (clean_air,) = [row for row in instrument_summaries(db) if row["key"] == "c40_accelerators/clean-air-cities"]
    db.close()
    assert (clean_air["signatories"], clean_air["removed"]) == (35, 1)  # Accra in, Amman out: signings, not rows
    row = html.split('data-key="c40_accelerators/clean-air-cities"', 1)[1].split("</tr>", 1)[0]
    assert f'>{clean_air["title"]}</a>' in row and '<td class="signatories">35</td><td class="removed">1</td>' in row
    assert "c40_accelerators</a></td>" in html and "(replay)" in html


def test_map_page_draws_a_marker_per_placed_signatory_and_fetches_nothing(server):
    base, _ = server
    status, html = get(base, "/-/glocal/map", instrument="c40_accelerators/clean-air-cities")
    assert status == 200
    assert html.count('class="signatory marker"') >= 30 and html.count('class="removed marker"') == 1
    assert "<title>Amman, JO (removed)</title>" in html
    assert "http://" not in html.split("<svg", 1)[1].replace("http://www.w3.org/2000/svg", "")
    with pytest.raises(urllib.error.HTTPError) as unknown:
        get(base, "/-/glocal/map", instrument="no/such")
    assert unknown.value.code == 404


def test_charts_page_draws_count_history_inline(server):
    base, _ = server
    status, html = get(base, "/-/glocal/charts", instrument="c40_accelerators/clean-air-cities")
    assert status == 200 and html.count("<svg") == 1 and "/glocal/count_history?instrument=" in html


def test_table_pages_fold_the_column_descriptions(server):
    base, _ = server
    status, html = get(base, "/glocal/signatures")
    assert "column-descriptions-folded" in html  # the script that folds them, run by the browser tests
    metadata = json.loads(get(base, "/-/metadata.json")[1])
    assert metadata["databases"]["glocal"]["tables"]["_sqlite_migrations"]["hidden"] is True


def test_the_sql_box_does_not_start_from_sqlite_utils_bookkeeping(server):
    base, _ = server
    status, html = get(base, "/glocal")
    assert status == 200
    assert "select * from _sqlite_migrations" not in html and "<textarea" in html


def test_a_canned_query_takes_the_clis_parameter_forms(server):
    base, _ = server
    rows = get_json(base, "/glocal/portfolio.json", actor_id="Durban")["rows"]
    assert "c40_accelerators/clean-air-cities" in {row["key"] for row in rows}
    (loud,) = get_json(base, "/glocal/who_signed.json", instrument="zero-gravity")["rows"]
    assert loud["instrument_key"] == "unknown instrument 'zero-gravity' (see: glocal instruments)"


def test_a_filter_on_the_signings_flags_matches_as_clicked(server):
    # Datasette sends `?current=1` as the text '1': the view's flags are INTEGER columns (m350), so
    # the filter a researcher clicks finds Clean Air's 35 current signings, not 0.
    base, _ = server
    rows = get_json(base, "/glocal/signings.json", instrument_key="c40_accelerators/clean-air-cities",
                    current="1", _size="max")["rows"]
    assert len(rows) == 35 and {row["standing"] for row in rows} == {"listed"}
    (amman,) = get_json(base, "/glocal/signings.json", instrument_key="c40_accelerators/clean-air-cities",
                        current="0", on_list="0", evidence_rows="1")["rows"]
    assert (amman["actor"], amman["standing"]) == ("Amman", "removed")


def test_a_view_page_opens_on_its_rules_in_words_not_markdown(server):
    base, _ = server
    status, html = get(base, "/glocal/signings")
    assert status == 200
    intro = html.split("Column descriptions", 1)[0] if "Column descriptions" in html else html.split("<table", 1)[0]
    assert "one row per <strong>signing</strong>" in intro and "**" not in intro
    assert "<li><code>on_list</code> = 1 while some list row is not removed." in intro  # the rules, not a cut-off "them):"
