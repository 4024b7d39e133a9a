"""No request to a private, loopback or link-local address, whatever a page links to.

A page can link to http://127.0.0.1:8080/, http://169.254.169.254/ (cloud metadata) or
http://[::1]/; a crawler that follows it probes the machine it runs on or its network. Spiders
follow only their allowed domains, and this downloader middleware refuses, before any byte is
sent, every URL whose host is such an address written out, or "localhost". (A public name that
resolves to a private address is not caught here; the allowed domains are the first defence.)
"""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)


def is_private_host(host: str | None) -> bool:
    """Whether `host` names this machine or a non-public network (IP literal or localhost)."""
    if not host:
        return True
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:  # forms such as 2130706433 or 0x7f000001 that resolvers accept as 127.0.0.1
            address = ipaddress.ip_address(int(host, 0)) if host[:1].isdigit() else None
        except ValueError:
            address = None
        if address is None:
            return False
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


class PrivateAddressMiddleware:
    @classmethod
    def from_crawler(cls, crawler):
        return cls()

    def process_request(self, request):
        host = urlsplit(request.url).hostname
        if is_private_host(host):
            logger.warning("refused %s: its host is a private or loopback address", request.url)
            raise IgnoreRequest(f"refused: {host} is a private or loopback address")
        return None
