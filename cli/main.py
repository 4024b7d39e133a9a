"""The `glocal` command: builds the group and registers the commands of each family's module
(cli/crawling.py, lists.py, alerts.py, operations.py, research.py, imports.py, scrapyd.py, roster.py,
new_spider.py; their shared options and helpers in cli/common.py). Each command parses its
options, calls a function of crawler/, store/, operations/, research/ or scheduler/, and prints;
every error the user can act on is one line and a non-zero exit.

Startup is a cost every cron job, status check and shell completion pays: this module and the
command modules import only click and the project's light modules at the top. Scrapy and Twisted
are imported by the commands that crawl (through `spider_class`), the store (sqlite-utils) by the
commands that open it; the settings and the spider list come from crawler/spider_registry.py, which
reads them without Scrapy (tests/cli/test_startup.py checks that the read-only commands never load it).
"""

from __future__ import annotations

import os
import sys

import click

from cli import alerts, crawling, events, imports, lists, new_spider, operations, research, roster, scrapyd
from cli.common import damaged_store_message
from kit import __version__
from kit.errors import GlocalError
from kit.startup import start_light
from kit.terminal import for_terminal

os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")


class GlocalGroup(click.Group):
    """Turns the project's own errors into one line (and a non-zero exit), never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as error:
            # StoreError is looked up, not imported: importing store/ loads sqlite-utils (and numpy
            # under it), which `glocal --help` or `glocal new-spider` must not pay for. A StoreError
            # can only have been raised once store.errors was imported.
            store_errors = sys.modules.get("store.errors")
            if isinstance(error, GlocalError) or (store_errors and isinstance(error, store_errors.StoreError)):
                raise click.ClickException(for_terminal(error)) from None
            damaged = damaged_store_message(error)  # a corrupted page met mid-query, a read-only file
            if damaged:
                raise click.ClickException(for_terminal(damaged)) from None
            raise


def main() -> None:
    """The `glocal` console script (pyproject.toml): the CLI, started light."""
    start_light()
    cli()


@click.group(cls=GlocalGroup)
@click.version_option(__version__, prog_name="glocal")
def cli():
    "Watch city networks and UN sites for declarations, signatories and events; keep the history in SQLite."


COMMANDS = (
    crawling.crawl, crawling.schedule, crawling.parse, crawling.spiders_command, crawling.build_archive_command,
    lists.changes, lists.signatories, lists.instruments, events.events,
    operations.fixtures, operations.backfill, operations.check,
    scrapyd.scrapyd_group,
    alerts.alerts, alerts.status, alerts.show_page,
    new_spider.new_spider,
    *research.COMMANDS,
    imports.import_group,
    roster.roster,
)
for _command in COMMANDS:
    cli.add_command(_command)
