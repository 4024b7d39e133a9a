"""Pages too large or nested too deep are rejected with a reason, in linear time; extraction of
what is accepted costs the same at any depth."""

import sqlite3
import time

import pytest

from kit.errors import ParseError
from crawler import settings
from kit.page_limits import PageRejected, check_page, markup_depth
from spiders.parsers import c40_accelerators as parser
from tests.helpers import FIXTURES, archive_of, load_fixture, replay_like_cli, saved_pages
from tests.crawler.test_replay_e2e import LIST_PAGES

CLEAN_AIR = load_fixture("c40_accelerators", "clean-air-cities.html")
# The kit knows no settings: a crawl passes CRAWL_MAX_PAGE_CHARS and CRAWL_MAX_PAGE_DEPTH, as here.
MAX_PAGE_DEPTH = settings.CRAWL_MAX_PAGE_DEPTH
LIMITS = {"max_chars": settings.CRAWL_MAX_PAGE_CHARS, "max_depth": MAX_PAGE_DEPTH}


def inside_main(html: str, markup: str) -> str:
    start = html.index(">", html.index("<main")) + 1
    return html[:start] + markup + html[start:]


def nests(depth: int, size: int) -> str:
    chunk = "<b>" * depth + "x" + "</b>" * depth
    return chunk * (size // len(chunk))


def test_the_saved_pages_are_far_inside_the_limits():
    for page in FIXTURES.glob("*/*.html"):
        text = page.read_text(encoding="utf-8")
        assert markup_depth(text) <= 40, page
        check_page(text, str(page), **LIMITS)


def test_unclosed_inline_tags_are_rejected_fast():
    html = inside_main(CLEAN_AIR.html, "<b><i>x " * 8000)  # 16,000 open elements, ~100 KB
    started = time.thread_time()  # CPU time: the check's cost, not the machine's load
    with pytest.raises(PageRejected, match=f"more than {MAX_PAGE_DEPTH} elements deep") as raised:
        check_page(html, CLEAN_AIR.url, **LIMITS)
    assert time.thread_time() - started < 1.0
    assert raised.value.landmarks == ("page_limits",)
    assert isinstance(raised.value, ParseError)  # the spider reports it like any unreadable page


def test_a_page_over_the_size_limit_is_rejected():
    with pytest.raises(PageRejected, match="over the limit of 1,000"):
        check_page("<p>" + "x" * 2000 + "</p>", "https://example.org/", max_chars=1000, max_depth=MAX_PAGE_DEPTH)


def test_the_limits_are_the_callers_to_give():
    """No limit of the kit's own that could drift from the settings: both are required."""
    with pytest.raises(TypeError, match="max_chars"):
        check_page("<p>x</p>", "https://example.org/", max_depth=MAX_PAGE_DEPTH)
    with pytest.raises(TypeError, match="max_depth"):
        check_page("<p>x</p>", "https://example.org/", max_chars=1000)
    check_page("{}", "https://example.org/a.json", max_chars=1000, max_depth=None)  # not markup: size only


def test_depth_is_counted_as_the_parser_nests():
    assert markup_depth("<html><body><p>a<p>b<p>c</body></html>") == 3  # <p> closes <p>
    assert markup_depth("<html><body>" + "<div>" * 300 + "</body></html>") == 302


def timed_parse(html: str) -> float:
    """CPU seconds of this thread: other processes (parallel test workers) cannot skew the ratios."""
    started = time.thread_time()
    items = list(parser.parse_accelerator(html, CLEAN_AIR.url))
    assert len(items) == 37  # the page's list is still read whole
    return time.thread_time() - started


def test_extraction_costs_the_same_at_any_accepted_depth():
    flat = timed_parse(inside_main(CLEAN_AIR.html, nests(1, 200_000)))
    deep = timed_parse(inside_main(CLEAN_AIR.html, nests(MAX_PAGE_DEPTH - 10, 200_000)))
    # before: size x depth (a 40 KB page of 8,000 nested tags took 96 s); now within noise of flat
    assert deep < 3 * flat + 0.5, (flat, deep)


def test_extraction_grows_linearly_with_the_page():
    small = timed_parse(inside_main(CLEAN_AIR.html, nests(100, 100_000)))
    large = timed_parse(inside_main(CLEAN_AIR.html, nests(100, 400_000)))
    assert large < 8 * small + 0.5, (small, large)  # quadratic would be 16x


def test_a_crawl_rejects_a_too_deep_list_page_and_changes_nothing_in_it(tmp_path):
    db = tmp_path / "glocal.db"
    baseline = archive_of(tmp_path / "a.warc.gz", saved_pages("c40_accelerators", LIST_PAGES, day="2026-11-02"))
    assert replay_like_cli("c40_accelerators", baseline, db).returncode == 0

    def bury(body: bytes) -> bytes:
        return inside_main(body.decode(), "<b><i>x " * 5000).replace("Amman, ", "").encode()

    deep = archive_of(tmp_path / "b.warc.gz", saved_pages("c40_accelerators", LIST_PAGES, day="2026-11-09",
                                                          edits={"clean-air-cities.html": bury}))
    result = replay_like_cli("c40_accelerators", deep, db, timeout=60)
    assert result.returncode == 1
    assert "nests its markup more than 256 elements deep" in result.stdout
    connection = sqlite3.connect(db)
    scope = connection.execute("select complete, healthy, reason from scope_runs where run_id = 2 and "
                               "scope = 'signatures:c40_accelerators/clean-air-cities'").fetchone()
    assert scope[:2] == (0, 0) and "not parsed" in scope[2]
    # nothing in any list changed; only the spider's health incident is recorded (alerts/health.py)
    assert connection.execute("select entity, change from changes where run_id = 2").fetchall() in ([], [("health", "failed")])
    connection.close()
