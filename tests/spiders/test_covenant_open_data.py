"""covenant_open_data: the JRC signatories file (CSV and XLSX), the importer, and the spider form."""

import io

import pytest
from click.testing import CliRunner
from scrapy.http import Request, Response

from cli.main import cli
from operations.covenant_import import import_file
from kit.errors import GlocalError, ParseError
from kit.items import ScopeReport, Signature
from spiders.covenant_open_data import CovenantOpenDataSpider
from spiders.parsers import covenant as com
from spiders.parsers import covenant_open_data as parser
from tests.helpers import FIXTURES, query

FOLDER = FIXTURES / "covenant_open_data"
CSV = FOLDER / "df1_Signatories_2024.csv"
XLSX = FOLDER / "df1_Signatories_2024.xlsx"
URL = "https://data.jrc.ec.europa.eu/dataset/covenant-signatories/df1_Signatories_2024.csv"


def read(path):
    with path.open("rb") as stream:
        dataset = parser.open_dataset(stream, name=path.name, url=URL)
        rows = list(dataset.signatures())
    return dataset, {s.source_id: s for s in rows}


@pytest.fixture(scope="module", params=["csv", "xlsx"])
def both(request):
    return read(CSV if request.param == "csv" else XLSX)


def test_every_row_is_read(both):
    dataset, rows = both
    assert dataset.rows == 117 and len(rows) == 117 and dataset.rejected == 0


def test_layout_is_recognised(both):
    dataset, _ = both
    assert set(parser.REQUIRED_COLUMNS) <= set(dataset.columns)


def test_name_id_country_upper_case(both):
    row = both[1]["11547"]
    assert (row.actor_name, row.country, row.source_id) == ("Ustka", "PL", "11547")


def test_lower_case_country_code(both):
    assert both[1]["11548"].country == "PL"


def test_el_means_greece(both):
    assert both[1]["9001"].country == "GR"


def test_adhesion_date_is_signed_on(both):
    assert both[1]["11547"].signed_on == "2013-03-12"


def test_status_on_hold(both):
    assert both[1]["11548"].status == "on hold"


def test_population(both):
    assert both[1]["1001"].population == 1620343


def test_population_dash_is_missing_not_zero(both):
    assert both[1]["11555"].population is None


def test_missing_country_keeps_the_row(both):
    dataset, rows = both
    assert rows["99001"].country is None
    assert any("Santa Fe" in p and "no country" in p for p in dataset.problems)


def test_unparseable_population_keeps_the_row(both):
    dataset, rows = both
    assert rows["99002"].population is None and rows["99002"].country == "ES"
    assert any("approx. 83 000" in p for p in dataset.problems)


def test_problem_count(both):
    assert both[0].problem_count == 2


def test_rows_carry_the_dataset_scope_and_instrument(both):
    row = both[1]["11547"]
    assert row.scope == parser.SCOPE and row.instrument_key == com.INSTRUMENT_KEY and row.url == URL


def test_key_matches_the_website_key(both):
    assert both[1]["11547"].key == com.signature_key("Ustka", "PL")


def test_csv_and_xlsx_give_the_same_signatures():
    assert read(CSV)[1] == read(XLSX)[1]


def test_decimal_comma_coordinates():
    assert com.coordinate("54,58") == 54.58 and com.coordinate("null") is None and com.coordinate("-") is None


@pytest.mark.parametrize("value, expected", [("60,572", 60572), ("60.572", 60572), ("60 572", 60572),
                                             ("60572,0", 60572), (60572.0, 60572), ("-", None), ("null", None)])
def test_population_spellings(value, expected):
    assert com.population(value)[0] == expected


@pytest.mark.parametrize("value", ["54,58", " 54,58 ", "54.58\u00a0", "\u202f-9,5", "54,58\u200b", "1e3", "1_0,5",
                                   "54,5,8", "N 54", "inf", "nan", "", "NULL", 54, 54.5, True])
def test_a_coordinate_read_directly_is_the_cleaned_reading(value):
    """The plain-string shortcut of com.coordinate gives what the cleaned path gives, or None."""
    try:
        cleaned = None if com.missing(value) else float(com.clean(str(value)).replace(",", "."))
    except ValueError:
        cleaned = None
    got = com.coordinate(value)
    assert got == cleaned or (got is None and cleaned is None), value


@pytest.mark.parametrize("value", ["0", "007", "60572", "999999999999999", "1234567890123456789", "\u0661\u0662",
                                   "\u00b2", "", "60572,0", " 60572"])
def test_plain_digits_are_the_decimal_reading(value):
    """A population of plain digits, read by int(), is what the rounding path gives (a long run
    of digits and non-ASCII digits still take that path)."""
    text = com.clean(value)
    expected = (None, None) if com.missing(value) else \
        (int(round(float(text.replace(",", ".")))), None) if com._DECIMAL.match(text) else com.population(value)
    assert com.population(value) == expected, value


def _with_bad_rows() -> bytes:
    text = CSV.read_text(encoding="utf-8").splitlines()
    text.append("99101;Santa Maria;it;Italy;null;null;3000;signatory;Individual;2014-01-01;false")
    text.append("99102;Santa Maria;IT;Italy;null;null;4000;signatory;Individual;2016-01-01;false")
    text.append("99102;Santa Maria;IT;Italy;null;null;4000;signatory;Individual;2016-01-01;false")  # same id again
    text.append("99103;Santa Maria;;Italia;null;null;4000;signatory;Individual;2016-01-01;false")  # country by name
    text.append(";Nowhere;pl;Poland;null;null;-;signatory;Individual;2020-01-01;false")
    text.append("99104;;pl;Poland;null;null;-;signatory;Individual;2020-01-01;false")
    text.append("99105;Too;pl;Poland;null;null;-;signatory;Individual;2020-01-01;false;x;y")
    return ("\n".join(text) + "\n").encode()


@pytest.mark.parametrize("path", [CSV, XLSX, None], ids=["csv", "xlsx", "bad rows"])
def test_the_first_pass_keys_are_the_signatures_keys(path):
    """The roster's first pass (Dataset.keys) reads only names, ids and countries: the same keys,
    in the same order, and the same rows read and rejected as the signatures' pass."""
    data = path.read_bytes() if path else _with_bad_rows()
    name = path.name if path else "x.csv"
    full = parser.open_dataset(io.BytesIO(data), name=name, url=URL)
    expected = [s.key for s in full.signatures()]
    first = parser.open_dataset(io.BytesIO(data), name=name, url=URL)
    assert list(first.keys()) == expected
    assert (first.rows, first.rejected) == (full.rows, full.rejected)
    if path is None:
        assert full.rejected == 3 and len(set(expected)) == len(expected) - 1  # the repeated id: one key


def test_unknown_layout_names_expected_and_found_columns():
    path = FOLDER / "other-layout.csv"
    with path.open("rb") as stream, pytest.raises(ParseError) as error:
        parser.open_dataset(stream, name=path.name, url=URL)
    message = str(error.value)
    assert "expected the columns organisation_id, organisation_name, country_code, date_of_adhesion" in message
    assert "found name, country, iso, entity_type, gcom_id, lat, lng" in message


def test_xlsx_that_is_not_one():
    path = FOLDER / "not-a-workbook.xlsx"
    with path.open("rb") as stream, pytest.raises(ParseError) as error:
        parser.open_dataset(stream, name=path.name, url=URL)
    assert "is not an XLSX workbook" in str(error.value) and "Access denied" in str(error.value)


def test_row_without_organisation_id_is_skipped_and_counted():
    text = CSV.read_text(encoding="utf-8").splitlines()
    text.append(";Nowhere;pl;Poland;null;null;-;signatory;Individual;2020-01-01;false")
    dataset = parser.open_dataset(io.BytesIO("\n".join(text).encode()), name="x.csv", url=URL)
    assert len(list(dataset.signatures())) == 117 and dataset.rejected == 1


def test_two_authorities_of_one_name_and_country_are_two_signatures():
    text = CSV.read_text(encoding="utf-8").splitlines()
    text.append("99101;Santa Maria;it;Italy;null;null;3000;signatory;Individual;2014-01-01;false")
    text.append("99102;Santa Maria;IT;Italy;null;null;4000;signatory;Individual;2016-01-01;false")
    dataset = parser.open_dataset(io.BytesIO("\n".join(text).encode()), name="x.csv", url=URL)
    rows = {s.source_id: s for s in dataset.signatures()}
    assert rows["99101"].key == com.signature_key("Santa Maria", "IT")
    assert rows["99102"].key == com.signature_key("Santa Maria", "IT") + "|id:99102"


def test_namesakes_are_two_actors_in_the_store(tmp_path):
    text = CSV.read_text(encoding="utf-8").splitlines()
    text.append("99101;Santa Maria;it;Italy;null;null;3000;signatory;Individual;2014-01-01;false")
    text.append("99102;Santa Maria;IT;Italy;null;null;4000;signatory;Individual;2016-01-01;false")
    path = tmp_path / "namesakes.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    import_file(tmp_path / "g.db", path)
    found = rows(tmp_path / "g.db", "select actor_id, population from signatures where actor_name = 'Santa Maria'")
    assert len(found) == 2 and len({r["actor_id"] for r in found}) == 2


class CountingStream(io.RawIOBase):
    """A large CSV made on the fly; records the biggest single read so a test can see streaming."""

    def __init__(self, rows):
        self.header = ("organisation_id;organisation_name;country_code;date_of_adhesion;population_adhesion\n").encode()
        self.rows, self.produced, self.buffer, self.largest = rows, 0, self.header, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        # Back to the start only: the reader reads the file once for its encoding, then its rows.
        assert offset == 0 and whence == 0
        self.produced, self.buffer = 0, self.header
        return 0

    def readinto(self, target):
        self.largest = max(self.largest, len(target))
        while len(self.buffer) < len(target) and self.produced < self.rows:
            self.produced += 1
            self.buffer += f"{self.produced};Town {self.produced};pl;2015-05-0{1 + self.produced % 9};1234\n".encode()
        chunk, self.buffer = self.buffer[:len(target)], self.buffer[len(target):]
        target[:len(chunk)] = chunk
        return len(chunk)


def test_a_large_file_is_read_row_by_row_in_small_chunks():
    stream = CountingStream(200_000)  # about 8 MB, never held whole
    dataset = parser.open_dataset(io.BufferedReader(stream), name="big.csv", url=URL)
    count = sum(1 for _ in dataset.signatures())
    assert count == 200_000
    assert stream.largest <= 1 << 16


# --- the importer -------------------------------------------------------------------------------

rows = query


def test_import_csv_records_a_baseline(tmp_path):
    db = tmp_path / "g.db"
    result = import_file(db, CSV)
    assert result.complete and result.signatures == 117 and result.counts["added"] == 117
    assert rows(db, "select count(*) n from signatures")[0]["n"] == 117
    changes = rows(db, "select notify, count(*) n from changes where entity = 'signature' group by notify")
    assert changes == [{"notify": 0, "n": 117}]  # a baseline is recorded, never alerted


def test_import_records_the_file_as_a_page_and_a_run(tmp_path):
    db = tmp_path / "g.db"
    import_file(db, CSV, url=URL)
    page = rows(db, "select * from pages")[0]
    assert page["url"] == URL and len(page["sha256"]) == 64 and page["length"] == CSV.stat().st_size
    run = rows(db, "select * from crawl_runs")[0]
    assert run["spider"] == "covenant_open_data" and run["status"] == "finished"


def test_import_keeps_the_source_id_and_population(tmp_path):
    db = tmp_path / "g.db"
    import_file(db, XLSX)
    row = rows(db, "select * from signatures where source_id = '11547'")[0]
    assert (row["actor_name"], row["country"], row["population"], row["signed_on"], row["status"]) == (
        "Ustka", "PL", 15834, "2013-03-12", "signatory")


def test_same_name_other_authority_is_another_actor(tmp_path):
    db = tmp_path / "g.db"
    import_file(db, CSV)
    actors = rows(db, "select s.actor_name, s.actor_id from signatures s where s.actor_name like 'Ialoveni%'")
    assert len({a["actor_id"] for a in actors}) == 2


def test_every_authority_gets_its_own_actor_and_id_ref(tmp_path):
    db = tmp_path / "g.db"
    import_file(db, CSV)
    assert rows(db, "select count(distinct actor_id) n from signatures")[0]["n"] == 117
    assert rows(db, "select count(*) n from actor_refs where ref like 'covenant:%'")[0]["n"] == 117


def test_reimport_of_the_xlsx_after_the_csv_changes_nothing(tmp_path):
    db = tmp_path / "g.db"
    import_file(db, CSV)
    result = import_file(db, XLSX)
    assert result.counts.get("updated", 0) == 0 and result.counts.get("added", 0) == 0


def test_import_of_a_changed_status_is_an_update_with_the_diff(tmp_path):
    db = tmp_path / "g.db"
    import_file(db, CSV)
    changed = tmp_path / "changed.csv"
    changed.write_text(CSV.read_text(encoding="utf-8").replace("11547;Ustka;PL;Poland", "11547;Ustka;PL;Poland", 1)
                       .replace(";signatory;Individual;2013-03-12", ";on_hold;Individual;2013-03-12", 1), encoding="utf-8")
    result = import_file(db, changed)
    assert result.counts["updated"] == 1
    change = rows(db, "select * from changes where change = 'updated'")[0]
    assert change["diff"] == '{"status": ["signatory", "on hold"]}' and change["notify"] == 1


def test_bad_layout_is_refused_and_the_run_recorded_failed(tmp_path):
    db = tmp_path / "g.db"
    with pytest.raises(GlocalError, match="expected the columns"):
        import_file(db, FOLDER / "other-layout.csv")
    assert rows(db, "select status, healthy from crawl_runs") == [{"status": "failed", "healthy": 0}]
    assert rows(db, "select count(*) n from signatures")[0]["n"] == 0


def test_a_short_file_never_removes(tmp_path):
    db = tmp_path / "g.db"
    import_file(db, CSV)
    short = tmp_path / "short.csv"
    short.write_text("\n".join(CSV.read_text(encoding="utf-8").splitlines()[:11]) + "\n", encoding="utf-8")
    for _ in range(3):
        result = import_file(db, short)
        # The crawl's scope rules (one write path): a list that shrank this much is held, not applied.
        assert not result.complete and "shrank from 117 to 10" in result.reason
    assert rows(db, "select count(*) n from signatures where removed_at is not null")[0]["n"] == 0


def test_cli_import_prints_the_summary_and_the_problems(tmp_path):
    result = CliRunner().invoke(cli, ["import", "covenant", str(CSV), "--db", str(tmp_path / "g.db")])
    assert result.exit_code == 0, result.output
    assert "117 rows read, 117 signatories; 117 added; 2 rows with a problem" in result.output
    assert "Santa Fe" in result.output


def test_cli_import_of_an_xlsx_that_is_not_one_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["import", "covenant", str(FOLDER / "not-a-workbook.xlsx"),
                                      "--db", str(tmp_path / "g.db")])
    assert result.exit_code == 1 and "Error: not-a-workbook.xlsx is not an XLSX workbook" in result.output


def test_cli_import_of_a_missing_file(tmp_path):
    result = CliRunner().invoke(cli, ["import", "covenant", str(tmp_path / "nope.csv"), "--db", str(tmp_path / "g.db")])
    assert result.exit_code == 1 and "no such file" in result.output


# --- the spider form ------------------------------------------------------------------------------

def test_spider_yields_the_roster_report_then_every_row():
    spider = CovenantOpenDataSpider()
    response = Response(URL, body=CSV.read_bytes(), request=Request(URL))
    out = list(spider.parse(response))
    reports = [o for o in out if isinstance(o, ScopeReport)]
    assert [r.scope for r in reports] == [parser.INSTRUMENTS_SCOPE, parser.SCOPE]
    assert reports[1].complete and reports[1].listed == 117
    assert sum(isinstance(o, Signature) for o in out) == 117


def test_spider_rejects_an_unknown_layout():
    spider = CovenantOpenDataSpider()
    body = (FOLDER / "other-layout.csv").read_bytes()
    out = list(spider.parse(Response(URL, body=body, request=Request(URL))))
    assert len(out) == 1 and out[0].rejected and "expected the columns" in out[0].reason


def test_an_import_after_the_baseline_routes_its_changes_to_the_alert_outbox(tmp_path):
    rules = tmp_path / "alerts.toml"
    rules.write_text('[channels.team]\ntype = "email"\nhost = "127.0.0.1"\nfrom = "alerts@glocal.test"\n'
                     'to = "team@glocal.test"\n\n[[rules]]\nname = "covenant"\n'
                     'kinds = ["signature.added", "signature.updated"]\nchannels = ["team"]\n', encoding="utf-8")
    db = tmp_path / "g.db"
    import_file(db, CSV, alerts_config=str(rules))
    assert rows(db, "select count(*) n from deliveries")[0]["n"] == 0  # the baseline alerts nothing
    joined = tmp_path / "joined.csv"
    joined.write_text(CSV.read_text(encoding="utf-8").rstrip("\n") +
                      "\n30001;Kolding;dk;Denmark;55,49;9,47;93619;signatory;Individual;2026-11-03;false\n",
                      encoding="utf-8")
    import_file(db, joined, alerts_config=str(rules))
    delivered = rows(db, """select d.kind, d.channel, c.entity_key from deliveries d join changes c on c.id = d.change_id""")
    assert delivered == [{"kind": "signature.added", "channel": "team",
                          "entity_key": com.signature_key("Kolding", "DK")}]
