"""Politeness costs: what a second crawl of an unchanged site costs the site, against the first.

A loopback site stands in for www.c40.org (the saved accelerator pages, with ETags). The first
crawl fetches everything; the second, of the unchanged site, asks with If-None-Match /
If-Modified-Since and should get 304s. Baseline: the first crawl's requests and body bytes.
Target: the second crawl costs at most 10% of the first crawl's bytes.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import Row
from tests.helpers import FIXTURES, fixture_meta, glocal
from tests.site_server import Answer, SiteServer

SPIDER = "c40_accelerators"
PAGES = ["hub.html", "green-healthy-streets.html", "clean-air-cities.html", "net-zero-carbon-buildings.html",
         "good-food-cities.html", "divest-invest.html", "urban-nature.html", "equity-pledge.html",
         "water-safe-cities.html"]
TARGET_BYTES_SHARE = 0.10


def _cost(server: SiteServer, since: int) -> tuple[int, int]:
    sizes = {path: len(answers[-1].body) for path, answers in server.routes.items()}
    seen = server.requests[since:]
    return len(seen), sum(sizes.get(r.path, 0) for r in seen if r.status == 200)


def run(quick: bool = False) -> list[Row]:
    meta = fixture_meta(SPIDER)
    with tempfile.TemporaryDirectory(prefix="glocal-bench-") as tmp, SiteServer() as server:
        for filename in PAGES:
            server.route(urlsplit(meta[filename]["url"]).path, Answer(body=(FIXTURES / SPIDER / filename).read_bytes()))
        server.route("/robots.txt", Answer(body=b"User-agent: *\nDisallow: /wp-admin/\n",
                                           headers={"Content-Type": "text/plain"}))
        arguments = ["crawl", SPIDER, "--db", Path(tmp) / "glocal.db", "--host-map",
                     json.dumps({"www.c40.org": server.address}),
                     "--set", "DOWNLOAD_DELAY=0.05", "--set", "AUTOTHROTTLE_ENABLED=false"]
        glocal(*arguments)
        first_requests, first_bytes = _cost(server, 0)
        mark = len(server.requests)
        glocal(*arguments)
        second_requests, second_bytes = _cost(server, mark)
    share = second_bytes / first_bytes if first_bytes else None
    return [
        Row("politeness", "second crawl of an unchanged site: body bytes", f"first crawl {first_bytes:,} B",
            f"{second_bytes:,} B", share, TARGET_BYTES_SHARE, lower_is_better=True),
        Row("politeness", "second crawl of an unchanged site: requests", f"first crawl {first_requests}",
            f"{second_requests}", second_requests / first_requests if first_requests else None, None,
            note="conditional requests still ask; a 304 carries no body"),
    ]
