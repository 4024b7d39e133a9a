"""C40 Cities' High-Impact Accelerators (the former "Declarations") and the cities that signed them.

Hub:    https://www.c40.org/what-we-do/raising-climate-ambition/high-impact-accelerators/
Detail: https://www.c40.org/accelerators/{slug}/ (routes and extraction: spiders/parsers/c40_accelerators.py)
Language copies (/pt/, /de/ ...) are never followed: their city names are translated.
"""

from spiders.base import GlocalSpider
from spiders.parsers import c40_accelerators


class C40AcceleratorsSpider(GlocalSpider):
    name = "c40_accelerators"
    parser = c40_accelerators
    start_urls = [c40_accelerators.HUB_URL]
    allowed_domains = ["www.c40.org", "c40.org"]
    schedule = "20 6 * * *"  # daily; accelerators are launched at summits and climate weeks
