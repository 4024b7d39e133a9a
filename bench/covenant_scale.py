"""Benchmark: the Covenant at scale — 15,000 signatories over paginated listing pages, replayed from a WARC.

Run from the repository root:

    .venv/bin/python bench/covenant_scale.py [--rows 15000] [--per-page 50]

What is measured, each crawl in its own child process (bench/_covenant.py, shared with the growth
and warc_on_off benchmarks: Twisted's reactor runs once per process; the child reports its own
wall time, items and peak RSS):

a. **bare crawl** (the baseline): the real `covenant_signatories` spider over the WARC, through
   the replay download handler, with no item pipeline (nothing is stored).
b. **full pipeline, first crawl**: the same spider and archive through `StorePipeline` into a
   fresh SQLite file (scopes, actors with refs, changes log): a baseline of 15,000 signatures.
c. **full pipeline, unchanged re-crawl**: the same archive again into (b)'s store; it must
   record zero changes (checked; a failure raises, and the suite shows the row as failed).

Targets (ratios measured in this one run; the machine is shared, absolute speeds are noise):
full pipeline >= 0.7 x the bare crawl (items/s); re-crawl >= 1.0 x the first crawl; peak RSS
of the crawl process < 300 MB.

`run(quick)` returns bench.common.Row rows for `python -m bench`.
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


def run(quick: bool = False, rows: int | None = None, per_page: int = 50) -> list:
    """The rows of `python -m bench` (bench.common.Row): 15,000 signatories, or 2,000 when quick."""
    from bench.common import Row

    rows = rows or (2_000 if quick else 15_000)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        warc = folder / "covenant.warc.gz"
        pages = build_warc(warc, rows, per_page)
        bare = crawl(folder / "bare.db", replay=warc, bare=True)
        first = crawl(folder / "store.db", replay=warc)
        after_first = store_figures(folder / "store.db")
        again = crawl(folder / "store.db", replay=warc)
        after_again = store_figures(folder / "store.db")
        signatures = after_again["signatures"]
        changes_again = after_again["changes"] - after_first["changes"]
    if signatures != rows or changes_again != 0:
        raise RuntimeError(f"{signatures} signatures stored (want {rows}); re-crawl changes {changes_again} (want 0)")
    bare_rate, first_rate, again_rate = (r["items"] / r["seconds"] for r in (bare, first, again))
    bare_cpu, first_cpu = (r["items"] / r["cpu"] for r in (bare, first))
    bare_pages, first_pages = bare["pages"] / bare["seconds"], first["pages"] / first["seconds"]
    peak = max(first["maxrss_mb"], again["maxrss_mb"])
    size = f"{rows:,} signatories, {pages} pages"
    return [
        Row("covenant_scale", f"items/s, full pipeline vs bare crawl ({size})", f"bare crawl {bare_rate:.0f}/s",
            f"{first_rate:.0f}/s", first_rate / bare_rate, 0.7),
        Row("covenant_scale", "pages/s, full pipeline vs bare crawl", f"bare crawl {bare_pages:.1f}/s",
            f"{first_pages:.1f}/s", first_pages / bare_pages, 0.7),
        Row("covenant_scale", "items per CPU-second, full pipeline vs bare crawl", f"bare crawl {bare_cpu:.0f}/s",
            f"{first_cpu:.0f}/s", first_cpu / bare_cpu, None,
            note="CPU time of the crawl process: steadier than wall time on a shared machine"),
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
    args = parser.parse_args(argv)
    print_rows(run(rows=args.rows, per_page=args.per_page))
    return 0


if __name__ == "__main__":
    sys.exit(main())
