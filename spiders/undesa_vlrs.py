"""Voluntary Local Reviews: UN DESA's list (https://sdgs.un.org/topics/voluntary-local-reviews, Drupal's
double pager ?page=0,N), then UN-Habitat's list for the reviews DESA lacks. Both lists make ONE list
of reviews (and one of their submitting cities): a review both name is recorded once, as DESA has it.
"""

from spiders.listing import Listing, PagedListingSpider
from spiders.parsers import undesa_vlrs as parser


class UndesaVlrsSpider(PagedListingSpider):
    name = "undesa_vlrs"
    allowed_domains = ["sdgs.un.org", "unhabitat.org"]
    start_urls = [parser.DESA_URL]
    parser = parser
    schedule = "10 5 * * 3"  # weekly: a few dozen reviews a year, most around the July HLPF
    scopes = {parser.INSTRUMENTS_SCOPE: "instrument", parser.SIGNATURES_SCOPE: "signature"}

    def listings(self):
        return [Listing(parser.DESA_URL, parser.parse_desa), Listing(parser.HABITAT_URL, parser.parse_habitat)]
