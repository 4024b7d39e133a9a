"""c40_news through the real engine, replaying archives of the saved posts: a first run walks every
page, an incremental re-crawl of the unchanged site reads only the first, `--full` walks again; each
way of reading (REST, RSS, HTML) takes over when the one before answers 403, HTML or nothing."""

import json

import pytest

from tests.helpers import archive_of, query, replay_like_cli, replay_steps, saved_pages

SPIDER = "c40_news"
REST = ["posts-page-1.json", "posts-page-2.json"]
FEED = ["feed.xml", "feed-page-2.xml"]
HTML = ["listing-1.html", "listing-2.html"] + sorted(
    name for name in json.loads(open("tests/fixtures/c40_news/meta.json").read()) if name.startswith("article-"))
INFO = 'LOG_LEVEL="INFO"'
rows = query


# --- incremental -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def incremental(tmp_path_factory):
    folder = tmp_path_factory.mktemp("news")
    db = folder / "glocal.db"
    steps = [("first", "2026-11-02", []), ("unchanged", "2026-11-03", []), ("full", "2026-11-04", ["CRAWL_FULL=true"])]
    results = replay_steps(folder, SPIDER, [(name, saved_pages(SPIDER, REST, day=day), extra)
                                            for name, day, extra in steps], INFO, db=db)
    return {"db": db, "results": results, "stats": {name: result.stats for name, result in results.items()}}


@pytest.mark.parametrize("step", ["first", "unchanged", "full"])
def test_every_run_is_healthy(incremental, step):
    result = incremental["results"][step]
    assert result.returncode == 0, result.stdout + result.stderr


def test_first_run_walks_every_rest_page(incremental):
    assert incremental["stats"]["first"]["c40_news/requests/rest"] == 2


def test_incremental_rerun_of_an_unchanged_site_reads_only_the_first_page(incremental):
    stats = incremental["stats"]["unchanged"]
    assert stats["c40_news/requests/rest"] == 1
    assert stats["downloader/request_count"] == 2  # robots.txt and REST page 1, nothing else


def test_incremental_rerun_says_where_it_stopped(incremental):
    (run,) = rows(incremental["db"], "select reason from scope_runs where run_id = 2 and scope = 'announcements:c40_news'")
    assert run["reason"].startswith("stopped paging at https://www.c40.org/wp-json/wp/v2/posts?per_page=10&page=1")


def test_incremental_rerun_uses_no_other_way(incremental):
    stats = incremental["stats"]["unchanged"]
    assert not [name for name in stats if name.startswith("c40_news/requests/") and not name.endswith("/rest")]


def test_full_walks_every_page_again(incremental):
    stats = incremental["stats"]["full"]
    assert stats["c40_news/requests/rest"] == 2
    (run,) = rows(incremental["db"], "select complete from scope_runs where run_id = 3 and scope = 'announcements:c40_news'")
    assert run["complete"] == 1


def test_incremental_run_removes_nothing(incremental):
    assert rows(incremental["db"], "select count(*) as n from announcements where removed_at is null")[0]["n"] == 12
    assert rows(incremental["db"], "select count(*) as n from changes where change = 'removed'")[0]["n"] == 0


def test_announcements_carry_the_publication_dates(incremental):
    dates = {r["key"]: r["published_on"] for r in rows(incremental["db"], "select * from announcements")}
    assert dates["c40_news/35-cities-unite-to-clean-the-air-their-citizens-breathe-protecting-the-health-of-millions"] \
        == "2019-10-11"
    assert dates["c40_news/press-release-climate-summit-for-local-leaders"] == "2015-12-04"


def test_first_run_is_a_quiet_baseline(incremental):
    assert rows(incremental["db"], "select count(*) as n from changes where notify = 1")[0]["n"] == 0


# --- the fallbacks -----------------------------------------------------------------------------------

def crawl(tmp_path, pages, *extra):
    archive = archive_of(tmp_path / "news.warc.gz", pages)
    result = replay_like_cli(SPIDER, archive, tmp_path / "glocal.db", INFO, *extra)
    return result, result.stats, tmp_path / "glocal.db"


def test_a_403_from_the_api_falls_back_to_the_feed(tmp_path):
    pages = saved_pages(SPIDER, ["posts-page-1.json"] + FEED,
                        statuses={"posts-page-1.json": (403, b"<html><body>Forbidden</body></html>")})
    result, stats, db = crawl(tmp_path, pages)
    assert result.returncode == 0, result.stdout + result.stderr
    assert stats["c40_news/requests/feed"] == 2
    assert rows(db, "select count(*) as n from announcements")[0]["n"] == 12


def test_html_instead_of_json_falls_back_to_the_feed(tmp_path):
    result, stats, db = crawl(tmp_path, saved_pages(SPIDER, ["rest-challenge.html"] + FEED))
    assert result.returncode == 0, result.stdout + result.stderr
    assert stats["c40_news/requests/rest"] == 1 and stats["c40_news/requests/feed"] == 2
    (row,) = rows(db, "select published_on from announcements where key = ?",
                  ("c40_news/accra-addis-ababa-and-nairobi-join-c40-clean-air-accelerator",))
    assert row["published_on"] == "2024-06-05"


def test_without_api_or_feed_the_html_listing_and_articles_are_read(tmp_path):
    result, stats, db = crawl(tmp_path, saved_pages(SPIDER, ["rest-no-route.json"] + HTML))
    assert result.returncode == 0, result.stdout + result.stderr
    assert stats["c40_news/requests/listing"] == 2
    assert stats["c40_news/requests/article"] == 13
    assert rows(db, "select count(*) as n from announcements")[0]["n"] == 13


def test_an_article_without_a_date_is_kept_without_one(tmp_path):
    _, _, db = crawl(tmp_path, saved_pages(SPIDER, ["rest-no-route.json"] + HTML))
    (row,) = rows(db, "select * from announcements where key = 'c40_news/green-healthy-streets-september'")
    assert row["published_on"] is None
    assert row["title"] == "34 cities worldwide are now committed to C40’s Green and Healthy Streets Declaration"
    signed = rows(db, "select signed_on from signatures where key like 'c40_news/green-healthy-streets-september/%'")
    assert len(signed) == 5 and {r["signed_on"] for r in signed} == {None}


def test_when_no_way_works_the_run_is_unhealthy_and_says_why(tmp_path):
    pages = saved_pages(SPIDER, ["posts-page-1.json"], statuses={"posts-page-1.json": (403, b"Forbidden")})
    result, _, db = crawl(tmp_path, pages)
    assert result.returncode == 1
    (run,) = rows(db, "select * from crawl_runs")
    assert run["healthy"] == 0
    assert "posts?per_page=10&page=1&orderby=date&order=desc answered HTTP 403" in run["summary"]
    assert "https://www.c40.org/news/feed/ answered HTTP 404" in run["summary"]
    assert "https://www.c40.org/news/category/press-release/ answered HTTP 404" in run["summary"]


# --- health -------------------------------------------------------------------------------------------

def without_titles(body: bytes) -> bytes:
    posts = json.loads(body)
    for post in posts:
        post["title"] = {"rendered": ""}
    return json.dumps(posts).encode()


def test_titles_vanishing_make_the_run_unhealthy(tmp_path):
    pages = saved_pages(SPIDER, REST, edits={"posts-page-1.json": without_titles})
    result, _, db = crawl(tmp_path, pages)
    assert result.returncode == 1
    (run,) = rows(db, "select * from crawl_runs")
    assert run["healthy"] == 0
    assert "10 errors logged" in run["summary"]
    assert rows(db, "select count(*) as n from announcements")[0]["n"] == 2  # page 2 kept its titles


def test_a_listing_that_yields_nothing_makes_the_run_unhealthy(tmp_path):
    pages = saved_pages(SPIDER, ["posts-page-1.json"], edits={"posts-page-1.json": lambda body: b"[]"})
    result, _, db = crawl(tmp_path, pages)
    assert result.returncode == 1
    (run,) = rows(db, "select * from crawl_runs")
    assert "0 announcement items (at least 1 expected)" in run["summary"]
    assert "holds no posts" in run["summary"]
