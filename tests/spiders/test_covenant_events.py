"""covenant_events: the eu-mayors events grid (ECL date blocks) and the event pages."""

import pytest
from bs4 import BeautifulSoup

from kit.errors import ParseError
from kit.items import APPEND_ONLY, Event, Link, ScopeReport
from spiders.covenant_events import CovenantEventsSpider
from spiders.parsers import covenant_events as parser
from tests.helpers import load_fixture

EWRC = "https://eu-mayors.ec.europa.eu/en/events/european-week-regions-and-cities-2026"


def events():
    page = load_fixture("covenant_events", "events.html")
    return {e.key.split("/", 1)[1]: e for e in parser.parse_listing(page.html, page.url) if isinstance(e, Event)}


def detail():
    page = load_fixture("covenant_events", "european-week-regions-and-cities-2026.html")
    return parser.parse_detail(page.html, page.url)


def block(html):
    return parser.date_block(BeautifulSoup(html, "lxml").find("time"))


def test_report_is_append_only_with_four_events_left_open():
    page = load_fixture("covenant_events", "events.html")
    report = next(parser.parse_listing(page.html, page.url))
    assert isinstance(report, ScopeReport) and report.kind == APPEND_ONLY and report.listed == 4
    assert not report.complete  # the event pages complete the cards in the same run


def test_listing_links_each_event_page():
    page = load_fixture("covenant_events", "events.html")
    links = [i for i in parser.parse_listing(page.html, page.url) if isinstance(i, Link)]
    assert links[0] == Link(EWRC) and len(links) == 4


def test_routes():
    assert parser.ROUTES.match(parser.LISTING_URL).parse is parser.parse_listing
    assert parser.ROUTES.match(EWRC).parse is parser.parse_event


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


def test_listing_without_cards():
    with pytest.raises(ParseError) as error:
        list(parser.parse_listing("<html><body><main></main></body></html>", parser.LISTING_URL))
    assert error.value.landmarks == ("event_rows",)


def test_spider_declares_its_parser():
    assert CovenantEventsSpider.parser is parser and CovenantEventsSpider.start_urls == [parser.LISTING_URL]
