"""The Global Covenant of Mayors: its stated totals over time, and the One Planet Charter.

Pages: /about/ and /participate/ (totals as dated CountClaims) and the One Planet Charter call
(the instrument, its stated count, its committed cities where the page lists them).
"""

from __future__ import annotations

from spiders.base import GlocalSpider
from spiders.parsers import gcom as parser


class GcomSpider(GlocalSpider):
    name = "gcom"
    allowed_domains = ["www.globalcovenantofmayors.org"]
    start_urls = [parser.ABOUT_URL, "https://www.globalcovenantofmayors.org/participate/", parser.CHARTER_URL]
    expectations = parser.EXPECTATIONS
    schedule = "50 5 * * 1"  # weekly: the totals move a few times a year

    async def start(self):
        for url in self.start_urls[:2]:
            yield self.page_request(url, self.parse, scope=f"count_claims:{self.name}", entity="count_claim")
        yield self.page_request(parser.CHARTER_URL, self.parse_charter, scope=parser.CHARTER_SCOPE,
                                entity="signature")

    def parse(self, response):
        """The alliance's totals on one page.

        @url https://www.globalcovenantofmayors.org/about/
        @returns items 2
        """
        yield from self.parse_with(response, parser.parse_totals, scope=f"count_claims:{self.name}",
                                   entity="count_claim")

    def parse_charter(self, response):
        yield from self.parse_with(response, parser.parse_charter, scope=parser.CHARTER_SCOPE, entity="signature")
