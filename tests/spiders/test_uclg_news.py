"""uclg_news: the parsers on saved pages of both site generations, field by field."""

import logging

import pytest

from kit.errors import ParseError
from kit.items import Announcement, ScopeReport
from spiders.parsers import uclg_news as parser
from spiders.parsers.uclg_site import numeric_date, page_number
from tests.helpers import load_fixture


def listing(filename):
    page = load_fixture("uclg_news", filename)
    return parser.read_listing(page.html, page.url)


def post(filename):
    page = load_fixture("uclg_news", filename)
    (item,) = parser.parse_post(page.html, page.url)
    return item


@pytest.fixture(scope="module", autouse=True)
def parsed_listings():
    """The old site's listings, parsed when the module's tests start, not at import (paid by every xdist worker)."""
    global PAGE0, PAGE1, PAGE2, ANNOUNCEMENTS, SPANISH
    PAGE0, PAGE1, PAGE2 = listing("news-page-0.html"), listing("news-page-1.html"), listing("news-page-2.html")
    ANNOUNCEMENTS = listing("announcements-page-0.html")
    SPANISH = listing("news-page-0-es.html")


def by_slug(page, slug):
    (item,) = [i for i in page.items if i.key == f"uclg_news/{slug}"]
    return item


# --- dates ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,iso", [
    ("14/11/2023", "2023-11-14"), ("- 05/04/2023", "2023-04-05"), ("20.04.2024", "2024-04-20"),
    ("26.11.2019", "2019-11-26"), ("1/2/2020", "2020-02-01"),
    ("31/04/2019", None), ("13/13/2020", None), ("Oct. 2022", None), ("2022", None), ("", None), (None, None),
])
def test_numeric_dates_are_day_first_and_real_days(text, iso):
    assert numeric_date(text) == iso


# --- old listings: items, order and paging --------------------------------------------------------

def test_page_0_items_in_page_order():
    assert PAGE0.keys == [f"uclg_news/{s}" for s in [
        "world-council-konya-renews-commitment-localization", "thinkeurope-bilateral-meeting-brussels",
        "executive-bureau-brussels-2023", "local-and-regional-governments-un-habitat-assembly",
        "carolina-cosse-uclg-president-first-months", "uclg-retreat-2023-defines-work-plan"]]


def test_page_1_is_not_in_date_order_and_every_item_is_kept():
    dates = [i.published_on for i in PAGE1.items]
    assert dates == ["2022-10-10", "2021-11-17", "2022-03-21", "2023-01-30", None]


def test_an_item_listed_twice_on_a_page_is_one_item():
    assert PAGE1.keys.count("uclg_news/world-council-barcelona-2021") == 1
    assert len(PAGE1.items) == 5


def test_next_page_links():
    assert PAGE0.next_url == "https://www.uclg.org/en/media/news?page=1"
    assert PAGE1.next_url == "https://www.uclg.org/en/media/news?page=2"
    assert PAGE2.next_url is None
    assert ANNOUNCEMENTS.next_url is None


def test_series_and_scopes():
    assert PAGE0.series == "news" and ANNOUNCEMENTS.series == "announcements"
    assert {i.scope for i in PAGE0.items} == {"announcements:uclg_news/news"}
    assert {i.scope for i in ANNOUNCEMENTS.items} == {"announcements:uclg_news/announcements"}


@pytest.mark.parametrize("url,number", [
    ("https://www.uclg.org/en/media/news", 0), ("https://www.uclg.org/en/media/news?page=9", 9),
    ("https://uclg.org/new/", 0), ("https://uclg.org/new/page/3/", 2),
])
def test_page_numbers(url, number):
    assert page_number(url) == number


@pytest.mark.parametrize("series,page,url", [
    ("news", 0, "https://www.uclg.org/en/media/news"), ("news", 4, "https://www.uclg.org/en/media/news?page=4"),
    ("announcements", 1, "https://www.uclg.org/en/media/announcements?page=1"),
    ("new", 0, "https://uclg.org/new/"), ("new", 1, "https://uclg.org/new/page/2/"),
])
def test_listing_urls(series, page, url):
    assert parser.listing_url(series, page) == url


# --- old listings: fields ---------------------------------------------------------------------------

def test_title_url_date_tags_summary_of_a_full_item():
    item = by_slug(PAGE0, "world-council-konya-renews-commitment-localization")
    assert item.title == "The World Council in Konya renews the commitment to localization"
    assert item.url == "https://www.uclg.org/en/media/news/world-council-konya-renews-commitment-localization"
    assert item.published_on == "2023-11-14"
    assert item.tags == "World Council, Governance"
    assert item.summary.startswith("Local and regional leaders gathered in Konya")
    assert item.summary.endswith("the road to the World Congress.")
    assert "(+)" not in item.summary
    assert item.source == "uclg_news"


def test_item_without_title_takes_the_image_alt_text():
    item = by_slug(PAGE0, "thinkeurope-bilateral-meeting-brussels")
    assert item.title == "ThinkEurope bilateral"
    assert item.published_on == "2023-06-13"
    assert item.tags == "Europe"


def test_item_without_date_line_is_kept_without_date_or_tags():
    item = by_slug(PAGE0, "local-and-regional-governments-un-habitat-assembly")
    assert item.published_on is None
    assert item.tags is None
    assert item.title == "Local and regional governments at the UN-Habitat Assembly"
    assert any("no date line" in gap and "un-habitat-assembly" in gap for gap in PAGE0.gaps)


def test_untagged_date_line():
    item = by_slug(PAGE0, "carolina-cosse-uclg-president-first-months")
    assert item.published_on == "2023-04-05"
    assert item.tags is None


def test_a_date_in_an_unknown_format_is_no_date_and_a_logged_gap():
    item = by_slug(PAGE1, "lampedusa-charter-presented-daejeon")
    assert item.published_on is None
    assert item.tags == "Migration"
    assert any("'Oct. 2022'" in gap for gap in PAGE1.gaps)


def test_a_date_that_is_no_calendar_day_is_no_date():
    item = by_slug(PAGE2, "executive-bureau-montevideo-2019")
    assert item.published_on is None
    assert any("'31/04/2019'" in gap for gap in PAGE2.gaps)


def test_rabat_declaration_item():
    item = by_slug(PAGE2, "local-and-regional-leaders-close-world-summit-rabat-declaration")
    assert item.title == "Local and regional leaders close the World Summit with the Rabat Declaration"
    assert item.published_on == "2013-10-04"
    assert item.tags == "World Congress, Rabat 2013"


def test_announcements_listing_items():
    assert [(i.title, i.published_on) for i in ANNOUNCEMENTS.items] == [
        ("Call for candidatures: UCLG Peace Prize 2023", "2023-03-02"),
        ("The Rome Charter 2020: cities are invited to adhere", "2020-05-29"),
        ("World Assembly of Local and Regional Governments at WUF10", "2020-02-08"),
    ]
    assert ANNOUNCEMENTS.items[0].tags == "Peace, Awards"


def test_gaps_are_logged(caplog):
    page = load_fixture("uclg_news", "news-page-1.html")
    with caplog.at_level(logging.INFO, logger="spiders.parsers.uclg_news"):
        parser.read_listing(page.html, page.url)
    assert "Oct. 2022" in caplog.text


def test_spanish_copy_of_a_listing_has_the_english_keys():
    assert SPANISH.keys == PAGE0.keys
    spanish = by_slug(SPANISH, "executive-bureau-brussels-2023")
    assert spanish.title == "El Buró Ejecutivo de CGLU se reúne en Bruselas"


def test_parse_listing_reports_the_page_keys_first():
    page = load_fixture("uclg_news", "news-page-0.html")
    items = list(parser.parse_listing(page.html, page.url))
    assert isinstance(items[0], ScopeReport)
    assert items[0].scope == "announcements:uclg_news/news" and items[0].complete
    assert items[0].keys == [i.key for i in items[1:]]


def test_listing_without_teaser_links_is_rejected_naming_the_landmark():
    with pytest.raises(ParseError) as error:
        parser.read_listing("<html><body><div id='main'><h1>All News</h1><p>Soon</p></div></body></html>",
                            "https://www.uclg.org/en/media/news")
    assert error.value.landmarks == ("teaser_links",)


def test_json_instead_of_html_is_rejected():
    with pytest.raises(ParseError):
        parser.read_listing('{"nodes": []}', "https://www.uclg.org/en/media/news")


# --- new site ---------------------------------------------------------------------------------------

NEW_LISTING = load_fixture("uclg_news", "new-listing.html")


def test_new_listing_links_posts_in_order_and_skips_feed_and_pager():
    assert parser.post_urls(NEW_LISTING.html, NEW_LISTING.url) == [
        "https://uclg.org/new/jan-van-zanen-elected-president-of-uclg/",
        "https://uclg.org/new/36072/",
        "https://uclg.org/new/uclg-executive-bureau-opens-at-the-national-theatre-of-san-jose/",
        "https://uclg.org/es/new/la-declaracion-politica-de-durban/",
        "https://uclg.org/new/uclg-at-the-local2030-coalition-hub-launch/",
    ]


def test_new_listing_for_glocal_parse_names_its_posts_as_links():
    from kit.items import Link

    report, *links = parser.parse_new_listing(NEW_LISTING.html, NEW_LISTING.url)
    assert report.scope == "announcements:uclg_news/new" and report.kind == "append-only"
    assert [link.url for link in links] == parser.post_urls(NEW_LISTING.html, NEW_LISTING.url)
    assert all(isinstance(link, Link) for link in links)


def test_new_listing_without_posts_reports_the_missing_landmark():
    (report,) = parser.parse_new_listing("<html><body><main><h1>News</h1></main></body></html>", NEW_LISTING.url)
    assert not report.complete and report.landmarks_missing == ["post_links"]


def test_post_fields():
    item = post("new-jan-van-zanen.html")
    assert isinstance(item, Announcement)
    assert item.key == "uclg_news/jan-van-zanen-elected-president-of-uclg"
    assert item.title == "Jan Van Zanen elected President of UCLG"
    assert item.published_on == "2024-10-10"
    assert item.summary.startswith("The World Council of United Cities and Local Governments, meeting in The Hague")
    assert item.url == "https://uclg.org/new/jan-van-zanen-elected-president-of-uclg/"
    assert item.scope == "announcements:uclg_news/new"
    assert item.tags is None


def test_numeric_post_slug():
    item = post("new-36072.html")
    assert (item.key, item.published_on) == ("uclg_news/36072", "2024-04-20")


def test_french_copy_is_the_same_item():
    english, french = post("new-jan-van-zanen.html"), post("new-jan-van-zanen-fr.html")
    assert french.key == english.key
    assert french.published_on == english.published_on
    assert french.title == "Jan Van Zanen élu Président de CGLU"
    assert french.url == "https://uclg.org/fr/new/jan-van-zanen-elu-president-de-cglu/"  # the page that said it


def test_spanish_copy_takes_the_english_key_it_names():
    item = post("new-durban-es.html")
    assert item.key == "uclg_news/the-durban-political-declaration"
    assert item.published_on == "2019-11-26"


def test_post_date_is_the_line_under_the_title_not_a_related_link():
    item = post("new-san-jose.html")
    assert item.published_on == "2024-04-17"  # the aside's "10.10.2024" is another item's


def test_post_without_date_is_kept_without_date(caplog):
    with caplog.at_level(logging.INFO, logger="spiders.parsers.uclg_news"):
        item = post("new-no-date.html")
    assert item.published_on is None
    assert item.title == "UCLG at the Local2030 Coalition hub launch"
    assert "no DD.MM.YYYY date" in caplog.text


def test_post_without_title_is_rejected():
    with pytest.raises(ParseError) as error:
        list(parser.parse_post("<html><body><main><p>20.04.2024</p></main></body></html>",
                               "https://uclg.org/new/x/"))
    assert error.value.landmarks == ("post_title",)


@pytest.mark.parametrize("url,name", [
    ("https://www.uclg.org/en/media/news?page=3", "parse_listing"),
    ("https://www.uclg.org/en/media/announcements", "parse_listing"),
    ("https://www.uclg.org/es/media/news", "parse_listing"),
    ("https://uclg.org/new/", "parse_new_listing"),
    ("https://uclg.org/new/page/2/", "parse_new_listing"),
    ("https://uclg.org/new/36072/", "parse_post"),
    ("https://uclg.org/fr/new/jan-van-zanen-elu-president-de-cglu/", "parse_post"),
])
def test_routes(url, name):
    assert parser.ROUTES.match(url).parse.__name__ == name


# --- the spider's walk --------------------------------------------------------------------------------

def walk(spider, filename, known_in_a_row=0):
    from spiders.base import Batch
    from tests.helpers import html_response

    response = html_response("uclg_news", filename)
    batch = Batch("uclg_news", parser.LISTING, response.url)
    batch.expect()
    return batch, list(spider.parse_listing(response, batch, known_in_a_row))


def news_spider(known=(), stop=20):
    from spiders.uclg_news import UclgNewsSpider

    spider = UclgNewsSpider()
    spider.stop_after_known, spider.max_pages = stop, 400
    # the store as the crawl's session answers it: these keys are known in the news listing only
    spider.known = lambda entity, keys, scope=None, urls=None: (
        set(keys) & set(known) if scope == parser.scope_of("news") else set())
    return spider


def test_walk_follows_the_next_page_whatever_the_dates():
    batch, out = walk(news_spider(), "news-page-1.html")  # its last item is older than the one before
    (request,) = out
    assert request.url == "https://www.uclg.org/en/media/news?page=2"
    assert request.callback.__name__ == "parse_listing"
    assert len(batch.items) == 5 and not batch.done


def test_walk_stops_after_enough_known_items_in_a_row():
    batch, out = walk(news_spider(known=PAGE0.keys, stop=5), "news-page-0.html")
    report, *items = out
    assert isinstance(report, ScopeReport)
    assert not report.complete and report.fetched  # partial: an append-only listing accepts it
    assert len(items) == 6
    assert "stopped after 6 known items in a row" in report.reason


def test_walk_with_stop_zero_reads_every_page():
    _, out = walk(news_spider(known=PAGE0.keys, stop=0), "news-page-0.html")
    assert [r.url for r in out] == ["https://www.uclg.org/en/media/news?page=1"]


def test_walk_ends_at_the_last_page_with_the_report():
    batch, out = walk(news_spider(), "news-page-2.html")
    report = out[0]
    assert report.keys == PAGE2.keys and report.complete and report.reason is None


def test_a_page_is_asked_for_once_per_walk():
    from spiders.base import Batch

    spider = news_spider()
    batch = Batch("uclg_news", parser.LISTING, parser.NEW_LISTING)
    first = spider.batch_request("https://uclg.org/new/36072/", spider.parse_post, batch)
    again = spider.batch_request("https://uclg.org/new/36072/", spider.parse_post, batch)
    assert len(first) == 1 and first[0].dont_filter and again == []
    assert batch.pending == 1


def test_a_date_line_sharing_its_element_with_the_title_is_read():
    html = ('<html><body><div id="main"><div class="item"><h3><a href="/en/media/news/a">Title A</a></h3> '
            'World Council, Governance - 14/11/2023 <p>Teaser. <a href="/en/media/news/a">(+)</a></p></div>'
            '<div class="item"><h3><a href="/en/media/news/b">Title B</a></h3><p>No date. '
            '<a href="/en/media/news/b">(+)</a></p></div></div></body></html>')
    page = parser.read_listing(html, "https://www.uclg.org/en/media/news")
    assert [(i.title, i.published_on, i.tags) for i in page.items] == [
        ("Title A", "2023-11-14", "World Council, Governance"), ("Title B", None, None)]
