"""UCLG's declarations, charters and pacts, and the cities that adhered to the Rome Charter.

Known pages: the six instruments of research/sites.md §2.3 (parser.INSTRUMENT_PAGES).
Discovery: the news listing https://uclg.org/new/; a post whose title names a declaration, charter,
pact or commitment and which says it was adopted becomes an instrument (a new one: instrument.added).

The instruments scope is append-only: no UCLG page lists all its declarations, so one that is not
seen in a run is not removed. The Rome Charter's adhering cities are a roster (the page lists them).
"""

from __future__ import annotations

from kit.items import Instrument
from spiders.base import Batch, GlocalSpider
from spiders.parsers import uclg_declarations as parser
from spiders.parsers.uclg_site import OLD_HOSTS


class UclgDeclarationsSpider(GlocalSpider):
    name = "uclg_declarations"
    parser = parser
    allowed_domains = list(OLD_HOSTS) + ["www.uclgmeets.org", "uclgmeets.org"]
    start_urls = list(parser.INSTRUMENT_PAGES) + [parser.NEWS_LISTING]
    schedule = "50 6 * * *"  # daily: a declaration is news on the day a Congress adopts it

    async def start(self):
        batch = Batch(self.name, parser.INSTRUMENTS, parser.NEWS_LISTING)
        for url in parser.INSTRUMENT_PAGES:
            for request in self.batch_request(url, self.parse_instrument, batch, leaf=True, known=True):
                yield request
        for request in self.batch_request(parser.NEWS_LISTING, self.parse_listing, batch):
            yield request

    def parse_listing(self, response, batch: Batch):
        """The news listing: every post whose title names an instrument is read."""
        urls, posts = self.read_with(response, batch, parser.read_news_listing) or (None, None)
        if urls is not None and not posts:
            batch.fail(f"no /new/{{slug}}/ links in the main content of {response.url} "
                       f"({parser.EXPECTATIONS.describe('post_links')})", landmarks=("post_links",))
        for url in urls or []:
            if url not in parser.INSTRUMENT_PAGES:
                yield from self.batch_request(url, self.parse_instrument, batch, leaf=True, known=False)
        yield from batch.arrived()

    def parse_instrument(self, response, batch: Batch, known: bool):
        """An instrument's page (known), or a news post that may announce a new one."""
        items = self.read_with(response, batch, lambda html, url: list(
            parser.parse_instrument(html, url, require_adoption=not known)))
        for item in items or []:
            if isinstance(item, Instrument):
                # A known page speaks for its instrument over a news post naming the same one.
                batch.add([item], prefer=known)
            else:
                batch.after.append(item)  # the Rome Charter's adherents, after their instrument
        yield from batch.arrived()
