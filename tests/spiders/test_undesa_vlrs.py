"""undesa_vlrs: the parser on the DESA pages (double pager) and UN-Habitat's list, field by field; an
entry without a year; a replay end to end: one list of 18 reviews, duplicates merged, a failed page
changing nothing. A review is a report authored by its city, not an instrument it signs."""

import sqlite3

import pytest

from kit.errors import ParseError
from kit.items import Instrument, Report, Signature
from spiders.parsers import undesa_vlrs as parser
from tests.helpers import archive_of, load_fixture, saved_pages
from tests.helpers import replay_like_cli as replay

SPIDER = "undesa_vlrs"
PAGES = ["desa-page-1.html", "desa-page-2.html", "unhabitat.html"]


def page(filename):
    fixture = load_fixture(SPIDER, filename)
    read = parser.parse_habitat if filename == "unhabitat.html" else parser.parse_desa
    return read(fixture.html, fixture.url)


def of(items, cls):
    return [item for item in items if isinstance(item, cls)]


@pytest.fixture(scope="module", autouse=True)
def parsed_pages():
    """The three saved pages, parsed when the module's tests start, not at import (paid by every xdist worker)."""
    global DESA_1, DESA_2, HABITAT, REVIEWS
    DESA_1, DESA_2, HABITAT = page("desa-page-1.html"), page("desa-page-2.html"), page("unhabitat.html")
    REVIEWS = {i.key: i for i in of(DESA_1.items + DESA_2.items, Report)}


# --- pages ------------------------------------------------------------------------------------------

def test_the_review_pager_is_followed_not_the_first_one():
    assert DESA_1.next_url == "https://sdgs.un.org/topics/voluntary-local-reviews?page=0%2C1"


def test_the_last_page_has_no_next_page():
    assert DESA_2.next_url is None
    assert HABITAT.next_url is None


@pytest.mark.parametrize("listing,count", [("desa-page-1.html", 8), ("desa-page-2.html", 7), ("unhabitat.html", 5)])
def test_one_review_per_pdf_in_the_list(listing, count):
    assert len(of(page(listing).items, Report)) == count
    assert of(page(listing).items, Instrument) == of(page(listing).items, Signature) == []


def test_pdfs_outside_the_list_are_not_reviews():
    texts = " ".join(i.document_url for i in of(DESA_1.items, Report))
    assert "guidelines_for_vlrs.pdf" not in texts and "sdgs_brochure.pdf" not in texts


# --- Report fields ------------------------------------------------------------------------------

@pytest.mark.parametrize("key,year", [
    ("undesa_vlrs/new-york-city-2018", "2018"), ("undesa_vlrs/kitakyushu-2018", "2018"),
    ("undesa_vlrs/shimokawa-2018", "2018"), ("undesa_vlrs/toyama-2018", "2018"), ("undesa_vlrs/helsinki-2019", "2019"),
    ("undesa_vlrs/bristol-2019", "2019"), ("undesa_vlrs/los-angeles-2019", "2019"),
    ("undesa_vlrs/mannheim-2019", "2019"), ("undesa_vlrs/buenos-aires-2019", "2019"), ("undesa_vlrs/bonn-2020", "2020"),
    ("undesa_vlrs/espoo-2020", "2020"), ("undesa_vlrs/harare-2020", "2020"), ("undesa_vlrs/accra-2020", "2020"),
    ("undesa_vlrs/mexico-city-2021", "2021"), ("undesa_vlrs/stuttgart-2024", "2024"),
])
def test_review_key_and_year(key, year):
    assert (REVIEWS[key].published, REVIEWS[key].published_precision) == (year, "year")


def test_review_kind_and_scope():
    assert {i.kind for i in REVIEWS.values()} == {"voluntary_local_review"}
    assert {i.scope for i in REVIEWS.values()} == {"reports:undesa_vlrs"}
    assert {i.reviews for i in REVIEWS.values()} == {"2030 Agenda"}


def test_title_is_the_link_text():
    assert REVIEWS["undesa_vlrs/stuttgart-2024"].title == "Stuttgart - a Livable City"
    assert REVIEWS["undesa_vlrs/bristol-2019"].title == "Bristol and the SDGs: A Voluntary Local Review of Progress 2019"


def test_pdf_url_is_kept_absolute():
    assert REVIEWS["undesa_vlrs/stuttgart-2024"].document_url == (
        "https://sdgs.un.org/sites/default/files/vlrs/2024-04/stuttgart-a_livable_city_1.pdf")


def test_url_is_the_listing_page_that_showed_it():
    assert REVIEWS["undesa_vlrs/stuttgart-2024"].url == "https://sdgs.un.org/topics/voluntary-local-reviews?page=0%2C1"


# --- the author ------------------------------------------------------------------------------------

def test_each_review_has_its_city_as_author():
    reports = list(REVIEWS.values())
    assert len(reports) == 15 and all(r.actor_name for r in reports)


@pytest.mark.parametrize("name,country", [("New York City", "US"), ("Kitakyushu", "JP"), ("Helsinki", "FI"),
                                          ("Bristol", "GB"), ("Harare", "ZW"), ("Mexico City", "MX")])
def test_city_and_country(name, country):
    by_name = {r.actor_name: r for r in REVIEWS.values()}
    assert by_name[name].country == country


def test_a_year_is_never_written_as_a_date():
    helsinki = REVIEWS["undesa_vlrs/helsinki-2019"]
    assert (helsinki.actor_name, helsinki.published, helsinki.published_precision) == ("Helsinki", "2019", "year")
    assert not hasattr(helsinki, "adopted_on") and not hasattr(helsinki, "signed_on")


# --- UN-Habitat's list: the same review under another spelling is the same key ------------------------

def test_habitat_duplicates_share_desa_keys():
    keys = {i.key for i in of(HABITAT.items, Report)}
    assert {"undesa_vlrs/helsinki-2019", "undesa_vlrs/bristol-2019"} <= keys
    (bristol,) = [r for r in of(HABITAT.items, Report) if r.key == "undesa_vlrs/bristol-2019"]
    assert bristol.actor_name == "City of Bristol"


def test_habitat_adds_reviews_desa_lacks():
    new = {i.key for i in of(HABITAT.items, Report)} - set(REVIEWS)
    assert new == {"undesa_vlrs/ngora-2020", "undesa_vlrs/victoria-falls-2020", "undesa_vlrs/asker-2021"}


# --- bad input --------------------------------------------------------------------------------------

def test_an_entry_without_a_year_is_a_logged_gap_not_a_guess():
    fixture = load_fixture(SPIDER, "desa-page-2.html")
    html = fixture.html.replace('<div class="views-field views-field-field-year">2020</div>', "", 1)
    result = parser.parse_desa(html, fixture.url)
    (bonn,) = [i for i in of(result.items, Report) if "bonn" in i.key]
    assert bonn.published is None and bonn.published_precision is None  # never the upload folder's 2020-09
    assert bonn.key == "undesa_vlrs/bonn-bonn-vlr-2020"
    assert len(result.gaps) == 1 and "no year" in result.gaps[0]


def test_an_entry_without_a_city_line_keeps_the_review_without_an_author():
    html = ('<html><body><main><h2>Voluntary Local Reviews</h2><div class="view">'
            '<div class="row"><a href="/sites/default/files/vlrs/2023-07/review.pdf">Local review 2023</a></div>'
            '</div></main></body></html>')
    result = parser.parse_desa(html, parser.DESA_URL)
    assert [type(i).__name__ for i in result.items] == ["Report"] and result.items[0].actor_name is None
    assert "no \"City, Country\" line" in result.gaps[0]


def test_a_page_without_the_heading_is_a_parse_error():
    with pytest.raises(ParseError) as error:
        parser.parse_desa("<html><body><main><p>Access denied</p></main></body></html>", parser.DESA_URL)
    assert error.value.landmarks == ("vlr_heading",)


def test_a_heading_without_pdfs_is_a_parse_error():
    with pytest.raises(ParseError) as error:
        parser.parse_desa("<html><body><main><h2>Voluntary Local Reviews</h2><p>Soon.</p></main></body></html>",
                          parser.DESA_URL)
    assert error.value.landmarks == ("vlr_entries",)


# --- replay end to end ------------------------------------------------------------------------------

def query(db, sql, params=()):
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vlrs")
    db = folder / "glocal.db"
    results = {}
    results["baseline"] = replay(SPIDER, archive_of(folder / "a.warc.gz", saved_pages(
        SPIDER, PAGES, day="2026-11-03")), db)
    results["page 2 fails"] = replay(SPIDER, archive_of(folder / "b.warc.gz", saved_pages(
        SPIDER, PAGES, day="2026-11-10", statuses={"desa-page-2.html": (500, b"<html>Error</html>")})), db)
    results["again"] = replay(SPIDER, archive_of(folder / "c.warc.gz", saved_pages(
        SPIDER, PAGES, day="2026-11-17")), db)
    return db, results


def test_replay_records_one_list_of_reviews(replays):
    db, results = replays
    assert results["baseline"].returncode == 0, results["baseline"].stdout + results["baseline"].stderr
    assert query(db, "select count(*) from reports where kind = 'voluntary_local_review'") == [(18,)]
    assert query(db, "select count(*) from reports where actor_id is not null") == [(18,)]
    assert query(db, "select count(*) from instruments") == query(db, "select count(*) from signatures") == [(0,)]


def test_replay_keeps_desas_version_of_a_shared_review(replays):
    db, _ = replays
    assert query(db, "select title from reports where key = 'undesa_vlrs/helsinki-2019'") == [
        ("From Agenda to Action: The Implementation of the UN Sustainable Development Goals in Helsinki 2019",)]


def test_reviews_appear_in_the_city_portfolio(replays):
    db, _ = replays
    rows = query(db, """select r.kind, r.published, r.published_precision from reports r
                        join actors a on a.id = r.actor_id where a.name = 'Helsinki'""")
    assert rows == [("voluntary_local_review", "2019", "year")]


def test_a_failed_page_makes_the_run_unhealthy_and_removes_nothing(replays):
    db, results = replays
    assert results["page 2 fails"].returncode == 1
    assert "HTTP 500" in results["page 2 fails"].stdout
    assert query(db, "select count(*) from reports where removed_at is not null") == [(0,)]
    assert query(db, "select count(*) from changes where run_id > 1 and notify = 1") == [(0,)]
    assert results["again"].returncode == 0
