"""UCLG news and announcements, both site generations.

Old:  https://www.uclg.org/en/media/news?page=N and /en/media/announcements?page=N (0-based, Drupal)
New:  https://uclg.org/new/ (and /new/page/N/) linking /new/{slug}/ posts
Only the English listings are walked; /fr/ and /es/ copies of an item share its key anyway.

The old listings are not in date order, so a walk never stops at an old date. It stops at the
last page, at UCLG_NEWS_MAX_PAGES, or after CRAWL_STOP_AFTER_KNOWN items in a row that the store
already holds (0 walks everything; a first run does anyway, as nothing is known yet). A walk
stopped early reports its listing partial, which an append-only scope accepts.
"""

from __future__ import annotations

from spiders.base import Batch, GlocalSpider
from spiders.parsers import uclg_news as parser
from spiders.parsers.uclg_site import OLD_HOSTS, page_number


class UclgNewsSpider(GlocalSpider):
    name = "uclg_news"
    parser = parser
    allowed_domains = list(OLD_HOSTS)
    start_urls = [parser.listing_url("news", 0), parser.listing_url("announcements", 0), parser.NEW_LISTING]
    schedule = "40 6 * * *"  # daily; UCLG posts a few items a week

    async def start(self):
        settings = self.crawler.settings
        self.stop_after_known = settings.getint("CRAWL_STOP_AFTER_KNOWN")
        self.max_pages = settings.getint("UCLG_NEWS_MAX_PAGES")
        for series in ("news", "announcements", "new"):
            url = parser.listing_url(series, 0)
            batch = Batch(self.name, parser.LISTING, url)
            callback = self.parse_new_listing if series == "new" else self.parse_listing
            for request in self.batch_request(url, callback, batch, known_in_a_row=0):
                yield request

    def known_of(self, series: str, keys: list[str], urls: list[str] | None = None) -> set[str]:
        """Which keys the store holds in one listing's scope, asked through the crawl's session. A
        post is known by its key, and also by the URL it was read from (a /es/ link leads to a post
        stored under its English key). Nothing is asked when the walk never stops early."""
        if not self.stop_after_known:
            return set()
        return self.known("announcement", keys, scope=parser.scope_of(series), urls=urls)

    # --- old listings -------------------------------------------------------------------------------

    def parse_listing(self, response, batch: Batch, known_in_a_row: int):
        """One page of an old listing; the next page follows until the walk should stop."""
        page = self.read_with(response, batch, parser.read_listing)
        if page is not None:
            batch.add(page.items)
            known = self.known_of(page.series, [item.key for item in page.items])
            for item in page.items:
                known_in_a_row = known_in_a_row + 1 if item.key in known else 0
            yield from self._next(page.next_url, response.url, batch, known_in_a_row, self.parse_listing)
        yield from batch.arrived()

    def _next(self, next_url, url, batch: Batch, known_in_a_row: int, callback):
        if not next_url:
            return
        if self.stop_after_known and known_in_a_row >= self.stop_after_known:
            batch.partial.append(f"stopped after {known_in_a_row} known items in a row on {url}")
            return
        if page_number(next_url) >= self.max_pages:
            batch.partial.append(f"stopped at UCLG_NEWS_MAX_PAGES={self.max_pages} ({url})")
            return
        yield from self.batch_request(next_url, callback, batch, known_in_a_row=known_in_a_row)

    # --- the new site --------------------------------------------------------------------------------

    def parse_new_listing(self, response, batch: Batch, known_in_a_row: int):
        """A page of the new site's listing: the posts not yet known, then the next page."""
        page = self.read_with(response, batch, parser.read_new_listing)
        if page is not None:
            urls, following = page
            if not urls:
                batch.fail(f"no /new/{{slug}}/ links in the main content of {response.url} "
                           f"({parser.EXPECTATIONS.describe('post_links')})", landmarks=("post_links",))
            known = self.known_of("new", [parser.announcement_key(url) for url in urls], urls)
            skipped = 0
            for url in urls:
                if parser.announcement_key(url) in known and self.stop_after_known:
                    known_in_a_row, skipped = known_in_a_row + 1, skipped + 1
                    continue
                known_in_a_row = 0
                yield from self.batch_request(url, self.parse_post, batch, leaf=True)
            if skipped:
                batch.partial.append(f"{skipped} posts linked from {response.url} already known, not read again")
            yield from self._next(following, response.url, batch, known_in_a_row, self.parse_new_listing)
        yield from batch.arrived()

    def parse_post(self, response, batch: Batch):
        """A /new/{slug}/ post."""
        items = self.read_with(response, batch, lambda html, url: list(parser.parse_post(html, url)))
        if items:
            batch.add(items)
        yield from batch.arrived()
