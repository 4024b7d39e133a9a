"""Issue 24: ingest asks the resolver for its decision only, and the reviewer's candidates of a name
the decision met nothing for are offered when the review queue is read (places.resolver.offer,
from the source's point kept in actors.source_latitude/longitude). What `glocal actors review`
shows must be what ingest stored before: the reason whole, the same candidates in the same order.

The reference is the resolver as it was (`_decide_before`, the rule of main before this change,
kept here verbatim) and the composed `places.resolver.decide`; the store is written by the real
ActorResolver over the full gazetteer, both of its paths (a crawl's names, the Covenant
importer's refs), and read by the command's own code."""

from __future__ import annotations

import csv
import json

import pytest

from places import naming, resolver
from places.gazetteer import Resolution, default, fold
from research.actor_review import review_candidates
from store import open_db
from store.migrations import migrations
from store.actors import ActorResolver
from tests.helpers import FIXTURES

JRC_CSV = FIXTURES / "covenant_open_data" / "df1_Signatories_2024.csv"

# (name, country, lat, lon): invented names with and without points (dense Europe, the sea, a whole
# degree, near a pole, a point the source wrote as text), names whose words are towns, a division
# hint, an authority of a place unknown, a country named inside, ambiguous namesakes, no country.
NAMES = [
    ("Comune 12 di Sopra", "IT", 45.12345, 9.54321),
    ("Comune 13 di Valle", "IT", None, None),
    ("Zzyqxwv Brunn4711", "DE", 51.23456, 10.98765),
    ("Zzyqxwv Brunn4712", "DE", None, None),
    ("Santa Lago812", "ES", 38.5, -0.45678),
    ("Stara Polje77", "HR", 43.87654, 15.1234),
    ("Nova Wola3", "PL", 54.9, 18.98765),
    ("Monte Mare1", "GR", 36.54321, 24.98765),
    ("Villa Feld55", "SE", 58.11111, 19.77777),
    ("Porto Rio6", "PT", 39.91234, -12.45678),  # at sea, west of Portugal
    ("Alt Berg9", "UA", 48.0, 30.0),  # whole degrees: no point
    ("Nieder Dorf2", "GE", 41.71234, 44.81234),
    ("Sankt Vale3", "MD", "47,02345", "28,84567"),  # as a file writes it: no point for the resolver
    ("Bad Gora8", "RO", 89.7, 10.0),
    ("Unione Comuni Valconca", "IT", None, None),
    ("Unione dei Comuni della Bassa Romagna", "IT", 44.41234, 11.91234),
    ("Jozsefvarosi Onkormanyzat", "HU", None, None),
    ("Radyvylivska miska hromada", "UA", None, None),
    ("Mykolayiv, Lviv oblast", "UA", None, None),
    ("Qwzx Metropolitan Area", "FR", None, None),
    ("Qwzx County Council", "GB", 52.41234, -1.51234),
    ("San Isidro (Argentina)", "AR", None, None),
    ("Ostrov", "CZ", None, None),
    ("Springfield", "US", None, None),
    ("Valverde", None, None, None),
    ("Xqzwy Town", None, None, None),
    ("Newtown", "GB", 10.51234, -40.51234),  # a namesake far from the point
    # Points with only the second data set's towns within 25 km: the towns around them are offered.
    ("Qqzx Vwrt", "BR", -14.34808, -59.91478),
    ("Qqzy Vwrs", "AU", -33.48484, 147.62884),
    ("Qqzx Vwrt Metropolitan Area", "CN", 27.4565, 105.76913),
]


def _decide_before(gazetteer, name, country, lat=None, lon=None) -> Resolution:
    """places.resolver.decide as main had it before issue 24's split (the offer made at ingest)."""
    reading = naming.read(name)
    point = resolver._point(lat, lon)
    if not reading.core:
        return Resolution("unknown", reason="no name")
    if point is not None:
        gazetteer = resolver._AroundOnePoint(gazetteer, point)
    resolution = resolver._decide(gazetteer, name, reading, country, point)
    place = resolution.place
    if place is not None and place.layer == "country" and resolution.spelling not in (reading.core, fold(reading.text)):
        resolution = Resolution("unknown", spelling=resolution.spelling,
                                reason=f"only the country ({place.name}) is named so; not a place within it")
    if resolution.status != "resolved" and not resolution.candidates:
        words = gazetteer.word_candidates(reading.core, country)
        reason = resolution.reason or ("several places of this name, none clearly meant"
                                       if resolution.status == "ambiguous" else "no place of this name")
        if words:
            return Resolution(resolution.status, candidates=tuple(words), spelling=resolution.spelling, reason=reason)
        around = resolver._towns_around(gazetteer, point, country, resolver.ACCEPT_KM)

        def spelled(however_unlike: bool) -> tuple:
            return tuple(gazetteer.spelled_like(reading.core, country, however_unlike=however_unlike)) if country else ()

        if around:
            reason += "; nothing spelled like it: the towns around its point are offered"
        elif around := spelled(point is None):
            reason += "; the towns of its country spelled most like it are offered"
        elif around := resolver._towns_around(gazetteer, point, country, resolver.AROUND_FAR_KM):
            reason += "; nothing spelled like it: the towns nearest its point are offered"
        elif around := spelled(True):
            reason += "; the towns of its country spelled most like it are offered"
        else:
            reason += "; nothing spelled like it either"
        return Resolution(resolution.status, candidates=around, spelling=resolution.spelling, reason=reason)
    if resolution.status != "resolved" and not resolution.reason:
        reason = ("several places of this name, none clearly meant" if resolution.status == "ambiguous"
                  else "no place of this name")
        return Resolution(resolution.status, candidates=resolution.candidates, spelling=resolution.spelling,
                          reason=reason)
    return resolution


def _jrc_rows() -> list[tuple]:
    """The fixture's real Covenant names with their points, as the importer reads them (decimal commas)."""
    with JRC_CSV.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source, delimiter=";"))

    def number(text):
        try:
            return float(text.replace(",", "."))
        except (AttributeError, ValueError):
            return None

    return [(row["organisation_name"], row["country_code"].upper() or None, number(row["organisation_latitude"]),
             number(row["organisation_longitude"])) for row in rows if row["organisation_name"]]


@pytest.fixture(scope="module")
def gazetteer():
    return default()


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory, gazetteer):
    """A store written by both paths of the ActorResolver, and its review queue as the command reads it."""
    db = open_db(tmp_path_factory.mktemp("offer") / "glocal.db")
    crawl = ActorResolver(db, "crawl", gazetteer, "2026-12-07T00:00:00Z")
    names = NAMES + _jrc_rows()
    by_actor = {}  # actor -> (name, country, lat, lon, whether the resolver was asked)
    for name, country, lat, lon in NAMES:
        by_actor[crawl.actor_id(name, country, point=(lat, lon))] = (name, country, lat, lon, True)
    importer = ActorResolver(db, "import", gazetteer, "2026-12-07T00:00:00Z", ref_scheme="test")
    for number, (name, country, lat, lon) in enumerate(names):
        record = {"actor_name": name, "country": country, "latitude": lat, "longitude": lon,
                  "source_id": str(number), "key": f"{number}"}
        # The importer asks the resolver only about a name with a country (store/actors.py).
        by_actor.setdefault(importer.resolve(record), (name, country, lat, lon, bool(country)))
    importer.flush()
    db.conn.commit()
    stored = {row["id"]: row for row in db.query("select * from actors where needs_review = 1")}
    queue = {row["id"]: row for row in review_candidates(db, gazetteer)}
    yield by_actor, stored, queue
    db.close()


def _shown_before(gazetteer, name, country, lat, lon, asked) -> tuple[str, list[str]]:
    """The reason and candidates `glocal actors review` showed when ingest made the offer."""
    resolution = _decide_before(gazetteer, name, country, lat, lon) if asked else Resolution("unknown")
    labels = [place.label() for place in resolution.candidates][:5]
    return (resolution.reason or "not a known place",
            labels or [place.label() for place in gazetteer.candidates(name, country)])


def test_the_review_queue_shows_what_ingest_stored_before(reviewed, gazetteer):
    by_actor, stored, queue = reviewed
    compared = 0
    for actor_id, row in queue.items():
        assert (row["review_reason"], row["candidates"]) == _shown_before(gazetteer, *by_actor[actor_id]), \
            by_actor[actor_id]
        compared += 1
    assert compared >= 60  # the invented names and the fixture's unknown ones, on both paths


def test_the_composed_decide_is_the_resolver_as_it_was(gazetteer):
    for name, country, lat, lon in NAMES + _jrc_rows():
        assert resolver.decide(gazetteer, name, country, lat, lon) == \
            _decide_before(gazetteer, name, country, lat, lon), name


def test_ingest_stores_the_decisions_reason_whole_and_the_source_point(reviewed):
    by_actor, stored, queue = reviewed
    owed = [row for row in stored.values() if row["offer_at_read"]]
    # Not vacuous: most invented names are owed an offer, with and without a point.
    assert len(owed) >= 20
    assert any(row["source_latitude"] is not None for row in owed)
    assert any(row["source_latitude"] is None for row in owed)
    for row in owed:
        name, country, lat, lon, _asked = by_actor[row["id"]]
        # The decision's sentence alone, as Datasette shows it; the queue adds which list is offered.
        assert row["review_candidates"] is None and "offered" not in row["review_reason"]
        # (Towns its words name are offered without a clause: the reason stays the decision's.)
        shown = queue[row["id"]]["review_reason"]
        assert shown == row["review_reason"] or shown.startswith(row["review_reason"] + "; ")
        # Every name of a country has some: however unlike, its country's towns (docs/places.md).
        assert queue[row["id"]]["candidates"] or country is None
        # The point the source gave (the actor's own latitude/longitude stay the place's: none).
        assert (row["latitude"], row["longitude"]) == (None, None)
        given = resolver._point(lat, lon)
        assert resolver._point(row["source_latitude"], row["source_longitude"]) == given
    # A name whose decision met candidates (a namesake far from its point) keeps them at ingest.
    newtowns = [row for row in stored.values() if row["name"] == "Newtown"]
    assert len(newtowns) == 2  # the crawl's and the importer's
    for row in newtowns:
        assert row["offer_at_read"] == 0 and json.loads(row["review_candidates"])
        assert row["review_reason"].startswith("the nearest place named so")


def test_a_store_from_before_m310_shows_what_it_stored(tmp_path, gazetteer):
    """Old rows hold the offer made at their ingest, with a point no longer known: they stay as stored."""
    from sqlite_utils import Database

    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m310_review_offer_at_read")
    reason = "no place of this name; nothing spelled like it: the towns around its point are offered"
    candidates = json.dumps(["Somewhere (IT)", "Elsewhere (IT)"])
    old["actors"].insert({"id": 7, "name": "Comune 12 di Sopra", "country": "IT", "key": "comune 12 di sopra|IT",
                          "needs_review": 1, "review_reason": reason, "review_candidates": candidates})
    old.close()
    db = open_db(path)
    (row,) = review_candidates(db, gazetteer)
    assert db.execute("select offer_at_read from actors where id = 7").fetchone() == (0,)
    assert (row["review_reason"], row["candidates"]) == (reason, ["Somewhere (IT)", "Elsewhere (IT)"])
    db.close()
