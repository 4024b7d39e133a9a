"""The Marrakech Mayors Declaration (localaction.mayorsmechanism.org): the declaration, its stated
number of signatory local and regional governments, and the signatories if a list is published."""

from spiders.base import GlocalSpider
from spiders.parsers import marrakech_declaration


class MarrakechDeclarationSpider(GlocalSpider):
    name = "marrakech_declaration"
    parser = marrakech_declaration
    start_urls = [marrakech_declaration.URL]
    allowed_domains = ["localaction.mayorsmechanism.org"]
    schedule = "15 7 * * 1"  # weekly: the count grows by a few governments a year
