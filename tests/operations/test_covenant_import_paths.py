"""`glocal import covenant` is the crawl's write path (issue 17): the same file imported and crawled
(`covenant_open_data` replayed from an archive) gives identical stores; and what a file may hold
(issue 20: a Latin-1 CSV, a quote left open, a field of 128 KB; issue 19: a row named "None")."""

import sqlite3

import pytest

from kit.errors import GlocalError
from operations.covenant_import import import_file
from tests.helpers import FIXTURES, archive_of, glocal, query, replay_like_cli, saved_pages

FOLDER = FIXTURES / "covenant_open_data"
CSV = FOLDER / "df1_Signatories_2024.csv"
URL = "https://data.jrc.ec.europa.eu/dataset/covenant-signatories/df1_Signatories_2024.csv"

# Everything a store says about the file's signatories and their actors, without run ids and times.
SIGNATURES = """select s.key, s.actor_name, s.country, s.signed_on, s.status, s.population, s.source_id,
                       s.scope, s.removed_at, a.key actor_key, a.name actor, a.kind, a.geonames_id,
                       a.needs_review, a.review_reason
                from signatures s join actors a on a.id = s.actor_id order by s.key"""
ACTORS = "select key, name, country, kind, geonames_id, needs_review, part_of, review_candidates from actors order by key"
REFS = "select ref, source from actor_refs order by ref"


def store(db):
    return {sql: query(db, sql) for sql in (SIGNATURES, ACTORS, REFS)}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return archive_of(tmp_path_factory.mktemp("warc") / "jrc.warc.gz",
                      saved_pages("covenant_open_data", ["df1_Signatories_2024.csv"]))


def test_a_file_imported_and_crawled_gives_identical_stores(tmp_path, archive):
    imported, crawled = tmp_path / "imported.db", tmp_path / "crawled.db"
    result = import_file(imported, CSV, url=URL)
    outcome = replay_like_cli("covenant_open_data", archive, crawled, f"COVENANT_OPEN_DATA_URL={URL}")
    assert outcome.run is not None and outcome.run["status"] == "finished", outcome.message
    assert result.signatures == 117
    ours, theirs = store(imported), store(crawled)
    for sql in ours:
        assert ours[sql] == theirs[sql], sql
    changes = "select entity, entity_key, change, diff from changes order by entity, entity_key"
    assert query(imported, changes) == query(crawled, changes)


def test_glocal_crawl_replay_takes_the_url_from_its_setting(tmp_path, archive):
    db = tmp_path / "g.db"
    done = glocal("crawl", "covenant_open_data", "--replay", archive, "--db", db,
                  env={"GLOCAL_COVENANT_OPEN_DATA_URL": URL}, timeout=300)
    assert "its configured start URL" not in done.stderr, done.stderr
    assert query(db, "select count(*) n from signatures")[0]["n"] == 117, done.stdout + done.stderr
    refused = glocal("crawl", "covenant_open_data", "--replay", archive, "--db", db,
                     env={"GLOCAL_COVENANT_OPEN_DATA_URL": ""}, timeout=120)
    assert refused.returncode == 1 and "COVENANT_OPEN_DATA_URL" in refused.stderr


def test_a_latin1_csv_reads_the_same_names_and_changes_nothing(tmp_path):
    db = tmp_path / "g.db"
    lines = [line for line in CSV.read_text(encoding="utf-8").splitlines() if _latin1(line)]
    utf8, latin = tmp_path / "utf8.csv", tmp_path / "latin1.csv"
    utf8.write_text("\n".join(lines) + "\n", encoding="utf-8")
    latin.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    assert any(not line.isascii() for line in lines)  # "Sant Cugat del Vallès", "Donostia / San Sebastián"
    import_file(db, utf8, url=URL)
    result = import_file(db, latin, url=URL)
    assert result.counts.get("updated", 0) == 0 and result.counts["unchanged"] == len(lines) - 1
    assert query(db, "select count(*) n from signatures where actor_name like '%' || char(65533) || '%'")[0]["n"] == 0


def _latin1(line: str) -> bool:
    try:
        line.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


def test_a_file_in_neither_utf8_nor_latin1_is_refused_in_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(CSV.read_bytes() + "9;Žilina;SK;;;;;signatory;;2020-01-01;\n".encode("utf-8")[:-12] + b"\x81\x8d\n")
    with pytest.raises(GlocalError, match="neither UTF-8 nor Latin-1"):
        import_file(tmp_path / "g.db", bad)
    assert query(tmp_path / "g.db", "select status from crawl_runs") == [{"status": "failed"}]


def test_a_quote_left_open_swallowing_128_kb_is_refused_and_the_run_closed(tmp_path):
    lines = CSV.read_text(encoding="utf-8").splitlines()
    lines.insert(5, '7777;"Open quote town;IT;Italy;null;null;100;signatory;Individual;2015-01-01;false')
    lines += ["x" * 1000] * 130
    broken = tmp_path / "open-quote.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(GlocalError, match="a quote left open"):
        import_file(tmp_path / "g.db", broken)
    runs = query(tmp_path / "g.db", "select status, healthy from crawl_runs")
    assert runs == [{"status": "failed", "healthy": 0}]
    assert query(tmp_path / "g.db", "select count(*) n from signatures")[0]["n"] == 0


def test_an_implausible_row_is_a_counted_problem_not_a_signatory(tmp_path):
    lines = CSV.read_text(encoding="utf-8").splitlines()
    lines.insert(5, '7777;Open "quote town;IT;Italy;null;null;100;signatory;Individual;2015-01-01;false;extra;cells')
    odd = tmp_path / "odd.csv"
    odd.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_file(tmp_path / "g.db", odd)
    assert any("not a plausible row" in p for p in result.problems)
    assert query(tmp_path / "g.db", "select count(*) n from signatures where source_id = '7777'")[0]["n"] == 0


def test_a_row_named_none_is_one_counted_problem_and_the_file_still_the_whole_roster(tmp_path):
    db = tmp_path / "g.db"
    import_file(db, CSV, url=URL)
    lines = CSV.read_text(encoding="utf-8").splitlines()
    lines.append("8888;None;IT;Italy;null;null;100;signatory;Individual;2015-01-01;false")
    with_none = tmp_path / "none.csv"
    with_none.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_file(db, with_none, url=URL)
    assert result.complete and result.rejected == 1, result.reason
    many = tmp_path / "many-bad.csv"
    many.write_text("\n".join(lines + [f"{9000 + i};None;IT;;;;;;;2015-01-01;" for i in range(5)]) + "\n",
                    encoding="utf-8")
    result = import_file(db, many, url=URL)
    assert not result.complete and "6 of 123 rows" in result.reason


def test_the_share_of_bad_rows_is_a_setting(tmp_path, monkeypatch):
    lines = CSV.read_text(encoding="utf-8").splitlines()
    lines += [f"{9000 + i};None;IT;;;;;;;2015-01-01;" for i in range(6)]
    many = tmp_path / "many-bad.csv"
    many.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import crawler.settings as settings

    monkeypatch.setattr(settings, "COVENANT_OPEN_DATA_MAX_BAD_SHARE", 0.10)
    assert import_file(tmp_path / "g.db", many, url=URL).complete


def test_the_file_coordinates_pick_the_namesake_and_are_never_the_actor_point(tmp_path):
    text = CSV.read_text(encoding="utf-8").splitlines()[:1]
    text.append("5001;Valverde;ES;Spain;27,8101;-17,9203;5000;signatory;Individual;2015-01-01;false")
    text.append("5002;Valverde;ES;Spain;40,5031;-3,6791;64757;signatory;Individual;2016-01-01;false")
    path = tmp_path / "valverde.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    import_file(tmp_path / "g.db", path, url=URL)
    conn = sqlite3.connect(tmp_path / "g.db")
    rows = conn.execute("""select s.source_id, a.id, a.geonames_id, a.latitude from signatures s
                           join actors a on a.id = s.actor_id order by s.source_id""").fetchall()
    conn.close()
    assert rows[0][1] != rows[1][1]  # two places of one name in one country: two actors
    assert rows[0][2] == 2509841 and rows[0][3] == 27.80628  # El Hierro's Valverde, at GeoNames' point
