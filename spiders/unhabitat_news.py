"""UN-Habitat's news and stories (https://unhabitat.org/news-and-stories?page=N), newest first: the
first UNHABITAT_NEWS_PAGES pages each run. A story that moves past them still happened: news is
append-only, never removed."""

from spiders.base import Batch, GlocalSpider, Listing
from spiders.parsers import unhabitat_news as parser


class UnhabitatNewsSpider(GlocalSpider):
    name = "unhabitat_news"
    allowed_domains = ["unhabitat.org"]
    start_urls = [parser.START_URL]
    parser = parser
    schedule = "30 6 * * *"  # daily

    async def start(self):
        pages = self.settings.getint("UNHABITAT_NEWS_PAGES")
        for request in self.walk(Batch(self.name, parser.NEWS, parser.START_URL),
                                 [Listing(parser.START_URL, parser.parse_page, max_pages=pages)]):
            yield request
