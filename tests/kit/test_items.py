"""`as_record` gives exactly what dataclasses.asdict gives, for every kind of item: the fast copy
of scalar-only items must not change a record the store, the exports or the alerts read."""

from dataclasses import asdict

from kit.items import (Announcement, CountClaim, Event, Instrument, Link, Membership, ScopeReport, Signature,
                           as_record)

ITEMS = [
    Instrument(source="s", key="s/i", url="https://a.test/", title="Pact", kind="pledge", issuer="X; Y"),
    Signature(source="s", key="s/i/milan", url="https://a.test/", instrument_key="s/i", actor_name="Milan",
              country="IT", network_member=False, population=1_352_000, signed_on="2024-03-01"),
]


def _every_item():
    import dataclasses

    made = list(ITEMS)
    for cls in (Membership, Event, Announcement, CountClaim, Link):
        needed = {f.name: _value(f) for f in dataclasses.fields(cls)
                  if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
        made.append(cls(**needed))
    made.append(ScopeReport(source="s", scope="signatures:s/i", entity="signature", kind="roster", landmark="list",
                            url="https://a.test/", complete=True, keys=["s/i/milan"], landmarks_missing=["pager"]))
    return made


def _value(f):
    return 3 if "int" in str(f.type) and "str" not in str(f.type) else f"{f.name} value"


def test_as_record_is_asdict_for_every_item_kind():
    for item in _every_item():
        record = as_record(item)
        assert record == asdict(item)
        assert list(record) == list(asdict(item))  # same order of fields, too


def test_a_record_of_an_item_with_a_list_owns_its_list():
    report = _every_item()[-1]
    record = as_record(report)
    record["keys"].append("s/i/lima")
    assert report.keys == ["s/i/milan"]


def test_a_non_scalar_value_goes_through_asdict():
    signature = Signature(source="s", key="k", url="u", instrument_key="i", actor_name="A", commitments=["a", "b"])
    record = as_record(signature)
    assert record == asdict(signature)
    record["commitments"].append("c")
    assert signature.commitments == ["a", "b"]
