"""The JRC Covenant of Mayors signatories file, fetched as a crawl when COVENANT_OPEN_DATA_URL names it.

The same reader as `glocal import covenant FILE` (spiders/parsers/covenant_open_data.py); the
file arrives through Scrapy (archived, conditional GET) and its rows go through the pipeline.
Without the setting the spider does nothing and says so: the file's URL changes per release.
"""

from __future__ import annotations

import io

import scrapy
from scrapy.utils.project import get_project_settings

from spiders.base import GlocalSpider
from spiders.parsers import covenant as com
from spiders.parsers import covenant_open_data as parser


class CovenantOpenDataSpider(GlocalSpider):
    name = "covenant_open_data"
    parser = parser
    schedule = "10 3 1 * *"  # monthly: the JRC publishes releases, not a feed
    actor_ref_scheme = com.SOURCE_ID_SCHEME
    start_urls: list[str] = []  # the release's URL is configuration:
    start_url_setting = "COVENANT_OPEN_DATA_URL"  # `glocal crawl --replay` replays the URL it names
    requires_settings = ("COVENANT_OPEN_DATA_URL",)  # without it: not scheduled, and `status` says why
    custom_settings = {"DOWNLOAD_MAXSIZE": 512 * 1024 * 1024, "DOWNLOAD_WARNSIZE": 64 * 1024 * 1024}

    async def start(self):
        url = self.settings.get(self.start_url_setting)
        if not url:
            self.logger.error("COVENANT_OPEN_DATA_URL is not set: nothing to fetch "
                              "(or import a downloaded file with `glocal import covenant FILE`)")
            return
        yield scrapy.Request(url, callback=self.parse, errback=self.page_failed)  # a file: not HTML, read here

    def parse(self, response):
        """The whole file: the instrument, the roster's report, then one signature per row
        (spiders/parsers/covenant_open_data.FileItems: the importer writes the same items)."""
        name = response.url.rsplit("/", 1)[-1].split("?", 1)[0] or "dataset"
        # A spider made outside a crawl (tests) has no settings of its own: the project's.
        settings = getattr(self, "settings", None) or get_project_settings()
        share = settings.getfloat("COVENANT_OPEN_DATA_MAX_BAD_SHARE")
        reading = parser.FileItems(lambda: io.BytesIO(response.body), name=name, url=response.url, source=self.name,
                                   max_bad_share=share)
        yield from reading.items()
        if reading.error:
            self.logger.error("%s", reading.error)
        for problem in (reading.dataset.problems[:20] if reading.dataset else ()):
            self.logger.warning("%s", problem)
