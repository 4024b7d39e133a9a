"""The source kit's Batch and walk (spiders/base.py): a scope gathered over several pages and
reported once the last of them is read, paged listings read one after the other as one list, and
one paged list declared by its parser (PagedList) and walked by its spider (PagedListSpider);
and the session's `known()` narrowed to one list's scope and to the URLs items were seen at."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import settings as project_settings
from kit.errors import ParseError
from kit.items import APPEND_ONLY, ROSTER, Announcement, Instrument, Scope, ScopeReport, Signature
from kit.routing import Routes
from spiders.base import Batch, GlocalSpider, Listing, PagedListSpider
from spiders.parsers.listing_page import ListingPage, PagedList

SOURCE = "kit_test"
NEWS = Scope(Announcement, APPEND_ONLY, "announcements:kit_test")
REVIEWS = Scope(Instrument, ROSTER, "instruments:kit_test", landmark="reviews")
SUBMITTERS = Scope(Signature, ROSTER, "signatures:kit_test", landmark="reviews")


def story(key, title="T", url="https://example.org/news"):
    return Announcement(source=SOURCE, key=f"{SOURCE}/{key}", url=url, title=title, scope=NEWS.name)


def review(key, title="R"):
    return Instrument(source=SOURCE, key=f"{SOURCE}/{key}", url="https://example.org/a", title=title,
                      kind="voluntary_local_review", scope=REVIEWS.name)


def submitter(key):
    return Signature(source=SOURCE, key=f"{SOURCE}/{key}/city", url="https://example.org/a",
                     instrument_key=f"{SOURCE}/{key}", actor_name="City", scope=SUBMITTERS.name)


# --- Batch ------------------------------------------------------------------------------------------

def test_a_batch_reports_once_its_last_page_has_arrived_then_each_key_once():
    batch = Batch(SOURCE, NEWS, "https://example.org/news")
    batch.expect(2)
    batch.add([story("a", "first"), story("b")])
    assert list(batch.arrived()) == [] and not batch.done
    batch.add([story("a", "second"), story("c")])
    report, *items = batch.arrived()
    assert isinstance(report, ScopeReport) and report.complete and report.reason is None
    assert report.keys == ["kit_test/a", "kit_test/b", "kit_test/c"]
    assert [i.title for i in items if i.key == "kit_test/a"] == ["first"]  # the first page to show a key wins
    assert list(batch.arrived()) == []  # reported once


def test_a_preferred_item_replaces_the_one_seen_first():
    batch = Batch(SOURCE, NEWS, "https://example.org/news")
    batch.expect()
    batch.add([story("a", "from a post")])
    batch.add([story("a", "from its own page")], prefer=True)
    _, item = batch.arrived()
    assert item.title == "from its own page"


def test_items_of_other_scopes_come_after():
    batch = Batch(SOURCE, REVIEWS, "https://example.org/a")
    batch.expect()
    batch.add([review("x")])
    batch.after.append(submitter("x"))
    out = list(batch.arrived())
    assert [type(o).__name__ for o in out] == ["ScopeReport", "Instrument", "Signature"]


def test_a_batch_of_several_scopes_reports_each_with_its_own_keys():
    batch = Batch(SOURCE, (REVIEWS, SUBMITTERS), "https://example.org/a")
    batch.expect()
    batch.add([review("x"), submitter("x"), review("y")])
    instruments, signatures, *items = batch.arrived()
    assert (instruments.scope, instruments.entity, instruments.keys) == (
        REVIEWS.name, "instrument", ["kit_test/x", "kit_test/y"])
    assert (signatures.scope, signatures.entity, signatures.keys) == (SUBMITTERS.name, "signature", ["kit_test/x/city"])
    assert len(items) == 3


@pytest.mark.parametrize("mark,complete,fetched,rejected", [
    (lambda b: b.fail("https://example.org/news?page=1: HTTP 500", fetched=False), False, False, False),
    (lambda b: b.fail("no cards", landmarks=("cards",)), False, True, True),
    (lambda b: b.partial.append("stopped after 5 known items in a row"), False, True, False),
    (lambda b: b.notes.append("read from the meeting pages"), True, True, False),
    (lambda b: b.gaps.append("an entry had no date"), True, True, False),
])
def test_what_a_page_went_through_decides_the_report(mark, complete, fetched, rejected):
    batch = Batch(SOURCE, NEWS, "https://example.org/news")
    batch.expect()
    batch.add([story("a")])
    mark(batch)
    report, _ = batch.arrived()
    assert (report.complete, report.fetched, report.rejected) == (complete, fetched, rejected)
    assert report.reason  # always said in words
    assert report.landmarks_missing == (["cards"] if rejected else [])


def test_only_the_first_ten_gaps_reach_the_reason():
    batch = Batch(SOURCE, NEWS, "https://example.org/news")
    batch.expect()
    batch.gaps.extend(f"gap {n}" for n in range(15))
    (report,) = batch.arrived()
    assert report.reason == "; ".join(f"gap {n}" for n in range(10))


# --- walk: paged listings read as one list ----------------------------------------------------------

class WalkSpider(GlocalSpider):
    name = SOURCE


def page_of(items, next_url=None, gaps=()):
    return lambda html, url: ListingPage(items=list(items), next_url=next_url, gaps=list(gaps))


def answer(request, status=200):
    """Run a walk request's callback (or errback) on a made-up answer; what it yields."""
    if status != 200:
        response = HtmlResponse(request.url, status=status, body=b"<html></html>", request=request)
        failure = Failure(HttpError(response))
        failure.request = request  # as Scrapy hands an errback its failure
        return list(request.errback(failure))
    response = HtmlResponse(request.url, body=b"<html><body>list</body></html>", encoding="utf-8", request=request)
    return list(request.callback(response, **request.cb_kwargs))


def pages(**parse):
    """A parser that reads each URL as `parse[url's last letter]` says."""
    return lambda html, url: parse[url[-1]](html, url)


def test_a_walk_reads_every_page_of_every_listing_then_reports_one_list():
    one = pages(a=page_of([review("x", "DESA"), submitter("x")], next_url="https://one.org/b"),
                b=page_of([review("y")]))
    two = pages(c=page_of([review("x", "Habitat"), review("z")]))
    batch = Batch(SOURCE, (REVIEWS, SUBMITTERS), "https://one.org/a")
    (first,) = WalkSpider().walk(batch, [Listing("https://one.org/a", one), Listing("https://two.org/c", two)])
    (second,) = answer(first)
    assert second.url == "https://one.org/b" and second.dont_filter
    (third,) = answer(second)
    assert third.url == "https://two.org/c"
    instruments, signatures, *items = answer(third)
    assert instruments.complete and instruments.keys == ["kit_test/x", "kit_test/y", "kit_test/z"]
    assert signatures.keys == ["kit_test/x/city"] and instruments.url == "https://one.org/a"
    assert [i.title for i in items if i.key == "kit_test/x"] == ["DESA"]  # the first list to name it wins


def test_an_append_only_listing_read_up_to_its_page_cap_is_complete():
    listing = Listing("https://one.org/a", pages(a=page_of([story("a")], next_url="https://one.org/b")), max_pages=1)
    (request,) = WalkSpider().walk(Batch(SOURCE, NEWS, "https://one.org/a"), [listing])
    report, _ = answer(request)
    assert report.complete and report.reason is None


def test_a_roster_whose_pager_goes_on_past_the_cap_is_incomplete():
    listing = Listing("https://one.org/a", pages(a=page_of([review("x")], next_url="https://one.org/b")), max_pages=1)
    (request,) = WalkSpider().walk(Batch(SOURCE, REVIEWS, "https://one.org/a"), [listing])
    report, _ = answer(request)
    assert not report.complete and report.fetched
    assert report.reason == "https://one.org/a: stopped after 1 pages, the pager goes on"


def test_a_failed_page_ends_its_listing_the_next_is_still_read():
    one = Listing("https://one.org/a", pages(a=page_of([review("x")])))
    two = Listing("https://two.org/c", pages(c=page_of([review("z")], gaps=["an entry had no year"])))
    (first,) = WalkSpider().walk(Batch(SOURCE, REVIEWS, "https://one.org/a"), [one, two])
    (second,) = answer(first, status=500)
    assert second.url == "https://two.org/c"
    report, item = answer(second)
    assert not report.complete and not report.fetched and report.keys == ["kit_test/z"]
    assert report.reason == "https://one.org/a: HTTP 500; an entry had no year"
    assert report.url == "https://two.org/c"  # the first page that answered


def test_a_page_the_parser_refuses_ends_its_listing_without_refusing_the_list():
    def broken(html, url):
        raise ParseError("no heading", landmarks=("heading",))

    (request,) = WalkSpider().walk(Batch(SOURCE, REVIEWS, "https://one.org/a"), [Listing("https://one.org/a", broken)])
    (report,) = answer(request)
    assert not report.complete and report.fetched and not report.rejected
    assert report.reason == "no heading"


def test_a_pager_pointing_back_ends_its_listing_and_the_next_is_read():
    looping = Listing("https://one.org/a", pages(a=page_of([review("x")], next_url="https://one.org/a")))
    two = Listing("https://two.org/c", pages(c=page_of([review("z")])))
    (request,) = WalkSpider().walk(Batch(SOURCE, REVIEWS, "https://one.org/a"), [looping, two])
    (second,) = answer(request)  # page a is not asked again
    assert second.url == "https://two.org/c"
    report, *_ = answer(second)
    assert report.complete and report.keys == ["kit_test/x", "kit_test/z"]


# --- the session's known(), narrowed --------------------------------------------------------------

@pytest.fixture
def session(tmp_path):
    from crawler.session import CrawlSession
    from store import open_db

    db = open_db(tmp_path / "glocal.db")
    db["announcements"].insert_all([
        {"key": "kit_test/a", "url": "https://example.org/new/a/", "scope": "announcements:kit_test/new"},
        {"key": "kit_test/b", "url": "https://example.org/es/new/b-es/", "scope": "announcements:kit_test/new"},
        {"key": "kit_test/c", "url": "https://example.org/news/c", "scope": "announcements:kit_test/news"},
    ])
    session = CrawlSession.__new__(CrawlSession)  # only its store is needed to answer
    session.db = db
    yield session
    db.close()


def test_known_keys_in_any_scope(session):
    assert session.known("announcement", ["kit_test/a", "kit_test/c", "kit_test/z"]) == {"kit_test/a", "kit_test/c"}


def test_known_keys_of_one_scope(session):
    assert session.known("announcement", ["kit_test/a", "kit_test/c"],
                         scope="announcements:kit_test/new") == {"kit_test/a"}


def test_a_key_is_known_by_the_url_it_was_seen_at(session):
    urls = ["https://example.org/es/new/b-es/", "https://example.org/new/z/"]
    keys = ["kit_test/b-es", "kit_test/z"]
    assert session.known("announcement", keys, scope="announcements:kit_test/new", urls=urls) == {"kit_test/b-es"}
    assert session.known("announcement", keys, scope="announcements:kit_test/news", urls=urls) == set()


# --- PagedList: one paged list, declared by its parser, walked by PagedListSpider ---------------------

NEWS_PAGES = PagedList("https://one.org/a", NEWS, pages(a=page_of([story("a"), story("b")], next_url="https://one.org/b"),
                                                       b=page_of([story("c")], next_url="https://one.org/c"),
                                                       c=page_of([story("d")])))


class PagedNewsSpider(PagedListSpider):
    name = SOURCE
    parser = SimpleNamespace(LISTING=NEWS_PAGES, ROUTES=Routes(NEWS_PAGES.route(r"one\.org", returns="items 1")))
    start_urls = [NEWS_PAGES.start_url]
    pages_setting = "UNHABITAT_NEWS_PAGES"  # any page-count setting of crawler/settings.py


async def first_requests(spider):
    return [request async for request in spider.start()]


def walked(spider):
    (request,) = asyncio.run(first_requests(spider))
    out = []
    while request is not None:
        out = answer(request)
        request = next((o for o in out if isinstance(o, Request)), None)
    return out


def test_a_paged_list_routes_its_pages_to_their_items():
    route = PagedNewsSpider.parser.ROUTES.match("https://one.org/a")
    assert route.scope is NEWS and route.example == "https://one.org/a" and route.parse.__name__ == "parse_items"
    assert [item.key for item in route.parse("<html></html>", "https://one.org/a")] == ["kit_test/a", "kit_test/b"]


@pytest.mark.parametrize("pages,keys", [(1, ["a", "b"]), (2, ["a", "b", "c"]), (5, ["a", "b", "c", "d"])])
def test_a_paged_list_spider_walks_as_many_pages_as_its_setting_says(pages, keys):
    spider = PagedNewsSpider()
    spider.settings = Settings({"UNHABITAT_NEWS_PAGES": pages})
    report, *items = walked(spider)
    assert report.complete and report.scope == NEWS.name and report.url == "https://one.org/a"
    assert [item.key for item in items] == [f"kit_test/{k}" for k in keys]


def test_without_the_setting_the_default_of_crawler_settings_counts():
    spider = PagedNewsSpider()
    spider.settings = Settings()
    _, *items = walked(spider)
    assert len(items) == {1: 2, 2: 3}.get(project_settings.UNHABITAT_NEWS_PAGES, 4)
