"""covenant_news: ECL news cards of eu-mayors."""

import pytest

from kit.errors import ParseError
from kit.items import APPEND_ONLY, Announcement, Link, ScopeReport
from spiders.covenant_news import CovenantNewsSpider
from spiders.parsers import covenant_news as parser
from tests.helpers import load_fixture


def parsed(filename="news.html"):
    page = load_fixture("covenant_news", filename)
    return list(parser.parse_listing(page.html, page.url))


def news(filename="news.html"):
    return {a.key.split("/", 1)[1]: a for a in parsed(filename) if isinstance(a, Announcement)}


def test_report_first_and_append_only():
    report = parsed()[0]
    assert isinstance(report, ScopeReport) and report.kind == APPEND_ONLY and report.complete
    assert report.scope == "announcements:covenant_news" and report.listed == 6


def test_six_cards_in_order():
    assert list(news())[:2] == ["guidebook-sustainable-energy-and-climate-action-plan-2026-edition",
                                "ukrainian-cities-join-covenant-recovery"]
    assert len(news()) == 6


def test_title():
    assert news()["call-covenant-of-mayors-awards-2026"].title == "Call for applications: Covenant of Mayors Awards 2026"


def test_url_is_absolute():
    assert news()["energy-poverty-assessment-tool"].url == (
        "https://eu-mayors.ec.europa.eu/en/news/energy-poverty-assessment-tool")


def test_published_on_from_the_time_element():
    assert news()["call-covenant-of-mayors-awards-2026"].published_on == "2026-09-08"


def test_printed_date_wins_over_the_utc_attribute():
    assert news()["ukrainian-cities-join-covenant-recovery"].published_on == "2026-09-15"


def test_summary_and_missing_summary():
    assert news()["energy-poverty-assessment-tool"].summary.startswith("A free tool helps signatories")
    assert news()["european-climate-pact-covenant-cooperation"].summary is None


def test_non_ascii_title_and_key():
    item = news()["vaxjo-fossil-fuel-free-2030"]
    assert item.title.startswith("Växjö")


def test_second_page():
    assert list(news("news-page-1.html")) == ["eu-sustainable-energy-week-2026-covenant", "adaptation-monitoring-template"]


def test_next_page_link():
    assert parsed()[-1] == Link("https://eu-mayors.ec.europa.eu/en/news?page=1", rel="next")
    assert not any(isinstance(i, Link) for i in parsed("news-page-1.html"))


def test_routes_read_the_listing_and_its_pages():
    assert parser.ROUTES.match("https://eu-mayors.ec.europa.eu/en/news?page=1").parse is parser.parse_listing


def test_page_without_cards_names_the_landmark():
    with pytest.raises(ParseError) as error:
        list(parser.parse_listing("<html><body><main><p>No news</p></main></body></html>", parser.LISTING_URL))
    assert error.value.landmarks == ("news_cards",)


def test_spider_declares_its_parser():
    assert CovenantNewsSpider.parser is parser and CovenantNewsSpider.start_urls == [parser.LISTING_URL]
