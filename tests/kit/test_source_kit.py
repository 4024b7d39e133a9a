"""The source kit, end to end through real in-process crawls: keys that a gazetteer edit cannot
move, a respelled name that is one update, append-only listings that never remove, the WordPress
REST client with its fallbacks, pagers with an incremental stop, and rosters read over many pages."""

import csv
import json
from urllib.parse import parse_qs

import pytest

from places.curated import ENV_FILE, gazetteer
from tests.helpers import FIXTURES, archive_of, copy_store, crawl_in_process, query as rows, replay_like_cli, saved_pages
from tests.site_server import Answer, SiteServer

SPIDER = "c40_accelerators"
LIST_PAGES = ["hub.html", "green-healthy-streets.html", "clean-air-cities.html", "net-zero-carbon-buildings.html",
              "good-food-cities.html", "divest-invest.html", "urban-nature.html", "equity-pledge.html",
              "water-safe-cities.html"]
# The made-up sites' spiders, crawled fast but still one request at a time per host: each site's own
# download slot paced at 5 ms, below the 0.05 s floor of DOWNLOAD_DELAY (see LOOPBACK in
# tests/crawler/test_network.py).
KIT_SPIDERS = {"SPIDER_MODULES": ["tests.kit_spiders"], "DOWNLOAD_DELAY": 0.05, "AUTOTHROTTLE_ENABLED": False,
               "DOWNLOAD_SLOTS": {host: {"delay": 0.005} for host in ("news.example.org", "members.example.org")}}


def replay(tmp_path, name, pages, *, settings=None):
    """The run row of one replay into tmp_path/glocal.db."""
    return replay_like_cli(SPIDER, archive_of(tmp_path / f"{name}.warc.gz", pages), tmp_path / "glocal.db",
                           settings=settings).run


@pytest.fixture(scope="module")
def baseline_folder(tmp_path_factory):
    """The accelerators' baseline replay (2 November), made once for the module, and its run row."""
    folder = tmp_path_factory.mktemp("baseline")
    return folder, replay(folder, "baseline", saved_pages(SPIDER, LIST_PAGES, day="2026-11-02"))


@pytest.fixture
def baseline(baseline_folder, tmp_path):
    """tmp_path/glocal.db holding a copy of the baseline's store; the baseline's run row."""
    folder, run = baseline_folder
    copy_store(folder / "glocal.db", tmp_path / "glocal.db")
    return run


# --- keys never come from the gazetteer -----------------------------------------------------------

def rewritten_gazetteer(path):
    """The bundled gazetteer edited as a curator might: New York City and Durban gone, every other
    place renamed to its first alias, rows in reverse order."""
    source = FIXTURES.parent.parent / "places" / "data" / "places.csv"
    with source.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, places = reader.fieldnames, list(reader)
    edited = []
    for row in reversed(places):
        if row["name"] in ("New York City", "Durban"):
            continue
        aliases = [a for a in row["aliases"].split("|") if a]
        if aliases and " and " not in aliases[0]:
            row = {**row, "name": aliases[0], "aliases": "|".join([row["name"], *aliases[1:]])}
        edited.append(row)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(edited)
    return path


@pytest.fixture
def use_gazetteer(monkeypatch):
    """Point this process's gazetteer (the parsers' and, by default, the store's) at a file."""

    def use(path):
        monkeypatch.setenv(ENV_FILE, str(path))
        gazetteer.cache_clear()

    yield use
    monkeypatch.delenv(ENV_FILE, raising=False)
    gazetteer.cache_clear()


def test_a_gazetteer_rewrite_between_two_replays_changes_nothing(tmp_path, baseline, use_gazetteer):
    db = tmp_path / "glocal.db"
    first = baseline  # replayed under the bundled gazetteer
    keys_before = rows(db, "select key, actor_id from signatures order by key")
    edited = rewritten_gazetteer(tmp_path / "places.csv")
    use_gazetteer(edited)
    assert gazetteer().resolve("New York") is None  # the edit took effect
    second = replay(tmp_path, "after", saved_pages(SPIDER, LIST_PAGES, day="2026-11-09"),
                    settings={"STORE_PLACES_FILE": str(edited)})
    assert (first["healthy"], second["healthy"]) == (1, 1)
    assert rows(db, "select * from changes where run_id = ?", (second["id"],)) == []
    assert rows(db, "select key, actor_id from signatures order by key") == keys_before
    assert second["summary"].endswith("no changes")


def test_signature_keys_keep_the_published_spelling(tmp_path, baseline):
    (row,) = rows(tmp_path / "glocal.db", """select s.key, a.name from signatures s join actors a on a.id = s.actor_id
                                             where s.key = 'c40_accelerators/equity-pledge/new-york'""")
    assert row == {"key": "c40_accelerators/equity-pledge/new-york", "name": "New York City"}


# --- a respelled name is one update -----------------------------------------------------------------

def new_york_city(body: bytes) -> bytes:
    assert body.count(b"New York,") == 1
    return body.replace(b"New York,", b"New York City,")


def test_a_respelled_name_of_one_actor_is_one_update_never_a_removal(tmp_path, baseline):
    db = tmp_path / "glocal.db"
    respelled = {"equity-pledge.html": new_york_city}
    second = replay(tmp_path, "respelled", saved_pages(SPIDER, LIST_PAGES, day="2026-11-09", edits=respelled))
    changes = rows(db, "select entity, change, entity_key, diff, notify from changes where run_id = ?", (second["id"],))
    assert changes == [{"entity": "signature", "change": "updated", "entity_key": "c40_accelerators/equity-pledge/new-york",
                        "diff": json.dumps({"actor_name": ["New York", "New York City"]}), "notify": 1}]
    for day in ("2026-11-16", "2026-11-23"):  # K=2 more healthy runs: still nothing removed or added
        later = replay(tmp_path, f"again-{day}", saved_pages(SPIDER, LIST_PAGES, day=day, edits=respelled))
        assert rows(db, "select * from changes where run_id = ?", (later["id"],)) == []
    (row,) = rows(db, "select actor_name, removed_at from signatures where instrument_key = ? and actor_name like 'New York%'",
                  ("c40_accelerators/equity-pledge",))
    assert row == {"actor_name": "New York City", "removed_at": None}


def test_two_spellings_on_one_page_stay_two_rows(tmp_path, baseline):
    db = tmp_path / "glocal.db"
    both = {"equity-pledge.html": lambda body: body.replace(b"New York,", b"New York, New York City,")}
    second = replay(tmp_path, "both", saved_pages(SPIDER, LIST_PAGES, day="2026-11-09", edits=both))
    assert [(c["change"], c["entity_key"]) for c in rows(db, "select * from changes where run_id = ?", (second["id"],))] == [
        ("added", "c40_accelerators/equity-pledge/new-york-city")]


# --- the WordPress REST client, its fallbacks, and the incremental stop ----------------------------------

def post(n):
    return {"id": n, "slug": f"story-{n}", "link": f"https://news.example.org/{2026}/11/story-{n}/",
            "date": f"2026-11-{n:02d}T09:00:00", "title": {"rendered": f"Story {n} &#8211; cities act"},
            "excerpt": {"rendered": f"<p>About story {n}.</p>"}}


def rest_page(numbers, total_pages):
    return Answer(body=json.dumps([post(n) for n in numbers]).encode(),
                  headers={"Content-Type": "application/json; charset=UTF-8", "X-WP-TotalPages": str(total_pages)})


def api(page):
    return f"/wp-json/wp/v2/posts?per_page=3&page={page}&orderby=date&order=desc"


def feed(numbers):
    items = "".join(f"<item><title>Story {n}</title><link>https://news.example.org/2026/11/story-{n}/</link>"
                    f"<pubDate>Mon, {n:02d} Nov 2026 09:00:00 +0000</pubDate><description>About {n}</description></item>"
                    for n in numbers)
    return Answer(body=f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'.encode(),
                  headers={"Content-Type": "application/rss+xml; charset=UTF-8"})


def crawl_news(server, tmp_path, **settings):
    return crawl_in_process("example_news", db=tmp_path / "glocal.db", host_map={"news.example.org": server.address},
                            settings={**KIT_SPIDERS, **settings})


@pytest.fixture
def server():
    with SiteServer() as site:
        yield site


def first_crawl(tmp_path_factory, serve, crawl):
    """A folder holding the store of one crawl of a site `serve` sets up, and the crawl's run row."""
    folder = tmp_path_factory.mktemp("first-crawl")
    with SiteServer() as site:
        serve(site)
        return folder, crawl(site, folder)


def serve_nine_stories(server):
    for page, numbers in ((1, [9, 8, 7]), (2, [6, 5, 4]), (3, [3, 2, 1])):
        server.route(api(page), rest_page(numbers, 3))


@pytest.fixture(scope="module")
def nine_stories(tmp_path_factory):
    """The news site's nine stories over three API pages, crawled once for the module."""
    return first_crawl(tmp_path_factory, serve_nine_stories, crawl_news)


def test_the_rest_api_is_read_page_by_page(nine_stories):
    tmp_path, run = nine_stories
    assert run["healthy"] == 1, run["health"]
    stories = rows(tmp_path / "glocal.db", "select key, title, published_on, summary from announcements order by key")
    assert len(stories) == 9
    assert stories[0] == {"key": "example_news/story-1", "title": "Story 1 – cities act", "published_on": "2026-11-01",
                          "summary": "About story 1."}
    (scope,) = rows(tmp_path / "glocal.db", "select kind, complete, healthy, listed from scope_runs")
    assert scope == {"kind": "append-only", "complete": 1, "healthy": 1, "listed": 9}


def test_paging_stops_once_a_page_is_already_known(server, tmp_path, nine_stories):
    copy_store(nine_stories[0] / "glocal.db", tmp_path / "glocal.db")
    # Two new stories on top: page 1 holds 11, 10, 9; page 2 (8, 7, 6) is all known: stop there.
    for page, numbers in ((1, [11, 10, 9]), (2, [8, 7, 6]), (3, [5, 4, 3]), (4, [2, 1])):
        server.route(api(page), rest_page(numbers, 4))
    run = crawl_news(server, tmp_path, CRAWL_STOP_AFTER_KNOWN=3)
    asked = [parse_qs(r.query)["page"] for r in server.requests if r.path == "/wp-json/wp/v2/posts"]
    assert asked == [["1"], ["2"]]
    assert run["healthy"] == 1, run["health"]
    added = rows(tmp_path / "glocal.db", "select entity_key from changes where run_id = ? and change = 'added'", (run["id"],))
    assert [c["entity_key"] for c in added] == ["example_news/story-11", "example_news/story-10"]
    (scope,) = rows(tmp_path / "glocal.db", "select complete, healthy, reason from scope_runs where run_id = ?", (run["id"],))
    assert (scope["complete"], scope["healthy"]) == (0, 1)
    assert "stopped paging" in scope["reason"]


def test_stories_that_leave_the_listing_are_never_removed(server, tmp_path):
    """Append-only: a story that drops off the listing for many healthy, complete runs stays."""
    server.route(api(1), rest_page([3, 2, 1], 1))
    crawl_news(server, tmp_path)
    for newest in (4, 5, 6):
        server.route(api(1), rest_page([newest, newest - 1, newest - 2], 1))
        run = crawl_news(server, tmp_path)
        assert run["healthy"] == 1
    db = tmp_path / "glocal.db"
    assert rows(db, "select count(*) as n from announcements where removed_at is null")[0]["n"] == 6
    assert rows(db, "select count(*) as n from changes where change = 'removed'")[0]["n"] == 0
    assert {r["complete"] for r in rows(db, "select complete from scope_runs")} == {1}


def test_a_blocked_api_falls_back_to_the_feed(server, tmp_path):
    server.route(api(1), Answer(status=403, body=b"Forbidden"))
    server.route("/feed/", feed([3, 2, 1]))
    run = crawl_news(server, tmp_path)
    assert run["healthy"] == 1, run["health"]
    keys = [r["key"] for r in rows(tmp_path / "glocal.db", "select key from announcements order by key")]
    assert keys == ["example_news/story-1", "example_news/story-2", "example_news/story-3"]
    assert rows(tmp_path / "glocal.db", "select published_on from announcements where key = 'example_news/story-2'") == [
        {"published_on": "2026-11-02"}]


def test_an_api_answering_html_then_a_missing_feed_falls_back_to_the_listing(server, tmp_path):
    server.route(api(1), Answer(body=b"<html><body>Checking your browser</body></html>"))
    listing = ("<html><body>" + "".join(
        f'<article><a href="https://news.example.org/2026/11/story-{n}/">Story {n}</a><time>{n} November 2026</time></article>'
        for n in (2, 1)) + "</body></html>").encode()
    server.route("/news/", Answer(body=listing))
    run = crawl_news(server, tmp_path)
    assert run["healthy"] == 1, run["health"]
    assert [r["key"] for r in rows(tmp_path / "glocal.db", "select key from announcements order by key")] == [
        "example_news/story-1", "example_news/story-2"]
    assert [r.path for r in server.requests if r.path != "/robots.txt"] == ["/wp-json/wp/v2/posts", "/feed/", "/news/"]


def test_when_every_way_in_fails_the_run_names_each(server, tmp_path):
    server.route(api(1), Answer(status=404))
    run = crawl_news(server, tmp_path)
    assert run["healthy"] == 0
    (scope,) = rows(tmp_path / "glocal.db", "select complete, healthy, reason from scope_runs")
    assert "wp-json/wp/v2/posts?per_page=3&page=1&orderby=date&order=desc answered HTTP 404" in scope["reason"]
    assert "/feed/ answered HTTP 404" in scope["reason"] and "/news/ answered HTTP 404" in scope["reason"]


# --- a roster over a Drupal pager ---------------------------------------------------------------------

def members_page(names, *, next_page=None):
    pager = (f'<nav class="pager"><ul><li class="pager__item pager__item--next">'
             f'<a href="?page={next_page}" rel="next">Next</a></li></ul></nav>') if next_page else ""
    items = "".join(f'<li class="member">{n}</li>' for n in names)
    return Answer(body=f"<html><body><ul>{items}</ul>{pager}</body></html>".encode())


def crawl_members(server, tmp_path):
    return crawl_in_process("example_members", db=tmp_path / "glocal.db",
                            host_map={"members.example.org": server.address}, settings=KIT_SPIDERS)


def serve_members(server, pages):
    for number, names in enumerate(pages):
        path = "/members" + (f"?page={number}" if number else "")
        server.route(path, members_page(names, next_page=number + 1 if number + 1 < len(pages) else None))


FIVE_MEMBERS = [["Oslo", "Quito"], ["Lima", "Accra"], ["Tshwane"]]


@pytest.fixture(scope="module")
def five_members(tmp_path_factory):
    """The members' site with five members over three pager pages, crawled once for the module."""
    return first_crawl(tmp_path_factory, lambda site: serve_members(site, FIVE_MEMBERS), crawl_members)


@pytest.fixture
def after_five_members(five_members, tmp_path):
    """tmp_path/glocal.db holding a copy of the five members' first crawl."""
    copy_store(five_members[0] / "glocal.db", tmp_path / "glocal.db")
    return tmp_path


def test_a_roster_over_three_pager_pages_is_one_complete_list(five_members):
    tmp_path, run = five_members
    assert run["healthy"] == 1, run["health"]
    (scope,) = rows(tmp_path / "glocal.db", "select kind, complete, healthy, listed from scope_runs")
    assert scope == {"kind": "roster", "complete": 1, "healthy": 1, "listed": 5}


def test_a_roster_member_gone_from_every_page_is_removed_after_two_healthy_runs(server, after_five_members):
    tmp_path = after_five_members
    serve_members(server, [["Oslo", "Quito"], ["Lima", "Accra"], ["Kyiv"]])
    crawl_members(server, tmp_path)
    crawl_members(server, tmp_path)
    removed = rows(tmp_path / "glocal.db", "select entity_key from changes where change = 'removed'")
    assert removed == [{"entity_key": "example_members/tshwane"}]


def test_a_failed_pager_page_makes_the_roster_incomplete_and_removes_nothing(server, after_five_members):
    tmp_path = after_five_members
    serve_members(server, FIVE_MEMBERS)
    server.route("/members?page=2", Answer(status=404))
    for _ in range(3):
        run = crawl_members(server, tmp_path)
    assert run["healthy"] == 0
    (scope,) = rows(tmp_path / "glocal.db", "select complete, healthy, reason from scope_runs where run_id = ?", (run["id"],))
    assert (scope["complete"], scope["healthy"], scope["reason"]) == (0, 0, "HTTP 404")
    assert rows(tmp_path / "glocal.db", "select count(*) as n from changes where change = 'removed'")[0]["n"] == 0


# --- a key with an empty part never reaches the store ------------------------------------------------

def test_a_signature_with_an_empty_key_part_is_dropped_and_its_list_is_incomplete(tmp_path, monkeypatch):
    """A parser that builds keys without key_part (here: every name keyed to "") must not merge rows."""
    from spiders.parsers import c40_accelerators as parser

    monkeypatch.setattr(parser, "key_part", lambda name, what="": "")
    run = replay(tmp_path, "empty-keys", saved_pages(SPIDER, LIST_PAGES, day="2026-11-02"))
    db = tmp_path / "glocal.db"
    assert run["healthy"] == 0
    assert rows(db, "select count(*) as n from signatures")[0]["n"] == 0
    (scope,) = rows(db, "select complete, reason from scope_runs where scope = 'signatures:c40_accelerators/clean-air-cities'")
    assert scope["complete"] == 0 and "never reached the store" in scope["reason"]
