"""Scrapy's default extensions this project turns off, left out before Scrapy imports them.

Turning an extension off by its setting (REMOTE_CONTROL_ENABLED, TELNETCONSOLE_ENABLED) or by
naming it with None in EXTENSIONS still imports its module: Scrapy loads every key it is given to
compare them. RemoteControl's module imports aiohttp, about 0.3 s of CPU in every crawl child and
in `scrapy check`. This add-on (ADDONS in crawler/settings.py) drops them from EXTENSIONS_BASE
before the extensions are built, so their modules are never imported; their settings stay off
for a run that does not read ADDONS.
"""

from __future__ import annotations

OFF = ("scrapy.extensions.remote_control.RemoteControl", "scrapy.extensions.telnet.TelnetConsole")


class ExtensionsOff:
    """A Scrapy add-on: the extensions of OFF are not loaded at all."""

    def update_settings(self, settings) -> None:
        kept = {path: order for path, order in settings.getdict("EXTENSIONS_BASE").items() if path not in OFF}
        settings.set("EXTENSIONS_BASE", kept, priority="addon")
