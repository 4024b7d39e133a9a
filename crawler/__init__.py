"""The Scrapy machinery: settings, session and pipeline, middlewares, download handlers,
archive and replay, the runner and its child process, run health."""
