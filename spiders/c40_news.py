"""C40 Cities' news posts, and the signatories that launch and join posts announce.

Three ways to read the same posts, tried in order (research/sites.md §1.3, markup.md §2):

1. REST   https://www.c40.org/wp-json/wp/v2/posts?per_page=N&page=P   (dates, full content)
2. RSS    https://www.c40.org/news/feed/ and ?paged=P                    (dates, full content)
3. HTML   https://www.c40.org/news/category/press-release/page/P/       (no dates: each article is fetched)

A way is abandoned for the next when its first page answers an HTTP error (403, 404 ...), or
something that is not what it should be (HTML where JSON belongs, a WordPress error object,
XML that is not RSS). Paging stops at a short or empty page, or, unless the crawl is `--full`
(setting CRAWL_FULL), after C40_NEWS_KNOWN_RUN posts in a row that the store already holds: a
scheduled run of an unchanged site reads one page. The store is read once, at the start, for
the keys of the posts it holds; that is the only thing a spider reads back from the store.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.errors import ParseError
from crawler.items import APPEND_ONLY, Announcement, ScopeReport
from crawler.session import CrawlSession
from spiders.base import GlocalSpider, is_html
from spiders.parsers import c40_news as parser

DEFAULT_PER_PAGE = 10  # C40_NEWS_PER_PAGE when the settings lack it
DEFAULT_KNOWN_RUN = 10  # C40_NEWS_KNOWN_RUN when the settings lack it
WAYS = ("rest", "feed", "listing")


class C40NewsSpider(GlocalSpider):
    name = "c40_news"
    allowed_domains = ["www.c40.org", "c40.org"]
    start_urls = [parser.rest_url(1, DEFAULT_PER_PAGE)]
    expectations = parser.EXPECTATIONS
    schedule = "40 */6 * * *"  # every six hours: launches cluster around summits and climate weeks

    async def start(self):
        settings = self.crawler.settings
        self.per_page = settings.getint("C40_NEWS_PER_PAGE", DEFAULT_PER_PAGE)
        self.known_run = settings.getint("C40_NEWS_KNOWN_RUN", DEFAULT_KNOWN_RUN)
        self.full = settings.getbool("CRAWL_FULL", False)
        self.known = set() if self.full else self._known_keys()
        self.in_a_row = 0  # posts already in the store, in listing order, since the last new one
        self.reported: set[str] = set()  # each scope is reported once, by the first page that reads it
        self.failures: list[str] = []
        self.feed_page_size = 0
        if self.known:
            self.logger.info("incremental run: %d posts known, paging stops after %d known in a row",
                             len(self.known), self.known_run)
        yield self._page("rest", 1)

    # --- requests -------------------------------------------------------------------------------

    def _page(self, way: str, page: int) -> Request:
        url = {"rest": lambda: parser.rest_url(page, self.per_page), "feed": lambda: parser.feed_url(page),
               "listing": lambda: parser.listing_url(page)}[way]()
        self.crawler.stats.inc_value(f"{self.name}/requests/{way}")
        return Request(url, callback=self.parse_page, errback=self.page_error,
                       meta={"way": way, "page": page}, dont_filter=True)

    def _fallback(self, way: str, reason: str):
        """The first page of `way` was unusable: try the next way, or report the listing unread."""
        self.failures.append(f"{way}: {reason}")
        following = WAYS.index(way) + 1
        if following < len(WAYS):
            self.logger.warning("%s unusable (%s); trying the %s", way, reason, WAYS[following])
            yield self._page(WAYS[following], 1)
            return
        self.logger.error("no way to read C40's news worked: %s", "; ".join(self.failures))
        yield ScopeReport(source=self.name, scope=parser.ANNOUNCEMENTS_SCOPE, entity="announcement", kind=APPEND_ONLY,
                          url=parser.LISTING_URL, complete=False, fetched=False,
                          reason="no way to read the news worked: " + "; ".join(self.failures))

    def page_error(self, failure):
        """An HTTP error or a network failure on a listing page."""
        meta = failure.request.meta
        if failure.check(HttpError):
            status = failure.value.response.status
            reason = f"HTTP {status}"
        else:
            status, reason = None, f"{failure.type.__name__}: {failure.getErrorMessage()}"
        if meta["page"] == 1:
            yield from self._fallback(meta["way"], f"{reason} from {failure.request.url}")
        elif status in (400, 404):
            # WordPress answers past the last page with 400 (REST) or 404 (HTML): the end, not a failure.
            self.logger.info("%s ends before page %d (%s)", meta["way"], meta["page"], reason)
        else:
            self.logger.error("%s page %d failed (%s): older posts were not read in this run",
                              meta["way"], meta["page"], reason)

    # --- pages ----------------------------------------------------------------------------------

    def parse_page(self, response):
        way, page = response.meta["way"], response.meta["page"]
        reader = {"rest": parser.parse_rest, "feed": parser.parse_feed, "listing": parser.parse_listing}[way]
        if not isinstance(response, TextResponse):
            items, error = [], ParseError(f"{response.url} is not text ({_content_type(response) or 'no type'})")
        elif way == "listing" and not is_html(response):
            items, error = [], ParseError(f"{response.url} is not an HTML page ({_content_type(response)})")
        else:
            try:
                items, error = list(reader(response.text, response.url)), None
            except ParseError as failed:
                items, error = [], failed
        if error is not None:
            if page == 1:
                yield from self._fallback(way, str(error))
            else:
                self.logger.error("%s page %d unreadable: %s", way, page, error)
            return
        report = next((i for i in items if isinstance(i, ScopeReport) and i.scope == parser.ANNOUNCEMENTS_SCOPE), None)
        if report is not None and not report.complete:
            if page == 1:
                yield from self._fallback(way, report.reason or "no posts")
            return  # an empty page past the first: the listing ends here
        yield from self._once(items)
        keys = report.keys if report is not None else []
        if way == "listing":
            yield from self._articles(response, keys)
        if self._stop_after(keys):
            self.logger.info("stopped after %s page %d: %d known posts in a row", way, page, self.in_a_row)
            self.crawler.stats.set_value(f"{self.name}/stopped_at_page", page)
            return
        if self._has_next(way, response, keys):
            yield self._page(way, page + 1)

    def _articles(self, response, keys):
        urls = parser.article_urls(response.text, response.url)
        for url in urls:
            if parser.announcement_key(parser.post_slug(url)) in self.known:
                continue
            self.crawler.stats.inc_value(f"{self.name}/requests/article")
            yield Request(url, callback=self.parse_article, errback=self.article_error)

    def parse_article(self, response):
        if not is_html(response):
            self.logger.error("article %s is not an HTML page", response.url)
            return
        try:
            items = list(parser.parse_article(response.text, response.url))
        except ParseError as error:
            self.logger.error("%s", error)
            return
        for item in items:
            if isinstance(item, Announcement) and not item.published_on:
                self.logger.warning("%s: no publication date on the page; kept without one", response.url)
        yield from self._once(items)

    def _once(self, items):
        """The items, with each scope's report passed on only the first time (a listing spans pages)."""
        for item in items:
            if isinstance(item, ScopeReport):
                if item.scope in self.reported:
                    continue
                self.reported.add(item.scope)
            yield item

    def article_error(self, failure):
        self.logger.error("article %s failed: %s", failure.request.url, failure.getErrorMessage())

    def _stop_after(self, keys: list[str]) -> bool:
        if self.full or not self.known:
            return False
        for key in keys:
            self.in_a_row = self.in_a_row + 1 if key in self.known else 0
        return self.in_a_row >= self.known_run

    def _has_next(self, way: str, response, keys: list[str]) -> bool:
        if not keys:
            return False
        if way == "rest":
            total = response.headers.get(b"X-WP-TotalPages")
            if total is not None and total.decode().isdigit():
                return response.meta["page"] < int(total.decode())
            return len(keys) >= self.per_page  # a short page is the last one
        if way == "listing":
            return parser.has_next_page(response.text, response.url)
        # A feed page as long as the first may have a successor (WordPress answers past the last with 404).
        if response.meta["page"] == 1:
            self.feed_page_size = len(keys)
        return len(keys) >= self.feed_page_size

    def _known_keys(self) -> set[str]:
        session = CrawlSession.of(self.crawler)
        session.open(self)
        rows = session.db.conn.execute("select key from announcements where source = ?", (self.name,))
        return {row[0] for row in rows}


def _content_type(response) -> str:
    return response.headers.get(b"Content-Type", b"").decode("latin-1")
