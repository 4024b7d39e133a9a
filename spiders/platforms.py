"""Crawling helpers for platforms several sites share. Extraction stays in spiders/parsers/
(wordpress.py, drupal.py); these only decide what to request next.

- WordPressPostsSpider: a site's posts from the WordPress REST API (/wp-json/wp/v2/posts, paged
  by the X-WP-TotalPages header), falling back to the RSS feed, then to the HTML listing, when
  the API answers 401/403/404/410 or something that is not JSON (a firewall's HTML page).
- Drupal ?page=N pagers and any other "next page" link: a parser yields Link(url, rel="next")
  and GlocalSpider.follow pages on, with the incremental stop for append-only listings.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.spidermiddlewares.httperror import HttpError

from kit.items import Link
from spiders.base import GlocalSpider, _content_type, failure_reason

REST_PATH = "/wp-json/wp/v2/posts"
FALL_BACK_ON = (401, 403, 404, 410)  # the API is off or blocked: another way in may be open


def wp_posts_url(site: str, page: int = 1, per_page: int = 100) -> str:
    """The REST URL of one page of a WordPress site's posts, newest first."""
    query = urlencode({"per_page": per_page, "page": page, "orderby": "date", "order": "desc"})
    return f"{site.rstrip('/')}{REST_PATH}?{query}"


class WordPressPostsSpider(GlocalSpider):
    """Posts of one WordPress site. Subclasses set `wp_site` ("https://example.org") and
    `wp_fallbacks` (the feed URL, then the HTML listing URL), and their parser routes the REST URL
    (format "json"), the feed (format "xml") and the listing (format "html") to one append-only scope."""

    wp_site: str = ""
    wp_fallbacks: tuple[str, ...] = ()
    wp_per_page = 100

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.wp_site:
            cls.start_urls = [wp_posts_url(cls.wp_site, per_page=cls.wp_per_page)]

    def attempts(self) -> list[str]:
        return [self.start_urls[0], *self.wp_fallbacks]

    async def start(self):
        yield self.attempt(0)

    def attempt(self, index: int, tried: tuple[str, ...] = ()) -> object:
        return self.request(self.attempts()[index], meta={"glocal_attempt": index, "glocal_tried": tried})

    def parse(self, response) -> Iterator:
        is_api = REST_PATH in urlsplit(response.url).path
        if is_api and "glocal_attempt" in response.meta and "json" not in _content_type(response):
            yield from self.fall_back(response.request, f"{response.url} answered "
                                      f"{_content_type(response) or 'no Content-Type'}, not JSON")
            return
        yield from super().parse(response)

    def more_links(self, response, output: list) -> list:
        """After an API page, the next one while X-WP-TotalPages says there is one."""
        if REST_PATH not in urlsplit(response.url).path:
            return output
        page, total = _page(response.url), _int(response.headers.get(b"X-WP-TotalPages"))
        if total is not None and page < total and len(output) > 1:
            return output + [Link(_with_page(response.url, page + 1), rel="next")]
        return output

    def page_failed(self, failure) -> Iterator:
        request = failure.request
        status = failure.value.response.status if failure.check(HttpError) else None
        if "glocal_attempt" in request.meta and status in FALL_BACK_ON:
            yield from self.fall_back(request, f"{request.url} answered HTTP {status}")
            return
        yield from super().page_failed(failure)

    def fall_back(self, request, reason: str) -> Iterator:
        """Try the next way in; after the last, report the listing as not fetched, naming every try."""
        index = request.meta["glocal_attempt"] + 1
        tried = (*request.meta.get("glocal_tried", ()), reason)
        if index < len(self.attempts()):
            self.logger.info("%s; trying %s", reason, self.attempts()[index])
            yield self.attempt(index, tried)
            return
        self.logger.warning("every way in failed: %s", "; ".join(tried))
        self.report(self.failed_report(self.route(request.url), request.url, "; ".join(tried)))


def _page(url: str) -> int:
    return _int(dict(parse_qsl(urlsplit(url).query)).get("page", "1")) or 1


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, str(page) if k == "page" else v) for k, v in parse_qsl(parts.query)]
    if "page" not in dict(query):
        query.append(("page", str(page)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _int(value) -> int | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
