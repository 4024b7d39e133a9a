"""The resolver reads the towns around a name's point once per decision (places/resolver.py,
_AroundOnePoint) and cuts every narrower question from that list: each must be the gazetteer's
own answer, the same places in the same order, wherever the point is."""

import random

import pytest

from places import gazetteer as gazetteer_module
from places import resolver


@pytest.fixture(scope="module")
def gazetteer():
    return gazetteer_module.default()


def _points(count: int) -> list[tuple[float, float]]:
    rng = random.Random(24)
    # Dense Europe (where the Covenant's signatories are), anywhere, and near a pole.
    points = [(rng.uniform(35, 60), rng.uniform(-9, 40)) for _ in range(count)]
    points += [(rng.uniform(-60, 70), rng.uniform(-180, 180)) for _ in range(count // 4)]
    points += [(89.7, 10.0), (-89.9, -45.0)]
    return points


QUESTIONS = [(resolver.ACCEPT_KM, None, True), (resolver.ACCEPT_KM, None, False), (resolver.FUZZY_KM, None, True),
             (resolver.FUZZY_KM, None, False), (resolver.AROUND_FAR_KM, None, True)]


def test_every_question_is_the_gazetteers_answer(gazetteer):
    compared = 0
    points = _points(120)
    for number, point in enumerate(points):
        around = resolver._AroundOnePoint(gazetteer, point)
        countries = {p.country for p in gazetteer.places_near(point, resolver.ACCEPT_KM, more=True)}
        # A question wider than ACCEPT_KM is handed to the gazetteer as asked, wherever the point
        # (_AroundOnePoint's first test, on km alone): it is asked at every tenth point and at the
        # poles, not at all 152 (its 100 km circles were 85 % of this test's CPU, 2.9 s); the
        # questions cut from the list read once are asked at every point.
        far_too = number % 10 == 0 or abs(point[0]) > 89
        for km, _none, more in [question for question in QUESTIONS if far_too or question[0] <= resolver.ACCEPT_KM]:
            for country in [None, "", *sorted(countries)[:3], "ZZ"]:
                mine = around.places_near(point, km, country, more=more)
                theirs = gazetteer.places_near(point, km, country, more=more)
                assert mine == theirs, (point, km, country, more)
                compared += len(theirs)
    assert compared > 10_000  # the points do have towns around them


def test_a_list_returned_is_the_callers_own(gazetteer):
    point = (45.4642, 9.19)  # Milan
    around = resolver._AroundOnePoint(gazetteer, point)
    first = around.places_near(point, resolver.ACCEPT_KM, more=True)
    first.sort(key=lambda p: p.name)  # _towns_around sorts what it is given
    assert around.places_near(point, resolver.ACCEPT_KM, more=True) == gazetteer.places_near(
        point, resolver.ACCEPT_KM, more=True)


def test_a_place_built_from_a_row_is_the_dataclasss_own(gazetteer):
    """places_near builds its Places without the frozen dataclass's __init__ (gazetteer._place_of_row):
    the same fields, values, defaults and attribute order (describe() writes __dict__ as it is)."""
    import dataclasses
    import json

    names = tuple(f.name for f in dataclasses.fields(gazetteer_module.Place))
    assert gazetteer_module._ROW_FIELDS + tuple(gazetteer_module._NOT_IN_A_ROW) == names
    assert all(gazetteer_module._NOT_IN_A_ROW[f.name] == f.default for f in dataclasses.fields(gazetteer_module.Place)
               if f.name in gazetteer_module._NOT_IN_A_ROW)
    rows = gazetteer._db().execute(f"select {gazetteer_module._PLACE_COLUMNS} from places p limit 2000").fetchall()
    for row in rows:
        built, made = gazetteer_module._place_of_row(row), gazetteer_module.Place(*row)
        assert built == made and hash(built) == hash(made)
        assert json.dumps(built.__dict__) == json.dumps(made.__dict__)
    assert len(rows) == 2000
