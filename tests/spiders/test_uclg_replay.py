"""The three UCLG spiders through the real Scrapy engine, replaying archives built from the saved pages:
baselines, an unchanged re-crawl that stops early, a new item, a failing listing page, an events API that
answers HTML or 403, and a new declaration appearing in the news."""

import json

import pytest

from tests.helpers import archive_of, query, replay_like_cli, saved_pages

NEWS_PAGES = ["news-page-0.html", "news-page-1.html", "news-page-2.html", "announcements-page-0.html",
              "new-listing.html", "new-jan-van-zanen.html", "new-36072.html", "new-san-jose.html",
              "new-durban-es.html", "new-no-date.html"]
EVENT_PAGES = ["api-conferences.json", "meetings-directory.html", "meeting-2226.html", "meeting-1823.html",
               "events-listing.html", "event-world-assembly-abu-dhabi.html", "event-montevideo-bureau.html",
               "event-u20-buenos-aires.html", "event-bogota-congress.html", "event-brussels-bureau.html",
               "event-porto-alegre-2015.html", "event-rabat-congress.html"]
DECLARATION_PAGES = ["rabat.html", "bogota.html", "durban.html", "rome-charter.html", "pact.html", "lampedusa.html"]
LOGIN_PAGE = b"<!DOCTYPE html><html><body><h1>Log in</h1><form action='/users/sign_in'></form></body></html>"


def changes(db, run_id, notify=1):
    return [(c["entity"], c["change"], c["entity_key"]) for c in query(
        db, "select * from changes where run_id = ? and notify = ? order by id", (run_id, notify))]


def crawl(folder, db, spider, name, pages, **settings):
    """Replay `pages` through the real spider, pipeline and store, in this process."""
    result = replay_like_cli(spider, archive_of(folder / f"{spider}-{name}.warc.gz", pages), db, settings=settings)
    assert result.run is not None, f"{spider} wrote no run row"
    return result


# --- uclg_news ---------------------------------------------------------------------------------------

def new_item_on_page_0(body: bytes) -> bytes:
    row = (b'<div class="views-row views-row-0 views-row-first">'
           b'<div class="views-field views-field-title"><span class="field-content">'
           b'<a href="/en/media/news/world-council-2026-tangier">The World Council meets in Tangier</a></span></div>'
           b'<div class="views-field views-field-field-tags"><div class="field-content">'
           b'<a href="/en/taxonomy/term/108">World Council</a> - 27/11/2026</div></div>'
           b'<div class="views-field views-field-body"><div class="field-content"><p>The World Council opens in '
           b'Tangier. <a href="/en/media/news/world-council-2026-tangier">(+)</a></p></div></div></div>')
    marker = b'<div class="view-content">'
    assert marker in body
    return body.replace(marker, marker + row, 1)


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uclg_news")
    db = folder / "glocal.db"
    steps = [
        ("baseline", saved_pages("uclg_news", NEWS_PAGES, day="2026-11-20")),
        ("unchanged", saved_pages("uclg_news", NEWS_PAGES, day="2026-11-21")),
        ("unchanged-again", saved_pages("uclg_news", NEWS_PAGES, day="2026-11-22")),
        ("new-item", saved_pages("uclg_news", NEWS_PAGES, day="2026-11-23",
                                 edits={"news-page-0.html": new_item_on_page_0})),
    ]
    results = {name: crawl(folder, db, "uclg_news", name, pages, CRAWL_STOP_AFTER_KNOWN=5)
               for name, pages in steps}
    return {"db": db, "results": results}


def test_news_baseline_is_healthy_and_quiet(news):
    result = news["results"]["baseline"]
    assert result.returncode == 0, result.stdout
    assert "baseline of 3 lists recorded, nothing to alert" in result.stdout
    assert changes(news["db"], 1) == []


def test_news_baseline_walks_every_page(news):
    (run,) = query(news["db"], "select pages, items, healthy from crawl_runs where id = 1")
    assert run == {"pages": 10, "items": 22, "healthy": 1}


def test_news_baseline_rows(news):
    assert query(news["db"], "select count(*) as n from announcements where first_run_id = 1")[0]["n"] == 22
    (row,) = query(news["db"], "select * from announcements where key = ?",
                   ("uclg_news/world-council-konya-renews-commitment-localization",))
    assert (row["title"], row["published_on"], row["tags"], row["scope"]) == (
        "The World Council in Konya renews the commitment to localization", "2023-11-14", "World Council, Governance",
        "announcements:uclg_news/news")
    assert row["first_seen_at"] == "2026-11-20T07:00:00Z"


def test_news_items_without_dates_are_stored_without_dates(news):
    rows = query(news["db"], "select key from announcements where published_on is null order by key")
    assert [r["key"] for r in rows] == [
        "uclg_news/executive-bureau-montevideo-2019", "uclg_news/lampedusa-charter-presented-daejeon",
        "uclg_news/local-and-regional-governments-un-habitat-assembly",
        "uclg_news/uclg-at-the-local2030-coalition-hub-launch"]


def test_news_spanish_copy_is_stored_under_the_english_key(news):
    (row,) = query(news["db"], "select * from announcements where key = 'uclg_news/the-durban-political-declaration'")
    assert row["url"] == "https://uclg.org/es/new/la-declaracion-politica-de-durban/"
    assert row["published_on"] == "2019-11-26"


def test_incremental_recrawl_of_an_unchanged_site_reads_only_the_first_listing_pages(news):
    for run_id in (2, 3):
        (run,) = query(news["db"], "select pages, healthy from crawl_runs where id = ?", (run_id,))
        assert run == {"pages": 3, "healthy": 1}  # news page 0, announcements page 0, the new listing
        urls = {r["url"] for r in query(news["db"], "select url from pages where run_id = ?", (run_id,))}
        assert urls == {"https://www.uclg.org/en/media/news", "https://www.uclg.org/en/media/announcements",
                        "https://uclg.org/new/"}
        assert changes(news["db"], run_id) == []


def test_incremental_runs_never_remove_news(news):
    assert query(news["db"], "select count(*) as n from announcements where removed_at is not null")[0]["n"] == 0
    assert query(news["db"], "select count(*) as n from changes where change = 'removed'")[0]["n"] == 0


def test_a_new_item_is_the_only_alert(news):
    assert changes(news["db"], 4) == [("announcement", "added", "uclg_news/world-council-2026-tangier")]
    (row,) = query(news["db"], "select published_on, tags from announcements where key = ?",
                   ("uclg_news/world-council-2026-tangier",))
    assert row == {"published_on": "2026-11-27", "tags": "World Council"}


def test_a_listing_page_that_fails_makes_its_list_incomplete(tmp_path):
    db = tmp_path / "glocal.db"
    pages = saved_pages("uclg_news", NEWS_PAGES, statuses={"news-page-1.html": (500, b"<html>Error</html>")})
    result = crawl(tmp_path, db, "uclg_news", "error", pages)
    assert result.returncode == 1
    assert "https://www.uclg.org/en/media/news?page=1: HTTP 500" in result.stdout
    (scope,) = query(db, "select complete, healthy from scope_runs where scope = 'announcements:uclg_news/news'")
    assert scope == {"complete": 0, "healthy": 0}
    # the other listings were read and stored
    assert query(db, "select count(*) as n from announcements where scope = 'announcements:uclg_news/new'")[0]["n"] == 5


# --- uclg_events -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def events(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uclg_events")
    runs = {}
    for name, statuses in {"api": {}, "html": {"api-conferences.json": (200, LOGIN_PAGE)},
                           "forbidden": {"api-conferences.json": (403, b"Forbidden")}}.items():
        db = folder / f"{name}.db"
        pages = saved_pages("uclg_events", EVENT_PAGES, statuses=statuses)
        if name == "html":  # the archived answer says text/html, as a login page would
            pages = [p if not p.url.endswith("/api") else _as_html(p) for p in pages]
        runs[name] = {"db": db, "result": crawl(folder, db, "uclg_events", name, pages)}
    return runs


def _as_html(page):
    import dataclasses

    headers = [(k, "text/html; charset=utf-8" if k.lower() == "content-type" else v) for k, v in page.headers]
    return dataclasses.replace(page, headers=headers)


def test_events_from_the_api_and_the_old_site(events):
    run = events["api"]
    assert run["result"].returncode == 0, run["result"].stdout
    assert query(run["db"], "select count(*) as n from events")[0]["n"] == 15
    (row,) = query(run["db"], "select * from events where key = 'uclg_events/uclgmeets/worldcouncil2021'")
    assert (row["starts_on"], row["ends_on"], row["city"], row["country"], row["series"], row["edition"]) == (
        "2021-11-17", "2021-11-18", "Barcelona", "ES", "World Council", "2021")
    (row,) = query(run["db"], "select * from events where key = 'uclg_events/urban-20-mayors-summit'")
    assert (row["starts_on"], row["ends_on"], row["city"], row["country"]) == ("2018-10-29", "2018-10-30",
                                                                              "Buenos Aires", "AR")


def test_events_api_run_does_not_read_meeting_pages(events):
    urls = {r["url"] for r in query(events["api"]["db"], "select url from pages")}
    assert "https://www.uclgmeets.org/meetings/" not in urls


@pytest.mark.parametrize("name,reason", [("html", "did not answer JSON"), ("forbidden", "HTTP 403")])
def test_api_failure_falls_back_to_meeting_pages_and_flags_the_run(events, name, reason):
    run = events[name]
    assert run["result"].returncode == 1  # the run is unhealthy: the operator learns the API broke
    assert reason in run["result"].stdout
    keys = {r["key"] for r in query(run["db"], "select key from events where scope = 'events:uclg_events/uclgmeets'")}
    assert keys == {"uclg_events/uclgmeets/meeting-2226", "uclg_events/uclgmeets/meeting-1823"}
    (scope,) = query(run["db"], "select complete, healthy, reason from scope_runs "
                                "where scope = 'events:uclg_events/uclgmeets'")
    assert (scope["complete"], scope["healthy"]) == (1, 1)
    assert "read from the meeting pages" in scope["reason"]
    assert query(run["db"], "select count(*) as n from events where scope = 'events:uclg_events/uclg.org'")[0]["n"] == 7


def test_fallback_meeting_matches_the_api_meeting(events):
    api = query(events["api"]["db"], "select * from events where key = 'uclg_events/uclgmeets/meeting-2226'")[0]
    page = query(events["html"]["db"], "select * from events where key = 'uclg_events/uclgmeets/meeting-2226'")[0]
    for column in ("title", "starts_on", "ends_on", "city", "country", "series", "edition"):
        assert api[column] == page[column], column


# --- uclg_declarations -------------------------------------------------------------------------------

def tangier_post_in_listing(body: bytes) -> bytes:
    card = (b'<article class="post-card"><a class="post-card__link" '
            b'href="https://uclg.org/new/the-tangier-political-declaration/"><h3 class="post-card__title">'
            b'The Tangier Political Declaration of the 8th UCLG World Congress</h3>'
            b'<span class="post-card__date">28.11.2026</span></a></article>')
    marker = b'<div class="posts-grid">'
    assert marker in body
    return body.replace(marker, marker + card, 1)


@pytest.fixture(scope="module")
def declarations(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uclg_declarations")
    db = folder / "glocal.db"
    baseline = saved_pages("uclg_declarations", DECLARATION_PAGES, day="2026-11-22") + \
        saved_pages("uclg_news", ["new-listing.html"], day="2026-11-22")
    later = saved_pages("uclg_declarations", DECLARATION_PAGES + ["tangier-declaration.html"], day="2026-11-29") + \
        saved_pages("uclg_news", ["new-listing.html"], day="2026-11-29",
                    edits={"new-listing.html": tangier_post_in_listing})
    results = {"baseline": crawl(folder, db, "uclg_declarations", "baseline", baseline),
               "tangier": crawl(folder, db, "uclg_declarations", "tangier", later)}
    return {"db": db, "results": results}


def test_declarations_baseline(declarations):
    result = declarations["results"]["baseline"]
    assert result.returncode == 0, result.stdout
    assert "baseline of 2 lists recorded, nothing to alert" in result.stdout
    rows = query(declarations["db"], "select key, issuer, adopted_on from instruments where first_run_id = 1 "
                                     "order by key")
    assert [(r["key"].split("/")[1], r["issuer"], r["adopted_on"]) for r in rows] == [
        ("bogota-commitment", "UCLG World Council", "2016-10-15"),
        ("durban-political-declaration", "UCLG World Congress", None),
        ("lampedusa-charter", "UCLG", None),
        ("pact-for-the-future", "UCLG World Council", "2022-10-14"),
        ("rabat-declaration", "UCLG World Congress", "2013-10-04"),
        ("rome-charter", "UCLG", None),
    ]


def test_rome_charter_adherents_are_signatures(declarations):
    rows = query(declarations["db"],
                 "select * from signatories where instrument_key = 'uclg_declarations/rome-charter'")
    assert len(rows) == 47
    (scope,) = query(declarations["db"], "select listed, stated, healthy from scope_runs where run_id = 1 and "
                                         "scope = 'signatures:uclg_declarations/rome-charter'")
    assert scope == {"listed": 47, "stated": 45, "healthy": 1}


def test_a_new_declaration_in_the_news_is_instrument_added(declarations):
    result = declarations["results"]["tangier"]
    assert result.returncode == 0, result.stdout
    assert changes(declarations["db"], 2) == [
        ("instrument", "added", "uclg_declarations/tangier-political-declaration")]
    (row,) = query(declarations["db"], "select * from instruments where key = ?",
                   ("uclg_declarations/tangier-political-declaration",))
    assert (row["issuer"], row["place"], row["adopted_on"]) == ("UCLG World Congress", "Tangier", None)


def test_instrument_added_is_recorded_for_alerts(declarations):
    (change,) = query(declarations["db"], "select diff from changes where run_id = 2 and change = 'added'")
    assert json.loads(change["diff"])["title"] == "Tangier Political Declaration"


# --- health: a listing that yields nothing, a field that vanishes ------------------------------------

def without_teaser_links(body: bytes) -> bytes:
    return body.replace(b">(+)</a>", b">Read more</a>")


def without_date_lines(body: bytes) -> bytes:
    import re

    return re.sub(rb" - \d{2}/\d{2}/\d{4}", b"", body)


def test_a_listing_whose_items_vanish_fails_the_health_check(tmp_path):
    db = tmp_path / "glocal.db"
    pages = saved_pages("uclg_news", NEWS_PAGES, edits={"news-page-0.html": without_teaser_links})
    result = crawl(tmp_path, db, "uclg_news", "blind", pages)
    assert result.returncode == 1
    assert 'no item with a "(+)" link on https://www.uclg.org/en/media/news' in result.stdout
    (scope,) = query(db, "select complete, healthy from scope_runs where scope = 'announcements:uclg_news/news'")
    assert scope == {"complete": 0, "healthy": 0}
    stored = query(db, "select count(*) as n from announcements where scope = 'announcements:uclg_news/news'")
    assert stored[0]["n"] == 0


def test_dates_vanishing_from_every_listing_page_fail_the_health_check(tmp_path):
    db = tmp_path / "glocal.db"
    edits = {name: without_date_lines for name in ("news-page-0.html", "news-page-1.html", "news-page-2.html",
                                                   "announcements-page-0.html")}
    result = crawl(tmp_path, db, "uclg_news", "dateless", saved_pages("uclg_news", NEWS_PAGES, edits=edits))
    assert result.returncode == 1
    assert "announcement.published_on is empty in 18 of 22 items" in result.stdout
    assert query(db, "select count(*) as n from announcements")[0]["n"] == 22  # kept with what is known


def test_events_whose_dates_vanish_fail_the_health_check(tmp_path):
    db = tmp_path / "glocal.db"

    def no_dates(body: bytes) -> bytes:
        import re

        body = re.sub(rb'"(startDate|endDate|startTime|endTime)": "[^"]*"', rb'"\1": null', body)
        return body

    def no_date_line(body: bytes) -> bytes:
        import re

        return re.sub(rb"<p>[^<]*\d{4}\. ", b"<p>", body, count=1)

    edits = {"api-conferences.json": no_dates}
    edits.update({name: no_date_line for name in EVENT_PAGES if name.startswith("event-")})
    result = crawl(tmp_path, db, "uclg_events", "dateless", saved_pages("uclg_events", EVENT_PAGES, edits=edits))
    assert result.returncode == 1
    assert "event.starts_on is empty in 15 of 15 items" in result.stdout


# --- the bundled sample --------------------------------------------------------------------------------

@pytest.mark.parametrize("spider", ["uclg_news", "uclg_events", "uclg_declarations"])
def test_the_sample_archive_holds_every_start_url(spider):
    from crawler.archive import ArchiveIndex
    from cli.common import spider_class
    from tests.helpers import FIXTURES

    index = ArchiveIndex.load(FIXTURES / "sample.warc.gz")
    assert [url for url in spider_class(spider).start_urls if url not in index] == []


def test_a_lost_event_page_leaves_the_other_events_standing(tmp_path):
    db = tmp_path / "glocal.db"
    pages = saved_pages("uclg_events", EVENT_PAGES, statuses={"event-u20-buenos-aires.html": (404, b"Not found")})
    crawl(tmp_path, db, "uclg_events", "lost", pages)
    (scope,) = query(db, "select complete, healthy, reason from scope_runs where scope = 'events:uclg_events/uclg.org'")
    assert (scope["complete"], scope["healthy"]) == (0, 1)  # partial, as an append-only listing may be
    assert "https://www.uclg.org/en/media/events/urban-20-mayors-summit: HTTP 404" in scope["reason"]
    stored = query(db, "select count(*) as n from events where scope = 'events:uclg_events/uclg.org'")
    assert stored[0]["n"] == 6
