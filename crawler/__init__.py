"""glocal-watch: the Scrapy project and the glue between spiders, store, archive and alerts."""

__version__ = "0.1.0"
