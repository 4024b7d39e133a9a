"""Benchmark: growth. The same Covenant-shaped replay crawl (bench/_covenant.py, as covenant_scale)
at 1,000, 5,000, 15,000 and 50,000 signatories (quick: 500, 1,000, 2,000 and 5,000).

Each size is a first crawl of the full pipeline (parse, store, diff, pages rows) into a fresh
store, in a child process of its own. Measured at each size: wall time per signatory; the
baseline is the smallest size's figure, so a ratio above 1 is the time per signatory growing
with the store. Target: the largest size over the smallest <= 1.5 (time per signatory flat).
The smallest size carries the most fixed cost per signatory (spider and store opening, the first
page's imports), which flatters the ratio a little; the sizes in between show the trend.

Printed too (info): the store's bytes per signature and per `changes` row, and the replayed
WARC's bytes per page, at the largest size against the smallest; peak RSS at the largest size.

    .venv/bin/python -m bench --only growth [--quick]
    .venv/bin/python bench/growth.py --sizes 1000,50000 [--profile-largest /tmp/growth.prof]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._covenant import build_warc, crawl, store_figures  # noqa: E402
from bench.common import Row  # noqa: E402

FULL = (1_000, 5_000, 15_000, 50_000)
QUICK = (500, 1_000, 2_000, 5_000)
PER_PAGE = 50
TARGET = 1.5


def measure(sizes, profile: Path | None = None) -> list[dict]:
    figures = []
    for rows in sizes:
        with tempfile.TemporaryDirectory(prefix="glocal-bench-growth-") as folder:
            folder = Path(folder)
            warc = folder / "covenant.warc.gz"
            pages = build_warc(warc, rows, PER_PAGE)
            db = folder / "glocal.db"
            result = crawl(db, replay=warc, profile=profile if rows == max(sizes) else None)
            store = store_figures(db)
            if store["signatures"] != rows or store["runs"] != [(1, 1)]:
                raise RuntimeError(f"{rows:,} signatories: {store['signatures']:,} stored, runs {store['runs']}")
            figures.append({"rows": rows, "pages": pages, "warc_bytes": warc.stat().st_size, **result,
                            **{k: v for k, v in store.items() if k != "runs"}})
        print(f"  {rows:,} signatories: {result['seconds']:.1f}s, {store['bytes']:,} B store", file=sys.stderr)
    return figures


def rows_of(figures: list[dict]) -> list[Row]:
    small, large = figures[0], figures[-1]
    per = {f["rows"]: f["seconds"] / f["rows"] * 1000 for f in figures}  # ms per signatory
    out = []
    for f in figures:
        last = f is large
        out.append(Row("growth", f"ms per signatory, first crawl of {f['rows']:,} ({f['pages']} pages)",
                       f"{small['rows']:,}: {per[small['rows']]:.3f} ms", f"{per[f['rows']]:.3f} ms",
                       per[f["rows"]] / per[small["rows"]], TARGET if last else None, lower_is_better=True,
                       note=f"{f['seconds']:.1f}s for {f['items']:,} items"))
    for label, key in (("store bytes per signature", "signatures"), ("store bytes per changes row", "changes")):
        out.append(Row("growth", f"{label} at {large['rows']:,} ({large[key]:,} rows, {large['bytes'] / 2**20:.1f} MiB)",
                       f"{small['rows']:,}: {small['bytes'] / small[key]:.0f} B",
                       f"{large['bytes'] / large[key]:.0f} B",
                       (large["bytes"] / large[key]) / (small["bytes"] / small[key]), None))
    out.append(Row("growth", f"replayed WARC bytes per page at {large['rows']:,} ({PER_PAGE} signatories a page)",
                   f"{small['rows']:,}: {small['warc_bytes'] / small['pages']:.0f} B",
                   f"{large['warc_bytes'] / large['pages']:.0f} B",
                   (large["warc_bytes"] / large["pages"]) / (small["warc_bytes"] / small["pages"]), None,
                   note="gzip records, as a live crawl archives them"))
    out.append(Row("growth", f"peak RSS of the crawl process at {large['rows']:,}",
                   f"{small['rows']:,}: {small['maxrss_mb']:.0f} MB", f"{large['maxrss_mb']:.0f} MB",
                   large["maxrss_mb"] / small["maxrss_mb"], None))
    return out


def run(quick: bool = False) -> list[Row]:
    return rows_of(measure(QUICK if quick else FULL))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, FULL)), help="signatories, comma-separated")
    parser.add_argument("--profile-largest", type=Path, help="cProfile the largest crawl into this file")
    args = parser.parse_args(argv)
    from bench.__main__ import table

    sizes = sorted(int(size) for size in args.sizes.split(","))
    print(table(rows_of(measure(sizes, profile=args.profile_largest))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
