"""Benchmark: growth. The same Covenant-shaped replay crawl (bench/_covenant.py, as covenant_scale)
at 1,000, 5,000, 15,000 and 50,000 signatories (quick: 500, 1,000, 2,000 and 5,000).

Each size is a first crawl of the full pipeline (parse, store, diff, pages rows) into a fresh
store, in a child process of its own. A crawl has a fixed cost whatever its size (a new store's
schema, the spider, middlewares and gazetteer, the reactor): about a second here, which would
make 1,000 signatories look 3x dearer each than 5,000 and flatter the ratio. So a one-page crawl
(50 signatories) is measured too, and the figure at each size is the marginal time per
signatory: (seconds at N - seconds of the one-page crawl) / (N - 50). The one-page crawl and the
smallest size are repeated five times (medians; quick: three): theirs is the smallest, so the noisiest, difference
(one 1,000-signatory crawl measured 0.38 ms per signatory in one run and 0.51 ms in the next).
The baseline is the smallest size's figure, so a ratio above 1 is the time per signatory growing
with the store. Target: the largest size over the smallest <= 1.5 (time per signatory flat).
The time judged is the crawl process's CPU time (user + system): on this shared machine the wall
time of the same 1,000-signatory crawl moved from 1.7 s to 2.7 s between repeats, which swamps a
difference of a second; the marginal wall time is printed in each row's note.

Printed too (info): the store's bytes per signature and per `changes` row (marginal, as above:
the empty schema's pages left out; the whole file in the note), the replayed WARC's bytes per
page, and the crawl process's peak RSS, at the largest size against the smallest.

    .venv/bin/python -m bench --only growth [--quick]
    .venv/bin/python bench/growth.py --sizes 1000,50000 [--profile-largest /tmp/growth.prof]
"""

from __future__ import annotations

import argparse
import statistics
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


ONE_PAGE = PER_PAGE
REPEATS = 5  # the one-page crawl and the smallest size: medians of this many (quick: 3)


def crawl_size(rows: int, *, repeats: int = 1, profile: Path | None = None) -> dict:
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="glocal-bench-growth-") as folder:
            folder = Path(folder)
            warc = folder / "covenant.warc.gz"
            pages = build_warc(warc, rows, PER_PAGE)
            db = folder / "glocal.db"
            result = crawl(db, replay=warc, profile=profile)
            store = store_figures(db)
            if store["signatures"] != rows or store["runs"] != [(1, 1)]:
                raise RuntimeError(f"{rows:,} signatories: {store['signatures']:,} stored, runs {store['runs']}")
            runs.append({"rows": rows, "pages": pages, "warc_bytes": warc.stat().st_size, **result,
                         **{k: v for k, v in store.items() if k != "runs"}})
    seconds = statistics.median(r["seconds"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    print(f"  {rows:,} signatories: {seconds:.2f}s wall (of {[round(r['seconds'], 2) for r in runs]}), "
          f"{cpu:.2f}s CPU (of {[round(r['cpu'], 2) for r in runs]}), {runs[0]['bytes']:,} B store", file=sys.stderr)
    return {**runs[0], "seconds": seconds, "cpu": cpu, "maxrss_mb": max(r["maxrss_mb"] for r in runs)}


def measure(sizes, profile: Path | None = None, repeats: int = REPEATS) -> list[dict]:
    fixed = crawl_size(ONE_PAGE, repeats=repeats)
    figures = []
    for rows in sizes:
        f = crawl_size(rows, repeats=repeats if rows == min(sizes) else 1,
                       profile=profile if rows == max(sizes) else None)
        extra = rows - fixed["rows"]
        f["ms_each"] = (f["cpu"] - fixed["cpu"]) / extra * 1000
        f["wall_ms_each"] = (f["seconds"] - fixed["seconds"]) / extra * 1000
        f["bytes_per_signature"] = (f["bytes"] - fixed["bytes"]) / (f["signatures"] - fixed["signatures"])
        f["bytes_per_change"] = (f["bytes"] - fixed["bytes"]) / (f["changes"] - fixed["changes"])
        f["fixed_seconds"], f["fixed_cpu"] = fixed["seconds"], fixed["cpu"]
        figures.append(f)
    return figures


def rows_of(figures: list[dict]) -> list[Row]:
    small, large = figures[0], figures[-1]
    out = []
    for f in figures:
        last = f is large
        out.append(Row("growth", f"marginal CPU ms per signatory, first crawl of {f['rows']:,} ({f['pages']} pages)",
                       f"{small['rows']:,}: {small['ms_each']:.3f} ms", f"{f['ms_each']:.3f} ms",
                       f["ms_each"] / small["ms_each"], TARGET if last else None, lower_is_better=True,
                       note=f"CPU {f['cpu']:.2f}s for {f['items']:,} items less {f['fixed_cpu']:.2f}s of a one-page "
                            f"crawl; wall {f['seconds']:.2f}s less {f['fixed_seconds']:.2f}s: "
                            f"{f['wall_ms_each']:.3f} ms each"))
    for label, key in (("store bytes per signature", "signature"), ("store bytes per changes row", "change")):
        count = large["signatures" if key == "signature" else "changes"]
        out.append(Row("growth", f"{label} at {large['rows']:,} ({count:,} rows, file {large['bytes'] / 2**20:.1f} MiB)",
                       f"{small['rows']:,}: {small[f'bytes_per_{key}']:.0f} B", f"{large[f'bytes_per_{key}']:.0f} B",
                       large[f"bytes_per_{key}"] / small[f"bytes_per_{key}"], None,
                       note="marginal: the one-page store's bytes left out"))
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
    return rows_of(measure(QUICK, repeats=3) if quick else measure(FULL))


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
