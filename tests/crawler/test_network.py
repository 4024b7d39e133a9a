"""Live crawls over real HTTP against a local server standing in for www.c40.org: manners, the archive,
conditional requests, retries, Retry-After, timeouts and server errors."""

import re
import sqlite3
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from scrapy import signals

from crawler.archive import ArchiveIndex, read_record
from crawler.runner import setting_value
from tests.helpers import FIXTURES, copy_store, crawl_like_cli, fixture_meta
from tests.site_server import Answer, Seen, SiteServer

SPIDER = "c40_accelerators"
PAGES = ["hub.html", "green-healthy-streets.html", "clean-air-cities.html", "net-zero-carbon-buildings.html",
         "good-food-cities.html", "divest-invest.html", "urban-nature.html", "equity-pledge.html",
         "water-safe-cities.html"]
CLEAN_AIR = "/accelerators/clean-air-cities/"
HUB = "/what-we-do/raising-climate-ambition/high-impact-accelerators/"
LISTS = {urlsplit(fixture_meta(SPIDER)[filename]["url"]).path for filename in PAGES[1:]}  # the hub links to them
RETRY_AFTER = 1.0  # seconds
ROBOTS = b"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"


def serve_site(server: SiteServer, *, overrides: dict | None = None, robots: bytes = ROBOTS) -> None:
    meta = fixture_meta(SPIDER)
    for filename in PAGES:
        path = urlsplit(meta[filename]["url"]).path
        server.route(path, Answer(body=(FIXTURES / SPIDER / filename).read_bytes()))
    server.route("/robots.txt", Answer(body=robots, headers={"Content-Type": "text/plain"}, etag=False))
    for path, answers in (overrides or {}).items():
        server.route(path, *answers)


# Fast but still one request at a time per host (see MIN_LIVE_DELAY in crawler/runner.py). In this
# process the site's own download slot (Scrapy's DOWNLOAD_SLOTS) is paced at 5 ms: any delay above 0
# keeps the downloader to one request at a time, and the 0.05 s floor a DOWNLOAD_DELAY gets was most
# of a loopback crawl's waiting. test_one_request_at_a_time_per_host and the crawl children
# (LOOPBACK_SETTINGS) keep the floor.
FAST_SLOTS = {"DOWNLOAD_SLOTS": {"www.c40.org": {"delay": 0.005}}}
LOOPBACK = {"DOWNLOAD_DELAY": 0.05, "AUTOTHROTTLE_ENABLED": False, **FAST_SLOTS}
LOOPBACK_SETTINGS = ("--set", "DOWNLOAD_DELAY=0.05", "--set", "AUTOTHROTTLE_ENABLED=false")  # for child processes


def crawl(server, tmp_path, *settings):
    """A live crawl over real HTTP to the local server, in this process, reported as `glocal crawl`
    reports it; the WARC archive goes beside the database."""
    overrides = dict(LOOPBACK)
    for setting in settings:
        name, _, value = setting.partition("=")
        overrides[name] = setting_value(value)
    return crawl_like_cli(SPIDER, db=tmp_path / "glocal.db", host_map={"www.c40.org": server.address},
                          settings=overrides)


def rows(tmp_path, sql, params=()):
    connection = sqlite3.connect(tmp_path / "glocal.db")
    connection.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in connection.execute(sql, params)]
    finally:
        connection.close()


@pytest.fixture
def server():
    with SiteServer() as site:
        yield site


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory):
    """One healthy live crawl of the whole site, made once for the module: its outcome, the requests
    the site saw and the folder holding its store and WARC. Tests read it as it is, or continue from
    a copy of it (`after_first_crawl`) with a second crawl against a fresh server."""
    folder = tmp_path_factory.mktemp("first-crawl")
    with SiteServer() as site:
        serve_site(site)
        result = crawl(site, folder)
    return SimpleNamespace(result=result, requests=list(site.requests), folder=folder)


@pytest.fixture
def after_first_crawl(first_crawl, tmp_path):
    """tmp_path holding a copy of the first crawl's store: the next crawl there is the site's run 2.
    Its pages still point into the first crawl's WARC, which no test writes to."""
    copy_store(first_crawl.folder / "glocal.db", tmp_path / "glocal.db")
    return tmp_path


# --- manners -------------------------------------------------------------------------------------------

def test_a_live_crawl_is_healthy_and_identifies_itself(first_crawl):
    result = first_crawl.result
    assert result.returncode == 0, result.stdout + result.stderr
    assert "baseline of 9 lists recorded" in result.stdout
    assert len(first_crawl.requests) == 10  # robots.txt and the nine lists
    agents = {r.headers["user-agent"] for r in first_crawl.requests}
    assert len(agents) == 1 and agents.pop().startswith("glocal-watch/0.1 (+https://")


def test_robots_txt_is_read_first_and_obeyed(server, tmp_path):
    serve_site(server, robots=ROBOTS + b"Disallow: /accelerators/urban-nature/\n")
    result = crawl(server, tmp_path)
    assert server.requests[0].path == "/robots.txt"
    assert server.requests_for("/accelerators/urban-nature/") == []
    assert result.returncode == 1  # a list we may not read is reported, not silently skipped
    assert "/accelerators/urban-nature/: IgnoreRequest: Forbidden by robots.txt" in result.stdout


@pytest.mark.parametrize("slots", ["{}", '{"www.c40.org": {"delay": 0}}'], ids=["no slot", "a slot of delay 0"])
def test_one_request_at_a_time_per_host(server, tmp_path, slots):
    # Crawled at the DOWNLOAD_DELAY floor a user gets, not the fast slot of the other tests. Without it
    # the downloader sends every queued list at once: within milliseconds, well inside the slow answer.
    # A site's own slot of delay 0 (DOWNLOAD_SLOTS) would skip the floor: it gets the floor too.
    slow_answer = 0.2  # seconds
    serve_site(server, overrides={path: [Answer(body=(FIXTURES / SPIDER / f"{slug}.html").read_bytes(),
                                                delay=slow_answer)]
                                  for slug, path in [("clean-air-cities", CLEAN_AIR),
                                                     ("urban-nature", "/accelerators/urban-nature/")]})
    crawl(server, tmp_path, f"DOWNLOAD_SLOTS={slots}")
    slow = sorted((r.at for r in server.requests_for(CLEAN_AIR) + server.requests_for("/accelerators/urban-nature/")))
    later = [r.at for r in server.requests if r.at > slow[0]]
    # while one slow page is being answered, no other request reaches the host
    assert later and all(at >= slow[0] + slow_answer - 0.01 for at in later)


# --- the archive ---------------------------------------------------------------------------------------

def test_every_response_is_archived_and_pages_point_into_the_warc(first_crawl):
    (warc,) = (first_crawl.folder / "archive" / SPIDER).glob("*.warc.gz")
    index = ArchiveIndex.load(warc)
    assert "https://www.c40.org/robots.txt" in index  # the site's own URL, not the local server's
    assert "https://www.c40.org/accelerators/clean-air-cities/" in index
    for page in rows(first_crawl.folder, "select * from pages"):
        record = read_record(page["archive"], page["archive_offset"])
        assert record.url == page["url"] and record.status == page["status"]


def test_replaying_the_live_archive_gives_the_same_store(first_crawl, tmp_path):
    (warc,) = (first_crawl.folder / "archive" / SPIDER).glob("*.warc.gz")
    replayed = tmp_path / "replayed"
    replayed.mkdir()
    result = crawl_like_cli(SPIDER, db=replayed / "glocal.db", replay=warc)
    assert result.returncode == 0, result.stdout + result.stderr
    live = rows(first_crawl.folder, "select key, actor_name, first_seen_at from signatures order by key")
    connection = sqlite3.connect(replayed / "glocal.db")
    again = connection.execute("select key, actor_name, first_seen_at from signatures order by key").fetchall()
    connection.close()
    assert [tuple(row.values()) for row in live] == again  # same rows, same capture times
    assert len(live) == 209


# --- conditional requests ------------------------------------------------------------------------------

def test_an_unchanged_page_costs_a_304_and_still_counts_as_seen(server, after_first_crawl):
    tmp_path = after_first_crawl
    serve_site(server)
    result = crawl(server, tmp_path)
    assert result.returncode == 0, result.stdout
    page_requests = [r for r in server.requests if r.path != "/robots.txt"]
    assert len(page_requests) == 9
    assert all(r.headers.get("if-none-match") for r in page_requests)
    assert {r.status for r in page_requests} == {304}
    assert "no changes" in result.stdout
    second = rows(tmp_path, "select status, not_modified_of, archive from pages where run_id = 2 and url like ?",
                  ("%/accelerators/clean-air-cities/",))
    assert second[0]["status"] == 304 and second[0]["not_modified_of"] is not None
    # the list stayed complete: a third run that lost a city would start counting toward its removal
    (scope_run,) = rows(tmp_path, "select complete, healthy, listed from scope_runs where run_id = 2 and scope = ?",
                        ("signatures:c40_accelerators/clean-air-cities",))
    assert scope_run == {"complete": 1, "healthy": 1, "listed": 35}


def test_a_changed_page_is_fetched_in_full(server, after_first_crawl):
    tmp_path = after_first_crawl
    serve_site(server)
    body = (FIXTURES / SPIDER / "clean-air-cities.html").read_bytes().replace(b"Amman, ", b"Amman, Accra, ")
    server.route(CLEAN_AIR, Answer(body=body))
    result = crawl(server, tmp_path)
    assert "1 signature.added" in result.stdout
    assert server.requests_for(CLEAN_AIR)[-1].status == 200


# --- failures --------------------------------------------------------------------------------------------

def test_a_passing_500_is_retried(server, tmp_path):
    body = (FIXTURES / SPIDER / "clean-air-cities.html").read_bytes()
    serve_site(server, overrides={CLEAN_AIR: [Answer(500, b"busy"), Answer(500, b"busy"), Answer(body=body)]})
    result = crawl(server, tmp_path)
    assert result.returncode == 0, result.stdout
    assert [r.status for r in server.requests_for(CLEAN_AIR)] == [500, 500, 200]


def test_a_lasting_500_is_a_health_failure_that_removes_nothing(server, after_first_crawl):
    tmp_path = after_first_crawl
    serve_site(server, overrides={CLEAN_AIR: [Answer(500, b"down")]})
    result = crawl(server, tmp_path)
    assert result.returncode == 1
    assert "https://www.c40.org/accelerators/clean-air-cities/: HTTP 500" in result.stdout
    assert rows(tmp_path, "select count(*) as n from changes where run_id = 2") == [{"n": 0}]


def test_retry_after_is_honoured_and_then_the_host_is_paced_as_before(server, tmp_path):
    # The hub, asked for first, answers 429 once: its retry waits the Retry-After, and the eight lists
    # it links to come at the host's own pace again. (The wait used to stay on the host's slot when
    # AutoThrottle was off, as here: each list waited the Retry-After again.)
    body = (FIXTURES / SPIDER / "hub.html").read_bytes()
    serve_site(server, overrides={HUB: [Answer(429, b"slow down", headers={"Retry-After": f"{RETRY_AFTER:g}"}),
                                        Answer(body=body)]})
    result = crawl(server, tmp_path)
    assert result.returncode == 0, result.stdout
    first, second = server.requests_for(HUB)
    assert second.at - first.at >= RETRY_AFTER  # counted from the 429's answer, sent after `first.at`
    lists = [r.at for r in server.requests if r.at > second.at]
    assert len(lists) == 8
    gaps = sorted(later - earlier for earlier, later in zip([second.at, *lists], lists))
    # Each gap waited the Retry-After again before the fix; a loaded machine may stretch a few, not most.
    assert gaps[len(gaps) // 2] < RETRY_AFTER / 2, gaps


class FirstListThrottled(SiteServer):
    """The site, except that the first of the hub's lists asked for answers 429 with a Retry-After
    (`wait` seconds, after `answer_after` seconds): whichever the crawl asks first, the others are
    then queued behind it on the host's slot. Its later requests are answered as usual."""

    def __init__(self, wait: float, answer_after: float = 0.0):
        super().__init__()
        self.wait, self.answer_after = wait, answer_after
        self.throttled: Seen | None = None

    def _send(self, handler, seen, answer):
        if self.throttled is None and seen.path in LISTS:
            self.throttled = seen
            answer = Answer(429, b"slow down", headers={"Retry-After": f"{self.wait:g}"}, delay=self.answer_after)
        super()._send(handler, seen, answer)

    def after_throttle(self) -> list[Seen]:
        """The requests that reached the site after the throttled one."""
        return [r for r in self.requests if self.throttled is not None and r.at > self.throttled.at]


def test_no_request_of_the_host_slips_out_before_its_retry_after_hold(tmp_path):
    # The 429 takes longer to come than the host's delay, so the slot may send its next queued list
    # the moment the 429 arrives. The hold used to be set in process_response, which runs after the
    # downloader had done just that: one list reached the site at once, inside the wait.
    answer_after = 0.2  # seconds
    with FirstListThrottled(RETRY_AFTER, answer_after=answer_after) as site:
        serve_site(site)
        result = crawl(site, tmp_path)
        later = site.after_throttle()
        throttled = site.throttled
    assert result.returncode == 0, result.stdout
    assert len(later) == 8  # the seven other lists and the retry
    assert min(r.at for r in later) >= throttled.at + answer_after + RETRY_AFTER - 0.01, \
        sorted(round(r.at - throttled.at, 3) for r in later)


def test_a_retry_after_with_no_retry_left_still_holds_the_host(tmp_path):
    # The site asked for a pause; that the crawl will not ask for this page again does not make the
    # other pages of the host welcome sooner. Held only when a retry followed, the seven lists queued
    # behind the 429 went out at once.
    with FirstListThrottled(RETRY_AFTER) as site:
        serve_site(site)
        result = crawl(site, tmp_path, "RETRY_TIMES=0")
        later = site.after_throttle()
        throttled = site.throttled
    assert result.returncode == 1 and "HTTP 429" in result.stdout  # that list failed, as before
    assert len(later) == 7  # the other lists, not the throttled one again
    assert min(r.at for r in later) >= throttled.at + RETRY_AFTER - 0.01, \
        sorted(round(r.at - throttled.at, 3) for r in later)


def test_a_retry_after_beyond_the_limit_gives_up(server, tmp_path):
    serve_site(server, overrides={CLEAN_AIR: [Answer(429, b"come back tomorrow", headers={"Retry-After": "86400"})]})
    result = crawl(server, tmp_path)
    assert len(server.requests_for(CLEAN_AIR)) == 1  # neither waited for nor retried at once
    assert "https://www.c40.org/accelerators/clean-air-cities/: HTTP 429" in result.stdout


# A download timeout short enough not to wait long, then longer ones in case a loaded machine made
# another page take that long too (the test is about the one page that never answers in time).
TIMEOUTS = (0.25, 1, 4)


def timed_out(stdout: str) -> set[str]:
    """The pages a crawl's report names as timed out."""
    return set(re.findall(r"(https://\S+): DownloadTimeoutError", stdout))


def test_a_timeout_is_reported_and_removes_nothing(server, first_crawl, tmp_path):
    serve_site(server)
    body = (FIXTURES / SPIDER / "clean-air-cities.html").read_bytes()
    for attempt, timeout in enumerate(TIMEOUTS):
        folder = tmp_path / f"attempt-{attempt}"  # the site's run 2, after the first crawl
        folder.mkdir()
        copy_store(first_crawl.folder / "glocal.db", folder / "glocal.db")
        server.route(CLEAN_AIR, Answer(body=body, delay=4 * timeout, etag=False))
        result = crawl(server, folder, f"DOWNLOAD_TIMEOUT={timeout}", "RETRY_TIMES=0")
        if timed_out(result.stdout) <= {f"https://www.c40.org{CLEAN_AIR}"}:
            break
    assert result.returncode == 1
    assert "https://www.c40.org/accelerators/clean-air-cities/: DownloadTimeoutError" in result.stdout
    assert "errors logged" not in result.stdout  # one failed page is one failure, reported once
    assert rows(folder, "select count(*) as n from signatures where removed_at is not null") == [{"n": 0}]


def test_a_retry_after_hold_is_a_floor_under_download_jitter_and_leaves_the_slot_its_pacing():
    # Scrapy sends a slot's next request once `lastseen` plus a delay drawn within +-jitter of the
    # slot's delay has passed, and skips that check for a draw of 0: a Retry-After must never come out
    # shorter, and the slot's own delay must be its own again after the wait.
    from time import monotonic

    from scrapy.core.downloader import Slot

    from crawler.middlewares import _hold_slot

    for delay, jitter in ((0.05, 0.0), (0.05, 0.5), (2.0, 0.9), (0.05, 1.5), (0.0, 0.5)):
        slot = Slot(concurrency=1, delay=delay, jitter=jitter)
        before = monotonic()
        lent = _hold_slot(slot, 2.0)
        assert slot.lastseen >= before + 2.0  # counted from the answer, not from when the request left
        assert min(slot.download_delay() for _ in range(2000)) > 0  # so the downloader checks `lastseen`
        if lent is not None:
            lent.give_back(slot)
        assert (slot.delay, slot.jitter) == (delay, jitter), (delay, jitter)
    # A delay AutoThrottle set while the slot was held is AutoThrottle's, not given back over.
    slot = Slot(concurrency=1, delay=0.0, jitter=0.5)
    lent = _hold_slot(slot, 2.0)
    slot.delay = 0.3
    lent.give_back(slot)
    assert (slot.delay, slot.jitter) == (0.3, 0.5)


def test_a_slot_lent_a_delay_for_a_retry_after_gets_its_own_back_once_the_wait_is_over():
    # A slot whose delay can be drawn as 0 (DOWNLOAD_SLOTS with no delay here) would skip the
    # downloader's wait check, so the hold lends it a small delay; the first download of that slot to
    # end after the wait gives it back. Scrapy's real crawler, signals and slot; only the engine, which
    # would start a crawl, is reduced to the downloader's table of slots.
    import time

    from scrapy import Request, Spider
    from scrapy.core.downloader import Slot
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import RetryAfterMiddleware

    crawler = get_crawler(Spider)
    crawler.spider = Spider.from_crawler(crawler, name=SPIDER)
    slot = Slot(concurrency=1, delay=0.0, jitter=0.5)
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(slots={"www.c40.org": slot},
                                                                get_slot_key=lambda request: "www.c40.org"))
    middleware = RetryAfterMiddleware.from_crawler(crawler)
    asked = Request(f"https://www.c40.org{CLEAN_AIR}", meta={"download_slot": "www.c40.org"})
    wait = 0.05
    retry = middleware.process_response(asked, Response(asked.url, status=429, headers={"Retry-After": f"{wait}"},
                                                        request=asked))
    assert isinstance(retry, Request) and retry.url == asked.url
    assert slot.delay > 0 and slot.jitter == 0  # lent: every draw is above 0, so the downloader waits
    crawler.signals.send_catch_log(signal=signals.request_left_downloader, request=asked, spider=crawler.spider)
    assert slot.delay > 0  # a download that ended during the wait gives nothing back
    time.sleep(max(0.0, slot.lastseen - time.monotonic()) + 0.01)
    crawler.signals.send_catch_log(signal=signals.request_left_downloader, request=retry, spider=crawler.spider)
    assert (slot.delay, slot.jitter) == (0.0, 0.5)
    assert middleware.lent == {}


def test_the_hold_is_set_when_the_answer_arrives_once_and_only_for_a_wait_within_the_limit():
    # The downloader's response_downloaded signal holds the slot; process_response, later, retries
    # without holding again. Retries used up: held all the same, the page not asked again. A wait
    # beyond the limit: not held (the page fails; the crawl does not sit out a day).
    from scrapy import Request, Spider
    from scrapy.core.downloader import Slot
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import RetryAfterMiddleware

    crawler = get_crawler(Spider, settings_dict={"RETRY_TIMES": 2, "CRAWL_MAX_RETRY_AFTER": 300})
    crawler.spider = Spider.from_crawler(crawler, name=SPIDER)
    slot = Slot(concurrency=1, delay=0.05, jitter=0.0)
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(slots={"www.c40.org": slot},
                                                                get_slot_key=lambda request: "www.c40.org"))
    middleware = RetryAfterMiddleware.from_crawler(crawler)

    def answer(wait: str, **meta):
        request = Request(f"https://www.c40.org{CLEAN_AIR}", meta={"download_slot": "www.c40.org", **meta})
        response = Response(request.url, status=429, headers={"Retry-After": wait}, request=request)
        slot.lastseen = 0.0
        crawler.signals.send_catch_log(signal=signals.response_downloaded, response=response, request=request,
                                       spider=crawler.spider)
        held_at = slot.lastseen
        return request, response, held_at

    request, response, held_at = answer("30")
    assert held_at > 0  # held before the response goes up through the middlewares
    retry = middleware.process_response(request, response)
    assert isinstance(retry, Request) and slot.lastseen == held_at  # not held a second time
    assert "glocal_retry_after_held" not in retry.meta
    for meta in ({"retry_times": 2}, {"max_retry_times": 0}):
        request, response, held_at = answer("30", **meta)
        assert held_at > 0, meta
        assert middleware.process_response(request, response) is response and slot.lastseen == held_at
    request, response, held_at = answer("3000")
    assert held_at == 0.0
    assert middleware.process_response(request, response) is response and slot.lastseen == 0.0
