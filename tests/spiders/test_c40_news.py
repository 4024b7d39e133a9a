"""c40_news: the parsers on the saved REST pages, feed, listing and articles, field by field."""

import json

import pytest

from crawler.run_health import run_checks
from kit.errors import ParseError
from kit.items import APPEND_ONLY, Announcement, Link, ScopeReport, Signature
from spiders.parsers import c40_news as parser
from tests.helpers import load_fixture

REST_URL = "https://www.c40.org/wp-json/wp/v2/posts?per_page=10&page=1&orderby=date&order=desc"

CLEAN_AIR_LAUNCH = "35-cities-unite-to-clean-the-air-their-citizens-breathe-protecting-the-health-of-millions"
JOIN_POST = "accra-addis-ababa-and-nairobi-join-c40-clean-air-accelerator"


def parsed(filename, function=None):
    page = load_fixture("c40_news", filename)
    return list((function or parser.ROUTES.match(page.url).parse)(page.html, page.url))


def of(items, cls):
    return [item for item in items if isinstance(item, cls)]


@pytest.fixture(scope="module", autouse=True)
def parsed_pages():
    """The REST answers and the feed, parsed when the module's tests start, not at import (every worker imports it)."""
    global REST, FEED, ANNOUNCEMENTS
    REST = parsed("posts-page-1.json") + parsed("posts-page-2.json")
    FEED = parsed("feed.xml") + parsed("feed-page-2.xml")
    ANNOUNCEMENTS = {a.key.split("/", 1)[1]: a for a in of(REST, Announcement)}


def signatures_of(items, slug):
    return [s for s in of(items, Signature) if s.key.startswith(f"c40_news/{slug}/")]


# --- what a REST page yields, in order ----------------------------------------------------------------

def test_a_page_reports_the_listing_first():
    items = parsed("posts-page-1.json")
    assert isinstance(items[0], ScopeReport)
    assert items[0].scope == "announcements:c40_news"
    assert items[0].kind == APPEND_ONLY
    assert items[0].complete


def test_then_the_joins_scope():
    report = parsed("posts-page-1.json")[1]
    assert (report.scope, report.entity, report.kind) == ("signatures:c40_news", "signature", APPEND_ONLY)


def test_listing_keys_are_the_announcement_keys_in_page_order():
    items = parsed("posts-page-1.json")
    assert items[0].keys == [a.key for a in of(items, Announcement)]
    assert len(items[0].keys) == 10


def test_joins_report_keys_are_the_signature_keys():
    items = parsed("posts-page-1.json")
    assert items[1].keys == [s.key for s in of(items, Signature)]


def test_every_post_once():
    assert len(ANNOUNCEMENTS) == 12


# --- announcements, field by field ------------------------------------------------------------------

@pytest.mark.parametrize(("slug", "date"), [
    ("world-mayors-summit-day-2", "2025-11-04"), ("cool-cities-accelerator-launch", "2025-11-03"),
    (JOIN_POST, "2024-06-05"), ("c40-cities-launch-water-safe-cities-accelerator", "2023-11-22"),
    (CLEAN_AIR_LAUNCH, "2019-10-11"), ("23-global-cities-and-regions-advance-towards-zero-waste", "2018-08-28"),
    ("press-release-climate-summit-for-local-leaders", "2015-12-04"),
])
def test_published_on_is_the_post_date(slug, date):
    assert ANNOUNCEMENTS[slug].published_on == date


def test_announcement_key_source_and_scope():
    announcement = ANNOUNCEMENTS[CLEAN_AIR_LAUNCH]
    assert announcement.key == f"c40_news/{CLEAN_AIR_LAUNCH}"
    assert announcement.source == "c40_news"
    assert announcement.scope == "announcements:c40_news"


def test_announcement_url_is_the_post():
    assert ANNOUNCEMENTS[JOIN_POST].url == f"https://www.c40.org/news/{JOIN_POST}/"


def test_title_entities_are_decoded():
    assert ANNOUNCEMENTS["19-global-cities-commit-to-make-new-buildings-net-zero-carbon-by-2030"].title == \
        "19 global cities commit to make new buildings “net zero carbon” by 2030"


def test_old_press_release_prefix_is_kept_as_published():
    assert ANNOUNCEMENTS["press-release-climate-summit-for-local-leaders"].title.startswith("Press Release: ")


def test_summary_is_the_excerpt_with_an_ellipsis():
    summary = ANNOUNCEMENTS[CLEAN_AIR_LAUNCH].summary
    assert summary.startswith("Mayors from London, Paris")
    assert summary.endswith("…")
    assert "[" not in summary and "<" not in summary


# --- signatures from the posts -------------------------------------------------------------------------

def test_the_launch_post_names_all_35():
    signatures = signatures_of(REST, CLEAN_AIR_LAUNCH)
    assert len(signatures) == 35
    assert signatures[0].actor_name == "Amman" and signatures[-1].actor_name == "Washington D.C."


def test_the_launch_bullet_naming_7_and_cities_around_the_world_adds_nobody():
    names = [s.actor_name for s in signatures_of(REST, CLEAN_AIR_LAUNCH)]
    assert "cities around the world" not in " ".join(names)
    assert len(names) == len(set(names))


def test_signature_fields():
    (accra, *_) = signatures_of(REST, JOIN_POST)
    assert accra.key == f"c40_news/{JOIN_POST}/clean-air-cities/accra"
    assert accra.instrument_key == "c40_accelerators/clean-air-cities"
    assert accra.actor_name == "Accra"
    assert accra.signed_on == "2024-06-05"
    assert accra.url == f"https://www.c40.org/news/{JOIN_POST}/"
    assert accra.scope == "signatures:c40_news"
    assert accra.status == "announced"
    assert accra.source == "c40_news"


def test_names_before_the_verb_after_a_dateline():
    assert [s.actor_name for s in signatures_of(REST, JOIN_POST)] == ["Accra", "Addis Ababa", "Nairobi"]


def test_a_partial_including_list_yields_only_the_named_cities():
    signatures = signatures_of(REST, "cool-cities-accelerator-launch")
    assert len(signatures) == 12
    assert {s.instrument_key for s in signatures} == {"c40_accelerators/cool-cities"}


def test_oxford_comma_list():
    names = [s.actor_name for s in signatures_of(REST, "cities-commit-to-divest-from-fossil-fuel-companies")]
    assert names[-2:] == ["Pittsburgh", "Vancouver"] and len(names) == 12


def test_regions_and_the_old_declaration_name():
    signatures = signatures_of(REST, "23-global-cities-and-regions-advance-towards-zero-waste")
    assert len(signatures) == 23
    assert {"Catalonia", "Navarra"} <= {s.actor_name for s in signatures}
    assert {s.instrument_key for s in signatures} == {"c40_accelerators/zero-waste"}


def test_a_summit_post_naming_a_pathway_links_it_to_zero_waste():
    signatures = signatures_of(REST, "buenos-aires-c40-world-mayors-summit-2022")
    assert len(signatures) == 13 and signatures[0].signed_on == "2022-10-20"


@pytest.mark.parametrize("slug", ["world-mayors-summit-day-2", "press-release-climate-summit-for-local-leaders"])
def test_posts_about_no_accelerator_yield_no_signatures(slug):
    assert signatures_of(REST, slug) == []


def test_signature_keys_are_unique():
    keys = [s.key for s in of(REST, Signature)]
    assert len(keys) == len(set(keys))


# --- the feed: the same posts --------------------------------------------------------------------------

def test_feed_yields_the_same_keys_as_rest():
    assert [a.key for a in of(FEED, Announcement)] == [a.key for a in of(REST, Announcement)]


def test_feed_dates_come_from_pubdate():
    assert [a.published_on for a in of(FEED, Announcement)] == [a.published_on for a in of(REST, Announcement)]


def test_feed_yields_the_same_signatures():
    assert [(s.key, s.signed_on) for s in of(FEED, Signature)] == [(s.key, s.signed_on) for s in of(REST, Signature)]


# --- the HTML listing and articles ---------------------------------------------------------------------

LISTING = load_fixture("c40_news", "listing-1.html")


def test_listing_links_each_english_post_once():
    urls = parser.article_urls(LISTING.html, LISTING.url)
    assert len(urls) == 10
    assert all(u.startswith("https://www.c40.org/news/") and "/pt/" not in u for u in urls)


def test_listing_ignores_links_outside_main():
    # The header's "Featured" link to the Water Safe Cities post is not a listing entry (it is listed on its own).
    urls = parser.article_urls(LISTING.html, LISTING.url)
    assert urls.count("https://www.c40.org/news/c40-cities-launch-water-safe-cities-accelerator/") == 1
    assert "https://www.c40.org/news/category/press-release/" not in urls


def test_listing_report():
    report, joins, *_ = parsed("listing-1.html")
    assert report.complete and report.kind == APPEND_ONLY and len(report.keys) == 10
    assert joins.scope == "signatures:c40_news"


def test_listing_links_each_article_then_the_next_page():
    links = of(parsed("listing-1.html"), Link)
    assert [link.rel for link in links] == [None] * 10 + ["next"]
    assert links[-1].url == "https://www.c40.org/news/category/press-release/page/2/"


def test_last_listing_page_has_no_next_link():
    assert [link.rel for link in of(parsed("listing-2.html"), Link)] == [None] * 3


def test_listing_yields_no_announcement():
    # The listing prints no dates: an announcement from it would blank the date its article gives.
    assert of(parsed("listing-1.html"), Announcement) == []


def test_feed_page_1_links_page_2_and_page_2_ends():
    assert [(l.url, l.rel) for l in of(parsed("feed.xml"), Link)] == [("https://www.c40.org/news/feed/?paged=2", "next")]
    assert of(parsed("feed-page-2.xml"), Link) == []


def test_an_article_reports_its_joins_but_not_the_listing():
    reports = of(parsed("article-35-cities-unite-to-clean-the-air-their-c.html"), ScopeReport)
    assert [r.scope for r in reports] == ["signatures:c40_news"]
    assert len(reports[0].keys) == 35


@pytest.mark.parametrize(("filename", "more"), [("listing-1.html", True), ("listing-2.html", False)])
def test_listing_next_page(filename, more):
    page = load_fixture("c40_news", filename)
    assert parser.has_next_page(page.html, page.url) is more


def article(name):
    items = parsed(name)
    return of(items, Announcement)[0], of(items, Signature)


def test_article_date_from_published_time():
    announcement, signatures = article("article-35-cities-unite-to-clean-the-air-their-c.html")
    assert announcement.published_on == "2019-10-11"
    assert len(signatures) == 35


def test_article_date_from_the_dateline_only():
    announcement, _ = article("article-23-global-cities-and-regions-advance-tow.html")
    assert announcement.published_on == "2018-08-28"


def test_article_without_any_date_keeps_none():
    announcement, signatures = article("article-green-healthy-streets-september.html")
    assert announcement.published_on is None
    assert [s.actor_name for s in signatures] == ["Amsterdam", "Austin", "Berlin", "Jakarta", "Liverpool"]
    assert {s.signed_on for s in signatures} == {None}


def test_article_title_and_summary():
    announcement, _ = article("article-accra-addis-ababa-and-nairobi-join-c40-c.html")
    assert announcement.title == "Accra, Addis Ababa and Nairobi join the C40 Clean Air Accelerator"
    assert announcement.summary.startswith("Three African cities commit")


def test_article_related_links_are_not_signatories():
    _, signatures = article("article-world-mayors-summit-day-2.html")
    assert signatures == []


# --- bad input ------------------------------------------------------------------------------------

def test_html_instead_of_json_is_a_parse_error_naming_the_page():
    page = load_fixture("c40_news", "rest-challenge.html")
    with pytest.raises(ParseError, match="did not answer JSON .*Just a moment"):
        list(parser.parse_rest(page.html, page.url))


def test_a_wordpress_error_object_is_a_parse_error():
    page = load_fixture("c40_news", "rest-no-route.json")
    with pytest.raises(ParseError, match="rest_no_route"):
        list(parser.parse_rest(page.html, page.url))


def test_a_post_without_a_date_is_kept_without_one():
    posts = json.dumps([{"slug": "undated", "link": "https://www.c40.org/news/undated/", "title": {"rendered": "X"}}])
    (announcement,) = of(parser.parse_rest(posts, REST_URL), Announcement)
    assert announcement.published_on is None and announcement.title == "X"


@pytest.mark.parametrize("date", ["11/10/2019", "October 2019", "", None, 20191011])
def test_a_date_in_an_unknown_format_is_not_guessed(date):
    posts = json.dumps([{"slug": "odd", "link": "https://www.c40.org/news/odd/", "date": date,
                         "title": {"rendered": "Odd"}}])
    (announcement,) = of(parser.parse_rest(posts, REST_URL), Announcement)
    assert announcement.published_on is None


def test_an_empty_rest_page_is_a_parse_error():
    with pytest.raises(ParseError) as error:
        list(parser.parse_rest("[]", REST_URL))
    assert error.value.landmarks == ("posts",)


def test_a_post_in_another_language_or_site_is_skipped():
    posts = json.dumps([{"slug": "x", "link": "https://www.c40.org/pt/news/x/", "title": {"rendered": "X"}},
                        {"slug": "y", "link": "https://example.org/news/y/", "title": {"rendered": "Y"}}])
    with pytest.raises(ParseError, match="holds no posts"):
        list(parser.parse_rest(posts, REST_URL))


def test_a_post_without_a_link_is_found_by_its_slug():
    posts = json.dumps([{"slug": "x", "title": {"rendered": "X"}, "date": "2025-01-02T03:04:05"}])
    (announcement,) = of(parser.parse_rest(posts, REST_URL), Announcement)
    assert announcement.url == "https://www.c40.org/news/x/" and announcement.published_on == "2025-01-02"


def test_xml_that_is_not_rss_is_a_parse_error():
    with pytest.raises(ParseError, match="not RSS"):
        list(parser.parse_feed("<feed><entry/></feed>", parser.FEED_URL))


def test_broken_xml_is_a_parse_error():
    with pytest.raises(ParseError, match="not an RSS feed"):
        list(parser.parse_feed("<rss><channel><item>", parser.FEED_URL))


def test_a_listing_without_posts_is_a_parse_error():
    with pytest.raises(ParseError) as error:
        list(parser.parse_listing("<html><body><main><p>No posts</p></main></body></html>", parser.LISTING_URL))
    assert error.value.landmarks == ("posts",)


@pytest.mark.parametrize(("url", "function", "page_format"), [
    (REST_URL, parser.parse_rest, "json"), (parser.FEED_URL, parser.parse_feed, "xml"),
    (parser.feed_url(2), parser.parse_feed, "xml"), (parser.listing_url(1), parser.parse_listing, "html"),
    (parser.listing_url(2), parser.parse_listing, "html"), ("https://www.c40.org/news/x-y/", parser.parse_article, "html"),
])
def test_routes(url, function, page_format):
    route = parser.ROUTES.match(url)
    assert (route.parse, route.format, route.scope) == (function, page_format, parser.NEWS)


@pytest.mark.parametrize("url", ["https://www.c40.org/pt/news/x/", "https://www.c40.org/news/x/amp/"])
def test_language_copies_have_no_route(url):
    from kit.routing import NoRoute

    with pytest.raises(NoRoute):
        parser.ROUTES.match(url)


# --- health: a listing that yields nothing, a field that vanishes -------------------------------------

def checks(item_counts, empty_fields=None):
    results = run_checks(finish_reason="finished", errors=0, item_counts=item_counts, empty_fields=empty_fields or {},
                         scopes=[], expectations=parser.EXPECTATIONS, max_errors=0, max_empty_ratio=0.5)
    return {r.check: r for r in results}


def test_health_fails_when_the_listing_yields_nothing():
    result = checks({})["announcement count"]
    assert not result.passed and "0 announcement items" in result.detail


def test_health_fails_when_dates_vanish():
    result = checks({"announcement": 12}, {("announcement", "published_on"): 12})["announcement.published_on"]
    assert not result.passed


def test_health_passes_with_one_undated_post():
    assert "announcement.published_on" not in checks({"announcement": 13}, {("announcement", "published_on"): 1})


def test_a_title_is_required():
    assert "title" in parser.EXPECTATIONS.required_fields["announcement"]
