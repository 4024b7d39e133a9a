"""Voluntary Local Reviews: UN DESA's list (https://sdgs.un.org/topics/voluntary-local-reviews, Drupal's
double pager ?page=0,N), then UN-Habitat's list for the reviews DESA lacks. Both lists make ONE list
of reports (each authored by its city): a review both name is recorded once, as DESA has it.
"""

from spiders.base import Batch, GlocalSpider, Listing
from spiders.parsers import undesa_vlrs as parser


class UndesaVlrsSpider(GlocalSpider):
    name = "undesa_vlrs"
    allowed_domains = ["sdgs.un.org", "unhabitat.org"]
    start_urls = [parser.DESA_URL]
    parser = parser
    schedule = "10 5 * * 3"  # weekly: a few dozen reviews a year, most around the July HLPF

    async def start(self):
        # DESA's list first: the first list to name a review wins.
        batch = Batch(self.name, (parser.REVIEWS,), parser.DESA_URL)
        for request in self.walk(batch, [Listing(parser.DESA_URL, parser.parse_desa),
                                         Listing(parser.HABITAT_URL, parser.parse_habitat)]):
            yield request
