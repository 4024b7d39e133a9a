"""The Urban Agenda Platform's event list (https://www.urbanagendaplatform.org/event-list?page=N):
events with their dates and places, World Urban Forum sessions as one series. Append-only: an
event that leaves the list still took place."""

from spiders.base import PagedListSpider
from spiders.parsers import uap_events as parser


class UapEventsSpider(PagedListSpider):
    name = "uap_events"
    allowed_domains = ["www.urbanagendaplatform.org", "urbanagendaplatform.org"]
    start_urls = [parser.START_URL]
    parser = parser
    schedule = "50 5 * * 2,5"  # twice a week: events are announced weeks ahead
    pages_setting = "UAP_EVENTS_PAGES"
