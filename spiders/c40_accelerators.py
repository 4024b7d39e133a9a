"""C40 Cities' High-Impact Accelerators (the former "Declarations") and the cities that signed them.

Hub:    https://www.c40.org/what-we-do/raising-climate-ambition/high-impact-accelerators/
Detail: https://www.c40.org/accelerators/{slug}/ - the pledge, "Signatory cities:" and the names
        (2021-2024 layout), or "The C40 ... Accelerator unites N cities" (2025 layout).
Language copies (/pt/, /de/ ...) are never followed: their city names are translated.
"""

from spiders.base import GlocalSpider, is_html
from spiders.parsers import c40_accelerators as parser


class C40AcceleratorsSpider(GlocalSpider):
    name = "c40_accelerators"
    allowed_domains = ["www.c40.org", "c40.org"]
    start_urls = [parser.HUB_URL]
    expectations = parser.EXPECTATIONS
    schedule = "20 6 * * *"  # daily; accelerators are launched at summits and climate weeks

    async def start(self):
        yield self.page_request(parser.HUB_URL, self.parse, scope=parser.INSTRUMENTS_SCOPE, entity="instrument")

    def parse(self, response):
        """Report which accelerators the hub lists, then visit each one.

        @url https://www.c40.org/what-we-do/raising-climate-ambition/high-impact-accelerators/
        @returns requests 6
        """
        reports = list(self.parse_with(response, parser.parse_hub, scope=parser.INSTRUMENTS_SCOPE,
                                       entity="instrument"))
        yield from reports
        if is_html(response) and all(report.complete for report in reports):
            for url in parser.accelerator_urls(response.text, response.url):
                yield self.page_request(url, self.parse_accelerator, scope=parser.signature_scope(url),
                                        entity="signature")

    def parse_accelerator(self, response):
        """The accelerator, its stated count and its signatories.

        @url https://www.c40.org/accelerators/clean-air-cities/
        @returns items 2
        @scrapes source key url
        """
        yield from self.parse_with(response, parser.parse_accelerator, scope=parser.signature_scope(response.url),
                                   entity="signature")
