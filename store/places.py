"""The curated gazetteer: one canonical place for the many spellings sources use.

`store/data/places.csv` holds name, ISO country, kind, GeoNames id and the aliases seen on
sources. Lookups go through `crawler.text.name_key`, so accents, dashes, dots and a
parenthesised addition ("Durban (eThekwini)") never split one city into two.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from crawler.text import name_key


@dataclass(frozen=True)
class Place:
    name: str
    country: str
    kind: str
    geonames_id: int | None
    aliases: tuple[str, ...]

    @property
    def key(self) -> str:
        return name_key(self.name)


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, Place]:
    """name_key of every spelling -> Place (built once per process)."""
    index: dict[str, Place] = {}
    with resources.files("store").joinpath("data/places.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            place = Place(
                name=row["name"],
                country=row["country"],
                kind=row["kind"] or "city",
                geonames_id=int(row["geonames_id"]) if row["geonames_id"] else None,
                aliases=tuple(a for a in row["aliases"].split("|") if a),
            )
            for spelling in (place.name, *place.aliases):
                index.setdefault(name_key(spelling), place)
    return index


def resolve_place(name: str, country: str | None = None) -> Place | None:
    """The Place a published name means, or None when the gazetteer does not know it.

    A parenthesis may hold the other name ("Durban (eThekwini)"): both are tried. A country,
    when the source gives one, must agree.
    """
    index = gazetteer()
    candidates = [name_key(name)] + [name_key(inner) for inner in re.findall(r"\(([^)]*)\)", name)]
    for key in candidates:
        place = index.get(key)
        if place and (country is None or place.country == country.upper()):
            return place
    return None


def is_known_place(name: str) -> bool:
    """True when the gazetteer knows this exact spelling (used to keep "Brighton and Hove" whole)."""
    return name_key(name) in gazetteer()
