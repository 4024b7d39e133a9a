"""Signing dates from the news, end to end: the accelerator page lists Clean Air's signatories (no dates);
news posts say who signed when; the store keeps both, and `glocal signatories` shows the dates.

Replays in capture order: (1) the accelerator pages, the Clean Air page listing the 35 launch cities
plus Accra, Addis Ababa and Nairobi; (2) the news without the 2024 post on those three (the baseline
of the news: the 2019 launch post dates the 35); (3) the news with that post."""

import json

import pytest

from tests.helpers import FIXTURES, archive_of, query as query_db, replay_like_cli, run_cli, saved_pages

CLEAN_AIR = "c40_accelerators/clean-air-cities"
PAGE_SCOPE = f"signatures:{CLEAN_AIR}"
JOIN_POST = "accra-addis-ababa-and-nairobi-join-c40-clean-air-accelerator"
THREE = ["Accra", "Addis Ababa", "Nairobi"]
ACCELERATOR_PAGES = ["hub.html", "green-healthy-streets.html", "clean-air-cities.html", "net-zero-carbon-buildings.html",
                     "good-food-cities.html", "divest-invest.html", "urban-nature.html", "equity-pledge.html",
                     "water-safe-cities.html"]


def three_more_on_the_page(body: bytes) -> bytes:
    assert b"Warsaw, Washington D.C." in body
    return body.replace(b"Warsaw, Washington D.C.", b"Warsaw, Washington D.C., Accra, Addis Ababa, Nairobi")


NEWS = FIXTURES / "c40_news"
ALL_POSTS = [post for name in ("posts-page-1.json", "posts-page-2.json")
             for post in json.loads((NEWS / name).read_text(encoding="utf-8"))]
BEFORE = [post for post in ALL_POSTS if post["slug"] != JOIN_POST]  # the site before the post was published


def before_page(number: int):
    return lambda body: json.dumps(BEFORE[(number - 1) * 10: number * 10]).encode()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dates")
    db = folder / "glocal.db"
    accelerators = saved_pages("c40_accelerators", ACCELERATOR_PAGES, day="2026-11-02",
                               edits={"clean-air-cities.html": three_more_on_the_page})
    before = saved_pages("c40_news", ["posts-page-1.json", "posts-page-2.json"], day="2026-11-03",
                         edits={"posts-page-1.json": before_page(1), "posts-page-2.json": before_page(2)})
    after = saved_pages("c40_news", ["posts-page-1.json", "posts-page-2.json"], day="2026-11-04")
    results = {
        "page": replay_like_cli("c40_accelerators", archive_of(folder / "a.warc.gz", accelerators), db),
        "news_before": replay_like_cli("c40_news", archive_of(folder / "n1.warc.gz", before), db),
        "news_after": replay_like_cli("c40_news", archive_of(folder / "n2.warc.gz", after), db),
    }
    results["signatories"] = run_cli("signatories", "clean-air-cities", "--db", db)
    results["signatories_json"] = run_cli("signatories", "clean-air-cities", "--json", "--db", db)
    return {"db": db, "results": results}


def query(store, sql, params=()):
    return query_db(store["db"], sql, params)


@pytest.mark.parametrize("step", ["page", "news_before", "news_after", "signatories"])
def test_every_step_succeeds(store, step):
    result = store["results"][step]
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("city", THREE)
def test_each_of_the_three_carries_the_post_date(store, city):
    (row,) = query(store, "select * from signatures where source = 'c40_news' and instrument_key = ? "
                          "and actor_name = ?", (CLEAN_AIR, city))
    assert row["signed_on"] == "2024-06-05"
    assert row["url"] == f"https://www.c40.org/news/{JOIN_POST}/"
    assert row["scope"] == "signatures:c40_news"
    assert row["first_seen_at"] == "2026-11-04T09:00:00Z"  # when the post was captured, not when signed


@pytest.mark.parametrize("city", THREE)
def test_the_news_row_and_the_page_row_are_one_actor(store, city):
    actors = query(store, "select distinct actor_id from signatures where instrument_key = ? and actor_name = ?",
                   (CLEAN_AIR, city))
    assert len(actors) == 1


def test_the_join_post_is_an_alert_once_the_news_has_a_baseline(store):
    alerted = query(store, "select entity_key from changes where notify = 1 and entity = 'signature' order by id")
    assert [r["entity_key"] for r in alerted] == [
        f"c40_news/{JOIN_POST}/clean-air-cities/{city}" for city in ("accra", "addis-ababa", "nairobi")]


def test_the_page_list_is_undisturbed(store):
    page_rows = query(store, "select * from signatures where scope = ? and removed_at is null", (PAGE_SCOPE,))
    assert len(page_rows) == 38
    assert {r["signed_on"] for r in page_rows} == {None}  # the page prints no dates; the news row holds them
    assert {r["source"] for r in page_rows} == {"c40_accelerators"}
    assert {r["first_seen_at"] for r in page_rows} == {"2026-11-02T08:15:06Z"}


def test_the_news_runs_change_nothing_in_the_page_scope(store):
    assert query(store, "select count(*) as n from changes where scope = ? and run_id > 1", (PAGE_SCOPE,))[0]["n"] == 0


def test_the_news_runs_touch_no_page_row(store):
    assert query(store, "select count(*) as n from signatures where scope = ? and last_seen_run_id > 1",
                 (PAGE_SCOPE,))[0]["n"] == 0


def test_signatories_lists_the_page_count(store):
    out = store["results"]["signatories"].stdout
    assert out.splitlines()[0].endswith("(c40_accelerators/clean-air-cities): 38 signatories")


@pytest.mark.parametrize("city", THREE)
def test_signatories_shows_the_join_date(store, city):
    (line,) = [line for line in store["results"]["signatories"].stdout.splitlines() if line.startswith(f"  {city},")]
    assert "on the list since 2026-11-02" in line  # the list shows it: one line, the news date beside
    assert "signed 2024-06-05 (c40_news)" in line


def test_signatories_shows_the_launch_date_of_the_first_35(store):
    (line,) = [line for line in store["results"]["signatories"].stdout.splitlines() if line.startswith("  London,")]
    assert "signed 2019-10-11" in line


def test_signatories_json_names_the_evidence(store):
    rows = {r["name_as_published"]: r for r in json.loads(store["results"]["signatories_json"].stdout)}
    assert rows["Nairobi"]["signed_on_url"] == f"https://www.c40.org/news/{JOIN_POST}/"
    assert (rows["Nairobi"]["signed_on_source"], rows["Nairobi"]["signed_on_from"]) == ("c40_news", "news")
    assert rows["Nairobi"]["on_list"] == 1 and rows["Nairobi"]["standing"] == "listed"
    assert len(rows) == 38


def test_no_city_is_listed_twice(store):
    out = store["results"]["signatories"].stdout
    assert "not on the list" not in out


def test_the_signing_dates_view_puts_both_dates_side_by_side(store):
    rows = {r["name_as_published"]: r for r in query(
        store, "select * from signing_dates where instrument_key = ?", (CLEAN_AIR,))}
    assert len(rows) == 38
    assert rows["Nairobi"]["first_seen_at"] == "2026-11-02T08:15:06Z"
    assert rows["Nairobi"]["signed_on_list"] is None
    assert rows["Nairobi"]["signed_on_evidence"] == "2024-06-05"
    assert rows["Nairobi"]["evidence_url"] == f"https://www.c40.org/news/{JOIN_POST}/"
    assert rows["Durban (eThekwini)"]["signed_on_evidence"] == "2019-10-11"
