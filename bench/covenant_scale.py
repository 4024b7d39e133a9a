"""Benchmark: the Covenant at scale — 15,000 signatories over paginated listing pages, replayed from a WARC.

Run from the repository root:

    .venv/bin/python bench/covenant_scale.py [--rows 15000] [--per-page 50]

What is measured, each crawl in its own child process (Twisted's reactor runs once per process;
the child reports its own wall time, items and peak RSS):

a. **bare crawl** (the baseline): the real `covenant_signatories` spider over the WARC, through
   the replay download handler, with no item pipeline (nothing is stored).
b. **full pipeline, first crawl**: the same spider and archive through `StorePipeline` into a
   fresh SQLite file (scopes, actors with refs, changes log): a baseline of 15,000 signatures.
c. **full pipeline, unchanged re-crawl**: the same archive again into (b)'s store; it must
   record zero changes (checked; a failure exits with status 1).

Targets (ratios measured in this one run; the machine is shared, absolute speeds are noise):
full pipeline >= 0.7 x the bare crawl (items/s); re-crawl >= 1.0 x the first crawl; peak RSS
of the crawl process < 300 MB.

`run(quick)` returns bench.common.Row rows for `python -m bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LISTING = "https://eu-mayors.ec.europa.eu/en/signatories"
COUNTRIES = ("Italy", "Spain", "Poland", "Germany", "France", "Portugal", "Belgium", "Greece", "Ukraine",
             "Romania", "Croatia", "Bulgaria", "Sweden", "Moldova", "Georgia")
STEMS = ("San", "Santa", "Villa", "Nova", "Stara", "Bad", "Sankt", "Castel", "Monte", "Porto", "Alt", "Nieder")
ROOTS = ("brunn", "gora", "mare", "vale", "dorf", "polje", "ville", "feld", "rio", "lago", "berg", "wola")


def synthetic_rows(rows: int, seed: int = 2026) -> list[dict]:
    """Distinct authority names with countries, populations, dates and commitments."""
    rng = random.Random(seed)
    out, seen = [], set()
    while len(out) < rows:
        name = f"{rng.choice(STEMS)} {rng.choice(ROOTS).capitalize()}{rng.randrange(1, 9999)}"
        country = rng.choice(COUNTRIES)
        if (name, country) in seen:
            continue
        seen.add((name, country))
        out.append({"name": name, "country": country, "population": rng.randrange(200, 2_000_000),
                    "day": f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/{rng.randrange(2008, 2026)}",
                    "commitments": [c for c in ("Mitigation", "Adaptation", "Energy Poverty") if rng.random() < 0.6]
                    or ["Mitigation"]})
    return sorted(out, key=lambda r: r["name"])


def listing_page(rows: list[dict], page: int, pages: int) -> bytes:
    """One page in the ECL table shape of research/markup.md §1.1 (as the fixtures)."""
    trs = []
    for row in rows:
        icons = "".join(f'<img src="/i/{c[:3]}.svg" alt="{c}" title="{c}">' for c in row["commitments"])
        trs.append(
            '<tr class="ecl-table__row">'
            f'<td class="ecl-table__cell" data-ecl-table-header="Signatory">{row["name"]}</td>'
            f'<td class="ecl-table__cell" data-ecl-table-header="Country">{row["country"]}</td>'
            f'<td class="ecl-table__cell" data-ecl-table-header="Population">{row["population"]:,}</td>'
            f'<td class="ecl-table__cell" data-ecl-table-header="Commitments">{icons}</td>'
            f'<td class="ecl-table__cell" data-ecl-table-header="Adhesion date">{row["day"]}</td></tr>')
    links = [f'<li class="ecl-pagination__item"><a class="ecl-pagination__link" href="?page={n}">{n + 1}</a></li>'
             for n in (0, max(page - 1, 0), min(page + 1, pages - 1), pages - 1)]
    if page < pages - 1:
        links.append(f'<li class="ecl-pagination__item ecl-pagination__item--next"><a class="ecl-pagination__link '
                     f'ecl-pagination__link--next" href="?page={page + 1}">Next</a></li>')
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Signatories</title></head><body>'
        '<main><h1>Signatories</h1><table class="ecl-table"><thead><tr><th>Signatory</th><th>Country</th>'
        '<th>Population</th><th>Commitments</th><th>Adhesion date</th></tr></thead><tbody>'
        + "".join(trs) + '</tbody></table><nav class="ecl-pagination"><ul class="ecl-pagination__list">'
        + "".join(links) + "</ul></nav></main></body></html>")
    return html.encode()


def build_warc(path: Path, rows: int, per_page: int) -> int:
    from crawler.archive import ArchivedResponse, build_archive

    data = synthetic_rows(rows)
    pages = (len(data) + per_page - 1) // per_page
    responses = [
        ArchivedResponse(url=LISTING if n == 0 else f"{LISTING}?page={n}", status=200,
                         headers=[("Content-Type", "text/html; charset=utf-8")],
                         body=listing_page(data[n * per_page:(n + 1) * per_page], n, pages),
                         fetched_at=f"2026-11-20T09:{n // 60 % 60:02d}:{n % 60:02d}Z")
        for n in range(pages)
    ]
    build_archive(responses, path)
    return pages


def child(mode: str, db: str, warc: str) -> None:
    """One crawl in this process; prints {seconds, items, pages, maxrss_mb} as JSON."""
    import resource

    from scrapy.crawler import AsyncCrawlerProcess

    from crawler.runner import crawl_settings

    overrides = {"LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"), "HEALTH_MIN_LIST_RATIO": 0.0}
    if mode == "bare":
        overrides.update({"ITEM_PIPELINES": {}, "ARCHIVE_ENABLED": False})
    settings = crawl_settings(db_path=db, replay=warc, overrides=overrides)
    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler("covenant_signatories")
    started = time.perf_counter()
    process.crawl(crawler)
    process.start()
    seconds = time.perf_counter() - started
    stats = crawler.stats.get_stats()
    counted = {"items": stats.get("item_scraped_count", 0), "pages": stats.get("response_received_count", 0)}
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, **counted, "maxrss_mb": maxrss}))


def crawl(mode: str, db: Path, warc: Path) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", mode, str(db), str(warc)], capture_output=True,
                            text=True, cwd=ROOT, env={**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"})
    if result.returncode != 0:
        raise SystemExit(f"{mode} crawl failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(quick: bool = False, rows: int | None = None, per_page: int = 50) -> list:
    """The rows of `python -m bench` (bench.common.Row): 15,000 signatories, or 2,000 when quick."""
    from bench.common import Row

    rows = rows or (2_000 if quick else 15_000)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        warc = folder / "covenant.warc.gz"
        pages = build_warc(warc, rows, per_page)
        bare = crawl("bare", folder / "bare.db", warc)
        first = crawl("store", folder / "store.db", warc)
        again = crawl("store", folder / "store.db", warc)
        connection = sqlite3.connect(folder / "store.db")
        signatures = connection.execute("select count(*) from signatures").fetchone()[0]
        changes_again = connection.execute("select count(*) from changes where run_id = 2").fetchone()[0]
        connection.close()
    if signatures != rows or changes_again != 0:
        raise RuntimeError(f"{signatures} signatures stored (want {rows}); re-crawl changes {changes_again} (want 0)")
    bare_rate, first_rate, again_rate = (r["items"] / r["seconds"] for r in (bare, first, again))
    bare_pages, first_pages = bare["pages"] / bare["seconds"], first["pages"] / first["seconds"]
    peak = max(first["maxrss_mb"], again["maxrss_mb"])
    size = f"{rows:,} signatories, {pages} pages"
    return [
        Row("covenant_scale", f"items/s, full pipeline vs bare crawl ({size})", f"bare crawl {bare_rate:.0f}/s",
            f"{first_rate:.0f}/s", first_rate / bare_rate, 0.7),
        Row("covenant_scale", "pages/s, full pipeline vs bare crawl", f"bare crawl {bare_pages:.1f}/s",
            f"{first_pages:.1f}/s", first_pages / bare_pages, 0.7),
        Row("covenant_scale", "items/s, unchanged re-crawl vs first crawl", f"first crawl {first_rate:.0f}/s",
            f"{again_rate:.0f}/s", again_rate / first_rate, 1.0, note=f"{changes_again} changes (checked: 0)"),
        Row("covenant_scale", "peak RSS of the crawl process", f"bare crawl {bare['maxrss_mb']:.0f} MB",
            f"{peak:.0f} MB", peak / 300, 1.0, lower_is_better=True, note="ratio = peak / 300 MB allowed"),
    ]


def print_rows(rows: list) -> None:
    from bench.__main__ import table

    print(table(rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=15_000)
    parser.add_argument("--per-page", type=int, default=50)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "DB", "WARC"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    print_rows(run(rows=args.rows, per_page=args.per_page))
    return 0


if __name__ == "__main__":
    sys.exit(main())
