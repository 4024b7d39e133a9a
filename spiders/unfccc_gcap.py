"""The UNFCCC Global Climate Action portal (climateaction.unfccc.int): cooperative initiatives and
their city and region participants, from the portal's JSON API. Off unless UNFCCC_GCAP_ENABLED: the
portal sits behind anti-bot protection, and a challenge page instead of JSON fails the run with
that reason and removes nothing."""

from __future__ import annotations

from scrapy.http import JsonRequest

from kit.errors import ParseError
from kit.expectations import Expectations
from kit.items import ROSTER, ScopeReport
from spiders.base import GlocalSpider, failure_reason
from spiders.parsers import unfccc_gcap as parser


class UnfcccGcapSpider(GlocalSpider):
    name = "unfccc_gcap"
    allowed_domains = [parser.HOST]
    start_urls = [parser.INITIATIVES_URL]
    parser = parser
    requires_settings = ("UNFCCC_GCAP_ENABLED",)  # off by default: not scheduled until turned on

    @property
    def expectations(self) -> Expectations:
        if getattr(self, "enabled", True):
            return parser.EXPECTATIONS
        return Expectations(landmarks=parser.EXPECTATIONS.landmarks)  # off is not broken: nothing expected
    schedule = "0 3 * * 6"  # weekly, at night: one request per initiative

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.enabled = crawler.settings.getbool("UNFCCC_GCAP_ENABLED")
        return spider

    async def start(self):
        if not getattr(self, "enabled", False):
            self.logger.warning("unfccc_gcap is off (UNFCCC_GCAP_ENABLED is false): nothing crawled")
            return
        yield JsonRequest(parser.INITIATIVES_URL, data=parser.initiatives_body(), callback=self.parse,
                          errback=self.request_failed,
                          meta={"glocal_scope": parser.INSTRUMENTS_SCOPE, "glocal_entity": "instrument"})

    def parse(self, response):
        if parser.ROUTES.match(response.url).parse is parser.parse_actor_list:
            # Only a contract (`scrapy check`) asks for an actor list without the crawl's callback.
            yield from self.parse_actors(response)
            return
        try:
            initiatives, items = parser.parse_initiatives(response.body, response.url)
            items = list(items)
        except ParseError as error:
            yield self._rejected(parser.INSTRUMENTS_SCOPE, "instrument", response.url, error)
            return
        if len(initiatives) >= parser.PAGE_SIZE:
            items[0].complete = False
            items[0].reason = f"the answer holds {len(initiatives)} initiatives, the page size: there may be more"
        yield from items
        for initiative in initiatives:
            scope = parser.signature_scope(initiative)
            yield JsonRequest(parser.actors_url(initiative["id"]), data=parser.actors_body(initiative["id"]),
                              callback=self.parse_actors, errback=self.request_failed,
                              meta={"initiative": initiative, "glocal_scope": scope, "glocal_entity": "signature"})

    def parse_actors(self, response):
        # A contract's request carries no initiative: the id its URL names is all there is.
        initiative = response.meta.get("initiative") or {"id": response.url.rsplit("=", 1)[-1]}
        try:
            yield from list(parser.parse_actors(response.body, response.url, initiative))
        except ParseError as error:
            yield self._rejected(parser.signature_scope(initiative), "signature", response.url, error)

    def request_failed(self, failure):
        """Errback: the answer never arrived; reported against the scope the request was for."""
        meta = failure.request.meta
        reason = failure_reason(failure)
        self.logger.warning("page failed: %s (%s)", failure.request.url, reason)
        yield ScopeReport(kind=ROSTER, landmark=parser.LIST_LANDMARK[meta["glocal_entity"]], source=self.name,
                          scope=meta["glocal_scope"], entity=meta["glocal_entity"],
                          url=failure.request.url, complete=False, reason=reason, fetched=False)

    def _rejected(self, scope: str, entity: str, url: str, error: ParseError) -> ScopeReport:
        self.logger.error("%s", error)
        return ScopeReport(kind=ROSTER, landmark=parser.LIST_LANDMARK[entity], source=self.name, scope=scope, entity=entity, url=url, complete=False, rejected=True,
                           reason=str(error), landmarks_missing=list(error.landmarks))
