"""c40_accelerators: the parser on saved pages, field by field, and the spider's crawling."""

import pytest

from kit.errors import ParseError
from kit.items import CountClaim, Instrument, Link, ScopeReport, Signature
from spiders.c40_accelerators import C40AcceleratorsSpider
from spiders.parsers import c40_accelerators as parser
from tests.helpers import html_response, load_fixture

SLUGS = ["green-healthy-streets", "clean-air-cities", "net-zero-carbon-buildings", "good-food-cities",
         "divest-invest", "urban-nature", "equity-pledge", "water-safe-cities"]


def parsed(filename):
    page = load_fixture("c40_accelerators", filename)
    return list(parser.parse_accelerator(page.html, page.url))


def of(items, cls):
    return [item for item in items if isinstance(item, cls)]


def names(items):
    return [s.actor_name for s in of(items, Signature)]


@pytest.fixture(scope="module", autouse=True)
def parsed_pages():
    """The eight accelerator pages, parsed when the module's tests start, not at import (paid by every xdist worker)."""
    global PAGES, GHS, CLEAN_AIR
    PAGES = {slug: parsed(f"{slug}.html") for slug in SLUGS}
    GHS = PAGES["green-healthy-streets"]
    CLEAN_AIR = PAGES["clean-air-cities"]


CLEAN_AIR_URL = "https://www.c40.org/accelerators/clean-air-cities/"


# --- the hub ---------------------------------------------------------------------------------------

HUB = load_fixture("c40_accelerators", "hub.html")


def test_hub_links_every_accelerator_once_in_card_order():
    assert parser.accelerator_urls(HUB.html, HUB.url) == [f"https://www.c40.org/accelerators/{s}/" for s in
                                                            ["green-healthy-streets", "clean-air-cities",
                                                             "net-zero-carbon-buildings", "good-food-cities",
                                                             "divest-invest", "urban-nature", "equity-pledge",
                                                             "water-safe-cities"]]


def test_hub_ignores_language_copies_reports_and_news():
    urls = parser.accelerator_urls(HUB.html, HUB.url)
    assert not [u for u in urls if "/pt/" in u or "/de/" in u or "/news/" in u or "accelerator-reports" in u]


@pytest.fixture(scope="module", autouse=True)
def parsed_hub():
    """The hub, parsed when the module's tests start, not at import (paid by every xdist worker)."""
    global HUB_OUTPUT
    HUB_OUTPUT = list(parser.parse_hub(HUB.html, HUB.url))


def test_hub_report_lists_the_instrument_keys():
    report = HUB_OUTPUT[0]
    assert report.scope == "instruments:c40_accelerators"
    assert report.entity == "instrument"
    assert report.kind == "roster"
    assert report.complete
    assert report.keys == [f"c40_accelerators/{s}" for s in SLUGS[:3]] + [f"c40_accelerators/{s}" for s in SLUGS[3:]]


def test_hub_links_each_accelerator_after_its_report():
    assert [link.url for link in HUB_OUTPUT[1:]] == parser.accelerator_urls(HUB.html, HUB.url)
    assert {type(link) for link in HUB_OUTPUT[1:]} == {Link}


def test_hub_without_accelerator_links_reports_the_missing_landmark():
    (report,) = parser.parse_hub("<html><body><main><p>Our Accelerators</p></main></body></html>", HUB.url)
    assert not report.complete
    assert report.landmarks_missing == ["accelerator_links"]


# --- instrument keys -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://www.c40.org/accelerators/green-healthy-streets/",
    "https://www.c40.org/accelerators/green-healthy-streets",
    "https://www.c40.org/accelerators/green-healthy-streets-declaration",
    "https://c40.org/accelerators/green-healthy-streets/",
    "https://www.c40.org/declarations/green-healthy-streets/",
])
def test_every_url_form_of_one_accelerator_has_one_key(url):
    assert parser.instrument_key(url) == "c40_accelerators/green-healthy-streets"


# --- the order of what a page yields ---------------------------------------------------------------

@pytest.mark.parametrize("slug", SLUGS)
def test_scope_report_comes_first(slug):
    assert isinstance(PAGES[slug][0], ScopeReport)


@pytest.mark.parametrize("slug", SLUGS)
def test_report_keys_are_the_signature_keys(slug):
    report = PAGES[slug][0]
    assert report.keys == [s.key for s in of(PAGES[slug], Signature)]
    assert report.complete


# --- Instrument fields -----------------------------------------------------------------------------

@pytest.mark.parametrize("slug,title", [
    ("green-healthy-streets", "Green & Healthy Streets Accelerator"),
    ("clean-air-cities", "Clean Air Accelerator"),
    ("net-zero-carbon-buildings", "Net Zero Carbon Buildings Accelerator"),
    ("good-food-cities", "Good Food Cities Accelerator"),
    ("divest-invest", "Divesting from Fossil Fuels, Investing in a Sustainable Future Accelerator"),
    ("urban-nature", "Urban Nature Accelerator"),
    ("equity-pledge", "Equity Pledge"),
    ("water-safe-cities", "Water Safe Cities Accelerator"),
])
def test_instrument_title(slug, title):
    (instrument,) = of(PAGES[slug], Instrument)
    assert instrument.title == title


@pytest.mark.parametrize("slug", SLUGS)
def test_instrument_key_kind_issuer_url(slug):
    (instrument,) = of(PAGES[slug], Instrument)
    assert instrument.key == f"c40_accelerators/{slug}"
    assert instrument.kind == "accelerator"
    assert instrument.issuer == "C40 Cities"
    assert instrument.url == f"https://www.c40.org/accelerators/{slug}/"
    assert instrument.adopted_on is None  # accelerator pages carry no dates


def test_pledge_text_keeps_the_bullets():
    (instrument,) = of(GHS, Instrument)
    assert instrument.text.startswith("In 2017, C40 Cities launched the Green and Healthy Streets Accelerator")
    assert "• Procure only zero-emission buses from 2025" in instrument.text
    assert "• Ensure a major area of their city is zero emission by 2030" in instrument.text


def test_pledge_text_of_a_we_pledge_statement():
    (instrument,) = of(PAGES["net-zero-carbon-buildings"], Instrument)
    assert instrument.text.startswith("We pledge to enact regulations and/or planning policy")


@pytest.mark.parametrize("slug", SLUGS)
def test_every_page_has_pledge_text(slug):
    (instrument,) = of(PAGES[slug], Instrument)
    assert instrument.text


# --- Signature lists -------------------------------------------------------------------------------

@pytest.mark.parametrize("slug,count", [
    ("green-healthy-streets", 35), ("clean-air-cities", 35), ("net-zero-carbon-buildings", 19),
    ("good-food-cities", 14), ("divest-invest", 18), ("urban-nature", 31), ("equity-pledge", 41),
    ("water-safe-cities", 16),
])
def test_signatory_count(slug, count):
    assert len(of(PAGES[slug], Signature)) == count


def test_green_healthy_streets_first_and_last_names():
    assert names(GHS)[:4] == ["Paris", "London", "Los Angeles", "Copenhagen"]
    assert names(GHS)[-2:] == ["Santa Monica", "West Hollywood"]  # "… Santa Monica* and West Hollywood*"


def test_stars_mark_non_c40_signatories_when_the_footnote_says_so():
    non_members = [s.actor_name for s in of(GHS, Signature) if s.network_member is False]
    assert non_members == ["Birmingham", "Honolulu", "Liverpool", "Oxford", "Greater Manchester", "Santa Monica",
                           "West Hollywood"]
    assert all(s.network_member is True for s in of(GHS, Signature) if s.actor_name not in non_members)


def test_star_is_stripped_from_the_name():
    assert not [n for n in names(GHS) if "*" in n]
    assert "non-C40" not in " ".join(names(GHS))


def test_without_the_footnote_membership_is_unknown():
    # Bristol, Glasgow and Pittsburgh signed Divest/Invest without being C40 members, and carry no star.
    assert {s.network_member for s in of(PAGES["divest-invest"], Signature)} == {None}


def test_name_with_a_comma_inside():
    assert names(PAGES["net-zero-carbon-buildings"])[-2:] == ["Vancouver", "Washington, DC"]


def test_name_with_parentheses():
    assert "Durban (eThekwini)" in names(CLEAN_AIR)


def test_final_full_stop_of_an_abbreviation_belongs_to_the_name():
    assert names(CLEAN_AIR)[-1] == "Washington D.C."


def test_final_full_stop_of_the_list_is_dropped():
    assert names(PAGES["urban-nature"])[-2:] == ["Tokyo", "Toronto"]


def test_entities_and_accents_are_decoded():
    assert "Bogotá" in names(PAGES["urban-nature"])
    assert "Medellín" in names(PAGES["urban-nature"])


def test_non_breaking_spaces_and_spaced_dash():
    assert "Tel Aviv – Yafo" in names(PAGES["equity-pledge"])
    assert "Tokyo" in names(PAGES["net-zero-carbon-buildings"])  # "Tokyo,&nbsp;Toronto"


def test_space_before_a_comma():
    assert "Milan" in names(PAGES["equity-pledge"])  # "Milan , Montreal"


def test_list_without_a_colon_on_its_heading():
    assert names(PAGES["good-food-cities"])[0] == "Barcelona"


def test_prose_starting_like_the_lead_line_is_not_the_list():
    # "Signatory cities are committed to transforming …" precedes the real lead on this page.
    assert not [n for n in names(GHS) if "committed" in n]


@pytest.mark.parametrize("slug", SLUGS)
def test_every_signature_points_at_its_instrument_and_page(slug):
    for signature in of(PAGES[slug], Signature):
        assert signature.instrument_key == f"c40_accelerators/{slug}"
        assert signature.url == f"https://www.c40.org/accelerators/{slug}/"
        assert signature.source == "c40_accelerators"
        assert signature.signed_on is None  # the page does not say when; first_seen_at is the store's


@pytest.mark.parametrize("slug", SLUGS)
def test_signature_keys_are_unique(slug):
    keys = [s.key for s in of(PAGES[slug], Signature)]
    assert len(keys) == len(set(keys))


# --- one key per city, however it is spelled --------------------------------------------------------

@pytest.mark.parametrize("published,key_end", [
    ("Washington D.C.", "washington-dc"),
    ("Durban (eThekwini)", "durban"),
    ("Tel Aviv-Yafo", "tel-aviv-yafo"),
    ("Medellin", "medellin"),
])
def test_signature_key_is_the_published_name_normalised(published, key_end):
    by_name = {s.actor_name: s for s in of(CLEAN_AIR, Signature)}
    assert by_name[published].key == f"c40_accelerators/clean-air-cities/{key_end}"


@pytest.mark.parametrize("slug", SLUGS)
def test_no_country_is_invented(slug):
    # The pages name no countries; which country a city is in is the store's actor, not the item.
    assert {s.country for s in of(PAGES[slug], Signature)} == {None}


def test_a_gazetteer_canonical_name_never_becomes_a_key():
    # "New York" resolves to the gazetteer's "New York City"; the key keeps what the page says.
    keys = {s.actor_name: s.key for s in of(PAGES["equity-pledge"], Signature)}
    assert keys["New York"] == "c40_accelerators/equity-pledge/new-york"


def test_names_in_any_script_get_distinct_keys():
    html = """<html><head><title>X Accelerator - C40 Cities</title></head><body><main>
      <p>Signatory cities:</p><p>北京市, Москва, Київ, القاهرة, 서울, Αθήνα and München</p></main></body></html>"""
    items = list(parser.parse_accelerator(html, "https://www.c40.org/accelerators/x/"))
    keys = [s.key.rsplit("/", 1)[1] for s in of(items, Signature)]
    assert keys == ["北京市", "москва", "київ", "القاهرة", "서울", "αθηνα", "munchen"]
    assert items[0].complete and len(items[0].keys) == 7


def test_a_name_without_letters_is_a_parse_error_not_a_merge():
    html = """<html><head><title>X Accelerator - C40 Cities</title></head><body><main>
      <p>Signatory cities:</p><p>Oslo, —, Quito</p></main></body></html>"""
    with pytest.raises(ParseError, match="no letter or digit"):
        list(parser.parse_accelerator(html, "https://www.c40.org/accelerators/x/"))


def test_spellings_across_pages_share_a_key_suffix():
    def suffix(items, name):
        return next(s.key.rsplit("/", 1)[1] for s in of(items, Signature) if s.actor_name == name)

    assert suffix(PAGES["equity-pledge"], "Tel Aviv – Yafo") == suffix(CLEAN_AIR, "Tel Aviv-Yafo")
    assert suffix(PAGES["equity-pledge"], "Washington DC") == suffix(CLEAN_AIR, "Washington D.C.")
    assert suffix(PAGES["urban-nature"], "Bogotá") == suffix(GHS, "Bogota")


# --- stated counts ---------------------------------------------------------------------------------

def test_count_claim_of_the_2021_layout():
    (claim,) = of(GHS, CountClaim)
    assert claim.count == 36
    assert claim.unit == "mayors"
    assert claim.qualifier is None
    assert claim.subject_key == "c40_accelerators/green-healthy-streets"
    assert claim.text.startswith("To date, 36 mayors have pledged")


def test_report_carries_the_stated_count():
    assert GHS[0].stated == 36
    assert GHS[0].listed == 35


def test_pages_without_a_count_state_none():
    assert CLEAN_AIR[0].stated is None
    assert of(CLEAN_AIR, CountClaim) == []


# --- the 2025 layout: a count, no names ------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def parsed_2025_pages():
    """The 2025 layout's pages, parsed when the module's tests start, not at import (paid by every xdist worker)."""
    global GHS_2025, CLEAN_AIR_2025
    GHS_2025 = parsed("green-healthy-streets-2025.html")
    CLEAN_AIR_2025 = parsed("clean-air-cities-2025.html")


def test_2025_layout_reports_an_incomplete_list_not_an_empty_one():
    report = GHS_2025[0]
    assert not report.complete
    assert report.landmarks_missing == ["signatory_list"]
    assert report.stated == 35
    assert "unites 35 cities" in report.reason


def test_2025_layout_yields_no_signatures():
    assert of(GHS_2025, Signature) == []


def test_2025_layout_count_claim():
    (claim,) = of(GHS_2025, CountClaim)
    assert (claim.count, claim.unit, claim.qualifier) == (35, "cities", None)
    assert claim.text == "The C40 Green and Healthy Streets Accelerator unites 35 cities."


def test_2025_layout_hedged_count():
    claim = of(CLEAN_AIR_2025, CountClaim)[0]
    assert (claim.count, claim.qualifier) == (50, "more than")


def test_2025_layout_instrument_keeps_the_same_key():
    (instrument,) = of(GHS_2025, Instrument)
    assert instrument.key == "c40_accelerators/green-healthy-streets"
    assert instrument.title == "Green and Healthy Streets Accelerator"
    assert "committed to buying only zero-emission buses" in instrument.text


# --- broken and redesigned pages fail loudly ---------------------------------------------------------

def test_redesigned_page_without_list_or_count_is_a_parse_error():
    page = load_fixture("c40_accelerators", "redesigned.html")
    with pytest.raises(ParseError, match="neither a signatory list .* nor a stated count"):
        list(parser.parse_accelerator(page.html, page.url))


def test_page_without_title_is_a_parse_error():
    with pytest.raises(ParseError, match="no title"):
        list(parser.parse_accelerator("<html><body><p>Signatory cities:</p><p>A, B</p></body></html>",
                                      "https://www.c40.org/accelerators/x/"))


def test_not_html_is_a_parse_error():
    with pytest.raises(ParseError, match="not an HTML page"):
        list(parser.parse_accelerator('{"data": []}', "https://www.c40.org/accelerators/x/"))


# --- the spider only crawls --------------------------------------------------------------------------

def test_spider_follows_every_accelerator_after_reporting_the_hub():
    spider = C40AcceleratorsSpider()
    requests = list(spider.parse(html_response("c40_accelerators", "hub.html")))
    (report,) = spider.reports  # handed to the store session, never yielded as an item
    assert isinstance(report, ScopeReport) and report.complete
    assert [r.url for r in requests] == parser.accelerator_urls(HUB.html, HUB.url)
    assert {r.callback.__name__ for r in requests} == {"parse"}
    assert {r.errback.__name__ for r in requests} == {"page_failed"}


def test_every_followed_page_routes_to_the_accelerator_parser():
    spider = C40AcceleratorsSpider()
    routes = {spider.route(url).parse for url in parser.accelerator_urls(HUB.html, HUB.url)}
    assert routes == {parser.parse_accelerator}
    assert spider.route(HUB.url).parse is parser.parse_hub


def test_a_failed_accelerator_page_is_reported_against_its_signatories():
    spider = C40AcceleratorsSpider()
    report = spider.failed_report(spider.route(CLEAN_AIR_URL), CLEAN_AIR_URL, "HTTP 500")
    assert (report.scope, report.entity, report.kind) == (
        "signatures:c40_accelerators/clean-air-cities", "signature", "roster")
    assert not report.complete and not report.fetched


def test_spider_turns_a_parse_error_into_an_incomplete_report():
    spider = C40AcceleratorsSpider()
    assert list(spider.parse(html_response("c40_accelerators", "redesigned.html"))) == []
    (report,) = spider.reports
    assert not report.complete
    assert report.scope == "signatures:c40_accelerators/clean-air-cities"
    assert "neither a signatory list" in report.reason


def test_spider_does_not_follow_links_of_a_broken_hub():
    from scrapy.http import HtmlResponse, Request

    response = HtmlResponse(url=HUB.url, body=b"<html><body><main>Maintenance</main></body></html>",
                            encoding="utf-8", request=Request(HUB.url))
    spider = C40AcceleratorsSpider()
    assert list(spider.parse(response)) == []
    assert len(spider.reports) == 1 and not spider.reports[0].complete


def test_a_list_rendered_as_items_is_read_too():
    html = """<html><head><title>Cool Cities Accelerator - C40 Cities</title></head><body><main>
      <p>The C40 Cool Cities Accelerator unites 3 cities.</p>
      <div class="wp-block-group"><h2>Signatory cities</h2>
        <ul><li><a href="/cities/paris/">Paris</a></li><li>Dhaka (North &amp; South)</li><li>Lima*</li></ul>
        <p><em>*non-C40 city or region</em></p></div></main></body></html>"""
    items = list(parser.parse_accelerator(html, "https://www.c40.org/accelerators/cool-cities/"))
    assert names(items) == ["Paris", "Dhaka (North & South)", "Lima"]
    assert [s.network_member for s in of(items, Signature)] == [True, True, False]
    assert items[0].complete and items[0].stated == 3


def test_an_inline_list_after_its_lead():
    html = """<html><head><title>X Accelerator - C40 Cities</title></head><body><main>
      <p><strong>Signatory cities:</strong> Oslo, Quito and Tshwane.</p></main></body></html>"""
    items = list(parser.parse_accelerator(html, "https://www.c40.org/accelerators/x/"))
    assert names(items) == ["Oslo", "Quito", "Tshwane"]


def test_an_accelerator_page_yields_only_facts_and_reports_its_scope_aside():
    spider = C40AcceleratorsSpider()
    output = list(spider.parse(html_response("c40_accelerators", "clean-air-cities.html")))
    assert not [item for item in output if isinstance(item, ScopeReport)]
    assert len([item for item in output if isinstance(item, Signature)]) == 35
    (report,) = spider.reports
    assert report.keys == [s.key for s in of(output, Signature)]
