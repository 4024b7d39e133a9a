"""uap_events: events of the Urban Agenda Platform's list, field by field, World Urban Forum sessions as
one series with their editions; a replay end to end."""

import sqlite3

import pytest

from kit.errors import ParseError
from spiders.parsers import uap_events as parser
from tests.helpers import archive_of, load_fixture, saved_pages
from tests.helpers import replay_like_cli as replay

SPIDER = "uap_events"


def page(filename):
    fixture = load_fixture(SPIDER, filename)
    return parser.parse_page(fixture.html, fixture.url)


@pytest.fixture(scope="module", autouse=True)
def parsed_pages():
    """The two saved pages, parsed when the module's tests start, not at import (paid by every xdist worker)."""
    global PAGE_0, PAGE_1, EVENTS
    PAGE_0, PAGE_1 = page("page-0.html"), page("page-1.html")
    EVENTS = {e.key.split("/", 1)[1]: e for e in PAGE_0.items + PAGE_1.items}


def test_one_event_per_date_line():
    assert len(PAGE_0.items) == 5 and len(PAGE_1.items) == 3


def test_pager():
    assert PAGE_0.next_url == "https://www.urbanagendaplatform.org/event-list?page=1"
    assert PAGE_1.next_url is None


@pytest.mark.parametrize("slug,starts,ends", [
    ("thirteenth-session-world-urban-forum-wuf13", "2026-05-17", "2026-05-22"),
    ("twelfth-session-world-urban-forum", "2024-11-04", "2024-11-08"),
    ("wuf11", "2022-06-26", "2022-06-30"),
    ("tenth-session-world-urban-forum", "2020-02-08", "2020-02-13"),
    ("world-urban-forum-9", "2018-02-07", "2018-02-13"),
    ("lrgs-hlpf-2022", "2022-07-05", "2022-07-12"),  # "05 Jul 2022 to 12 Jul 2022"
])
def test_date_range(slug, starts, ends):
    assert (EVENTS[slug].starts_on, EVENTS[slug].ends_on) == (starts, ends)


def test_a_one_day_event_ends_the_day_it_starts():
    assert (EVENTS["world-cities-day-2022"].starts_on, EVENTS["world-cities-day-2022"].ends_on) == (
        "2022-10-31", "2022-10-31")


@pytest.mark.parametrize("slug,edition", [
    ("thirteenth-session-world-urban-forum-wuf13", "WUF13"), ("twelfth-session-world-urban-forum", "WUF12"),
    ("wuf11", "WUF11"), ("tenth-session-world-urban-forum", "WUF10"), ("world-urban-forum-9", "WUF9"),
])
def test_world_urban_forum_sessions_are_one_series(slug, edition):
    assert (EVENTS[slug].series, EVENTS[slug].edition) == ("World Urban Forum", edition)


@pytest.mark.parametrize("slug", ["road-to-wuf12-dialogue", "world-cities-day-2022", "lrgs-hlpf-2022"])
def test_other_events_are_not_in_the_series(slug):
    assert (EVENTS[slug].series, EVENTS[slug].edition) == (None, None)


@pytest.mark.parametrize("slug,city,country", [
    ("thirteenth-session-world-urban-forum-wuf13", "Baku", "AZ"), ("twelfth-session-world-urban-forum", "Cairo", "EG"),
    ("wuf11", "Katowice", "PL"), ("tenth-session-world-urban-forum", "Abu Dhabi", "AE"),
    ("world-cities-day-2022", "Shanghai", "CN"), ("lrgs-hlpf-2022", None, None),
])
def test_place(slug, city, country):
    assert (EVENTS[slug].city, EVENTS[slug].country) == (city, country)


def test_title_key_and_url():
    event = EVENTS["wuf11"]
    assert event.title == "WUF11: Transforming our Cities for a Better Urban Future"
    assert event.key == "uap_events/wuf11"
    assert event.url == "https://www.urbanagendaplatform.org/event-list"
    assert event.scope == "events:uap_events"


@pytest.mark.parametrize("title,expected", [
    ("Eleventh session of the World Urban Forum", ("World Urban Forum", "WUF11")),
    ("World Urban Forum (WUF13)", ("World Urban Forum", "WUF13")),
    ("World Urban Forum 2026", ("World Urban Forum", None)),
    ("Road to WUF12: Urban October dialogue", (None, None)),
    ("Urban October 2022", (None, None)),
])
def test_series_of(title, expected):
    assert parser.series_of(title) == expected


def test_a_page_without_dated_events_is_a_parse_error():
    with pytest.raises(ParseError) as error:
        parser.parse_page("<html><body><main><h1>Events</h1><p>No upcoming events.</p></main></body></html>",
                          parser.START_URL)
    assert set(error.value.landmarks) == {"date_range", "event_link"}


def test_an_impossible_date_is_not_stored():
    html = ('<html><body><main><div><div>31 Feb 2023 to 02 Mar 2023</div>'
            '<h3><a href="/event/x">X</a></h3></div></main></body></html>')
    result = parser.parse_page(html, parser.START_URL)
    assert (result.items[0].starts_on, result.items[0].ends_on) == (None, "2023-03-02")
    assert "is not a date" in result.gaps[0]


def test_replay_end_to_end(tmp_path):
    db = tmp_path / "glocal.db"
    archive = archive_of(tmp_path / "a.warc.gz", saved_pages(SPIDER, ["page-0.html", "page-1.html"]))
    result = replay(SPIDER, archive, db)
    assert result.returncode == 0, result.stdout + result.stderr
    connection = sqlite3.connect(db)
    try:
        wuf = connection.execute("select edition, city, starts_on from events where series = 'World Urban Forum' "
                                 "order by starts_on").fetchall()
    finally:
        connection.close()
    assert wuf == [("WUF9", "Kuala Lumpur", "2018-02-07"), ("WUF10", "Abu Dhabi", "2020-02-08"),
                   ("WUF11", "Katowice", "2022-06-26"), ("WUF12", "Cairo", "2024-11-04"),
                   ("WUF13", "Baku", "2026-05-17")]
