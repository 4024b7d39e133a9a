"""UCLG's statutory cycle (World Congress, World Council, Executive Bureau, Retreat, World Assembly)
and other events.

Events platform (Decidim): POST https://www.uclgmeets.org/api (GraphQL) first; when it answers
anything but JSON (a 403, a login page, GraphQL errors) the run is flagged and the meetings directory
https://www.uclgmeets.org/meetings/ and its meeting pages are read instead.
Old site: https://www.uclg.org/en/media/events and its /en/media/events/{slug} pages.

A further page of a component's meetings is asked for at `/api?component=ID&after=CURSOR`: the
server reads the query from the body and ignores the query string, which only keeps each answer
under its own URL in the archive (WARC records are found by URL).
"""

from __future__ import annotations

from urllib.parse import urlencode

import scrapy

from kit.errors import ParseError
from spiders.base import Batch, GlocalSpider, failure_reason
from spiders.parsers import uclg_events as parser
from spiders.parsers.uclg_site import OLD_HOSTS


class UclgEventsSpider(GlocalSpider):
    name = "uclg_events"
    parser = parser
    allowed_domains = list(OLD_HOSTS) + list(parser.PLATFORM_HOSTS)
    start_urls = [parser.API_URL, parser.OLD_LISTING]
    schedule = "10 7 * * 1,4"  # twice a week; statutory meetings are announced months ahead

    async def start(self):
        platform = Batch(self.name, parser.PLATFORM, parser.API_URL)
        yield self._api_request(parser.API_URL, parser.CONFERENCES_QUERY, {}, platform, conference=None)
        old = Batch(self.name, parser.OLD, parser.OLD_LISTING)
        for request in self.batch_request(parser.OLD_LISTING, self.parse_old_listing, old):
            yield request

    def _api_request(self, url, query, variables, batch: Batch, conference):
        batch.expect()
        return scrapy.Request(url, method="POST", body=parser.graphql_body(query, variables),
                              headers={"Content-Type": "application/json", "Accept": "application/json"},
                              callback=self.parse_api, errback=self.api_failed, dont_filter=True,
                              cb_kwargs={"batch": batch, "conference": conference})

    # --- the API, and the fallback to meeting pages --------------------------------------------------

    def parse_api(self, response, batch: Batch, conference):
        """The conferences and their statutory meetings, or a further page of one component's meetings."""
        try:
            answer = parser.read_api(response.text if hasattr(response, "text") else "", response.url,
                                     conference=conference)  # a binary body is no JSON either
        except ParseError as error:
            yield from self._fall_back(batch, response.url, str(error))
            return
        batch.add(answer.events)
        for component, cursor, context in answer.more:
            url = f"{parser.API_URL}?{urlencode({'component': component, 'after': cursor})}"
            yield self._api_request(url, parser.COMPONENT_QUERY, {"id": component, "after": cursor}, batch, context)
        yield from batch.arrived()

    def api_failed(self, failure):
        batch = failure.request.cb_kwargs["batch"]
        yield from self._fall_back(batch, failure.request.url, failure_reason(failure))

    def _fall_back(self, batch: Batch, url: str, reason: str):
        """Flag the API (its own scope report, a failed page) and read the meeting pages instead.

        Only the first API failure of a run falls back; a later page of meetings that fails makes
        the platform scope incomplete.
        """
        self.logger.warning("the events API failed (%s); reading the meeting pages instead", reason)
        yield parser.API.report(self.name, url, complete=False, reason=f"the API failed: {reason}",
                                landmarks_missing=["api_json"], fetched=False)
        if url != parser.API_URL or getattr(self, "_fell_back", False):
            batch.fail(f"{url}: {reason}", fetched=False)
            yield from batch.arrived()
            return
        self._fell_back = True
        batch.notes.append(f"read from the meeting pages: the API failed ({reason})")
        yield from self.batch_request(parser.MEETINGS_DIRECTORY, self.parse_directory, batch)
        yield from batch.arrived()

    def parse_directory(self, response, batch: Batch):
        urls = self.read_with(response, batch, parser.meeting_urls)
        if urls is not None and not urls:
            batch.fail(f"no statutory meeting links on {response.url} "
                       f"({parser.EXPECTATIONS.describe('meeting_links')})", landmarks=("meeting_links",))
        for url in urls or []:
            yield from self.batch_request(url, self.parse_meeting, batch, leaf=True)
        yield from batch.arrived()

    def parse_meeting(self, response, batch: Batch):
        """A meeting page of the events platform."""
        items = self.read_with(response, batch, lambda html, url: list(parser.parse_meeting(html, url)))
        batch.add(items or [])
        yield from batch.arrived()

    # --- the old site --------------------------------------------------------------------------------

    def parse_old_listing(self, response, batch: Batch):
        urls, following = self.read_with(response, batch, parser.read_old_listing) or (None, None)
        if urls is not None and not urls:
            batch.fail(f"no event links on {response.url} ({parser.EXPECTATIONS.describe('event_links')})",
                       landmarks=("event_links",))
        for url in urls or []:
            yield from self.batch_request(url, self.parse_old_event, batch, leaf=True)
        if urls and following:
            yield from self.batch_request(following, self.parse_old_listing, batch)
        yield from batch.arrived()

    def parse_old_event(self, response, batch: Batch):
        """An old event page whose first line gives the dates and the place."""
        items = self.read_with(response, batch, lambda html, url: list(parser.parse_old_event(html, url)))
        batch.add(items or [])
        yield from batch.arrived()
