"""The UN Treaty Collection's status of each configured treaty: who signed, who is bound, who left.

XML:  https://treaties.un.org/doc/Publication/MTDSG/Volume%20II/Chapter%20{roman}/{number}.en.xml
HTML: https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no={number}&chapter={n}&clang=_en
The XML file is read first; when it is missing or unreadable the HTML page is read instead, and only
when both fail is the treaty's list reported incomplete, with both reasons.
"""

from __future__ import annotations

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from kit.errors import ParseError
from kit.items import ROSTER, ScopeReport
from spiders.base import GlocalSpider
from spiders.parsers import untc_status as parser


class UntcStatusSpider(GlocalSpider):
    name = "untc_status"
    allowed_domains = [parser.HOST]
    # The replay check reads start_urls; the crawl itself follows UNTC_TREATIES.
    start_urls = [parser.xml_url(parser.DEFAULT_TREATIES[0])]
    parser = parser
    schedule = "40 4 * * 1"  # weekly: a state ratifies a treaty a few times a year at most

    def treaties(self) -> list[str]:
        configured = self.settings.getlist("UNTC_TREATIES")
        numbers = configured or list(parser.DEFAULT_TREATIES)
        for number in numbers:
            parser.chapter_of(number)  # a malformed number fails the crawl at once, naming it
        replay = self.settings.get("ARCHIVE_REPLAY_FILE")
        if replay and (not configured or configured == list(parser.DEFAULT_TREATIES)):
            # A replay can only show what its archive captured: a default treaty of which it holds
            # neither page was never fetched into it, which says nothing of the treaty's status.
            # (A treaty asked for by name is still read, and fails as on the live site.)
            # The replay download handler publishes the archive's index on the crawler (read once).
            index = getattr(getattr(self, "crawler", None), "glocal_replay_index", None)
            if index is None:
                return numbers
            absent = [n for n in numbers if parser.xml_url(n) not in index and parser.html_url(n) not in index]
            for number in absent:
                self.logger.warning("treaty %s is not in the replayed archive %s: not read", number, replay)
            numbers = [n for n in numbers if n not in absent]
        return numbers

    async def start(self):
        for number in self.treaties():
            yield self.xml_request(number)

    def xml_request(self, number: str):
        return scrapy.Request(parser.xml_url(number), callback=self.parse_xml, errback=self.xml_failed,
                              meta={"untc_number": number})

    def html_request(self, number: str, xml_problem: str):
        return scrapy.Request(parser.html_url(number), callback=self.parse_html, errback=self.html_failed,
                              meta={"untc_number": number, "untc_xml_problem": xml_problem})

    def parse_xml(self, response):
        """The treaty's status from its MTDSG XML file, or a request for its HTML page.

        @url https://treaties.un.org/doc/Publication/MTDSG/Volume%20II/Chapter%20XXVII/XXVII-7-d.en.xml
        @returns items 100
        """
        number = response.meta.get("untc_number") or parser.treaty_number(response.url)
        try:
            items = list(parser.parse_status_xml(response.body, response.url))
        except ParseError as error:
            self.logger.warning("%s; reading the HTML status page instead", error)
            yield self.html_request(number, str(error))
            return
        yield from items

    def xml_failed(self, failure):
        number = failure.request.meta["untc_number"]
        reason = _reason(failure)
        self.logger.warning("XML status of %s failed (%s); reading the HTML status page instead", number, reason)
        yield self.html_request(number, f"{failure.request.url}: {reason}")

    def parse_html(self, response):
        number = response.meta["untc_number"]
        try:
            yield from parser.parse_status_html(response.text if hasattr(response, "text") else response.body,
                                                response.url)
        except ParseError as error:
            self.logger.error("%s (after the XML file failed: %s)", error, response.meta["untc_xml_problem"])
            yield ScopeReport(kind=ROSTER, landmark="participants_table", source=self.name, scope=parser.signature_scope(number), entity="signature",
                              url=response.url, complete=False, rejected=True,
                              landmarks_missing=list(error.landmarks),
                              reason=f"treaty {number}: the XML file failed ({response.meta['untc_xml_problem']}) "
                                     f"and so did the HTML page ({error})")

    def html_failed(self, failure):
        meta = failure.request.meta
        number = meta["untc_number"]
        reason = _reason(failure)
        hint = " - is the treaty number right?" if "HTTP 404" in meta["untc_xml_problem"] and reason == "HTTP 404" \
            else ""
        self.logger.warning("no status of treaty %s: XML %s; HTML %s", number, meta["untc_xml_problem"], reason)
        yield ScopeReport(kind=ROSTER, landmark="participants_table", source=self.name, scope=parser.signature_scope(number), entity="signature",
                          url=failure.request.url, complete=False, fetched=False,
                          reason=f"no status of treaty {number}: the XML file failed ({meta['untc_xml_problem']}) "
                                 f"and the HTML page answered {reason}{hint}")


def _reason(failure) -> str:
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"
