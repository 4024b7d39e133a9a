"""Download handlers: replay from a WARC instead of the network, or send real HTTP to a local
server standing in for a site (tests). Both work below every middleware, so the spider, robots.txt,
retries, redirects, decompression, the archive and the store run exactly as in a live crawl."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from w3lib.url import canonicalize_url

from crawler.archive import ArchiveIndex

logger = logging.getLogger(__name__)

_INDEXES: dict[str, ArchiveIndex] = {}


def archive_index(path: str) -> ArchiveIndex:
    """The index of a WARC, read once per process (the CLI validates it before the crawl starts)."""
    if path not in _INDEXES:
        _INDEXES[path] = ArchiveIndex.load(path)
    return _INDEXES[path]


class ReplayDownloadHandler(BaseDownloadHandler):
    """Answers every http(s) request from the WARC named by ARCHIVE_REPLAY_FILE.

    A URL the archive does not hold is a 404, as on a site that lost the page. The response
    carries its capture time and place in `request.meta["glocal_archived"]`, which the archive
    middleware turns into the `pages` row.
    """

    lazy = False

    def __init__(self, crawler):
        super().__init__(crawler)
        self.index = archive_index(crawler.settings["ARCHIVE_REPLAY_FILE"])
        # What the archive holds, for a spider that must not ask for pages it lacks (untc_status):
        # spiders reach it through their crawler, never by importing the crawl machinery.
        crawler.glocal_replay_index = self.index
        self._canonical = {canonicalize_url(url): url for url in self.index.entries}

    async def download_request(self, request) -> Response:
        url = request.url
        if url not in self.index:
            url = self._canonical.get(canonicalize_url(request.url), url)
        archived = self.index.read(url) if url in self.index else None
        if archived is None:
            level = logging.DEBUG if request.url.endswith("/robots.txt") else logging.WARNING
            logger.log(level, "not in the archive: %s (answered 404)", request.url)
            return Response(request.url, status=404, body=b"", request=request, flags=["replay", "missing"])
        request.meta["glocal_archived"] = {
            "archive": archived.archive, "offset": archived.offset, "fetched_at": archived.fetched_at,
        }
        return scrapy_response(archived, request, flag="replay")


def scrapy_response(archived, request, *, flag: str) -> Response:
    """An archived response as the Scrapy response of `request` (Html/Text/plain by its headers)."""
    headers = Headers(archived.headers)
    cls = responsetypes.from_args(headers=headers, url=request.url, body=archived.body)
    return cls(url=request.url, status=archived.status, headers=headers, body=archived.body, request=request,
               flags=[flag])


class LoopbackDownloadHandler(BaseDownloadHandler):
    """Real HTTP, but to the local server CRAWL_HOST_MAP names for each site host.

    The spider, robots.txt and the archive keep seeing the site's own URLs; only the socket goes
    to 127.0.0.1. Hosts not in the map are refused, so a test can never reach the internet.
    """

    lazy = False

    def __init__(self, crawler):
        super().__init__(crawler)
        self.host_map = dict(crawler.settings.getdict("CRAWL_HOST_MAP"))
        self.http = _http11(crawler)

    async def download_request(self, request) -> Response:
        parts = urlsplit(request.url)
        target = self.host_map.get(parts.hostname)
        if target is None:
            raise ConnectionRefusedError(f"{parts.hostname} is not mapped to a local server (CRAWL_HOST_MAP)")
        local = request.replace(url=urlunsplit(("http", target, parts.path, parts.query, "")))
        response = await self.http.download_request(local)
        return response.replace(url=request.url, request=request)

    async def close(self) -> None:
        await self.http.close()


class GlocalDownloadHandler(BaseDownloadHandler):
    """The http(s) handler of every glocal crawl (DOWNLOAD_HANDLERS in crawler/settings.py): replay
    when ARCHIVE_REPLAY_FILE is set, the local server of CRAWL_HOST_MAP when that is set, else the
    network. Chosen from settings alone, so `scrapy check SPIDER -s ARCHIVE_REPLAY_FILE=FILE` (and
    `scrapy crawl`) replays offline exactly as `glocal crawl --replay FILE` does."""

    lazy = False

    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        if settings.get("ARCHIVE_REPLAY_FILE"):
            self.delegate = ReplayDownloadHandler(crawler)
        elif settings.getdict("CRAWL_HOST_MAP"):
            self.delegate = LoopbackDownloadHandler(crawler)
        else:
            self.delegate = _http11(crawler)

    async def download_request(self, request) -> Response:
        return await self.delegate.download_request(request)

    async def close(self) -> None:
        await self.delegate.close()


def _http11(crawler) -> BaseDownloadHandler:
    """Scrapy's HTTP handler, imported when a crawl goes to the network: its module loads Twisted's
    web client and TLS (about 0.15 s of CPU), which a replay, and `glocal crawl`'s parent reading
    the archive's index, never use."""
    from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

    return HTTP11DownloadHandler(crawler)


def handler_settings(*, replay: str | None = None, host_map: dict | None = None) -> dict:
    """Scrapy settings that route downloads through replay or the loopback handler."""
    if replay:
        return {"ARCHIVE_REPLAY_FILE": replay, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "RETRY_ENABLED": False}
    if host_map:
        return {"CRAWL_HOST_MAP": host_map}
    return {}
