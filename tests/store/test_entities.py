"""store.entities and the ingest's fast paths: the same values and the same JSON as the plain way."""

import json

import pytest

from store.entities import ENTITIES
from store.ingest import _added_json, _json


def plain_row(entity, record):
    """What a row is, the plain way: each column converted on its own (the ingest's contract)."""
    row = {}
    for column in entity.columns:
        value = record.get(column)
        if isinstance(value, bool):
            value = int(value)
        elif type(value) is str:
            value = value or None
        elif type(value) in (list, dict):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        row[column] = value
    return row


SIGNATURES = [
    {"instrument_key": "x/y", "actor_name": "Bogotá D.C.", "country": "CO", "signed_on": None},  # missing fields
    {column: None for column in ENTITIES["signature"].columns},
    dict({column: None for column in ENTITIES["signature"].columns}, actor_name="Paris", network_member=True),
    dict({column: None for column in ENTITIES["signature"].columns}, actor_name="", network_member=False,
         population=12, status=""),
    dict({column: None for column in ENTITIES["signature"].columns}, actor_name='He said "no"\\ \n\t\x01 \u2028',
         commitments=["b", "a"], population=1.5),
    dict({column: None for column in ENTITIES["signature"].columns}, actor_name="Москва", population=2**70,
         action={"k": "v"}),
]


@pytest.mark.parametrize("record", SIGNATURES)
def test_values_are_what_each_column_converted_alone_gives(record):
    entity = ENTITIES["signature"]
    assert entity.row(record) == plain_row(entity, record)
    assert [type(v) for v in entity.values(record)] == [type(v) for v in plain_row(entity, record).values()]


@pytest.mark.parametrize("record", SIGNATURES)
def test_added_json_is_the_encoders_text(record):
    entity = ENTITIES["signature"]
    row = entity.values(record) + [7]  # the actor id follows the content columns
    assert _added_json(entity, row) == _json({c: v for c, v in entity.row(record).items() if c != "text"})


def test_instrument_text_is_hashed_and_left_out_of_the_added_json():
    entity = ENTITIES["instrument"]
    record = {"title": "Pact", "kind": "", "text": "Cities  shall\nact.", "text_hash": "stale"}
    row = entity.row(record)
    assert row["kind"] is None and row["text_hash"] != "stale"
    assert entity.row(dict(record, text="Cities shall act.")) == dict(row, text="Cities shall act.")
    encoded = json.loads(_added_json(entity, entity.values(record)))
    assert "text" not in encoded and encoded["text_hash"] == row["text_hash"]


def test_an_entity_must_compare_two_columns_none_of_them_tracking():
    from store.entities import Entity

    with pytest.raises(ValueError):
        Entity("x", "xs", columns=("a", "b"), compared=("a",))
    with pytest.raises(ValueError):
        Entity("x", "xs", columns=("a", "source"), compared=("a", "source"))
