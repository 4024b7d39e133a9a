"""The benchmark suite's own wiring, cheaply: every module the table's order names exists, the
shared helpers are not run as benchmarks, the Covenant-shaped site is what the real parser reads,
and the new benchmarks turn their figures into well-formed rows whose verdict follows the target.
No timing here: figures are the benchmarks' business (`python -m bench`)."""

import sqlite3

from bench import __main__ as suite
from bench import _covenant, alerts, growth, warc_on_off
from bench.common import Row
from spiders.parsers.covenant_signatories import parse_listing_html


def test_the_order_names_real_modules_and_helpers_are_not_benchmarks():
    names = suite.benchmarks()
    assert set(suite.ORDER) <= set(names)
    assert {"growth", "warc_on_off", "alerts", "covenant_scale"} <= set(names)
    assert not [name for name in names if name.startswith("_") or name == "common"]
    assert names[: len(suite.ORDER)] == suite.ORDER


def test_the_synthetic_listing_is_what_the_spider_parses():
    pages = _covenant.site_pages(120, 50)
    assert [url for url, _ in pages] == [_covenant.LISTING, f"{_covenant.LISTING}?page=1",
                                         f"{_covenant.LISTING}?page=2"]
    first = parse_listing_html(pages[0][1].decode(), pages[0][0])
    last = parse_listing_html(pages[2][1].decode(), pages[2][0])
    assert len(first.signatures) == 50 and first.next_url.endswith("?page=1") and first.last_page == 2
    assert len(last.signatures) == 20 and last.next_url is None
    names = {s.actor_name for url, body in pages for s in parse_listing_html(body.decode(), url).signatures}
    assert len(names) == 120


def _growth_figures(ms_each: list[float]) -> list[dict]:
    return [{"rows": rows, "pages": rows // 50, "seconds": 1.0 + rows * ms / 1000, "items": rows + 1,
             "cpu": 0.8 + rows * ms / 1000, "fixed_seconds": 1.0, "fixed_cpu": 0.8, "ms_each": ms, "wall_ms_each": ms, "bytes": rows * 2000, "signatures": rows, "changes": rows + 1,
             "bytes_per_signature": 2000.0, "bytes_per_change": 1999.0, "warc_bytes": rows * 40,
             "maxrss_mb": 100.0 + rows / 1000} for rows, ms in zip((1_000, 5_000, 15_000, 50_000), ms_each)]


def test_growth_judges_the_largest_size_against_the_smallest():
    flat = growth.rows_of(_growth_figures([1.0, 1.1, 1.2, 1.4]))
    steep = growth.rows_of(_growth_figures([1.0, 1.2, 1.5, 1.6]))
    assert all(isinstance(row, Row) and row.benchmark == "growth" for row in flat)
    judged = [row for row in flat if row.target is not None]
    assert len(judged) == 1 and "50,000" in judged[0].measure and judged[0].verdict == "met"
    assert [row.verdict for row in steep if row.target is not None] == ["MISSED"]


def test_warc_and_alerts_rows_follow_their_targets():
    warc = warc_on_off.rows_of({"rows": 2_000, "repeats": 2, "rate": {"off": 600.0, "on": 590.0},
                                "cpu_rate": {"off": 900.0, "on": 750.0}, "warc_bytes": 80_000, "pages": 40,
                                "seconds": {"off": [3.3], "on": [3.4]}, "cpu": {"off": [2.2], "on": [2.7]}})
    assert warc[0].verdict == "MISSED" and round(warc[0].ratio, 3) == 0.833  # judged on CPU time
    assert warc[1].verdict == "info"
    digest = {"changes": 1_000, "rows": 2_000, "build": 1.0, "render": 0.1, "send": 0.3, "render_wall": 0.2,
              "send_wall": 0.5, "steps": 4, "messages": 8, "slowest_step": 0.1}
    full = {**digest, "changes": 10_000, "rows": 20_000, "render": 1.0, "send": 3.6}
    item = {"changes": 10_000, "sample": 4, "rate": 1.2, "seconds": 2.5, "min_gap": 0.8, "interval": 1.0}
    rows = alerts.rows_of(digest, full, item)
    assert [row.verdict for row in rows] == ["met", "info", "MISSED"]  # 0.36 vs 0.30 ms: 1.2x; 1.2/s > 1/s
    assert "8,333s" in rows[2].note


def test_every_row_carries_the_load_its_benchmark_ran_under():
    rows = suite.with_load([Row("x", "m", "b", "o", 0.8, 0.7), Row("x", "n", "b", "o", None, None)], 1.25, 3.5)
    assert [row.load for row in rows] == ["1.2-3.5", "1.2-3.5"]
    printed = suite.table(rows).splitlines()
    assert printed[0].split()[-2:] == ["load", "verdict"] and "1.2-3.5" in printed[2] and printed[2].endswith("met")


def test_a_baseline_call_is_stopped_at_its_cap_and_other_errors_still_raise(tmp_path):
    import sqlite3
    import time

    import pytest
    from sqlite_utils import Database

    from bench import queries as bench_queries

    db = Database(tmp_path / "q.db")
    endless = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    started = time.perf_counter()
    bench_queries.capped(db, lambda _params: db.execute(endless).fetchall(), cap_ms=200)({})
    assert time.perf_counter() - started < 60  # stopped, not run forever (the cap is 0.2 s)
    assert db.execute("select 1").fetchone() == (1,)  # the handler is gone: later calls run whole
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        bench_queries.capped(db, lambda _params: db.execute("select * from missing"))({})


def test_the_importers_peak_is_that_of_its_own_process(tmp_path):
    """covenant_import's RSS row reads the importing child's own peak: the benchmark's process may
    already hold hundreds of MiB from the benchmarks before it, and that must not be counted."""
    from bench import covenant_import

    source = tmp_path / "df1_Signatories_small.csv"
    covenant_import.write_file(source, 20)
    held = bytearray(400 * 2**20)  # this process's peak, now at least 400 MiB
    held[::4096] = b"x" * len(held[::4096])  # touched, so resident
    peak = covenant_import.import_peak_mib(source, tmp_path / "alone.db")
    del held
    assert 20 < peak < 300
    rows = sqlite3.connect(tmp_path / "alone.db").execute("select count(*) from signatures").fetchone()[0]
    assert rows == 20
