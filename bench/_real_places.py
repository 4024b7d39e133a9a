"""The real name data in ../shared/real/ (README there), read and judged by distance.

Shared by bench/places_real.py and tests/places/test_real_names.py. Each row carries its own
coordinates: a row is judged by the distance between them and GeoNames' coordinates of the place
the resolver chose (never the row's coordinates copied onto the actor). Verdicts:

- right: within RIGHT_KM; near: within NEAR_KM; wrong: further (a namesake elsewhere);
- not-a-city: a municipality row given a region, a county or a country;
- unresolved: left to review; group: a row listing several towns (its point is a country's centre);
- unjudged: a row without usable coordinates (none, or a whole degree such as "45.0, 9.43": a
  point known to ±50 km cannot judge a town at 25 km).

A row whose latitude and longitude are swapped in the source is judged with them swapped back.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

RIGHT_KM = 25.0
NEAR_KM = 50.0
# ../shared/real beside the checkout (as CI lays it); GLOCAL_SHARED_DIR names another shared folder
# (a git worktree kept elsewhere).
REAL = Path(os.environ.get("GLOCAL_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared") / "real"
JRC = REAL / "jrc_signatories_2024_odd_ids.xlsx"
KEY_DICT = REAL / "climactor_key_dict_dev.csv"
CONTEXTUALS = REAL / "climactor_contextuals_dev.csv"


def real_folder() -> Path | None:
    return REAL if JRC.exists() else None


def number(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return None


def jrc_points(path: Path = JRC) -> dict[str, tuple[float, float] | None]:
    """organisation_id -> the row's own (lat, lon), or None."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(c) for c in next(rows)]
        at = {name: header.index(name) for name in ("organisation_id", "organisation_latitude", "organisation_longitude")}
        points = {}
        for row in rows:
            org = str(row[at["organisation_id"]]).removesuffix(".0")
            lat, lon = number(row[at["organisation_latitude"]]), number(row[at["organisation_longitude"]])
            usable = lat is not None and lon is not None and not (lat == round(lat) or lon == round(lon))
            points[org] = (lat, lon) if usable else None  # a whole degree ("45.0, 9.43"): ±50 km, no judge
        return points
    finally:
        book.close()


def distance(truth: tuple[float, float], place: tuple[float, float]) -> float:
    from places.gazetteer import distance_km

    straight = distance_km(truth[0], truth[1], place[0], place[1])
    if -90 <= truth[1] <= 90:
        return min(straight, distance_km(truth[1], truth[0], place[0], place[1]))  # swapped in the source
    return straight


@dataclass
class Verdicts:
    counts: Counter
    examples: dict
    false_merges: list

    @property
    def judged(self) -> int:
        return sum(n for k, n in self.counts.items() if k not in ("group", "unjudged"))

    def share(self, *kinds) -> float:
        return sum(self.counts[k] for k in kinds) / max(1, self.judged)

    def line(self) -> str:
        c = self.counts
        return (f"{self.judged} judged: right {c['right']} ({self.share('right'):.1%}), near {c['near']}, "
                f"wrong {c['wrong']}, not-a-city {c['not-a-city']}, unresolved {c['unresolved']}; "
                f"groups {c['group']}, unjudged {c['unjudged']}; false merges {len(self.false_merges)}")


def verdict(truth, kind: str | None, point) -> str:
    if truth is None:
        return "unjudged"
    if kind == "group":
        return "group"
    if kind in ("region", "state"):
        return "not-a-city"
    if point is None:
        return "unresolved"
    km = distance(truth, point)
    return "right" if km < RIGHT_KM else "near" if km < NEAR_KM else "wrong"


def judge_store(db_path: Path, points: dict, gazetteer) -> Verdicts:
    """Judge every signature of the store by its actor's GeoNames point (a seat's, for an authority),
    or the second data set's point of a town GeoNames lacks (actors.place_ref), read from the
    gazetteer, never from the actor row."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    rows = conn.execute(
        """select s.source_id, s.actor_name, a.id, a.kind, coalesce(a.geonames_id, a.place_ref), a.needs_review,
                  (select coalesce(p.geonames_id, p.place_ref) from actors p where p.id = a.part_of)
           from signatures s join actors a on a.id = s.actor_id where s.source_id is not null""").fetchall()
    conn.close()
    counts, examples, by_actor = Counter(), {}, {}
    for org, name, actor, kind, geonames_id, review, seat in rows:
        truth = points.get(org)
        place_id = seat if kind not in (None, "city", "region", "state") else geonames_id
        point = gazetteer.point_of(place_id) if place_id else None
        if review and kind != "group":
            point = None
        found = verdict(truth, kind, point)
        counts[found] += 1
        examples.setdefault(found, []).append((name, truth, point))
        if truth and kind != "group":
            by_actor.setdefault(actor, []).append((org, name, truth))
    merges = []
    for actor, members in by_actor.items():
        for i, (org, name, truth) in enumerate(members):
            far = [(o, n) for o, n, t in members[i + 1:] if distance(truth, t) > RIGHT_KM]
            if far:
                merges.append((actor, name, far[:3]))
                break
    return Verdicts(counts, examples, merges)


def climactor_cases(limit: int | None = None) -> list[tuple[str, str, tuple[float, float]]]:
    """(variant, ISO alpha-2, the canonical entity's point) for the key dictionary's city variants."""
    import pycountry

    truth = {}
    with CONTEXTUALS.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            lat, lon = number(row["lat"]), number(row["lng"])
            if lat is not None and lon is not None and row["entity_type"] == "City":
                truth.setdefault((row["name"], row["iso"]), (lat, lon))
    cases = []
    with KEY_DICT.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            point = truth.get((row["right"], row["iso"]))
            if point is None or row["entity_type"] != "City":
                continue
            country = pycountry.countries.get(alpha_3=row["iso"])
            if country is None:
                continue
            cases.append((row["wrong"], country.alpha_2, point))
            if limit and len(cases) >= limit:
                break
    return cases
