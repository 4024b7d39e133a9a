"""C40's member cities, as the homepage lists them (research/sites.md §1.5).

Home: https://www.c40.org/ - a carousel of member city names and "C40 has 97 member cities".
City pages (/cities/{slug}/) are not fetched: one scraper saw them answer 403, and the homepage
names every member.
"""

from spiders.base import GlocalSpider
from spiders.parsers import c40_members


class C40MembersSpider(GlocalSpider):
    name = "c40_members"
    parser = c40_members
    start_urls = [c40_members.HOME_URL]
    allowed_domains = ["www.c40.org", "c40.org"]
    schedule = "50 6 * * 1"  # weekly, Monday 06:50: membership changes a few times a year
