"""Downloader middlewares: keep every response in the WARC archive, and ask sites for what changed."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from time import monotonic  # the clock Scrapy's downloader counts slot delays with

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.settings import value as project_setting
from crawler.archive import WarcFile, payload_digest, read_record
from kit.errors import ArchiveError
from crawler.download_handlers import scrapy_response
from crawler.session import CrawlSession
from store.clock import utcnow
from store import pages

logger = logging.getLogger(__name__)


def _headers(response) -> list[tuple[str, str]]:
    return [(key.decode("latin-1"), value.decode("latin-1"))
            for key, values in response.headers.items() for value in values]


class ArchiveMiddleware:
    """Keeps each response as received (before decompression, redirects and retries) in a WARC
    file of the run, and records a `pages` row pointing at it. In a replay it records where the
    response already is in the replayed archive instead of writing a copy."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.enabled = project_setting(crawler.settings, "ARCHIVE_ENABLED")
        self.directory = Path(crawler.settings.get("ARCHIVE_DIR") or
                              Path(crawler.settings.get("STORE_DB_PATH")).parent / "archive")
        self.warc: WarcFile | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        session = CrawlSession.of(self.crawler)
        if session is None:  # no store for this crawl (scrapy check): nothing to record
            return response
        archived = request.meta.get("glocal_archived")
        body_sha = hashlib.sha256(response.body).hexdigest()
        page = {
            "url": response.url, "status": response.status,
            "content_type": _header(response, b"Content-Type"), "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"), "sha256": body_sha, "length": len(response.body),
        }
        if 300 <= response.status < 400 and b"Location" in response.headers:
            # Live or replayed, the health reason names where the page went (absolute, as followed).
            from urllib.parse import urljoin

            session.note_redirect(response.url, urljoin(response.url, _header(response, b"Location") or ""))
        if archived:
            session.record_page(fetched_at=archived["fetched_at"], archive=archived["archive"],
                                archive_offset=archived["offset"], **page)
            return response
        if "missing" in response.flags:
            return response
        fetched_at = utcnow()
        archive, offset, original = None, None, None
        if self.enabled:
            warc = self._warc(session)
            original = request.meta.get("glocal_conditional")
            if response.status == 304 and original:
                offset = warc.write_not_modified(
                    response.url, _headers(response), fetched_at, original_date=original["fetched_at"],
                    digest=payload_digest(read_record(original["archive"], original["archive_offset"]).body),
                )
                page.update(sha256=original["sha256"], length=original["length"])
            else:
                offset = warc.write_response(response.url, response.status, _headers(response), response.body,
                                             fetched_at)
            archive = str(warc.path)
        session.record_page(fetched_at=fetched_at, archive=archive, archive_offset=offset,
                            not_modified_of=original["id"] if original and response.status == 304 else None,
                            **page)
        return response

    def _warc(self, session) -> WarcFile:
        if self.warc is None:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            name = self.crawler.spider.name
            self.warc = WarcFile(self.directory / name / f"{name}-{stamp}-run{session.run_id}.warc.gz",
                                 info={"software": "glocal-watch", "format": "WARC File Format 1.0",
                                       "robots": "obey", "description": f"crawl run {session.run_id} of {name}"})
        return self.warc

    def spider_closed(self, spider, reason):
        if self.warc is not None:
            self.warc.close()


class ConditionalGetMiddleware:
    """Asks with If-None-Match / If-Modified-Since when an earlier run archived the page, so an
    unchanged page costs the site a 304; the 304 is then answered with the archived body, so the
    spider still reads the whole page and its lists stay complete."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.enabled = project_setting(crawler.settings, "CRAWL_CONDITIONAL_GET") and not crawler.settings.get(
            "ARCHIVE_REPLAY_FILE")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        if not self.enabled or request.method != "GET" or "glocal_conditional" in request.meta:
            return None
        if request.url.endswith("/robots.txt"):
            return None
        session = CrawlSession.of(self.crawler)
        if session is None:
            return None
        previous = pages.latest_archived(session.db, request.url)
        if not previous or not (previous["etag"] or previous["last_modified"]):
            return None
        request.meta["glocal_conditional"] = previous
        if previous["etag"]:
            request.headers[b"If-None-Match"] = previous["etag"]
        if previous["last_modified"]:
            request.headers[b"If-Modified-Since"] = previous["last_modified"]
        return None

    def process_response(self, request, response):
        previous = request.meta.get("glocal_conditional")
        if response.status != 304 or not previous:
            return response
        try:
            archived = read_record(previous["archive"], previous["archive_offset"])
        except ArchiveError as error:
            # The archived body is gone: fetch the page again without conditions.
            logger.warning("%s; fetching %s in full", error, request.url)
            retry = request.replace(dont_filter=True)
            retry.meta["glocal_conditional"] = None
            for header in (b"If-None-Match", b"If-Modified-Since"):
                retry.headers.pop(header, None)
            return retry
        return scrapy_response(archived, request, flag="not-modified")


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class RetryAfterMiddleware:
    """Honours Retry-After on 429 and 503: the host's download slot waits that long before the
    retry (and every other request to that host, also when this request's retries are spent),
    instead of Scrapy's immediate retry. A wait longer than CRAWL_MAX_RETRY_AFTER gives up on the
    request; the page is then reported failed.
    Once the wait has passed the slot paces requests by its own delay again.

    The hold is set on `response_downloaded`, not in process_response: Scrapy 2.19's downloader
    frees the transfer slot and sends the slot's next queued request as soon as that signal has
    been sent, before the response comes back up through the middlewares; held only there, one
    more request of the host left before the wait began."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.max_wait = project_setting(crawler.settings, "CRAWL_MAX_RETRY_AFTER")
        self.lent: dict[str, _LentPacing] = {}  # slot key -> pacing lent to a held slot, given back later
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.request_left_downloader, signal=signals.request_left_downloader)

    @classmethod
    def from_crawler(cls, crawler):
        # It retries through Scrapy's get_retry_request, which does not read RETRY_ENABLED: off
        # with retries (a replay turns them off: the archive's one record per URL answers a retry
        # the same, after the Retry-After it carries).
        if not crawler.settings.getbool("RETRY_ENABLED"):
            raise NotConfigured("RETRY_ENABLED is off")
        return cls(crawler)

    def response_downloaded(self, response, request, spider=None):
        """Hold the host the moment its answer arrives, whether or not this page is asked again: the
        site asked for a pause, and the host's other pages are not welcome sooner when this one's
        retries are spent."""
        wait = self._wait_asked(request, response)
        if wait is not None and wait <= self.max_wait:
            self._hold(request, wait)
            request.meta[_HELD] = True

    def process_response(self, request, response):
        held = request.meta.pop(_HELD, False)  # popped first: the retry, a copy of the request, is not held yet
        wait = self._wait_asked(request, response)
        if wait is None:
            return response  # no usable header: RetryMiddleware retries as usual
        if wait > self.max_wait:
            logger.warning("%s asks to wait %ss (more than CRAWL_MAX_RETRY_AFTER=%ss); not retrying",
                           request.url, int(wait), int(self.max_wait))
            request.meta["dont_retry"] = True  # nor may RetryMiddleware retry it at once
            return response
        if not held:  # a response no download signalled (made by a middleware): held now
            self._hold(request, wait)
        from scrapy.downloadermiddlewares.retry import get_retry_request

        retry = get_retry_request(request, spider=self.crawler.spider, reason=f"{response.status} Retry-After {wait:g}s")
        if retry is None:
            return response  # its retries spent: the page fails, the host is held all the same
        logger.info("%s answered %s: waiting %gs before the next request to this host", request.url,
                    response.status, wait)
        return retry

    @staticmethod
    def _wait_asked(request, response) -> float | None:
        """The seconds a 429 or 503 asks the crawl to wait (None: no usable Retry-After, or not asked)."""
        if response.status not in (429, 503) or not request.meta.get("glocal_retry_after", True):
            return None
        return _retry_after_seconds(_header(response, b"Retry-After"))

    def _hold(self, request, wait: float) -> None:
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is not None:
            lent = _hold_slot(slot, wait)
            if lent is not None and key not in self.lent:  # a second hold keeps the first one's loan
                self.lent[key] = lent

    def request_left_downloader(self, request, spider=None):
        """A download of a held slot that ended after the hold: the wait was honoured, so the slot
        gets back the pacing it lent (a loan is only made when its own pacing could skip the hold)."""
        if not self.lent:
            return
        key = request.meta.get("download_slot")
        slot = self.crawler.engine.downloader.slots.get(key) if key in self.lent else None
        if slot is not None and monotonic() >= slot.lastseen:
            self.lent.pop(key).give_back(slot)


# Marks a request whose slot was held when its response arrived, for process_response not to hold it twice.
_HELD = "glocal_retry_after_held"


@dataclass
class _LentPacing:
    """A slot's own delay and jitter, replaced while it is held; given back only where nothing
    (AutoThrottle) changed them in between."""

    delay: float
    jitter: float
    held_delay: float
    held_jitter: float

    def give_back(self, slot) -> None:
        if slot.delay == self.held_delay:
            slot.delay = self.delay
        if slot.jitter == self.held_jitter:
            slot.jitter = self.jitter


# The smallest delay a held slot is given when its own could be drawn as 0, which would let the
# downloader skip the wait check altogether.
HELD_SLOT_MIN_DELAY = 0.001  # seconds


def _hold_slot(slot, wait: float) -> _LentPacing | None:
    """Make the host's download slot wait at least `wait` seconds from now, then its usual delay.

    The downloader sends a slot's next request once `slot.lastseen` (when it last sent one) plus a
    delay drawn within +-jitter of `slot.delay` has passed; so `lastseen` is moved to the end of
    the wait and the delay itself is left alone: no later request pays for the Retry-After again,
    whether or not AutoThrottle would have relaxed a raised delay (it used to be raised, and stayed
    raised with AutoThrottle off). Only a slot whose delay can be drawn as 0 (no DOWNLOAD_DELAY, or
    a jitter of 1 or more) skips that check: it gets a small fixed delay for the wait, returned
    with the loan this gives back."""
    slot.lastseen = max(slot.lastseen, monotonic() + wait)
    jitter = getattr(slot, "jitter", 0.0) or 0.0
    if slot.delay > 0 and jitter < 1:
        return None
    lent = _LentPacing(delay=slot.delay, jitter=jitter, held_delay=max(slot.delay, HELD_SLOT_MIN_DELAY),
                       held_jitter=0.0)
    slot.delay, slot.jitter = lent.held_delay, lent.held_jitter
    return lent


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), clamped; or None."""
    from kit.waits import server_wait

    return server_wait(value)


class CharsetMiddleware:
    """Bytes that are valid UTF-8 beat a single-byte label (`charset=iso-8859-1` in the header or
    a `<meta>`): such a label on a UTF-8 page is a server's mistake, and believing it turns every
    accented name into mojibake ("SÃ£o Paulo"). A BOM already beats any label (Scrapy reads it
    first). A real single-byte page is almost never valid UTF-8 once it has a non-ASCII byte, so
    its label stands; multi-byte labels (Shift_JIS, GB18030...) are left alone."""

    def process_response(self, request, response, spider=None):
        from scrapy.http import TextResponse

        if not isinstance(response, TextResponse) or response.body.isascii():
            return response
        declared = response._declared_encoding()  # BOM, header, then <meta>
        if not declared or not _single_byte(declared):
            return response
        try:
            response.body.decode("utf-8")
        except UnicodeDecodeError:
            return response
        logger.info("%s is labelled %s but its bytes are UTF-8: read as UTF-8", response.url, declared)
        return response.replace(encoding="utf-8")


def _single_byte(encoding: str) -> bool:
    """Whether `encoding` gives one character per byte (cp1252, ISO-8859-x, KOI8-R...)."""
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    if name.startswith(("utf", "ascii")):
        return False
    try:
        return len(bytes(range(256)).decode(name, "replace")) == 256
    except (LookupError, ValueError):
        return False
