"""UN-Habitat's news and stories (https://unhabitat.org/news-and-stories?page=N), newest first: the
first UNHABITAT_NEWS_PAGES pages each run. A story that moves past them still happened: news is
append-only, never removed."""

from spiders.listing import Listing, PagedListingSpider
from spiders.parsers import unhabitat_news as parser


class UnhabitatNewsSpider(PagedListingSpider):
    name = "unhabitat_news"
    allowed_domains = ["unhabitat.org"]
    start_urls = [parser.START_URL]
    parser = parser
    schedule = "30 6 * * *"  # daily
    scopes = {parser.LISTING_SCOPE: "announcement"}
    scope_kind = "append-only"

    def listings(self):
        return [Listing(parser.START_URL, parser.parse_page, max_pages=self.settings.getint("UNHABITAT_NEWS_PAGES", 2))]
