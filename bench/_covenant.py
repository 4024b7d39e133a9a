"""Shared by the Covenant-shaped crawl benchmarks (covenant_scale, growth, warc_on_off): the
synthetic signatory list, its listing pages (as a WARC to replay, or as routes of a loopback
site), and one crawl in a child process of its own.

Each crawl runs in a fresh interpreter because Twisted's reactor runs once per process; the child
reports its own wall time and CPU time (user + system, from the crawl's start to its end, the
interpreter's start-up excluded), items, pages and peak RSS as one line of JSON. CPU time is the
steadier figure on a shared machine: other people's work stretches a crawl's wall time, not the
CPU it uses. With `profile`, the child runs under cProfile (timed
by CPU time) and writes its stats there (`python -m pstats FILE`), so a missed target can be explained.

Not a benchmark itself (no `run`): `python -m bench` skips modules whose name starts with "_".
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import peak_rss_mib  # noqa: E402

HOST = "eu-mayors.ec.europa.eu"
LISTING = f"https://{HOST}/en/signatories"
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


def site_pages(rows: int, per_page: int) -> list[tuple[str, bytes]]:
    """(URL, body) of every listing page of `rows` synthetic signatories, `per_page` a page."""
    data = synthetic_rows(rows)
    pages = (len(data) + per_page - 1) // per_page
    return [(LISTING if n == 0 else f"{LISTING}?page={n}", listing_page(data[n * per_page:(n + 1) * per_page], n, pages))
            for n in range(pages)]


def build_warc(path: Path, rows: int, per_page: int) -> int:
    """A WARC of the whole listing, as a crawl of the site would have archived it; returns its pages."""
    from crawler.archive import ArchivedResponse, build_archive

    responses = [
        ArchivedResponse(url=url, status=200, headers=[("Content-Type", "text/html; charset=utf-8")], body=body,
                         fetched_at=f"2026-11-20T09:{n // 60 % 60:02d}:{n % 60:02d}Z")
        for n, (url, body) in enumerate(site_pages(rows, per_page))
    ]
    build_archive(responses, path)
    return len(responses)


def crawl(db: Path, *, replay: Path | None = None, host_map: dict | None = None, bare: bool = False,
          overrides: dict | None = None, after: dict | None = None, profile: Path | None = None) -> dict:
    """One `covenant_signatories` crawl in a child process: {seconds, cpu, items, pages, maxrss_mb}.

    :param bare: no item pipeline and no archive (nothing is stored): the baseline crawl
    :param overrides: settings applied as `glocal crawl --set` applies them
    :param after: settings applied after crawl_settings() (which raises a live crawl's delay to
        its floor): lets a benchmark set one delay for both arms of a comparison
    """
    spec = {"db": str(db), "replay": str(replay) if replay else None, "host_map": host_map, "bare": bare,
            "overrides": overrides or {}, "after": after or {}, "profile": str(profile) if profile else None}
    result = subprocess.run([sys.executable, "-m", "bench._covenant", json.dumps(spec)], capture_output=True,
                            text=True, cwd=ROOT, env={**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"})
    if result.returncode != 0:
        raise RuntimeError(f"crawl failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _child(spec: dict) -> None:
    from scrapy.crawler import AsyncCrawlerProcess

    from crawler.runner import crawl_settings

    overrides = {"LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"), "HEALTH_MIN_LIST_RATIO": 0.0,
                 **spec["overrides"]}
    if spec["bare"]:
        overrides.update({"ITEM_PIPELINES": {}, "ARCHIVE_ENABLED": False})
    settings = crawl_settings(db_path=spec["db"], replay=spec["replay"], host_map=spec["host_map"],
                              overrides=overrides)
    settings.setdict(spec["after"], priority="cmdline")
    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler("covenant_signatories")
    profiler = None
    if spec["profile"]:
        import cProfile

        # CPU time, not wall time: on a shared machine a wall-clock profile charges other people's
        # work to whichever function happened to be running.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    started, cpu_started = time.perf_counter(), time.process_time()
    process.crawl(crawler)
    process.start()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(spec["profile"])
    stats = crawler.stats.get_stats()
    maxrss = peak_rss_mib()  # this child's own, not its forking parent's
    print(json.dumps({"seconds": seconds, "cpu": cpu, "items": stats.get("item_scraped_count", 0),
                      "pages": stats.get("response_received_count", 0), "maxrss_mb": maxrss}))


def store_figures(db: Path) -> dict:
    """Rows and bytes of a store after its crawl (the WAL, if one is left, counted with the file)."""
    import sqlite3

    connection = sqlite3.connect(db)
    try:
        counts = {table: connection.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608 (fixed names)
                  for table in ("signatures", "changes", "actors", "pages")}
        counts["runs"] = [tuple(row) for row in connection.execute("select id, healthy from crawl_runs order by id")]
    finally:
        connection.close()
    wal = Path(f"{db}-wal")
    counts["bytes"] = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    return counts


if __name__ == "__main__":
    _child(json.loads(sys.argv[1]))
