"""uclg_events: the Decidim API answer, meeting pages and old event pages, field by field."""

import json
import logging

import pytest

from kit.errors import ParseError
from kit.items import Event, ScopeReport
from spiders.parsers import uclg_events as parser
from spiders.parsers.uclg_site import date_range, edition_of, series_of, split_place
from tests.helpers import FIXTURES, load_fixture

API_TEXT = (FIXTURES / "uclg_events" / "api-conferences.json").read_text(encoding="utf-8")
API = parser.read_api(API_TEXT)
EVENTS = {e.key: e for e in API.events}


def event(key):
    return EVENTS[f"uclg_events/uclgmeets/{key}"]


def page_event(filename):
    page = load_fixture("uclg_events", filename)
    (item,) = parser.ROUTES.match(page.url).parse(page.html, page.url)
    return item


# --- dates and places as printed ---------------------------------------------------------------------

@pytest.mark.parametrize("text,start,end", [
    ("29-30 October 2018. Buenos Aires (Argentina)", "2018-10-29", "2018-10-30"),
    ("10-12 June 2015. Porto Alegre, Brazil", "2015-06-10", "2015-06-12"),
    ("1–4 Oct 2013", "2013-10-01", "2013-10-04"),
    ("30 September - 2 October 2015", "2015-09-30", "2015-10-02"),
    ("28 December 2019 - 2 January 2020", "2019-12-28", "2020-01-02"),
    ("8 February 2020. Abu Dhabi", "2020-02-08", None),
    ("October 16 2025 16:00 PM - 18:00 PM UTC", "2025-10-16", None),
    ("June 12-15, 2023", "2023-06-12", "2023-06-15"),
    ("October 2016. Bogotá (Colombia)", None, None),
    ("31-32 October 2018", None, None),
    ("30-29 October 2018", None, None),
    ("Spring 2016", None, None),
])
def test_date_ranges(text, start, end):
    assert date_range(text)[:2] == (start, end)


@pytest.mark.parametrize("text,city,country", [
    ("Buenos Aires (Argentina)", "Buenos Aires", "AR"), ("Porto Alegre, Brazil", "Porto Alegre", "BR"),
    ("Daejeon, Republic of Korea", "Daejeon", "KR"), ("Konya (Turkey)", "Konya", "TR"),
    ("The Hague, Netherlands", "The Hague", "NL"), ("Online", None, None), ("Tangier", "Tangier", None),
    ("Morocco", None, "MA"), ("", None, None),
])
def test_places(text, city, country):
    assert split_place(text) == (city, country)


@pytest.mark.parametrize("title,series", [
    ("UCLG World Council 2025", "World Council"), ("Executive Bureau", "Executive Bureau"),
    ("8th UCLG World Congress and World Summit of Local and Regional Leaders", "World Congress"),
    ("Retiro Anual de CGLU 2021", "Retreat"), ("UCLG Annual Retreat", "Retreat"),
    ("World Assembly of Local and Regional Governments", "World Assembly"),
    ("Consejo Mundial de CGLU", "World Council"), ("Urban 20 Mayors Summit", None),
    ("Local and Regional Governments Days 2021", None),
])
def test_series(title, series):
    assert series_of(title) == series


@pytest.mark.parametrize("title,edition", [
    ("8th UCLG World Congress", "8th"), ("Sixth World Congress", "6th"), ("UCLG World Council 2025", "2025"),
    ("Executive Bureau", None),
])
def test_editions(title, edition):
    assert edition_of(title) == edition


# --- the API answer ----------------------------------------------------------------------------------

def test_api_events_in_answer_order():
    assert [e.key.rsplit("/", 1)[1] for e in API.events] == [
        "worldcouncil2025", "meeting-2226", "worldcouncil2021", "meeting-1823", "programeb21",
        "annualretreat2021", "lrgdays2021", "worldcongress2026"]


def test_non_statutory_and_withdrawn_meetings_are_not_events():
    assert "uclg_events/uclgmeets/meeting-2227" not in EVENTS  # a policy council session
    assert "uclg_events/uclgmeets/meeting-1824" not in EVENTS  # a town hall
    assert "uclg_events/uclgmeets/meeting-1830" not in EVENTS  # withdrawn Executive Bureau


def test_world_council_2021_conference():
    item = event("worldcouncil2021")
    assert item.title == "UCLG World Council 2021"
    assert (item.starts_on, item.ends_on) == ("2021-11-17", "2021-11-18")
    assert (item.city, item.country) == ("Barcelona", "ES")
    assert (item.series, item.edition, item.organiser) == ("World Council", "2021", "UCLG")
    assert item.url == "https://www.uclgmeets.org/conferences/WorldCouncil2021"
    assert item.scope == "events:uclg_events/uclgmeets"


def test_online_executive_bureau_meeting():
    item = event("meeting-2226")
    assert item.title == "Executive Bureau"
    assert (item.starts_on, item.ends_on) == ("2025-10-16", "2025-10-16")
    assert (item.city, item.country) == (None, None)
    assert (item.series, item.edition) == ("Executive Bureau", "2025")  # the edition of its conference
    assert item.url == "https://www.uclgmeets.org/conferences/WorldCouncil2025/f/1460/meetings/2226"


def test_meeting_day_is_the_local_day_printed():
    item = event("meeting-1823")
    assert (item.starts_on, item.city, item.country) == ("2021-11-18", "Barcelona", "ES")


def test_event_without_end_date_keeps_its_start_only():
    item = event("programeb21")
    assert (item.starts_on, item.ends_on) == ("2021-05-13", None)
    assert (item.city, item.country) == (None, None)  # "Online"


def test_title_without_english_takes_another_language():
    item = event("annualretreat2021")
    assert item.title == "Retiro Anual de CGLU 2021"
    assert item.series == "Retreat"


def test_announced_congress_without_dates():
    item = event("worldcongress2026")
    assert (item.starts_on, item.ends_on) == (None, None)
    assert (item.city, item.country, item.series, item.edition) == ("Tangier", "MA", "World Congress", "8th")


def test_non_statutory_conference_is_kept_without_series():
    assert event("lrgdays2021").series is None


def test_parse_api_reports_its_scope_first():
    items = list(parser.parse_api(API_TEXT, parser.API_URL))
    assert isinstance(items[0], ScopeReport) and items[0].complete
    assert items[0].keys == [e.key for e in items[1:]]


def test_a_further_page_of_meetings_is_asked_for():
    data = json.loads(API_TEXT)
    data["data"]["conferences"][1]["components"][0]["meetings"]["pageInfo"] = {"hasNextPage": True,
                                                                              "endCursor": "NTA"}
    answer = parser.read_api(json.dumps(data))
    assert answer.more == [("1255", "NTA", {"slug": "WorldCouncil2021", "title": "UCLG World Council 2021"})]
    (report, *_rest) = parser.parse_api(json.dumps(data))
    assert not report.complete


def test_a_component_page_answer_reads_its_meetings():
    page = {"data": {"component": {"id": "1255", "__typename": "Meetings", "meetings": {
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "nodes": [{"id": "1900", "title": {"translation": "Executive Bureau"}, "startTime": "2021-11-19T09:00:00+01:00",
                   "endTime": None, "address": None, "isWithdrawn": False, "privateMeeting": False, "url": None}]}}}}
    context = {"slug": "WorldCouncil2021", "title": "UCLG World Council 2021"}
    answer = parser.read_api(json.dumps(page), conference=context)
    (item,) = answer.events
    assert item.key == "uclg_events/uclgmeets/meeting-1900"
    assert (item.starts_on, item.ends_on, item.edition) == ("2021-11-19", None, "2021")
    assert item.url == "https://www.uclgmeets.org/conferences/WorldCouncil2021/f/1255/meetings/1900"


@pytest.mark.parametrize("body", [
    "<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>",
    "",
    '{"errors": [{"message": "Query has complexity of 6012, which exceeds max complexity of 5000"}]}',
    '{"data": null}',
    "[1, 2]",
])
def test_api_answering_anything_but_conference_json_is_refused(body):
    with pytest.raises(parser.NotJson) as error:
        parser.read_api(body)
    assert error.value.landmarks == ("api_json",)


def test_api_error_message_is_in_the_reason():
    with pytest.raises(ParseError, match="exceeds max complexity"):
        parser.read_api('{"errors": [{"message": "Query has complexity of 6012, which exceeds max complexity"}]}')


def test_query_asks_for_what_the_parser_reads():
    for name in ("slug", "startDate", "endDate", "location", "startTime", "endTime", "isWithdrawn", "hasNextPage",
                 "translations"):
        assert name in parser.CONFERENCES_QUERY
    assert "first: 50" in parser.CONFERENCES_QUERY and "$after" in parser.COMPONENT_QUERY


# --- meeting pages (fallback) ------------------------------------------------------------------------

def test_directory_links_statutory_meetings_only():
    page = load_fixture("uclg_events", "meetings-directory.html")
    assert parser.meeting_urls(page.html, page.url) == [
        "https://www.uclgmeets.org/conferences/WorldCouncil2025/f/1460/meetings/2226",
        "https://www.uclgmeets.org/conferences/WorldCouncil2021/f/1255/meetings/1823"]
    assert len(parser.meeting_urls(page.html, page.url, statutory_only=False)) == 3  # never /versions/


def test_meeting_page_from_json_ld_matches_the_api():
    item = page_event("meeting-2226.html")
    api = event("meeting-2226")
    for name in ("key", "title", "starts_on", "ends_on", "city", "country", "series", "edition"):
        assert getattr(item, name) == getattr(api, name), name


def test_meeting_page_without_json_ld_reads_the_visible_block():
    item = page_event("meeting-1823.html")
    assert item.key == "uclg_events/uclgmeets/meeting-1823"
    assert (item.starts_on, item.ends_on) == ("2021-11-18", "2021-11-18")
    assert (item.city, item.country, item.series, item.edition) == ("Barcelona", "ES", "World Council", "2021")


def test_meeting_page_without_title_is_rejected():
    with pytest.raises(ParseError) as error:
        list(parser.parse_meeting("<html><body><main><p>October 16 2025</p></main></body></html>",
                                  "https://www.uclgmeets.org/conferences/X/f/1/meetings/2"))
    assert error.value.landmarks == ("event_title",)


# --- old uclg.org event pages ------------------------------------------------------------------------

def test_old_listing_links_seven_event_pages():
    page = load_fixture("uclg_events", "events-listing.html")
    report, *links = parser.parse_old_listing(page.html, page.url)
    assert len(links) == 7
    assert report.scope == "events:uclg_events/uclg.org" and report.complete
    assert len(report.keys) == 7
    assert report.keys[2] == "uclg_events/urban-20-mayors-summit"


def test_old_listing_without_links_reports_the_landmark():
    (report,) = parser.parse_old_listing("<html><body><div id='main'><h1>Events</h1></div></body></html>")
    assert not report.complete and report.landmarks_missing == ["event_links"]


@pytest.mark.parametrize("filename,title,start,end,city,country,series,edition", [
    ("event-u20-buenos-aires.html", "Urban 20 Mayors Summit", "2018-10-29", "2018-10-30", "Buenos Aires", "AR",
     None, None),
    ("event-porto-alegre-2015.html", "Seminar on the Local Agenda of Porto Alegre", "2015-06-10", "2015-06-12",
     "Porto Alegre", "BR", None, None),
    ("event-rabat-congress.html", "4th UCLG World Congress", "2013-10-01", "2013-10-04", "Rabat", "MA",
     "World Congress", "4th"),
    ("event-montevideo-bureau.html", "UCLG Executive Bureau", "2019-04-05", "2019-04-06", "Montevideo", "UY",
     "Executive Bureau", None),
    ("event-brussels-bureau.html", "UCLG Executive Bureau", "2015-09-30", "2015-10-02", "Brussels", "BE",
     "Executive Bureau", None),
    ("event-world-assembly-abu-dhabi.html", "World Assembly of Local and Regional Governments", "2020-02-08", None,
     "Abu Dhabi", "AE", "World Assembly", None),
    ("event-bogota-congress.html", "5th UCLG World Congress", None, None, "Bogotá", "CO", "World Congress", "5th"),
])
def test_old_event_pages(filename, title, start, end, city, country, series, edition):
    item = page_event(filename)
    assert isinstance(item, Event)
    assert (item.title, item.starts_on, item.ends_on, item.city, item.country, item.series, item.edition) == (
        title, start, end, city, country, series, edition)
    assert item.organiser == "UCLG" and item.scope == "events:uclg_events/uclg.org"


def test_old_event_key_comes_from_the_slug_in_any_language():
    assert parser.old_event_key("https://www.uclg.org/en/media/events/urban-20-mayors-summit") == \
        parser.old_event_key("https://www.uclg.org/fr/media/events/urban-20-mayors-summit") == \
        "uclg_events/urban-20-mayors-summit"


def test_unreadable_date_is_logged(caplog):
    with caplog.at_level(logging.INFO, logger="spiders.parsers.uclg_events"):
        page_event("event-bogota-congress.html")
    assert "October 2016" in caplog.text


@pytest.mark.parametrize("url,name", [
    ("https://www.uclgmeets.org/api", "parse_api"),
    ("https://www.uclgmeets.org/conferences/WorldCouncil2025/f/1460/meetings/2226", "parse_meeting"),
    ("https://www.uclg.org/en/media/events/urban-20-mayors-summit", "parse_old_event"),
    ("https://www.uclg.org/en/media/events", "parse_old_listing"),
])
def test_routes(url, name):
    assert parser.ROUTES.match(url).parse.__name__ == name


# --- the spider's requests ---------------------------------------------------------------------------

def start_requests(spider):
    import asyncio

    async def collect():
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def test_spider_asks_the_api_with_a_graphql_post_and_reads_the_old_listing():
    from spiders.uclg_events import UclgEventsSpider

    api, old = start_requests(UclgEventsSpider())
    assert (api.method, api.url) == ("POST", "https://www.uclgmeets.org/api")
    assert api.headers[b"Content-Type"] == b"application/json"
    assert json.loads(api.body)["query"] == parser.CONFERENCES_QUERY
    assert api.callback.__name__ == "parse_api" and api.errback.__name__ == "api_failed"
    assert (old.method, old.url, old.callback.__name__) == ("GET", parser.OLD_LISTING, "parse_old_listing")


def test_spider_asks_for_the_next_page_of_a_component_under_its_own_url():
    from scrapy.http import Request, TextResponse

    from spiders.base import Batch
    from spiders.uclg_events import UclgEventsSpider

    data = json.loads(API_TEXT)
    data["data"]["conferences"][1]["components"][0]["meetings"]["pageInfo"] = {"hasNextPage": True,
                                                                              "endCursor": "NTA"}
    response = TextResponse(parser.API_URL, body=json.dumps(data).encode(), encoding="utf-8",
                            headers={"Content-Type": "application/json"}, request=Request(parser.API_URL))
    batch = Batch("uclg_events", parser.PLATFORM, parser.API_URL)
    batch.expect()
    (follow,) = list(UclgEventsSpider().parse_api(response, batch, None))
    assert follow.url == "https://www.uclgmeets.org/api?component=1255&after=NTA"
    assert json.loads(follow.body)["variables"] == {"id": "1255", "after": "NTA"}
    assert follow.cb_kwargs["conference"] == {"slug": "WorldCouncil2021", "title": "UCLG World Council 2021"}
    assert not batch.done  # the scope waits for that page


def test_glocal_parse_shows_the_api_answer():
    from click.testing import CliRunner

    from cli.main import cli

    result = CliRunner().invoke(cli, ["parse", "uclg_events", str(FIXTURES / "uclg_events" / "api-conferences.json"),
                                      "--url", parser.API_URL])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert records[0]["type"] == "scope_report" and len(records) == 9


def test_old_listing_pager():
    page = load_fixture("uclg_events", "events-listing.html")
    assert parser.old_listing_next(page.html, page.url) is None  # one page: "1" and no next link
    paged = page.html.replace('<li class="pager-current first last">1</li>',
                              '<li class="pager-current first">1</li><li class="pager-next last">'
                              '<a href="/en/media/events?page=1">next ›</a></li>')
    assert parser.old_listing_next(paged, page.url) == "https://www.uclg.org/en/media/events?page=1"
