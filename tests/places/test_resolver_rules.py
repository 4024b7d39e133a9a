"""places.resolver: the rules read from real names (issue 19), each on a name of its class.

Names written for these tests (not rows of the real files); the points are the towns' own
GeoNames coordinates, as a source that gives coordinates would print them."""

import pytest

from places import naming
from places.gazetteer import default


@pytest.mark.parametrize("published,country,point,expected", [
    ("Sexten - Sesto", "IT", (46.70, 12.35), "Sesto"),  # one town in two languages
    ("Innichen / San Candido", "IT", (46.73, 12.28), "San Candido"),
    ("Karşıyaka - İzmir", "TR", (38.46, 27.11), "Karşıyaka"),  # a part naming the town's province is a hint
    ("El Barraco", "ES", (40.48, -4.64), "Barraco"),  # an article GeoNames does not write
    ("Vila de Llívia", "ES", (42.46, 1.98), "Llívia"),
    ("Greater Jerash Municipality", "JO", (32.28, 35.90), "Jarash"),
])
def test_a_name_read_apart_finds_the_town_at_its_point(published, country, point, expected):
    resolution = default().lookup(published, country, *point)
    assert resolution.status == "resolved", resolution.reason
    assert resolution.place.name == expected and resolution.place.kind == "city"


def test_a_name_that_is_the_place_whole_is_not_split():
    place = default().lookup("Tel Aviv–Yafo", "IL", 32.08, 34.78).place
    assert place is not None and place.name == "Tel Aviv-Yafo"


def test_towns_apart_joined_by_dashes_are_a_group_of_them():
    place = default().lookup("Castenedolo - Nuvolera - Nuvolento", "IT", 45.47, 10.30).place
    assert place is not None and place.kind == naming.GROUP
    assert sorted(m.name for m in place.members) == ["Castenedolo", "Nuvolento", "Nuvolera"]


def test_a_state_hint_that_is_also_a_country_code_is_not_dropped():
    gazetteer = default()
    college = gazetteer.lookup("College, PA", "US")  # Pennsylvania (not Panama): there is no College in it
    assert college.status != "resolved" and "pa" in college.reason
    assert gazetteer.lookup("Portland, ME", "US").place.admin1 == "ME"


def test_a_parenthesis_repeating_the_country_is_no_region():
    place = default().lookup("Madrid (Colombia)", "CO").place
    assert place is not None and place.name == "Madrid" and place.country == "CO"


def test_country_codes_are_read_once_not_scanned_per_call():
    gazetteer = default()
    assert [gazetteer.country_code(c) for c in ("es", "UK", "EL", "ZZ", "Spain")] == ["ES", "GB", "GR", None, "ES"]
    assert gazetteer._countries is not None and "FR" in gazetteer._countries


def test_an_unknown_name_is_a_question_with_candidates_and_a_reason():
    resolution = default().lookup("Sant Quirze Imaginari", "ES", 41.53, 2.08)
    assert resolution.status == "unknown" and resolution.place is None
    assert resolution.reason and resolution.candidates  # the towns near its point, for the reviewer


def test_a_transliteration_keeping_the_consonants_finds_the_town_at_its_point():
    place = default().lookup("Qalqilia", "PS", 32.19, 34.97).place  # GeoNames: Qalqīlyah
    assert place is not None and place.name == "Qalqīlyah"


def test_neighbours_with_the_same_few_consonants_stay_apart():
    # Braone is not in the shipped data; Brione, its neighbour in the same province, must not take it.
    resolution = default().lookup("Braone", "IT", 45.99, 10.34)
    assert resolution.place is None or resolution.place.name == "Braone"
