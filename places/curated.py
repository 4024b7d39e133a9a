"""The curated gazetteer: reference data naming one place for the many spellings sources use.

`places/data/places.csv` holds name, ISO country, kind, GeoNames id and the aliases seen on
sources. It is *reference data*, never a source of keys: a key comes only from what a page says
(`kit.text.name_key`), so an edit of this file cannot move a key. Parsers may ask it whether a
phrase is one known place ("Brighton and Hove" is not two cities); the store's actor resolver is
handed a Gazetteer (it imports nothing of the crawler) to join spellings into one actor.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from kit.text import name_key

_INSIDE_PARENTHESES = re.compile(r"\(([^)]*)\)")
ENV_FILE = "GLOCAL_PLACES_FILE"  # another gazetteer file for this process (tests, curators trying an edit)


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


class Gazetteer:
    """Spellings -> Place, read from one CSV file. Lookups compare name_key()s, so accents,
    dashes, dots and a parenthesised addition ("Durban (eThekwini)") never split one city."""

    def __init__(self, places: list[Place], origin: str = "<memory>"):
        self.origin = origin
        self._index: dict[str, Place] = {}
        for place in places:
            for spelling in (place.name, *place.aliases):
                self._index.setdefault(name_key(spelling), place)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Gazetteer":
        """The gazetteer in `path`, or the bundled places/data/places.csv."""
        if path is None:
            source = resources.files("places").joinpath("data/places.csv")
            origin = "places/data/places.csv"
        else:
            source, origin = Path(path), str(path)
        with source.open(encoding="utf-8", newline="") as fh:
            places = [
                Place(name=row["name"], country=row["country"], kind=row["kind"] or "city",
                      geonames_id=int(row["geonames_id"]) if row["geonames_id"] else None,
                      aliases=tuple(a for a in row["aliases"].split("|") if a))
                for row in csv.DictReader(fh)
            ]
        return cls(places, origin)

    def resolve(self, name: str, country: str | None = None) -> Place | None:
        """The Place a published name means, or None when the gazetteer does not know it.

        A parenthesis may hold the other name ("Durban (eThekwini)"): both are tried. A country,
        when the source gives one, must agree.
        """
        candidates = [name_key(name)]
        if "(" in name:  # most names have no parenthesis: skip the pattern
            candidates += [name_key(inner) for inner in _INSIDE_PARENTHESES.findall(name)]
        for key in candidates:
            place = self._index.get(key)
            if place and (country is None or place.country == country.upper()):
                return place
        return None

    def knows(self, name: str) -> bool:
        """True when this exact spelling names a known place (keeps "Brighton and Hove" whole)."""
        return name_key(name) in self._index

    @staticmethod
    def key(name: str) -> str:
        """The spelling-insensitive form of a name the store keys unknown actors by."""
        return name_key(name)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The process's gazetteer: $GLOCAL_PLACES_FILE if set, else the bundled file (read once)."""
    return Gazetteer.load(os.environ.get(ENV_FILE) or None)


def resolve_place(name: str, country: str | None = None) -> Place | None:
    return gazetteer().resolve(name, country)


def is_known_place(name: str) -> bool:
    return gazetteer().knows(name)
