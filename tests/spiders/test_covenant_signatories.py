"""covenant_signatories: the listing table (server-rendered), the JSON endpoint, and the spider's paging."""

import json

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from kit.errors import ParseError
from kit.items import Instrument, ScopeReport, Signature
from spiders.covenant_signatories import CovenantSignatoriesSpider
from spiders.parsers import covenant as com
from spiders.parsers import covenant_signatories as parser
from tests.helpers import FIXTURES, fixture_meta, load_fixture

FOLDER = FIXTURES / "covenant_signatories"
JSON_URL = "https://eu-mayors.ec.europa.eu/en/api/signatories?page={page}"


def html_page(n):
    page = load_fixture("covenant_signatories", f"signatories-page-{n}.html")
    return parser.parse_listing_html(page.html, page.url)


def json_page(n):
    page = load_fixture("covenant_signatories", f"signatories-api-{n}.json")
    return parser.parse_listing_json(page.html, page.url)


def by_name(page, name):
    return next(s for s in page.signatures if s.actor_name == name)


# --- HTML table -----------------------------------------------------------------------------------

def test_first_page_has_ten_rows_in_listing_order():
    names = [s.actor_name for s in html_page(0).signatures]
    assert len(names) == 10
    assert names[:3] == ["Agadir", "Alba Iulia", "Almada"]


def test_last_page_has_the_remaining_five():
    assert len(html_page(2).signatures) == 5


def test_pager_gives_the_next_page_and_the_last_index():
    page = html_page(0)
    assert page.next_url == "https://eu-mayors.ec.europa.eu/en/signatories?page=1"
    assert page.last_page == 2


def test_last_page_has_no_next():
    assert html_page(2).next_url is None
    assert html_page(2).last_page == 2


def test_row_name_country_population():
    row = by_name(html_page(0), "Agadir")
    assert (row.actor_name, row.country, row.population) == ("Agadir", "MA", 421844)


def test_row_population_with_thousands_commas():
    row = by_name(html_page(0), "Barcelona")
    assert row.population == 1620343


def test_row_adhesion_date_is_iso():
    row = by_name(html_page(0), "Agadir")
    assert row.signed_on == "2010-12-31"


def test_row_commitments_from_icon_alt_text_in_site_order():
    commitments = {s.actor_name: s.commitments for s in html_page(0).signatures}
    assert all(c and set(c.split("; ")) <= set(com.COMMITMENTS) for c in commitments.values())
    assert "Energy Poverty" in " ".join(commitments.values())


def test_row_without_status_column_has_no_status():
    assert by_name(html_page(0), "Agadir").status is None


def test_row_points_at_the_instrument_scope_and_page():
    row = by_name(html_page(1), html_page(1).signatures[0].actor_name)
    assert row.instrument_key == com.INSTRUMENT_KEY
    assert row.scope == com.SIGNATURE_SCOPE
    assert row.url == "https://eu-mayors.ec.europa.eu/en/signatories?page=1"
    assert row.source == "covenant_signatories"


def test_key_is_name_and_country_as_printed():
    assert by_name(html_page(0), "Agadir").key == "covenant-of-mayors/climate-and-energy|MA|agadir"


def test_archived_page_without_rows_names_the_landmark_and_the_setting():
    page = load_fixture("covenant_signatories", "signatories-archived.html")
    with pytest.raises(ParseError) as error:
        parser.parse_listing_html(page.html, page.url)
    assert error.value.landmarks == ("signatory_rows",)
    assert "COVENANT_SIGNATORIES_JSON_URL" in str(error.value)


def test_page_without_the_table_names_the_table_landmark():
    with pytest.raises(ParseError) as error:
        parser.parse_listing_html("<html><body><h1>Maintenance</h1></body></html>", parser.LISTING_URL)
    assert error.value.landmarks == ("signatory_table",)


def test_row_with_missing_country_and_bad_population_is_kept_and_named():
    html = load_fixture("covenant_signatories", "signatories-page-2.html").html
    first = html_page(2).signatures[0]
    html = html.replace(f'data-ecl-table-header="Population">{first.population:,}<', 'data-ecl-table-header="Population">n/k<', 1)
    html = html.replace('data-ecl-table-header="Country">', 'data-ecl-table-header="Country">-<!--', 1).replace("<!--", "", 1)
    page = parser.parse_listing_html(html, parser.LISTING_URL + "?page=2")
    assert len(page.signatures) == 5
    assert page.signatures[0].population is None
    assert any("not a number" in p for p in page.problems)


def test_stated_count_from_a_results_line():
    html = load_fixture("covenant_signatories", "signatories-page-0.html").html.replace(
        "<table", "<p>11,342 signatories</p><table", 1)
    assert parser.parse_listing_html(html, parser.LISTING_URL).stated == 11342


# --- JSON endpoint ------------------------------------------------------------------------------

def test_json_first_page_rows_and_total():
    page = json_page(0)
    assert len(page.signatures) == 50
    assert page.stated == 115


def test_json_row_fields():
    row = by_name(json_page(0), "Bari")
    assert (row.country, row.population, row.signed_on, row.source_id) == ("IT", 316015, "2016-03-26", "2007")
    assert row.status == "signatory"


def test_json_status_on_hold_is_one_spelling():
    statuses = {s.status for n in range(3) for s in json_page(n).signatures}
    assert "on hold" in statuses and "On hold" not in statuses


def test_json_greek_script_name_keeps_its_letters():
    row = next(s for n in range(3) for s in json_page(n).signatures if s.actor_name == "Τρίκαλα")
    assert row.key == "covenant-of-mayors/climate-and-energy|GR|τρικαλα"


def test_parenthesis_keeps_two_authorities_apart():
    keys = {s.actor_name: s.key for n in range(3) for s in json_page(n).signatures}
    assert keys["Ialoveni"] != keys["Ialoveni (Rayon)"]
    assert keys["Ustka"] != keys["Ustka (Double)"]


def test_json_keys_equal_html_keys_for_the_same_authority():
    html_keys = {s.actor_name: s.key for n in range(3) for s in html_page(n).signatures}
    json_keys = {s.actor_name: s.key for n in range(3) for s in json_page(n).signatures}
    assert html_keys and all(json_keys[name] == key for name, key in html_keys.items())


def test_json_that_is_html_says_so():
    with pytest.raises(ParseError) as error:
        parser.parse_listing_json("<!DOCTYPE html><html>Access denied</html>", JSON_URL.format(page=0))
    assert "did not answer JSON" in str(error.value)
    assert error.value.landmarks == ("json_rows",)


def test_json_without_a_name_field_names_expected_and_found():
    payload = json.dumps({"data": [{"id": 1, "town": "Ustka"}]})
    with pytest.raises(ParseError) as error:
        parser.parse_listing_json(payload, JSON_URL.format(page=0))
    assert "organisation_name" in str(error.value) and "found id, town" in str(error.value)


def test_json_without_rows_describes_the_top_level():
    with pytest.raises(ParseError) as error:
        parser.parse_listing_json('{"message": "ok"}', JSON_URL.format(page=0))
    assert "message" in str(error.value)


def test_json_empty_data_is_an_empty_page():
    assert parser.parse_listing_json('{"total": 0, "data": []}', JSON_URL.format(page=5)).signatures == []


def test_json_next_link_is_followed():
    payload = json.dumps({"data": [{"name": "Ustka", "country": "PL"}], "links": {"next": "?page=1"}})
    assert parser.parse_listing_json(payload, "https://eu-mayors.ec.europa.eu/en/api/s?page=0").next_url == (
        "https://eu-mayors.ec.europa.eu/en/api/s?page=1")


def test_json_boolean_commitment_fields():
    payload = json.dumps([{"name": "Ustka", "country": "pl", "mitigation": True, "energy_poverty": 1}])
    assert parser.parse_listing_json(payload, JSON_URL).signatures[0].commitments == "Mitigation; Energy Poverty"


# --- the spider: paging and completeness ----------------------------------------------------------

def spider_with(settings=None):
    from scrapy.settings import Settings

    spider = CovenantSignatoriesSpider()
    spider.settings = Settings({"COVENANT_SIGNATORIES_MAX_PAGES": 2000, **(settings or {})})
    spider.max_pages = 2000
    return spider


def response(filename, page):
    info = fixture_meta("covenant_signatories")[filename]
    body = (FOLDER / filename).read_bytes()
    request = Request(info["url"], meta={"covenant_page": page})
    if filename.endswith(".json"):
        return TextResponse(info["url"], body=body, encoding="utf-8", request=request,
                            headers={"Content-Type": "application/json"})
    return HtmlResponse(info["url"], body=body, encoding="utf-8", request=request)


def test_spider_reads_every_page_then_reports_the_whole_list():
    spider = spider_with()
    out = list(spider.parse_html(response("signatories-page-0.html", 0)))
    assert isinstance(out[-1], Request) and out[-1].url.endswith("?page=1")
    assert [type(o) for o in out[:2]] == [ScopeReport, Instrument]
    list(spider.parse_html(response("signatories-page-1.html", 1)))
    out = list(spider.parse_html(response("signatories-page-2.html", 2)))
    report = out[0]
    assert report.scope == com.SIGNATURE_SCOPE and report.complete and not report.partial
    assert report.listed == 25 and report.url == parser.LISTING_URL
    assert sum(isinstance(o, Signature) for o in out) == 25


def test_spider_failed_last_page_reports_a_partial_list():
    from twisted.python.failure import Failure

    spider = spider_with()
    list(spider.parse_html(response("signatories-page-0.html", 0)))
    list(spider.parse_html(response("signatories-page-1.html", 1)))
    failure = Failure(TimeoutError("took longer than 60.0 seconds"))
    failure.request = Request(parser.LISTING_URL + "?page=2", meta={"covenant_page": 2})
    out = list(spider.listing_failed(failure))
    report = out[0]
    assert not report.complete and report.partial and report.listed == 20
    assert "page 2" in report.reason and "TimeoutError" in report.reason


def test_spider_json_mode_follows_the_page_template_until_the_total():
    spider = spider_with({"COVENANT_SIGNATORIES_JSON_URL": JSON_URL})
    spider.json_template = JSON_URL
    out = list(spider.parse_json(response("signatories-api-0.json", 0)))
    assert out[-1].url == JSON_URL.format(page=1)
    list(spider.parse_json(response("signatories-api-1.json", 1)))
    out = list(spider.parse_json(response("signatories-api-2.json", 2)))
    assert out[0].complete and out[0].listed == 115 and out[0].stated == 115


def test_spider_archived_page_is_a_rejected_list():
    spider = spider_with()
    out = list(spider.parse_html(response("signatories-archived.html", 0)))
    assert len(out) == 1 and out[0].rejected and out[0].landmarks_missing == ["signatory_rows"]


def test_spider_stops_when_the_endpoint_ignores_the_page_number():
    spider = spider_with({"COVENANT_SIGNATORIES_JSON_URL": JSON_URL})
    spider.json_template = JSON_URL
    list(spider.parse_json(response("signatories-api-0.json", 0)))
    again = response("signatories-api-0.json", 1)
    out = list(spider.parse_json(again))
    assert not out[0].complete and out[0].partial and "not honoured" in out[0].reason
    assert out[0].listed == 50
