"""Benchmark: WARC archiving on vs off, in a live crawl (not a replay).

A loopback site (tests/site_server.py: a threaded http.server on 127.0.0.1, port 0, in this
process) serves the Covenant-shaped listing of bench/_covenant.py: 15,000 signatories over 300
pages (quick: 2,000 over 40). The real `covenant_signatories` spider crawls it through the full
pipeline (parse, store, diff, pages rows) into a fresh store, in a child process per crawl, with
CRAWL_HOST_MAP routing the site's own host to the local server (as the tests do: the spider, the
private-address guard and the archive still see https://eu-mayors.ec.europa.eu/...).

Arms: ARCHIVE_ENABLED false (the baseline) and true (each response written as a gzip WARC record
beside the store). Nothing else differs: both arms crawl with DOWNLOAD_DELAY 0 and AutoThrottle
off (set after the runner's live-crawl delay floor), so no politeness wait dilutes the ratio and
AutoThrottle cannot adapt differently to the two arms; it measures the cost of archiving alone.
(A real crawl waits DOWNLOAD_DELAY, 2 s by default, between pages, which hides archiving entirely.)
The arms alternate (off, on, off, on, ...) and each figure is the median of its repeats.

Target: items per CPU-second of the crawl process with archiving >= 0.9 x without. CPU time
(user + system) is judged, not wall time: on this shared 2-core machine the wall time of one
15,000-signatory crawl moved between 20 s and 28 s from one repeat to the next, far more than
archiving costs, while CPU time is what the crawl itself spends (archiving is CPU: gzip and
digests; its writes go to the page cache, flushed, not fsynced). The wall-time ratio is printed too.

    .venv/bin/python -m bench --only warc_on_off [--quick]
    .venv/bin/python bench/warc_on_off.py --rows 15000 --repeats 3 [--profile /tmp/warc.prof]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._covenant import HOST, crawl, site_pages, store_figures  # noqa: E402
from bench.common import Row  # noqa: E402

PER_PAGE = 50
TARGET = 0.9
SAME_FOR_BOTH = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}


def measure(rows: int, repeats: int, profile: Path | None = None) -> dict:
    from tests.site_server import Answer, SiteServer

    results: dict[str, list[dict]] = {"off": [], "on": []}
    warc_bytes, pages = 0, 0
    with tempfile.TemporaryDirectory(prefix="glocal-bench-warc-") as folder, SiteServer() as server:
        folder = Path(folder)
        for url, body in site_pages(rows, PER_PAGE):
            parts = urlsplit(url)
            server.route(parts.path + (f"?{parts.query}" if parts.query else ""), Answer(body=body))
        server.route("/robots.txt", Answer(body=b"User-agent: *\nDisallow: /admin/\n",
                                           headers={"Content-Type": "text/plain"}))
        for n in range(repeats):
            for arm in ("off", "on"):
                db = folder / f"{arm}-{n}" / "glocal.db"
                db.parent.mkdir()
                result = crawl(db, host_map={HOST: server.address}, after=SAME_FOR_BOTH,
                               overrides={"ARCHIVE_ENABLED": arm == "on"},
                               # both arms profiled alike, so the ratio still compares like with like
                               profile=profile.with_suffix(f".{arm}{profile.suffix}") if profile and n == 0 else None)
                store = store_figures(db)
                if store["signatures"] != rows:
                    raise RuntimeError(f"{arm}: {store['signatures']:,} signatures stored, want {rows:,}")
                warcs = list((db.parent / "archive").rglob("*.warc.gz"))
                if (arm == "on") != bool(warcs):
                    raise RuntimeError(f"archiving {arm} but {len(warcs)} WARC files written")
                if arm == "on":
                    warc_bytes, pages = sum(w.stat().st_size for w in warcs), store["pages"]
                results[arm].append(result)
                print(f"  archiving {arm}: {result['seconds']:.1f}s", file=sys.stderr)
    rate = {arm: statistics.median(r["items"] / r["seconds"] for r in runs) for arm, runs in results.items()}
    cpu_rate = {arm: statistics.median(r["items"] / r["cpu"] for r in runs) for arm, runs in results.items()}
    return {"rows": rows, "repeats": repeats, "rate": rate, "cpu_rate": cpu_rate, "warc_bytes": warc_bytes,
            "pages": pages, "seconds": {arm: [round(r["seconds"], 1) for r in runs] for arm, runs in results.items()},
            "cpu": {arm: [round(r["cpu"], 1) for r in runs] for arm, runs in results.items()}}


def rows_of(f: dict) -> list[Row]:
    return [
        Row("warc_on_off", f"items per CPU-second, live crawl with WARC archiving vs without ({f['rows']:,} "
                           f"signatories, median of {f['repeats']})",
            f"archiving off {f['cpu_rate']['off']:.0f}/s", f"{f['cpu_rate']['on']:.0f}/s",
            f["cpu_rate"]["on"] / f["cpu_rate"]["off"], TARGET,
            note=f"CPU seconds off {f['cpu']['off']} on {f['cpu']['on']}; DOWNLOAD_DELAY 0 and AutoThrottle off "
                 "in both arms"),
        Row("warc_on_off", "items/s (wall time), archiving on vs off", f"archiving off {f['rate']['off']:.0f}/s",
            f"{f['rate']['on']:.0f}/s", f["rate"]["on"] / f["rate"]["off"], None,
            note=f"wall seconds off {f['seconds']['off']} on {f['seconds']['on']} (shared machine: noisy)"),
        Row("warc_on_off", "WARC bytes written per page", "", f"{f['warc_bytes'] / max(f['pages'], 1):,.0f} B",
            None, None, note=f"{f['pages']} pages rows, {f['warc_bytes']:,} B"),
    ]


def run(quick: bool = False) -> list[Row]:
    return rows_of(measure(2_000 if quick else 15_000, 2 if quick else 3))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=15_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", type=Path,
                        help="cProfile the first crawl of each arm: FILE.on.prof and FILE.off.prof (from FILE.prof)")
    args = parser.parse_args(argv)
    from bench.__main__ import table

    print(table(rows_of(measure(args.rows, args.repeats, args.profile))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
