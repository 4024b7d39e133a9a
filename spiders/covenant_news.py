"""Covenant of Mayors - Europe news: https://eu-mayors.ec.europa.eu/en/news (ECL cards, ?page=N).

An append-only listing: pages are followed until one shows stories already stored
(CRAWL_STOP_AFTER_KNOWN), and a story that leaves the listing is kept.
"""

from spiders.base import GlocalSpider
from spiders.parsers import covenant_news


class CovenantNewsSpider(GlocalSpider):
    name = "covenant_news"
    parser = covenant_news
    start_urls = [covenant_news.LISTING_URL]
    allowed_domains = ["eu-mayors.ec.europa.eu"]
    schedule = "15 7 * * *"  # daily
