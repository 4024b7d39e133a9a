"""covenant_signatories over real HTTP on 127.0.0.1: the last listing page times out."""

import pytest

from spiders.parsers import covenant as com
# The listing's last page never answers in time: a download timeout short enough not to wait long,
# then longer ones in case a loaded machine made another page take that long too.
from tests.crawler.test_network import TIMEOUTS
from tests.helpers import FIXTURES, copy_store, crawl_like_cli, query
from tests.site_server import Answer, SiteServer

SPIDER = "covenant_signatories"
PAGES = [(FIXTURES / SPIDER / f"signatories-page-{n}.html").read_bytes() for n in range(3)]


@pytest.fixture
def server():
    with SiteServer() as site:
        site.route("/robots.txt", Answer(body=b"User-agent: *\nDisallow: /admin/\n",
                                         headers={"Content-Type": "text/plain"}, etag=False))
        yield site


def crawl(server, tmp_path, **settings):
    """A live crawl to the local server, in this process, reported as `glocal crawl` reports it; the
    site's own download slot paced at 5 ms (one request at a time, see tests/crawler/test_network.py)."""
    return crawl_like_cli(SPIDER, db=tmp_path / "glocal.db", host_map={"eu-mayors.ec.europa.eu": server.address},
                          settings={"DOWNLOAD_DELAY": 0.05, "AUTOTHROTTLE_ENABLED": False, "RETRY_TIMES": 0,
                                    "DOWNLOAD_SLOTS": {"eu-mayors.ec.europa.eu": {"delay": 0.005}},
                                    "STORE_REMOVAL_RUNS": 1, **settings})


def rows(tmp_path, sql):
    return query(tmp_path / "glocal.db", sql)


def test_a_timed_out_last_page_keeps_every_signatory(server, tmp_path):
    # The server ignores the query string: the listing path answers page 0, 1, 2 in turn.
    server.route("/en/signatories", *(Answer(body=page) for page in PAGES))
    first = crawl(server, tmp_path)
    assert first.returncode == 0, first.stderr
    assert rows(tmp_path, "select count(*) n from signatures")[0]["n"] == 25
    assert len([r for r in server.requests if r.path != "/robots.txt"]) == 3  # each page asked for once a run

    for attempt, timeout in enumerate(TIMEOUTS):
        folder = tmp_path / f"attempt-{attempt}"  # run 2, after the first crawl
        folder.mkdir()
        copy_store(tmp_path / "glocal.db", folder / "glocal.db")
        server.served.clear()
        server.requests.clear()
        server.route("/en/signatories", Answer(body=PAGES[0]), Answer(body=PAGES[1]),
                     Answer(body=PAGES[2], delay=4 * timeout))
        second = crawl(server, folder, DOWNLOAD_TIMEOUT=timeout)
        scope = rows(folder, f"select * from scope_runs where run_id = 2 and scope = '{com.SIGNATURE_SCOPE}'")[0]
        if "page 2" in (scope["reason"] or ""):  # not an earlier page, timed out on a loaded machine
            break
    assert second.returncode == 1 and "UNHEALTHY" in second.stdout + second.stderr
    assert scope["complete"] == 0 and "page 2" in scope["reason"]
    assert f"took longer than {float(timeout)} seconds" in scope["reason"]
    assert rows(folder, "select count(*) n from signatures where removed_at is null")[0]["n"] == 25
    assert rows(folder, "select count(*) n from changes where change = 'removed'")[0]["n"] == 0
    requested = [r.path for r in server.requests if r.path != "/robots.txt"]
    assert len(requested) == 3  # and once in this run too
