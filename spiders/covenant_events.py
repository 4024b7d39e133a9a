"""Covenant of Mayors - Europe events: https://eu-mayors.ec.europa.eu/en/events and each event's page.

The grid gives title, dates (ECL date block) and place; each event's page, read after it, adds
"Where / When / Organiser". An append-only listing.
"""

from spiders.base import GlocalSpider
from spiders.parsers import covenant_events


class CovenantEventsSpider(GlocalSpider):
    name = "covenant_events"
    parser = covenant_events
    start_urls = [covenant_events.LISTING_URL]
    allowed_domains = ["eu-mayors.ec.europa.eu"]
    schedule = "25 7 * * *"  # daily
