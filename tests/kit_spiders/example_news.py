from spiders.platforms import WordPressPostsSpider
from tests.kit_spiders.parsers import example_news


class ExampleNewsSpider(WordPressPostsSpider):
    name = "example_news"
    parser = example_news
    wp_site = example_news.SITE
    wp_fallbacks = (f"{example_news.SITE}/feed/", f"{example_news.SITE}/news/")
    wp_per_page = 3
    allowed_domains = ["news.example.org"]
