"""places.curated: one canonical place for the spellings sources use."""

import csv
from pathlib import Path

import pytest

from places.curated import resolve_place

PLACES = Path(__file__).parents[2] / "places" / "data" / "places.csv"


@pytest.mark.parametrize("published,name,country", [
    ("Durban (eThekwini)", "Durban", "ZA"),
    ("Dhaka (North & South)", "Dhaka", "BD"),
    ("Tel Aviv – Yafo", "Tel Aviv-Yafo", "IL"),
    ("Washington, DC", "Washington DC", "US"),
    ("Washington D.C.", "Washington DC", "US"),
    ("Bogota", "Bogotá", "CO"),
    ("Bogotá D.C.", "Bogotá", "CO"),
    ("New York", "New York City", "US"),
    ("Montreal", "Montréal", "CA"),
    ("Delhi", "Delhi NCT", "IN"),
    ("Greater Manchester", "Greater Manchester", "GB"),
])
def test_spellings_resolve_to_one_place(published, name, country):
    place = resolve_place(published)
    assert (place.name, place.country) == (name, country)


def test_unknown_name_is_not_guessed():
    assert resolve_place("Atlantis") is None


def test_country_must_agree():
    assert resolve_place("Portland", "US").name == "Portland"
    assert resolve_place("Portland", "GB") is None


def test_gazetteer_rows_are_well_formed():
    rows = list(csv.DictReader(PLACES.open(encoding="utf-8")))
    assert len(rows) > 100
    names = [r["name"] for r in rows]
    assert len(names) == len(set(names))
    for row in rows:
        assert len(row["country"]) == 2 and row["country"].isupper(), row
        assert row["kind"] in {"city", "region", "state"}, row
        assert row["geonames_id"] == "" or row["geonames_id"].isdigit(), row


def test_gazetteer_geonames_ids_are_unique():
    ids = [r["geonames_id"] for r in csv.DictReader(PLACES.open(encoding="utf-8")) if r["geonames_id"]]
    assert len(ids) == len(set(ids))
