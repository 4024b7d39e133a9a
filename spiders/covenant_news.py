"""Covenant of Mayors - Europe news: https://eu-mayors.ec.europa.eu/en/news (ECL cards, ?page=N).

An append-only listing: the first COVENANT_NEWS_MAX_PAGES pages are read each run (new stories
appear on the first), and a story that leaves them is kept.
"""

from __future__ import annotations

from spiders.base import GlocalSpider, is_html
from spiders.parsers import covenant_news as parser

from crawler.items import ScopeReport


class CovenantNewsSpider(GlocalSpider):
    name = "covenant_news"
    allowed_domains = ["eu-mayors.ec.europa.eu"]
    start_urls = [parser.LISTING_URL]
    expectations = parser.EXPECTATIONS
    schedule = "15 7 * * *"  # daily

    async def start(self):
        yield self._listing(parser.LISTING_URL, 1)

    def _listing(self, url, number):
        request = self.page_request(url, self.parse, scope=parser.SCOPE, entity="announcement")
        request.meta["listing_page"] = number
        return request

    def parse(self, response):
        """One listing page: its stories, then the next page while within the limit.

        @url https://eu-mayors.ec.europa.eu/en/news
        @returns items 1
        """
        number = response.meta.get("listing_page", 1)
        for item in self.parse_with(response, parser.parse_listing, scope=parser.SCOPE, entity="announcement"):
            if isinstance(item, ScopeReport) and number > 1 and not item.rejected:
                continue  # the scope was reported by the first page; later pages add to it
            yield item
        limit = self.settings.getint("COVENANT_NEWS_MAX_PAGES", 3)
        if is_html(response) and number < limit:
            next_url = parser.next_page(response.text, response.url)
            if next_url:
                yield self._listing(next_url, number + 1)
