"""Covenant of Mayors - Europe events: https://eu-mayors.ec.europa.eu/en/events and each event's page.

The grid gives title, dates (ECL date block) and place; the event's page adds the organiser
and the exact days from "Where / When / Organiser". A page that fails leaves the card's values.
"""

from __future__ import annotations

from spiders.base import GlocalSpider, is_html
from spiders.parsers import covenant_events as parser

from crawler.errors import ParseError
from crawler.items import Event


class CovenantEventsSpider(GlocalSpider):
    name = "covenant_events"
    allowed_domains = ["eu-mayors.ec.europa.eu"]
    start_urls = [parser.LISTING_URL]
    expectations = parser.EXPECTATIONS
    schedule = "25 7 * * *"  # daily

    async def start(self):
        yield self.page_request(parser.LISTING_URL, self.parse, scope=parser.SCOPE, entity="event")

    def parse(self, response):
        """The grid: the scope report, then each event's page (the card travels with the request).

        @url https://eu-mayors.ec.europa.eu/en/events
        @returns requests 1
        """
        for item in self.parse_with(response, parser.parse_listing, scope=parser.SCOPE, entity="event"):
            if isinstance(item, Event):
                yield self._detail_request(item)
            else:
                yield item
        if is_html(response):
            next_url = parser.next_page(response.text, response.url)
            if next_url and response.meta.get("listing_page", 1) < self.settings.getint("COVENANT_EVENTS_MAX_PAGES", 3):
                request = self.page_request(next_url, self.parse, scope=parser.SCOPE, entity="event")
                request.meta["listing_page"] = response.meta.get("listing_page", 1) + 1
                yield request

    def _detail_request(self, card: Event):
        import scrapy

        return scrapy.Request(card.url, callback=self.parse_event, errback=self.event_failed,
                              meta={"card": card}, dont_filter=False)

    def parse_event(self, response):
        card = response.meta["card"]
        if not is_html(response):
            yield card
            return
        try:
            yield parser.merge(card, parser.parse_detail(response.text, response.url))
        except ParseError as error:
            self.logger.warning("%s; the card's values are kept", error)
            yield card

    def event_failed(self, failure):
        self.logger.warning("event page failed: %s (%s); the card's values are kept", failure.request.url,
                            failure.getErrorMessage())
        yield failure.request.meta["card"]
