"""`glocal backfill`: the years before the first crawl, from a web archive's captures.

The real spider, parser and store run once per *moment*: a time at which the archive captured a
changed copy of one of the spider's pages. In a run "as of" moment T, every page the spider asks
for is answered with its latest capture taken at or before T (`WaybackDownloadHandler`), so each
page carries its own capture time: `first_seen_at` and `removed_at` land on the dates the archive
saw, the removal rule counts archived runs like live ones, and the store's refusal to let older
evidence overwrite newer keeps a backfill after live runs from rewriting what they recorded.

Runs are flagged `kind = 'backfill'` and are quiet (their changes never alert). Every capture
fetched goes into our own WARC archive, and `archive_captures` remembers where; a moment is done
once its run finished, so an interrupted backfill resumes at the first moment not done, without
fetching a capture twice.
"""

from __future__ import annotations

import io
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Request, Response

from crawler.archive import WarcFile, read_record
from kit.errors import BackfillError, NotConfigured
from crawler.download_handlers import scrapy_response
from store.clock import utcnow
from kit.waits import server_wait
from operations.wayback import Capture, capture_url, cdx_query, iso_of, latest_before, read_cdx
from store import captures as captures_store
from store import open_db

logger = logging.getLogger(__name__)

EVERY = ("capture", "day", "month", "year")


# --- inside a backfill crawl (the child process) --------------------------------------------------

class WaybackDownloadHandler(BaseDownloadHandler):
    """Answers each request with the page as the archive saw it at BACKFILL_AS_OF.

    The archive's listing of a URL is asked once (and kept in the store); a capture's bytes are
    fetched once (and kept in our WARC). A URL with no capture by then is a 404, as on a site that
    did not have the page yet; a capture the archive cannot serve (a redirect to another capture,
    an error page) fails the page with the reason, so its list is reported incomplete and nothing
    is concluded from it. Requests reach the archive one at a time, BACKFILL_DELAY apart, and
    honour Retry-After.
    """

    lazy = False

    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.as_of = settings.get("BACKFILL_AS_OF")
        if not self.as_of:
            raise NotConfigured("BACKFILL_AS_OF is not set: the wayback handler only runs inside `glocal backfill`")
        self.cdx_endpoint = settings.get("BACKFILL_CDX_URL")
        self.replay_endpoint = settings.get("BACKFILL_REPLAY_URL")
        self.delay = settings.getfloat("BACKFILL_DELAY")
        self.max_wait = settings.getfloat("CRAWL_MAX_RETRY_AFTER")
        self.user_agent = settings.get("USER_AGENT")
        self.spider = crawler.spidercls.name
        db_path = Path(settings.get("STORE_DB_PATH"))
        self.directory = Path(settings.get("ARCHIVE_DIR") or db_path.parent / "archive") / self.spider
        self.db = open_db(db_path)  # a connection of its own: the session writes through another
        self.http = HTTP11DownloadHandler(crawler)
        self.warc: WarcFile | None = None
        self._last_request = 0.0

    async def download_request(self, request) -> Response:
        listed = await self._captures(request.url)
        usable = [c for c in listed if not c["fetch_error"]]
        chosen = latest_before([_capture(row) for row in usable], self.as_of)
        if chosen is None:
            logger.info("no capture of %s by %s (answered 404)", request.url, self.as_of)
            return Response(request.url, status=404, body=b"", request=request, flags=["backfill", "missing"])
        row = next(r for r in usable if r["timestamp"] == chosen.timestamp)
        if row["archive"]:
            archived = read_record(row["archive"], row["archive_offset"])
        else:
            archived = await self._fetch_capture(chosen)
        request.meta["glocal_archived"] = {"archive": archived.archive, "offset": archived.offset,
                                           "fetched_at": chosen.captured_at}
        return scrapy_response(archived, request, flag="backfill")

    async def _captures(self, url: str) -> list[dict]:
        if not captures_store.is_listed(self.db, url, self.spider):
            response = await self._get(cdx_query(self.cdx_endpoint, url))
            if response.status != 200:
                raise BackfillError(f"the archive's CDX server answered HTTP {response.status} for {url}")
            found = read_cdx(io.BytesIO(response.body), url)
            if found.refused:
                logger.warning("the archive's CDX answer for %s: %s", url, found.refusals())
            captures_store.record_listing(self.db, url=url, spider=self.spider, listed_at=utcnow(),
                                          captures=[_row(c) for c in found.captures])
        return captures_store.captures_of(self.db, url)

    async def _fetch_capture(self, capture: Capture):
        response = await self._get(capture_url(self.replay_endpoint, capture))
        if response.status != 200:
            where = response.headers.get(b"Location", b"").decode("latin-1")
            error = (f"the archive redirected the capture of {capture.timestamp} to {where or 'another URL'}"
                     if 300 <= response.status < 400 else f"the archive answered HTTP {response.status}")
            captures_store.record_fetch(self.db, url=capture.url, timestamp=capture.timestamp, error=error)
            raise BackfillError(f"{capture.url} as of {capture.captured_at}: {error}; the page is not used")
        headers = [(k.decode("latin-1"), v.decode("latin-1"))
                   for k, values in response.headers.items() for v in values]
        warc = self._warc()
        offset = warc.write_response(capture.url, 200, headers, response.body, capture.captured_at)
        captures_store.record_fetch(self.db, url=capture.url, timestamp=capture.timestamp,
                                    archive=str(warc.path), offset=offset)
        return read_record(warc.path, offset)

    async def _get(self, url: str) -> Response:
        """One polite request to the archive; waits out a 429/503's Retry-After (within limits)."""
        for _attempt in range(3):
            await _sleep(self.delay - (time.monotonic() - self._last_request))
            self._last_request = time.monotonic()
            response = await self.http.download_request(
                Request(url, headers={"User-Agent": self.user_agent, "Accept-Encoding": "identity"}))
            if response.status not in (429, 503):
                return response
            wait = server_wait(response.headers.get(b"Retry-After")) or self.delay * 4
            if wait > self.max_wait:
                break
            logger.info("the archive answered %s: waiting %gs", response.status, wait)
            await _sleep(wait)
        raise BackfillError(f"the archive keeps answering HTTP {response.status} for {url}; try again later")

    def _warc(self) -> WarcFile:
        if self.warc is None:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            self.warc = WarcFile(self.directory / f"{self.spider}-backfill-{stamp}.warc.gz",
                                 info={"software": "glocal-watch", "format": "WARC File Format 1.0",
                                       "description": f"captures from {self.replay_endpoint}, as of {self.as_of}"})
        return self.warc

    async def close(self) -> None:
        if self.warc is not None:
            self.warc.close()
        self.db.close()
        await self.http.close()


async def _sleep(seconds: float) -> None:
    if seconds <= 0:
        return
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    from scrapy.utils.defer import maybe_deferred_to_future

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


def _row(capture: Capture) -> dict:
    return {"timestamp": capture.timestamp, "captured_at": capture.captured_at, "digest": capture.digest,
            "mimetype": capture.mimetype}


def _capture(row: dict) -> Capture:
    return Capture(url=row["url"], timestamp=row["timestamp"], digest=row["digest"], status=200,
                   mimetype=row["mimetype"])


def backfill_settings(as_of: str) -> tuple[str, ...]:
    """The settings (NAME=JSON) of one crawl as of `as_of`."""
    handler = "operations.backfill.WaybackDownloadHandler"
    values = {
        "BACKFILL_AS_OF": as_of,
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        # The handler paces the archive itself; the spider's own politeness is for live sites.
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 1, "RETRY_ENABLED": False,
        "CRAWL_CONDITIONAL_GET": False,
    }
    return tuple(f"{name}={json.dumps(value)}" for name, value in values.items())


# --- the backfill (the parent process) ------------------------------------------------------------

@dataclass
class Step:
    moment: str
    message: str
    ok: bool


def list_start_urls(db, spider: str, urls: list[str], *, cdx_endpoint: str, user_agent: str,
                    timeout: float = 60, max_wait: float = 300, delay: float = 0,
                    sleep: Callable[[float], None] = time.sleep) -> list[str]:
    """Ask the archive for the captures of the spider's start URLs (once; later pages are listed
    by the crawls that meet them). A 429 or 503 is waited out as its Retry-After asks (clamped),
    up to `max_wait` (CRAWL_MAX_RETRY_AFTER), twice at most, as the crawl's own requests are.
    The answer is read row by row (operations/wayback.read_cdx): its size never sits in memory.

    :returns: one line per answer that had rows refused (dated in the future, malformed)
    """
    notes = []
    for url in urls:
        if captures_store.is_listed(db, url, spider):
            continue
        query = cdx_query(cdx_endpoint, url)
        found = None
        for attempt in range(3):
            request = urllib.request.Request(query, headers={"User-Agent": user_agent, "Accept-Encoding": "identity"})
            try:
                with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (endpoint is configuration)
                    found = read_cdx(answer, url)
                break
            except urllib.error.HTTPError as error:
                wait = server_wait(error.headers.get("Retry-After")) if error.code in (429, 503) else None
                if error.code in (429, 503):
                    wait = delay * 4 if wait is None else wait
                if wait is None or wait > max_wait or attempt == 2:
                    more = f" (it asked to wait {wait:g}s, more than CRAWL_MAX_RETRY_AFTER={max_wait:g}s)" \
                        if wait is not None and wait > max_wait else ""
                    raise BackfillError(f"the archive's CDX server answered HTTP {error.code} for {url}{more}; "
                                        "try again later") from None
                logger.info("the archive's CDX server answered %s: waiting %gs", error.code, wait)
                sleep(wait)
            except (urllib.error.URLError, OSError) as error:
                reason = getattr(error, "reason", error)
                raise BackfillError(f"cannot reach the archive's CDX server {cdx_endpoint}: {reason}") from None
        if found.refused:
            notes.append(f"the archive's CDX answer for {url}: {found.refusals()}")
        captures_store.record_listing(db, url=url, spider=spider, listed_at=utcnow(),
                                      captures=[_row(c) for c in found.captures])
    return notes


def pick_moments(moments: list[str], every: str) -> list[str]:
    """One moment per capture, or the last capture of each day, month or year."""
    if every not in EVERY:
        raise NotConfigured(f"--every {every!r}: choose one of {', '.join(EVERY)}")
    if every == "capture":
        return moments
    width = {"day": 10, "month": 7, "year": 4}[every]
    last: dict[str, str] = {}
    for moment in moments:
        last[moment[:width]] = moment
    return sorted(last.values())


def run_backfill(spider, *, db_path: str | Path, settings, since: str | None, until: str | None,
                 every: str = "capture", timeout: float,
                 crawl: Callable | None = None, on_step: Callable[[int, int, Step], None] | None = None,
                 on_note: Callable[[str], None] | None = None) -> list[Step]:
    """Replay the archive's history of `spider` into the store, moment by moment, oldest first.

    :param crawl: runs one crawl (defaults to crawler.child.crawl_in_child-compatible callable)
    :param on_note: told each line worth a person's eye (rows of the archive's answer refused)
    :returns: one Step per moment crawled in this call (none when everything was done before)
    """
    name = spider.name
    since_iso = f"{since}-01-01T00:00:00Z" if since and len(since) == 4 else (f"{since}T00:00:00Z" if since else None)
    until_iso = f"{until}T23:59:59Z" if until and len(until) == 10 else until
    with open_db(db_path) as db:
        notes = list_start_urls(db, name, list(spider.start_urls), cdx_endpoint=settings.get("BACKFILL_CDX_URL"),
                                user_agent=settings.get("USER_AGENT"), max_wait=settings.getfloat("CRAWL_MAX_RETRY_AFTER"),
                                delay=settings.getfloat("BACKFILL_DELAY"))
    for note in notes:
        logger.warning("%s", note)
        if on_note:
            on_note(note)
    steps: list[Step] = []
    while True:
        with open_db(db_path) as db:
            done = captures_store.done_moments(db, name)
            candidates = pick_moments(captures_store.moments(db, name, since=since_iso, until=until_iso), every)
        latest_done = max(done) if done else ""
        todo = [m for m in candidates if m not in done and m > latest_done]
        if not todo:
            return steps
        moment = todo[0]
        outcome = crawl(name, db_path=str(db_path), timeout=timeout, overrides=backfill_settings(moment))
        step = Step(moment=moment, message=outcome.message, ok=outcome.ok)
        steps.append(step)
        if on_step:
            on_step(len(steps), len(steps) + len(todo) - 1, step)
        if getattr(outcome, "interrupted", None):
            raise BackfillError(f"the crawl as of {moment} was interrupted by {outcome.interrupted} "
                                f"({outcome.message}); run the backfill again to resume")
        if outcome.run is None or outcome.run["status"] == "aborted":
            raise BackfillError(f"the crawl as of {moment} did not finish ({outcome.message}); "
                                "run the backfill again to resume")


__all__ = ["WaybackDownloadHandler", "run_backfill", "pick_moments", "backfill_settings", "iso_of"]
