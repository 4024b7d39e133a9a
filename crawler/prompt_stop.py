"""A stopped crawl stops promptly: the downloads waiting in the downloader are dropped, not sent.

Scrapy 2.19's graceful stop (SIGTERM, Ctrl-C: Crawler.stop_async, the engine closing the spider
with reason "shutdown") takes no new request from the scheduler, but waits for every request the
downloader already holds, those waiting in its slots' queues as well as those in flight; a slot
sends its queue one request per delay. A polite crawl (a DOWNLOAD_DELAY of seconds, a site's own
slot delay, a Retry-After hold of minutes) with many requests queued therefore went on crawling
after the stop, until the parent's CRAWL_STOP_GRACE ran out and killed it (its run then left
`running`, closed as `aborted` later, instead of closed by the crawl as stopped).

PromptStopMiddleware, a downloader middleware of ours, makes a stop drop the downloads not yet
started: each fails with CrawlStopped (an IgnoreRequest), so Scrapy logs no error and the
request's errback hears that its page never arrived, the way a page Scrapy refuses (robots.txt)
is reported. The spiders' errbacks report such a scope incomplete and not fetched, so a stopped
run removes nothing for a page it did not read, and the run itself closes as every stopped run
does: `failed`, finish reason "shutdown", unhealthy, which crawler/run_health.py and
alerts/health.py never take for a blind spider. Downloads in flight finish and are read as before.

Why a timer and not a signal: Scrapy sends no signal when a graceful stop begins. engine.stop_async
goes straight to close_spider_async, which waits for the engine's requests in progress before its
first signal (spider_closed): too late, it is what waits. `crawler.crawling`, public, turns False
the moment Crawler.stop_async begins, so a short timer looks at it (a few microseconds of CPU,
STOP_CHECK_INTERVAL apart, while the spider is open). Wrapping Scrapy's own OS signal handlers
instead would depend on private methods and on when each kind of reactor installs them. A request
reaching the downloader after the stop (one that waited on robots.txt) is refused by
process_request at once, which is why this is a downloader middleware, last before the downloader.

The crawl's own closes (a store that cannot be written, a batch crawl past its time limit) go
through close_now, which drops the queue the same way: those know the moment they close.

A stop asked while the spider was still opening (the store, the run) was lost altogether: Scrapy
2.19's Crawler.stop_async only clears `crawling` when the engine is not running yet, so the crawl
went on whole and then never ended (its engine waits for a stop that already came). The engine is
asked to stop once it starts (`engine_started`), as the stop would have asked it.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

STOP_CHECK_INTERVAL = 0.1  # seconds between two looks at whether the crawl was asked to stop


class CrawlStopped(IgnoreRequest):
    """A request the crawl never sent because it was stopped first."""

    def __init__(self):
        super().__init__("not requested: the crawl was stopped first")


class PromptStopMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self._watch = None  # the timer, while the spider is open
        self._engine_asked = False  # whether this middleware asked the engine to stop (a lost stop)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def stopping(self) -> bool:
        """Whether the open crawl is stopping: asked to (`crawling` False) and its engine stopped
        running. A crawl whose engine runs on was not stopped, whatever `crawling` says (see _look)."""
        # (Crawler.engine is set before spider_opened, when the watch starts; asked earlier it raises.)
        return self._watch is not None and not self.crawler.crawling and not self.crawler.engine.running

    def process_request(self, request):
        if self.stopping():
            raise CrawlStopped()
        return None

    def spider_opened(self, spider=None) -> None:
        from scrapy.utils.asyncio import create_looping_call

        self._watch = create_looping_call(self._look)
        self._watch.start(STOP_CHECK_INTERVAL, now=False)

    def engine_started(self) -> None:
        """A stop asked while the spider was opening (before its engine ran) is asked again here:
        Scrapy 2.19's Crawler.stop_async then only clears `crawling`, and the crawl went on whole."""
        if not self.crawler.crawling:
            self._stop_engine()

    def _stop_engine(self) -> None:
        if self._engine_asked:
            return  # asked already; the engine may not have taken it yet
        self._engine_asked = True
        logger.warning("a stop asked while the crawl was starting: stopping it now")
        deferred_from_coro(self.crawler.engine.stop_async())

    def spider_closed(self, spider=None) -> None:
        if self._watch is not None and self._watch.running:
            self._watch.stop()
        self._watch = None

    def _look(self) -> None:
        """Once the crawl is stopping, fail every download still queued (at each look: one may have
        been queued since the last)."""
        if self.crawler.crawling:
            return
        engine = self.crawler.engine
        if engine.running:  # a stop asked while the engine was starting, after engine_started
            self._stop_engine()
            return
        dropped = drop_queued(engine.downloader)
        if dropped:
            logger.warning("crawl stopping: %d queued requests dropped unsent", dropped)


def close_now(engine, reason: str) -> None:
    """Close the crawl for `reason` (a store that cannot be written, a batch crawl past its time
    limit) as a stop does: Scrapy's close waits for every download the downloader holds, so those
    still queued behind a host's delay are dropped rather than sent for a crawl that has ended."""
    deferred_from_coro(engine.close_spider_async(reason=reason))  # marks the close before its first wait
    dropped = drop_queued(engine.downloader)
    if dropped:
        logger.warning("crawl closing (%s): %d queued requests dropped unsent", reason, dropped)


def drop_queued(downloader) -> int:
    """Fail every request waiting in a slot of `downloader` with CrawlStopped; the number failed.

    Scrapy 2.19 keeps a slot's waiting downloads in `slot.queue`, (request, deferred) pairs whose
    deferred the download would fire; failing that deferred is how a download fails, so the
    request goes back up through the middlewares' process_exception and on to its errback as any
    failed download does. Requests in flight (`slot.transferring`) are not in the queue."""
    from twisted.python.failure import Failure

    count = 0
    for slot in list(downloader.slots.values()):
        waiting = list(slot.queue)
        slot.queue.clear()  # emptied before any errback runs: nothing an errback does can reach these twice
        for _request, deferred in waiting:
            count += 1
            deferred.errback(Failure(CrawlStopped()))
    return count
