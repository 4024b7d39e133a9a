"""covenant_news: ECL news cards of eu-mayors."""

import pytest

from crawler.errors import ParseError
from crawler.items import Announcement, ScopeReport
from spiders.covenant_news import CovenantNewsSpider
from spiders.parsers import covenant_news as parser
from tests.helpers import html_response, load_fixture


def parsed(filename="news.html"):
    page = load_fixture("covenant_news", filename)
    return list(parser.parse_listing(page.html, page.url))


def news(filename="news.html"):
    return {a.key.split("/", 1)[1]: a for a in parsed(filename) if isinstance(a, Announcement)}


def test_report_first_and_append_only():
    report = parsed()[0]
    assert isinstance(report, ScopeReport) and report.partial and not report.complete
    assert report.scope == "announcements:covenant_news" and report.listed == 6
    assert "append-only" in report.reason


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
    page = load_fixture("covenant_news", "news.html")
    assert parser.next_page(page.html, page.url) == "https://eu-mayors.ec.europa.eu/en/news?page=1"
    last = load_fixture("covenant_news", "news-page-1.html")
    assert parser.next_page(last.html, last.url) is None


def test_page_without_cards_names_the_landmark():
    with pytest.raises(ParseError) as error:
        list(parser.parse_listing("<html><body><main><p>No news</p></main></body></html>", parser.LISTING_URL))
    assert error.value.landmarks == ("news_cards",)


def test_spider_follows_the_pager_and_reports_the_scope_once():
    spider = CovenantNewsSpider()
    from scrapy.settings import Settings

    spider.settings = Settings({"COVENANT_NEWS_MAX_PAGES": 3})
    first = list(spider.parse(html_response("covenant_news", "news.html")))
    assert first[-1].url.endswith("?page=1")
    response = html_response("covenant_news", "news-page-1.html")
    response.meta["listing_page"] = 2
    second = list(spider.parse(response))
    assert not any(isinstance(o, ScopeReport) for o in second) and len(second) == 2
