from spiders.base import GlocalSpider
from tests.kit_spiders.parsers import example_members


class ExampleMembersSpider(GlocalSpider):
    name = "example_members"
    parser = example_members
    start_urls = [example_members.START]
    allowed_domains = ["members.example.org"]
