"""A misbehaving site on 127.0.0.1: per path and request, an answer that may be any of the faults
real sites produce (errors, stalls, resets, truncation, redirects, wrong types, bombs)."""

from __future__ import annotations

import dataclasses
import gzip
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from tests.site_server import Seen, SiteServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=lambda: {"Content-Type": "text/html; charset=UTF-8"})
    delay: float = 0.0  # seconds before answering (a stall past the crawl's timeout)
    cut: int | None = None  # send only this many body bytes, announcing the whole length
    reset: bool = False  # after the cut, reset the connection (RST) instead of closing it
    etag: bool = True  # ETag + 304 for a matching If-None-Match, like SiteServer
    length: int | None = None  # announce this Content-Length (default: the body's)
    # A body built only when it is first sent (the 50 MB page, the gzip bomb): the fault list is also
    # read at collection, by every pytest worker, where only the faults' names are needed.
    make_body: Callable[[], bytes] | None = None


class FaultySite(SiteServer):
    """SiteServer whose routes answer with `Reply` objects (one per request, the last repeating)."""

    gave_up = (OSError,)  # the crawler gave up first (a timeout, a size limit), or a reset we sent

    def route(self, path: str, *answers: Reply) -> None:
        self.routes[path] = list(answers)

    def _send(self, handler, seen: Seen, reply: Reply | None) -> None:
        reply = reply or Reply(status=404, etag=False)
        if reply.make_body is not None:
            reply = dataclasses.replace(reply, body=reply.make_body(), make_body=None)
        announced = reply.length if reply.length is not None else len(reply.body)
        if not self._send_head(handler, seen, reply, announced):
            return
        body = reply.body if reply.cut is None else reply.body[:reply.cut]
        for start in range(0, len(body), 1 << 20):
            handler.wfile.write(body[start:start + (1 << 20)])
        handler.wfile.flush()
        if reply.cut is not None:
            handler.close_connection = True
            if reply.reset:
                handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.shutdown(socket.SHUT_RDWR) if not reply.reset else None
            handler.connection.close()


@lru_cache(maxsize=1)
def gzip_bomb(megabytes: int = 256) -> bytes:
    """A small gzip body (about 1 KB a megabyte) that inflates to `megabytes` MB of zeros.

    Built from one compressed megabyte repeated: a full flush ends each deflate block on a byte
    with no history, so every megabyte compresses to the same bytes. Compressing all 256 MB instead
    cost 1.8 s of CPU, paid by every pytest worker at collection (the fault list names it)."""
    import struct
    import zlib

    zeros = b"\0" * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate: the gzip frame is ours
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, no time, best compression
    trailer = struct.pack("<II", crc, (megabytes << 20) & 0xFFFFFFFF)
    return header + block * megabytes + compressor.flush() + trailer


@lru_cache(maxsize=1)
def huge_page(megabytes: int = 50) -> bytes:
    row = b"<p>Paris, Lima, Oslo, Accra and Quito are not the list you are looking for.</p>\n"
    body = row * (megabytes * (1 << 20) // len(row))
    return b"<html><head><title>Huge</title></head><body><main>" + body + b"</main></body></html>"


XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<html><head><title>&lol9;</title></head><body><main><p>Signatory cities:</p><p>&lol9;, &lol9;</p></main></body></html>
"""


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body)
