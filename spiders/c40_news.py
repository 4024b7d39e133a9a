"""C40 Cities' news posts, and the signatories that launch and join posts announce.

Three ways to read the same posts, tried in order (research/sites.md §1.3, markup.md §2), by the
source kit's WordPressPostsSpider (spiders/platforms.py):

1. REST   https://www.c40.org/wp-json/wp/v2/posts?per_page=10&page=P   (dates, full content)
2. RSS    https://www.c40.org/news/feed/ and ?paged=P                    (dates, full content)
3. HTML   https://www.c40.org/news/category/press-release/page/P/       (no dates: each article is fetched)

Paging stops once a page's posts are known to the store (CRAWL_STOP_AFTER_KNOWN), unless the crawl
is `--full`; in the HTML way, articles already stored are not fetched again. The crawl's stats
count the requests of each way (`c40_news/requests/rest|feed|listing|article`).
"""

from kit.items import Link, ScopeReport
from spiders.parsers import c40_news
from spiders.platforms import REST_PATH, WordPressPostsSpider


class C40NewsSpider(WordPressPostsSpider):
    name = "c40_news"
    parser = c40_news
    wp_site = c40_news.SITE
    wp_fallbacks = (c40_news.FEED_URL, c40_news.LISTING_URL)
    wp_per_page = 10  # WordPress's own default: a scheduled run of an unchanged site reads one small page
    allowed_domains = ["www.c40.org", "c40.org"]
    schedule = "40 */6 * * *"  # every six hours: launches cluster around summits and climate weeks

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._joins_reported: set[str] = set()

    def request(self, url: str, **kwargs):
        self.crawler.stats.inc_value(f"{self.name}/requests/{_way(url)}")
        return super().request(url, **kwargs)

    def follow(self, output: list, route, url: str):
        """Skip the articles the store holds (unless --full)."""
        if route.parse is c40_news.parse_listing and not self.settings.getbool("CRAWL_FULL"):
            articles = {link.url: c40_news.announcement_key(c40_news.post_slug(link.url))
                        for link in output if isinstance(link, Link) and link.rel is None}
            known = self.known("announcement", list(articles.values()))
            output = [item for item in output
                      if not (isinstance(item, Link) and articles.get(item.url) in known)]
        yield from super().follow(output, route, url)

    def report(self, report: ScopeReport) -> None:
        if report.scope == c40_news.JOINS.name:
            if report.scope in self._joins_reported:
                return  # one report per run: every page of every way announces the same scope
            self._joins_reported.add(report.scope)
        super().report(report)

    def incremental_stop(self, items, route, url):
        stop = super().incremental_stop(items, route, url)
        if stop:
            self.crawler.stats.set_value(f"{self.name}/stopped_at", url)
        return stop


def _way(url: str) -> str:
    if REST_PATH in url:
        return "rest"
    if "/news/feed/" in url:
        return "feed"
    if "/news/category/" in url:
        return "listing"
    return "article"
