"""What the UCLG spiders share: a scope gathered over several responses, and what the store knows.

A UCLG listing spreads one scope over many responses (pages of a listing, the posts it links, the
pages of an API answer). The store needs the scope's report *before* its items, and the report
needs every key, so a `Batch` gathers the items and yields report and items once the last
response of the scope has arrived (or failed). A page that failed makes the report incomplete
with the reason in words.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from scrapy.spidermiddlewares.httperror import HttpError

from crawler.errors import ParseError
from crawler.items import ScopeReport
from spiders.base import GlocalSpider, is_html

logger = logging.getLogger(__name__)


class Batch:
    def __init__(self, source: str, scope: str, entity: str, url: str, *, append_only: bool = False):
        self.source, self.scope, self.entity, self.url = source, scope, entity, url
        self.append_only = append_only
        self.items: dict[str, object] = {}  # key -> item; the first page to show a key wins
        self.after: list = []  # items of other scopes, yielded after this scope's (they may refer to it)
        self.pending = 0
        self.requested: set[str] = set()
        self.failures: list[str] = []  # pages that never arrived or could not be read
        self.fetch_failed = False
        self.notes: list[str] = []  # why the walk stopped early, gaps worth a line in scope_runs.reason
        self.done = False

    def expect(self, requests: int = 1) -> None:
        self.pending += requests

    def add(self, items, *, prefer: bool = False) -> None:
        for item in items:
            if prefer or item.key not in self.items:
                self.items[item.key] = item

    def fail(self, reason: str, *, fetched: bool = True) -> None:
        self.failures.append(reason)
        self.fetch_failed = self.fetch_failed or not fetched

    def arrived(self) -> Iterator:
        """One expected response has been handled; after the last one, the report and the items."""
        self.pending -= 1
        if self.pending <= 0 and not self.done:
            self.done = True
            reasons = self.failures + self.notes
            yield ScopeReport(source=self.source, scope=self.scope, entity=self.entity, url=self.url,
                              complete=not self.failures, keys=list(self.items), reason="; ".join(reasons) or None,
                              fetched=not self.fetch_failed, append_only=self.append_only)
            yield from self.items.values()
            yield from self.after


def known_rows(db_path: str | None, table: str, scope: str) -> list[tuple[str, str]]:
    """(key, url) of each row of a scope the store already holds (read-only; none without a store)."""
    if not db_path or not Path(db_path).exists():
        return []
    try:
        connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        return list(connection.execute(f"select key, url from [{table}] where scope = ?", (scope,)))
    except sqlite3.Error:  # a store without that table yet
        return []
    finally:
        connection.close()


class BatchedSpider(GlocalSpider):
    """A GlocalSpider whose scopes are Batches: requests carry their batch, failures end up in it."""

    def batch_request(self, url, callback, batch: Batch, **kwargs):
        """The request of a page of `batch`, once per URL (as a list: empty when already asked).

        The batch counts the pages it waits for, so Scrapy's duplicate filter must not drop one
        silently; the batch itself makes sure no page is asked twice.
        """
        if url in batch.requested:
            return []
        batch.requested.add(url)
        batch.expect()
        request = self.page_request(url, callback, scope=batch.scope, entity=batch.entity)
        return [request.replace(errback=self.batch_page_failed, cb_kwargs={"batch": batch, **kwargs},
                                dont_filter=True)]

    def read(self, response, batch: Batch, read):
        """`read(html, url)`, or None with the batch told why (not HTML, or a missing landmark)."""
        if not is_html(response):
            content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or "missing"
            batch.fail(f"{response.url} is not an HTML page (Content-Type {content_type})", fetched=False)
            return None
        try:
            return read(response.text, response.url)
        except ParseError as error:
            self.logger.error("%s", error)
            batch.fail(str(error))
            return None

    def batch_page_failed(self, failure):
        """Errback: a page of the batch never arrived; its scope is reported incomplete."""
        batch = failure.request.cb_kwargs["batch"]
        reason = failure_reason(self, failure)
        self.logger.warning("page failed: %s (%s)", failure.request.url, reason)
        batch.fail(f"{failure.request.url}: {reason}", fetched=False)
        yield from batch.arrived()


def failure_reason(spider: GlocalSpider, failure) -> str:
    """"HTTP 403", "TimeoutError: ..." - the words GlocalSpider.page_failed uses."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"
