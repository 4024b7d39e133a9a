"""covenant_events: the eu-mayors events grid (ECL date blocks) and the event pages."""

import pytest
from bs4 import BeautifulSoup

from crawler.errors import ParseError
from crawler.items import Event, ScopeReport
from spiders.covenant_events import CovenantEventsSpider
from spiders.parsers import covenant_events as parser
from tests.helpers import html_response, load_fixture

EWRC = "https://eu-mayors.ec.europa.eu/en/events/european-week-regions-and-cities-2026"


def events():
    page = load_fixture("covenant_events", "events.html")
    return {e.key.split("/", 1)[1]: e for e in parser.parse_listing(page.html, page.url) if isinstance(e, Event)}


def detail():
    page = load_fixture("covenant_events", "european-week-regions-and-cities-2026.html")
    return parser.parse_detail(page.html, page.url)


def block(html):
    return parser.date_block(BeautifulSoup(html, "lxml").find("time"))


def test_report_is_append_only_with_four_events():
    page = load_fixture("covenant_events", "events.html")
    report = next(parser.parse_listing(page.html, page.url))
    assert isinstance(report, ScopeReport) and report.partial and report.listed == 4


def test_day_range_in_one_month():
    event = events()["european-week-regions-and-cities-2026"]
    assert (event.starts_on, event.ends_on) == ("2026-10-12", "2026-10-14")


def test_single_day():
    event = events()["covenant-webinar-energy-communities"]
    assert (event.starts_on, event.ends_on) == ("2026-11-05", "2026-11-05")


def test_range_across_months():
    event = events()["covenant-regional-forum-southern-europe"]
    assert (event.starts_on, event.ends_on) == ("2026-09-30", "2026-10-02")


def test_range_across_years():
    html = ('<time><span class="ecl-date-block__day">30-2</span><abbr class="ecl-date-block__month">Dec</abbr>'
            '<span class="ecl-date-block__year">2026</span></time>')
    assert block(html) == ("2026-12-30", "2027-01-02")


def test_abbreviated_month_without_title():
    html = ('<time><span class="ecl-date-block__day">3</span><abbr class="ecl-date-block__month">Sept</abbr>'
            '<span class="ecl-date-block__year">2026</span></time>')
    assert block(html) == ("2026-09-03", "2026-09-03")


def test_block_without_year_gives_no_date():
    html = '<time><span class="ecl-date-block__day">3</span><abbr class="ecl-date-block__month">Sep</abbr></time>'
    assert block(html) == (None, None)


def test_place_city_and_country():
    event = events()["covenant-regional-forum-southern-europe"]
    assert (event.city, event.country) == ("Valencia", "ES")


def test_online_event_has_no_city():
    event = events()["covenant-webinar-energy-communities"]
    assert (event.city, event.country) == (None, None)


def test_title_and_absolute_url():
    event = events()["covenant-of-mayors-ceremony-2027"]
    assert event.title == "Covenant of Mayors Ceremony 2027"
    assert event.url == "https://eu-mayors.ec.europa.eu/en/events/covenant-of-mayors-ceremony-2027"


def test_detail_when_two_times():
    assert (detail().starts_on, detail().ends_on) == ("2026-10-12", "2026-10-14")


def test_detail_where():
    assert (detail().city, detail().country) == ("Brussels", "BE")


def test_detail_organiser():
    assert detail().organiser == "European Committee of the Regions; European Commission (DG REGIO)"


def test_detail_key_equals_card_key():
    assert detail().key == events()["european-week-regions-and-cities-2026"].key


def test_detail_without_practical_information():
    with pytest.raises(ParseError) as error:
        parser.parse_detail("<html><body><h1>Event</h1></body></html>", EWRC)
    assert error.value.landmarks == ("practical_information",)


def test_merge_keeps_card_values_the_page_lacks():
    card = events()["european-week-regions-and-cities-2026"]
    merged = parser.merge(card, Event(source="covenant_events", key=card.key, url=card.url, title="", organiser="CoR"))
    assert (merged.title, merged.starts_on, merged.organiser) == (card.title, "2026-10-12", "CoR")


def test_listing_without_cards():
    with pytest.raises(ParseError) as error:
        list(parser.parse_listing("<html><body><main></main></body></html>", parser.LISTING_URL))
    assert error.value.landmarks == ("event_rows",)


def test_spider_requests_each_event_page_with_its_card():
    from scrapy.settings import Settings

    spider = CovenantEventsSpider()
    spider.settings = Settings({})
    out = list(spider.parse(html_response("covenant_events", "events.html")))
    assert isinstance(out[0], ScopeReport)
    requests = out[1:]
    assert len(requests) == 4 and requests[0].url == EWRC and requests[0].meta["card"].starts_on == "2026-10-12"
    response = html_response("covenant_events", "european-week-regions-and-cities-2026.html")
    response.meta["card"] = requests[0].meta["card"]
    event = next(spider.parse_event(response))
    assert event.organiser.startswith("European Committee of the Regions")
