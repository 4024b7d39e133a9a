"""The JRC Covenant of Mayors signatories file, fetched as a crawl when COVENANT_OPEN_DATA_URL names it.

The same reader as `glocal import covenant FILE` (spiders/parsers/covenant_open_data.py); the
file arrives through Scrapy (archived, conditional GET) and its rows go through the pipeline.
Without the setting the spider does nothing and says so: the file's URL changes per release.
"""

from __future__ import annotations

import io

import scrapy

from kit.errors import ParseError
from spiders.base import GlocalSpider
from spiders.parsers import covenant as com
from spiders.parsers import covenant_open_data as parser
from spiders.parsers import covenant_signatories


class CovenantOpenDataSpider(GlocalSpider):
    name = "covenant_open_data"
    parser = parser
    schedule = "10 3 1 * *"  # monthly: the JRC publishes releases, not a feed
    actor_ref_scheme = com.SOURCE_ID_SCHEME
    start_urls: list[str] = []  # the release's URL is configuration (COVENANT_OPEN_DATA_URL)
    requires_settings = ("COVENANT_OPEN_DATA_URL",)  # without it: not scheduled, and `status` says why
    custom_settings = {"DOWNLOAD_MAXSIZE": 512 * 1024 * 1024, "DOWNLOAD_WARNSIZE": 64 * 1024 * 1024}

    async def start(self):
        url = self.settings.get("COVENANT_OPEN_DATA_URL")
        if not url:
            self.logger.error("COVENANT_OPEN_DATA_URL is not set: nothing to fetch "
                              "(or import a downloaded file with `glocal import covenant FILE`)")
            return
        yield scrapy.Request(url, callback=self.parse, errback=self.page_failed)  # a file: not HTML, read here

    def parse(self, response):
        """The whole file: the roster's report, then one signature per row."""
        name = response.url.rsplit("/", 1)[-1].split("?", 1)[0] or "dataset"
        try:
            dataset = parser.open_dataset(io.BytesIO(response.body), name=name, url=response.url)
            signatures = list(dataset.signatures(source=self.name))
        except ParseError as error:
            self.logger.error("%s", error)
            yield parser.SIGNATORIES.report(self.name, response.url, complete=False, reason=str(error),
                                            landmarks_missing=list(error.landmarks), rejected=True)
            return
        for problem in dataset.problems[:20]:
            self.logger.warning("%s", problem)
        instrument = covenant_signatories.instrument(response.url)
        instrument.source, instrument.scope = self.name, parser.INSTRUMENTS_SCOPE
        yield parser.INSTRUMENTS.report(self.name, response.url, complete=True, keys=[instrument.key])
        yield instrument
        reason = (f"{dataset.rejected} rows without an organisation id or name were skipped"
                  if dataset.rejected else None)
        yield parser.SIGNATORIES.report(self.name, response.url, complete=reason is None, partial=reason is not None,
                                        reason=reason, keys=list(dict.fromkeys(s.key for s in signatures)))
        yield from signatures
