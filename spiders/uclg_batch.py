"""What the UCLG spiders share: a scope gathered over several responses, and what the store knows.

A UCLG listing spreads one scope over responses that do not follow one another as "next" pages
(the posts a listing links, a further page of an API answer, the meeting pages read when the API
fails), and one scope's items may come from a page of another form (a /es/ post named by its
English key). A `Batch` gathers the items and yields the scope's report and items once the last
response has arrived or failed, so the report always names every key. A page that failed makes the
report incomplete with the reason in words; a walk stopped early (incremental) makes it partial,
which an append-only scope accepts.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import scrapy

from crawler.errors import ParseError
from crawler.items import Scope
from spiders.base import GlocalSpider, failure_reason

logger = logging.getLogger(__name__)


class Batch:
    def __init__(self, source: str, scope: Scope, url: str):
        self.source, self.scope, self.url = source, scope, url
        self.items: dict[str, object] = {}  # key -> item; the first page to show a key wins
        self.after: list = []  # items of other scopes, yielded after this scope's (they may refer to it)
        self.pending = 0
        self.requested: set[str] = set()
        self.failures: list[str] = []  # pages that never arrived or could not be read
        self.fetch_failed = False
        self.rejected: list[str] = []  # landmarks missing on pages the parser refused
        self.partial: list[str] = []  # why the walk stopped before the end (an incremental stop, a cap)
        self.notes: list[str] = []  # worth a line in scope_runs.reason, changes nothing
        self.done = False

    @property
    def name(self) -> str:
        return self.scope.name_for(self.url)

    def expect(self, requests: int = 1) -> None:
        self.pending += requests

    def add(self, items, *, prefer: bool = False) -> None:
        for item in items:
            if prefer or item.key not in self.items:
                self.items[item.key] = item

    def fail(self, reason: str, *, fetched: bool = True, landmarks: tuple[str, ...] | None = None) -> None:
        """A page of the scope failed; `landmarks` (possibly empty) when the parser refused it."""
        self.failures.append(reason)
        self.fetch_failed = self.fetch_failed or not fetched
        if landmarks is not None:
            self.rejected.extend(landmarks or ("page",))

    def arrived(self) -> Iterator:
        """One expected response has been handled; after the last one, the report and the items."""
        self.pending -= 1
        if self.pending <= 0 and not self.done:
            self.done = True
            reasons = self.failures + self.partial + self.notes
            yield self.scope.report(self.source, self.url, complete=not (self.failures or self.partial),
                                    keys=list(self.items), reason="; ".join(reasons) or None,
                                    fetched=not self.fetch_failed, rejected=bool(self.rejected),
                                    landmarks_missing=list(dict.fromkeys(self.rejected)))
            yield from self.items.values()
            yield from self.after


class BatchedSpider(GlocalSpider):
    """A GlocalSpider whose scopes are Batches: requests carry their batch, failures end up in it."""

    def batch_request(self, url, callback, batch: Batch, *, leaf: bool = False, **kwargs) -> list[scrapy.Request]:
        """The request of a page of `batch`, once per URL (as a list: empty when already asked).

        The batch counts the pages it waits for, so Scrapy's duplicate filter must not drop one
        silently; the batch itself makes sure no page is asked twice. A `leaf` page holds one
        item (a post, an event, an instrument): when it fails, the scope's other items still
        stand and the scope is partial (the reason recorded); a listing page that fails leaves
        the scope incomplete, as nobody knows what it listed.
        """
        if url in batch.requested:
            return []
        batch.requested.add(url)
        batch.expect()
        return [scrapy.Request(url, callback=callback, errback=self.batch_page_failed, dont_filter=True,
                               cb_kwargs={"batch": batch, **kwargs}, meta={"uclg_leaf": leaf})]

    def read_with(self, response, batch: Batch, read):
        """`read(text, url)`, or None with the batch told why (not HTML, or a missing landmark)."""
        route = self.route(response.url)
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        html = route.format == "html" and isinstance(response, scrapy.http.HtmlResponse)
        if not isinstance(response, scrapy.http.TextResponse) or not (html or route.accepts(content_type)):
            batch.fail(f"{response.url} is not {route.format.upper()} (Content-Type {content_type or 'missing'})",
                       fetched=False)
            return None
        try:
            return read(response.text, response.url)
        except ParseError as error:
            self.logger.error("%s", error)
            batch.fail(str(error), landmarks=error.landmarks)
            return None

    def batch_page_failed(self, failure):
        """Errback: a page of the batch never arrived; its scope is reported incomplete."""
        batch = failure.request.cb_kwargs["batch"]
        reason = failure_reason(failure)
        self.logger.warning("page failed: %s (%s)", failure.request.url, reason)
        if failure.request.meta.get("uclg_leaf"):
            batch.partial.append(f"{failure.request.url}: {reason}")
        else:
            batch.fail(f"{failure.request.url}: {reason}", fetched=False)
        yield from batch.arrived()


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
