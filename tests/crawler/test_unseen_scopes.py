"""Every scope the spider asked for ends the run observed, or named as not observed: an off-site
redirect, a redirect loop. Nothing is concluded about a list that was not seen."""

import pytest

from tests.site_server import Answer, SiteServer
from tests.crawler.test_network import crawl, rows, serve_site

CLEAN_AIR = "/accelerators/clean-air-cities/"
CLEAN_AIR_URL = "https://www.c40.org/accelerators/clean-air-cities/"
SCOPE = "signatures:c40_accelerators/clean-air-cities"


@pytest.fixture
def server():
    with SiteServer() as site:
        yield site


def test_an_off_site_redirect_is_named_and_removes_nothing(server, tmp_path):
    serve_site(server)
    assert crawl(server, tmp_path).returncode == 0
    server.route(CLEAN_AIR, Answer(status=301, headers={"Location": "https://elsewhere.example.org/clean-air/"}))
    for _ in range(2):  # K=2 runs that miss every name would remove them, were the list taken as seen
        result = crawl(server, tmp_path)
        assert result.returncode == 1
        assert (f"{CLEAN_AIR_URL}: not observed: redirected to https://elsewhere.example.org/clean-air/, "
                "which was not followed") in result.stdout
    assert [r.path for r in server.requests if "elsewhere" in r.headers.get("host", "")] == []
    health = rows(tmp_path, "select complete, healthy, reason from scope_runs where scope = ? order by id", (SCOPE,))
    assert [(h["complete"], h["healthy"]) for h in health] == [(1, 1), (0, 0), (0, 0)]
    assert rows(tmp_path, "select count(*) as n from signatures where scope = ? and removed_at is null",
                (SCOPE,))[0]["n"] == 35
    assert rows(tmp_path, "select count(*) as n from changes where change = 'removed'")[0]["n"] == 0


def test_a_redirect_loop_is_named(server, tmp_path):
    serve_site(server, overrides={CLEAN_AIR: [Answer(status=302, headers={"Location": CLEAN_AIR_URL})]})
    result = crawl(server, tmp_path)
    assert result.returncode == 1
    assert f"{CLEAN_AIR_URL}: " in result.stdout and "UNHEALTHY" in result.stdout
    health = rows(tmp_path, "select complete, healthy from scope_runs where scope = ?", (SCOPE,))
    assert [(h["complete"], h["healthy"]) for h in health] == [(0, 0)]


def test_a_replayed_off_site_redirect_is_named_too(tmp_path):
    """The health reason names the redirect in a replay as in a live crawl (issue 20: it said
    "requested but never answered" when the 301 came from an archive)."""
    import dataclasses

    from tests.helpers import archive_of, glocal, saved_pages
    from tests.faults.clock_trials import LIST_PAGES

    pages = saved_pages("c40_accelerators", LIST_PAGES, day="2026-11-02")
    pages = [dataclasses.replace(p, status=301, body=b"", headers=[("Location", "https://elsewhere.example.org/x/")])
             if p.url == CLEAN_AIR_URL else p for p in pages]
    archive = archive_of(tmp_path / "redirect.warc.gz", pages)
    result = glocal("crawl", "c40_accelerators", "--replay", archive, "--db", tmp_path / "glocal.db")
    assert result.returncode == 1
    assert (f"{CLEAN_AIR_URL}: not observed: redirected to https://elsewhere.example.org/x/, "
            "which was not followed") in result.stdout + result.stderr


def test_a_redirect_chain_is_named_to_the_hop_that_left_the_site(server, tmp_path):
    """A list page that moves on the site, then off it: the reason names every hop, so it ends at
    the address that was not followed (it named only the first hop, which had been followed)."""
    moved = "/accelerators/clean-air-cities-moved/"
    serve_site(server, overrides={
        CLEAN_AIR: [Answer(status=301, headers={"Location": moved})],
        moved: [Answer(status=302, headers={"Location": "https://elsewhere.example.org/clean-air/"})]})
    result = crawl(server, tmp_path)
    assert result.returncode == 1
    assert (f"{CLEAN_AIR_URL}: not observed: redirected to https://www.c40.org{moved}, then to "
            "https://elsewhere.example.org/clean-air/, which was not followed") in result.stdout, result.stdout
