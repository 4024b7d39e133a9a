"""The Covenant of Mayors for Climate & Energy: every signatory local authority, page by page.

Listing: https://eu-mayors.ec.europa.eu/en/signatories (server-rendered rows, ECL pager ?page=N)
JSON:    the endpoint behind that table, when COVENANT_SIGNATORIES_JSON_URL names it (a "{page}"
         in the URL is replaced by the page number; otherwise the answer's "next" link is followed).

The list is one scope spread over many pages. Rows are collected page by page and handed to
the store once the last page answered: the scope is complete only when every page was read.
A page that fails after some were read makes the scope partial: the rows read are added and
updated, nothing is removed.
"""

from __future__ import annotations

import scrapy

from kit.errors import ParseError
from spiders.base import GlocalSpider, failure_reason
from spiders.parsers import covenant as com
from spiders.parsers import covenant_signatories as parser


class CovenantSignatoriesSpider(GlocalSpider):
    name = "covenant_signatories"
    allowed_domains = ["eu-mayors.ec.europa.eu"]
    start_urls = [parser.LISTING_URL]  # with COVENANT_SIGNATORIES_JSON_URL set, that URL is read instead
    parser = parser
    schedule = "40 4 * * 1"  # weekly: about ten authorities join in a typical week
    actor_ref_scheme = com.SOURCE_ID_SCHEME  # one local authority, one actor (store/actors.py)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._rows: dict = {}  # key -> Signature, in listing order, across every page read
        self._pages_read = 0
        self._problems: list[str] = []
        self._rejected_rows = 0
        self._last_page: int | None = None
        self._stated: int | None = None
        self._seen_urls: set[str] = set()
        self._first_url: str | None = None
        self._ids: dict = {}  # key -> source id of the first row with that key

    async def start(self):
        json_url = self.settings.get("COVENANT_SIGNATORIES_JSON_URL")
        self.max_pages = self.settings.getint("COVENANT_SIGNATORIES_MAX_PAGES")
        if json_url:
            self.json_template = json_url if "{page}" in json_url else None
            self.first_page = self.settings.getint("COVENANT_SIGNATORIES_FIRST_PAGE")
            url = json_url.format(page=self.first_page) if self.json_template else json_url
            yield self._request(url, self.parse_json, page=self.first_page)
        else:
            yield self._request(parser.LISTING_URL, self.parse_html, page=0)

    def _request(self, url, callback, *, page):
        # Pages are read one after another (each names the next), not through the routing table:
        # the list is judged once, when its last page answered or one failed.
        self._seen_urls.add(url)
        return scrapy.Request(url, callback=callback, errback=self.listing_failed, meta={"covenant_page": page})

    # --- pages ----------------------------------------------------------------------------------

    def parse_html(self, response):
        """One server-rendered listing page; the next page is requested from its pager.

        @url https://eu-mayors.ec.europa.eu/en/signatories
        @returns items 0
        """
        if not (isinstance(response, scrapy.http.HtmlResponse) or "html" in _content_type(response)):
            yield from self._not_a_page(response, "an HTML page")
            return
        yield from self._read(response, html=True)

    def parse_json(self, response):
        """One page of the JSON endpoint behind the table."""
        if not isinstance(response, scrapy.http.TextResponse):
            yield from self._not_a_page(response, "a JSON answer")
            return
        yield from self._read(response, html=False)

    def _read(self, response, *, html: bool):
        page_number = response.meta.get("covenant_page", 0)
        try:
            page = (parser.parse_listing_html if html else parser.parse_listing_json)(response.text, response.url)
        except ParseError as error:
            self.logger.error("%s", error)
            if not self._pages_read:
                yield parser.SIGNATORIES.report(self.name, response.url, complete=False, reason=str(error),
                                                landmarks_missing=list(error.landmarks), rejected=True)
                return
            yield from self._finish(response.url, failed=f"page {page_number} ({response.url}): {error}")
            return
        if not self._pages_read:
            self._first_url = response.url  # the scope is dated by its first page
            yield parser.INSTRUMENTS.report(self.name, response.url, complete=True, keys=[com.INSTRUMENT_KEY])
            yield parser.instrument(response.url)
        self._pages_read += 1
        before = len(self._rows)
        for signature in page.signatures:
            com.separate_namesakes(signature, self._ids)
            self._rows.setdefault(signature.key, signature)  # a row shifted onto the next page is one row
        if page.signatures and len(self._rows) == before and self._pages_read > 1:
            # An endpoint that ignores the page number answers the same rows for ever.
            yield from self._finish(response.url, failed=f"page {page_number} ({response.url}) repeated rows "
                                                         "of earlier pages: the page parameter is not honoured")
            return
        self._problems.extend(page.problems)
        self._rejected_rows += page.rejected_rows
        self._stated = self._stated or page.stated
        if page.last_page is not None:
            self._last_page = max(self._last_page or 0, page.last_page)
        next_url = self._next_url(page, page_number)
        if next_url and next_url in self._seen_urls:
            next_url = None  # a pager pointing back: the list ends here
        if next_url and self._pages_read >= self.max_pages:
            yield from self._finish(response.url, failed=f"stopped after COVENANT_SIGNATORIES_MAX_PAGES="
                                                         f"{self.max_pages} pages; more were announced")
            return
        if next_url:
            yield self._request(next_url, self.parse_html if html else self.parse_json, page=page_number + 1)
            return
        yield from self._finish(response.url)

    def _next_url(self, page: parser.ListingPage, page_number: int) -> str | None:
        if page.next_url:
            return page.next_url
        template = getattr(self, "json_template", None)
        if page.url.endswith(".json") or template is None or not page.signatures:
            return None  # no pager and no template, or an empty page: the end of the list
        if self._stated is not None and len(self._rows) >= self._stated:
            return None
        return template.format(page=page_number + 1)

    def listing_failed(self, failure):
        """A listing page never arrived: what was read is kept, the list is not complete."""
        request = failure.request
        reason = failure_reason(failure)
        self.logger.error("signatories page %s failed: %s (%s)", request.meta.get("covenant_page"), request.url, reason)
        if not self._pages_read:
            yield parser.SIGNATORIES.report(self.name, request.url, complete=False, reason=reason, fetched=False)
            return
        yield from self._finish(request.url, failed=f"page {request.meta.get('covenant_page')} ({request.url}): {reason}")

    def _not_a_page(self, response, expected: str):
        reason = f"not {expected} (Content-Type {_content_type(response) or 'missing'})"
        self.logger.error("signatories page %s: %s", response.url, reason)
        if not self._pages_read:
            yield parser.SIGNATORIES.report(self.name, response.url, complete=False, reason=reason, rejected=True)
            return
        yield from self._finish(response.url, failed=f"page {response.meta.get('covenant_page')} ({response.url}): "
                                                     f"{reason}")

    # --- the whole list -------------------------------------------------------------------------

    def _finish(self, url: str, failed: str | None = None):
        """The scope report for every page read, then its rows."""
        reasons = [failed] if failed else []
        if self._last_page is not None and self._pages_read < self._last_page + 1 and not failed:
            reasons.append(f"the pager announced {self._last_page + 1} pages and {self._pages_read} were read")
        if self._rejected_rows:
            reasons.append(f"{self._rejected_rows} rows without a signatory name were skipped")
        for problem in self._problems[:20]:
            self.logger.warning("signatory row kept with a field left empty: %s", problem)
        if len(self._problems) > 20:
            self.logger.warning("... and %d more rows with a field left empty", len(self._problems) - 20)
        complete = not reasons
        signatures = list(self._rows.values())
        yield parser.SIGNATORIES.report(
            self.name, self._first_url, complete=complete, partial=not complete, keys=[s.key for s in signatures],
            stated=self._stated, reason="; ".join(reasons) or None)
        self._rows = {}
        yield from signatures


def _content_type(response) -> str:
    return response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
