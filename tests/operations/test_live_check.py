"""glocal check: a scratch crawl per spider and a verdict that names what is wrong.

One replay has a redesigned accelerator page, another a hub behind a Cloudflare challenge; the
check must call the first blind with the missing landmark, the second blind with the blocking
status and the headers naming the protection, pass the intact sample, and never touch the
real store.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from kit.bot_walls import blocking_reason
from tests.helpers import FIXTURES, archive_of, glocal, saved_pages

SPIDER = "c40_accelerators"
PAGES = ["robots.txt", "hub.html", "green-healthy-streets.html", "clean-air-cities.html",
         "net-zero-carbon-buildings.html", "good-food-cities.html", "divest-invest.html", "urban-nature.html",
         "equity-pledge.html", "water-safe-cities.html"]
CHALLENGE = (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
             b"<div id=\"challenge-platform\">Checking your browser before accessing www.c40.org.</div></body></html>")


def run_check(tmp_path, archive, *extra):
    real = tmp_path / "real" / "glocal.db"
    result = glocal("check", SPIDER, "--replay", archive, "--scratch", tmp_path / "scratch", "--json", *extra,
                    env={"GLOCAL_DB": str(real)})
    return result, real


@pytest.fixture(scope="module")
def redesigned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("redesigned")
    pages = [p for p in saved_pages(SPIDER, PAGES) if not p.url.endswith("/clean-air-cities/")]
    pages += [p for p in saved_pages(SPIDER, ["redesigned.html"])]
    return run_check(tmp, archive_of(tmp / "redesigned.warc.gz", pages))


@pytest.fixture(scope="module")
def challenged(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("challenged")
    pages = []
    for page in saved_pages(SPIDER, PAGES):
        if page.url.endswith("/high-impact-accelerators/"):
            page = dataclasses.replace(page, status=403, body=CHALLENGE, headers=[
                ("Content-Type", "text/html; charset=UTF-8"), ("Server", "cloudflare"),
                ("cf-mitigated", "challenge"), ("cf-ray", "8f1b2c3d4e5f6a7b-FRA")])
        pages.append(page)
    return run_check(tmp, archive_of(tmp / "challenged.warc.gz", pages))


def verdict_of(result):
    return json.loads(result.stdout)["spiders"][0]


def test_a_redesigned_page_makes_the_spider_blind(redesigned):
    result, _ = redesigned
    assert result.returncode == 1, result.stderr
    verdict = verdict_of(result)
    assert verdict["verdict"] == "blind"
    assert verdict["landmarks"]["signatory_list"] == "missing on https://www.c40.org/accelerators/clean-air-cities/"
    assert verdict["landmarks"]["accelerator_links"] == "found"


def test_the_reason_describes_the_missing_landmark_in_words(redesigned):
    reasons = " ".join(verdict_of(redesigned[0])["reasons"])
    assert 'a line "Signatory cities:"' in reasons


def test_a_challenge_page_is_called_blocking_with_its_headers(challenged):
    result, _ = challenged
    assert result.returncode == 1
    verdict = verdict_of(result)
    hub = next(p for p in verdict["pages"] if p["url"].endswith("/high-impact-accelerators/"))
    assert hub["status"] == 403
    assert hub["blocked"].startswith("HTTP 403: a challenge page by Cloudflare")
    assert hub["headers"] == {"server": "cloudflare", "cf-ray": "8f1b2c3d4e5f6a7b-FRA", "cf-mitigated": "challenge"}
    assert verdict["verdict"] == "blind"


def test_nothing_reaches_the_real_store(redesigned, challenged):
    for result, real in (redesigned, challenged):
        assert not real.exists()
        assert not real.parent.exists()


def test_the_intact_sample_passes(tmp_path):
    result = glocal("check", SPIDER, "--replay", FIXTURES / "sample.warc.gz", "--scratch", tmp_path / "s",
                    env={"GLOCAL_DB": str(tmp_path / "real.db")})
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"{SPIDER}: OK")
    assert "landmark signatory_list: found" in result.stdout
    assert not (tmp_path / "real.db").exists()


def test_the_responses_are_archived_in_the_scratch_folder(redesigned):
    scratch = json.loads(redesigned[0].stdout)["scratch"]
    from pathlib import Path

    assert list(Path(scratch).glob("check.db"))


def test_a_used_scratch_folder_is_refused(tmp_path):
    first = glocal("check", SPIDER, "--replay", FIXTURES / "sample.warc.gz", "--scratch", tmp_path / "s",
                   env={"GLOCAL_DB": str(tmp_path / "real.db")})
    again = glocal("check", SPIDER, "--replay", FIXTURES / "sample.warc.gz", "--scratch", tmp_path / "s",
                   env={"GLOCAL_DB": str(tmp_path / "real.db")})
    assert first.returncode == 0
    assert again.returncode == 1 and "already holds a check" in again.stderr


@pytest.mark.parametrize(("status", "headers", "body", "expected"), [
    (403, {"Server": "cloudflare"}, CHALLENGE, "a challenge page by Cloudflare"),
    (200, {}, CHALLENGE, "HTTP 200: a challenge page"),
    (403, {"Server": "nginx"}, b"<html>Forbidden</html>", "HTTP 403: forbidden"),
    (503, {"Server": "AkamaiGHost"}, b"<html>busy</html>", "forbidden by Akamai"),
    (200, {"Server": "cloudflare"}, b"<html><body>" + b"Signatory cities: Paris, Rome." * 10 + b"</body></html>", None),
    (503, {"Server": "nginx"}, b"<html>maintenance</html>", None),
])
def test_blocking_reasons(status, headers, body, expected):
    reason = blocking_reason(status, headers, body)
    if expected is None:
        assert reason is None
    else:
        assert expected in reason


def test_an_archive_without_the_start_url_is_said_so(tmp_path):
    archive = archive_of(tmp_path / "other.warc.gz", saved_pages(SPIDER, ["clean-air-cities.html"]))
    result, real = run_check(tmp_path, archive)
    assert result.returncode == 1
    verdict = verdict_of(result)
    assert verdict["verdict"] == "blind"
    assert "has no record of https://www.c40.org/what-we-do/" in verdict["reasons"][0]
