"""unhabitat_news: stories of the listing, field by field (dates as printed, the URL date only as a
fallback, mixed languages); a replay end to end: a new story is an addition, a story that scrolled
away is never a removal."""

import sqlite3

import pytest

from kit.errors import ParseError
from spiders.parsers import unhabitat_news as parser
from tests.helpers import archive_of, load_fixture, saved_pages
from tests.helpers import replay_like_cli as replay

SPIDER = "unhabitat_news"


def page(filename):
    fixture = load_fixture(SPIDER, filename)
    return parser.parse_page(fixture.html, fixture.url)


@pytest.fixture(scope="module", autouse=True)
def parsed_pages():
    """The two saved pages, parsed when the module's tests start, not at import (paid by every xdist worker)."""
    global PAGE_0, PAGE_1, STORIES
    PAGE_0, PAGE_1 = page("page-0.html"), page("page-1.html")
    STORIES = {a.key.split("/")[-1]: a for a in PAGE_0.items + PAGE_1.items}


def test_one_announcement_per_story_link_in_main():
    assert len(PAGE_0.items) == 5 and len(PAGE_1.items) == 4


def test_next_page():
    assert PAGE_0.next_url == "https://unhabitat.org/news-and-stories?page=1"
    assert PAGE_1.next_url == "https://unhabitat.org/news-and-stories?page=2"


@pytest.mark.parametrize("slug,date", [
    ("putting-housing-at-the-centre-of-sustainable-development", "2025-09-19"),  # September 19th, 2025
    ("un-habitat-executive-board-meets-in-nairobi", "2022-02-02"),  # February 2nd, 2022
    ("cities-at-the-heart-of-the-recovery", "2022-02-15"),
    ("world-cities-day-2020-valuing-our-communities-and-cities", "2020-10-31"),  # October 31st, 2020
    ("urban-october-2020-begins", "2020-10-05"),
])
def test_published_on_is_the_printed_date_line(slug, date):
    assert STORIES[slug].published_on == date


def test_date_line_wins_over_the_teasers_dateline():
    # "February 2nd, 2022" above a teaser starting "Nairobi, 1 February 2022 –".
    assert STORIES["un-habitat-executive-board-meets-in-nairobi"].published_on == "2022-02-02"


def test_story_without_a_date_line_takes_the_date_its_url_prints_and_logs_it():
    assert STORIES["voluntary-local-reviews-gain-momentum"].published_on == "2022-04-27"
    assert PAGE_0.gaps == ["https://unhabitat.org/news/27-apr-2022/voluntary-local-reviews-gain-momentum: no date "
                           "line; the date in its URL is used"]


@pytest.mark.parametrize("text,iso", [("October 31st, 2020", "2020-10-31"), ("February 2nd, 2022", "2022-02-02"),
                                      ("March 3rd, 2021", "2021-03-03"), ("May 1st, 2019", "2019-05-01"),
                                      ("4 de febrero de 2022", "2022-02-04"), ("February 30th, 2022", None),
                                      ("Nairobi", None)])
def test_date_lines(text, iso):
    assert parser.published_date(text) == iso


def test_stories_in_other_languages_are_kept_as_printed():
    assert STORIES["onu-habitat-apoya-a-las-ciudades-de-america-latina"].title.startswith("ONU-Habitat apoya")
    assert STORIES["lancement-du-rapport-sur-les-villes-africaines"].summary.startswith("Nairobi, 21 octobre 2020")


def test_key_is_the_story_path_so_its_url_can_be_rebuilt():
    story = STORIES["putting-housing-at-the-centre-of-sustainable-development"]
    assert story.key == "unhabitat_news/19-sep-2025/putting-housing-at-the-centre-of-sustainable-development"
    assert story.url == "https://unhabitat.org/news-and-stories"


def test_title_and_teaser():
    story = STORIES["cities-at-the-heart-of-the-recovery"]
    assert story.title == "Cities at the heart of the recovery"
    assert story.summary.startswith("Nairobi, 15 February 2022 –") and story.summary.endswith("…")


def test_every_story_belongs_to_the_listing_scope():
    assert {a.scope for a in PAGE_0.items + PAGE_1.items} == {"announcements:unhabitat_news"}


def test_a_page_without_story_links_is_a_parse_error():
    with pytest.raises(ParseError) as error:
        parser.parse_page("<html><body><main><h1>News</h1></main></body></html>", parser.START_URL)
    assert error.value.landmarks == ("story_links",)


def rows(db, sql):
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def new_story_first(body: bytes) -> bytes:
    """A week later: a new story on top, the oldest one of page 0 moved on (not on the fixture pages)."""
    first = b'    <div class="views-row card">'
    new = (b'    <div class="views-row card">\n      <h3><a href="/news/03-nov-2026/habitat-assembly-opens">'
           b'Habitat Assembly opens</a></h3>\n      <div class="date">November 3rd, 2026</div>\n      '
           b'<p>Nairobi, 3 November 2026 \xe2\x80\x93 The Assembly opened\xe2\x80\xa6</p>\n    </div>\n')
    start = body.rindex(b'    <div class="views-row card">', 0, body.index(b'href="/news/27-apr'))
    end = body.index(b"    </div>\n", body.index(b'class="card-text"', start)) + len(b"    </div>\n")
    return (body[:start] + body[end:]).replace(first, new + first, 1)


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    folder = tmp_path_factory.mktemp("news")
    db = folder / "glocal.db"
    pages = ["page-0.html", "page-1.html"]
    first = replay(SPIDER, archive_of(folder / "a.warc.gz", saved_pages(SPIDER, pages)),
                   db)
    later = [replay(SPIDER, archive_of(folder / f"{day}.warc.gz", saved_pages(
        SPIDER, pages, day=day, edits={"page-0.html": new_story_first})), db)
        for day in ("2026-11-11", "2026-11-18")]
    return db, first, later


def test_replay_baseline(replays):
    db, first, _ = replays
    assert first.returncode == 0, first.stdout + first.stderr
    assert rows(db, "select count(*) from announcements where first_run_id = 1") == [(9,)]
    assert rows(db, "select count(*) from changes where run_id = 1 and notify = 1") == [(0,)]


def test_replay_new_story_is_the_only_alert(replays):
    db, _, later = replays
    assert all(r.returncode == 0 for r in later), [r.stdout for r in later]
    assert rows(db, "select entity, change, entity_key from changes where notify = 1") == [
        ("announcement", "added", "unhabitat_news/03-nov-2026/habitat-assembly-opens")]
    assert rows(db, "select published_on from announcements where key like '%habitat-assembly-opens'") == [
        ("2026-11-03",)]


def test_replay_a_story_that_left_the_pages_is_never_removed(replays):
    db, _, _ = replays
    assert rows(db, "select count(*) from announcements where removed_at is not null") == [(0,)]
    assert rows(db, "select count(*) from changes where change = 'removed'") == [(0,)]
