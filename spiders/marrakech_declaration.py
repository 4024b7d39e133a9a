"""The Marrakech Mayors Declaration (localaction.mayorsmechanism.org): the declaration, its stated
number of signatory local and regional governments, and the signatories if a list is published."""

from spiders.base import GlocalSpider
from spiders.parsers import marrakech_declaration as parser


class MarrakechDeclarationSpider(GlocalSpider):
    name = "marrakech_declaration"
    allowed_domains = ["localaction.mayorsmechanism.org"]
    start_urls = [parser.URL]
    expectations = parser.EXPECTATIONS
    schedule = "15 7 * * 1"  # weekly: the count grows by a few governments a year

    async def start(self):
        yield self.page_request(parser.URL, self.parse, scope=parser.SIGNATURES_SCOPE, entity="signature")

    def parse(self, response):
        yield from self.parse_with(response, parser.parse_page, scope=parser.SIGNATURES_SCOPE, entity="signature")
