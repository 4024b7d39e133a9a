"""The Global Covenant of Mayors: its stated totals over time, and the One Planet Charter.

Pages: /about/ and /participate/ (totals as dated CountClaims) and the One Planet Charter call
(the instrument, its stated count, its committed cities where the page lists them).
"""

from spiders.base import GlocalSpider
from spiders.parsers import gcom


class GcomSpider(GlocalSpider):
    name = "gcom"
    parser = gcom
    start_urls = [gcom.ABOUT_URL, gcom.PARTICIPATE_URL, gcom.CHARTER_URL]
    allowed_domains = ["www.globalcovenantofmayors.org"]
    schedule = "50 5 * * 1"  # weekly: the totals move a few times a year
