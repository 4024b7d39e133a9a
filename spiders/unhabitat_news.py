"""UN-Habitat's news and stories (https://unhabitat.org/news-and-stories?page=N), newest first: the
first UNHABITAT_NEWS_PAGES pages each run. A story that moves past them still happened: news is
append-only, never removed."""

from spiders.base import PagedListSpider
from spiders.parsers import unhabitat_news as parser


class UnhabitatNewsSpider(PagedListSpider):
    name = "unhabitat_news"
    allowed_domains = ["unhabitat.org"]
    start_urls = [parser.START_URL]
    parser = parser
    schedule = "30 6 * * *"  # daily
    pages_setting = "UNHABITAT_NEWS_PAGES"
