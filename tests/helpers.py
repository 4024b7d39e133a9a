"""Helpers shared by the tests: saved pages, archives built from them, and the glocal command."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from scrapy.http import HtmlResponse, Request

from crawler.archive import ArchivedResponse, build_archive, pages_from_fixtures

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent


@dataclass
class Page:
    html: str
    url: str
    fetched_at: str


def fixture_meta(spider: str) -> dict:
    return json.loads((FIXTURES / spider / "meta.json").read_text(encoding="utf-8"))


def load_fixture(spider: str, filename: str) -> Page:
    info = fixture_meta(spider)[filename]
    html = (FIXTURES / spider / filename).read_text(encoding="utf-8")
    return Page(html=html, url=info["url"], fetched_at=info["fetched_at"])


def html_response(spider: str, filename: str) -> HtmlResponse:
    page = load_fixture(spider, filename)
    return HtmlResponse(url=page.url, body=page.html.encode("utf-8"), encoding="utf-8", request=Request(page.url))


def saved_pages(spider: str, files: list[str], *, day: str | None = None, edits: dict | None = None,
                statuses: dict | None = None) -> list[ArchivedResponse]:
    """Fixture pages as archive records, optionally re-dated, edited (file -> fn(bytes) -> bytes)
    or answering another status (file -> (status, body))."""
    meta = fixture_meta(spider)
    by_url = {meta[f]["url"]: f for f in files}
    pages = []
    for page in pages_from_fixtures(FIXTURES / spider, only=files):
        filename = by_url[page.url]
        if day:
            page = dataclasses.replace(page, fetched_at=day + page.fetched_at[10:])
        if edits and filename in edits:
            page = dataclasses.replace(page, body=edits[filename](page.body))
        if statuses and filename in statuses:
            status, body = statuses[filename]
            page = dataclasses.replace(page, status=status, body=body)
        pages.append(page)
    return pages


def archive_of(path: Path, pages: list[ArchivedResponse]) -> Path:
    return build_archive(pages, path)


def glocal(*args, env: dict | None = None, timeout: int = 180, wrapper: list[str] = ()) -> subprocess.CompletedProcess:
    """Run the installed `glocal` command as a user would, in a child process (under `wrapper`,
    e.g. a privilege drop, when given)."""
    command = [*wrapper, str(Path(sys.executable).parent / "glocal"), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=ROOT)
