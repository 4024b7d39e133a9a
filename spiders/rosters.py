"""The spiders of spiders/rosters.toml: one per configured roster, read by the generic roster reader.

Each entry becomes a `GlocalSpider` subclass named after its slug (`eccar_members` ->
`EccarMembersSpider`), whose parser is the entry itself (`spiders.parsers.roster_source.RosterSource`):
it requests the entry's URL, reads the list with the generic reader and reports it like any
roster. Scrapy's spider loader finds these classes in this module; `glocal spiders`, `glocal
status` and the scheduler read the same file without importing Scrapy (crawler/spider_registry.py).
"""

from spiders.base import GlocalSpider
from spiders.parsers.roster_source import RosterSource, load_sources


def class_name(slug: str) -> str:
    return "".join(part.capitalize() for part in slug.split("_")) + "Spider"


def spider_class(source: RosterSource) -> type:
    return type(class_name(source.slug), (GlocalSpider,), {
        "__module__": __name__,
        "__doc__": f"{source.network or source.title}: {source.url} (spiders/rosters.toml)",
        "name": source.slug,
        "parser": source,
        "start_urls": [source.url],
        "allowed_domains": list(source.allowed_domains),
        "schedule": source.schedule,
    })


for _source in load_sources():
    globals()[class_name(_source.slug)] = spider_class(_source)
