"""C40's member cities, as the homepage lists them (research/sites.md §1.5).

Home: https://www.c40.org/ - a carousel of member city names and "C40 has 97 member cities".
City pages (/cities/{slug}/) are not fetched: one scraper saw them answer 403, and the homepage
names every member.
"""

from spiders.base import GlocalSpider
from spiders.parsers import c40_members as parser


class C40MembersSpider(GlocalSpider):
    name = "c40_members"
    allowed_domains = ["www.c40.org", "c40.org"]
    start_urls = [parser.HOME_URL]
    expectations = parser.EXPECTATIONS
    schedule = "50 6 * * 1"  # weekly, Monday 06:50: membership changes a few times a year

    async def start(self):
        yield self.page_request(parser.HOME_URL, self.parse, scope=parser.SCOPE, entity="membership")

    def parse(self, response):
        """The member cities and the stated count.

        @url https://www.c40.org/
        @returns items 2
        """
        yield from self.parse_with(response, parser.parse_homepage, scope=parser.SCOPE, entity="membership")
