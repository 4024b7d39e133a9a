"""Rosters as configuration: spiders/rosters.toml entries become spiders read by the generic reader."""

import json

import pytest

from kit.items import CountClaim, Instrument, Membership, ScopeReport, Signature
from spiders.parsers.roster_source import RosterConfigError, RosterSource, load_sources
from tests.helpers import FIXTURES, archive_of, crawl_in_process, query, saved_pages

SOURCES = {source.slug: source for source in load_sources()}


def fixture(slug):
    (filename, info), = json.loads((FIXTURES / slug / "meta.json").read_text(encoding="utf-8")).items()
    return filename, info, (FIXTURES / slug / filename).read_text(encoding="utf-8")


def test_at_least_six_networks_and_instruments_are_configured():
    assert len(SOURCES) >= 6
    assert {"eccar_members", "eurocities_members", "mufpp_signatories", "worldgbc_nzcb", "climate_mayors_members",
            "mayors_for_peace_members"} <= set(SOURCES)


@pytest.mark.parametrize("slug", sorted(SOURCES))
def test_each_fixture_is_read_with_its_names_and_stated_count(slug):
    source = SOURCES[slug]
    _, info, text = fixture(slug)
    output = list(source.ROUTES.match(info["url"]).parse(text, info["url"]))
    report = next(o for o in output if isinstance(o, ScopeReport) and o.entity == source.entity)
    items = [o for o in output if isinstance(o, (Membership, Signature))]
    assert report.complete and report.landmarks_missing == [] and report.stated == info["stated"]
    assert [i.actor_name for i in items] == info["names"]
    assert sorted(report.keys) == sorted(i.key for i in items)
    claim = next(o for o in output if isinstance(o, CountClaim))
    assert claim.count == info["stated"] and claim.subject_key == (f"network:{source.network}" if source.network
                                                                   else source.instrument)
    assert info["synthetic"] is True and info["sample"] is True  # docs/sources.md says what is real


def test_an_instrument_roster_yields_its_instrument_and_signatures():
    _, info, text = fixture("mufpp_signatories")
    output = list(SOURCES["mufpp_signatories"].parse(text, info["url"]))
    instrument = next(o for o in output if isinstance(o, Instrument))
    assert (instrument.key, instrument.title, instrument.kind, instrument.issuer) == (
        "milan-urban-food-policy-pact", "Milan Urban Food Policy Pact", "pact", "City of Milan")
    signatures = [o for o in output if isinstance(o, Signature)]
    assert signatures[0].key == "milan-urban-food-policy-pact/abidjan" and signatures[0].country == "CI"
    assert {s.scope for s in signatures} == {"signatures:milan-urban-food-policy-pact"}


def test_businesses_are_left_out_by_the_type_column():
    _, info, text = fixture("worldgbc_nzcb")
    names = [o.actor_name for o in SOURCES["worldgbc_nzcb"].parse(text, info["url"]) if isinstance(o, Signature)]
    assert "Example Property Group" not in names and len(names) == 14


def test_a_page_without_the_list_is_an_incomplete_scope_never_an_empty_list():
    _, info, text = fixture("eccar_members")
    without = text.split('<h2>Our member cities</h2>')[0] + "</main></body></html>"
    output = list(SOURCES["eccar_members"].parse(without, info["url"]))
    report = next(o for o in output if isinstance(o, ScopeReport))
    assert not report.complete and report.landmarks_missing == ["roster_list"] and report.stated == 12
    assert "generic roster reader refused" in report.reason
    assert not [o for o in output if isinstance(o, Membership)]


def test_a_list_that_disagrees_with_the_stated_count_is_refused():
    _, info, text = fixture("climate_mayors_members")
    output = list(SOURCES["climate_mayors_members"].parse(text.replace("lists 29 member", "lists 470 member"),
                                                          info["url"]))
    report = next(o for o in output if isinstance(o, ScopeReport))
    assert not report.complete and "disagree with the stated 470" in report.reason
    assert [o.count for o in output if isinstance(o, CountClaim)] == [470]  # the count is still evidence


def test_a_missing_count_sentence_is_a_missing_landmark():
    _, info, text = fixture("eccar_members")
    output = list(SOURCES["eccar_members"].parse(text.replace("12 member cities", "twelve cities"), info["url"]))
    report = next(o for o in output if isinstance(o, ScopeReport))
    assert report.complete and report.landmarks_missing == ["stated_count"]


@pytest.mark.parametrize("entry, message", [
    ({"slug": "Bad Slug", "network": "X", "url": "https://x.org/"}, "is not a lower-case identifier"),
    ({"slug": "both", "network": "X", "instrument": "y", "title": "Y", "url": "https://x.org/"}, "either network or"),
    ({"slug": "plain", "network": "X", "url": "http://x.org/"}, "url must be https"),
    ({"slug": "untitled", "instrument": "y", "url": "https://x.org/"}, "an instrument needs a title"),
    ({"slug": "nogroup", "network": "X", "url": "https://x.org/", "stated": r"\d+ cities"}, "group (?P<n>...)"),
    ({"slug": "badre", "network": "X", "url": "https://x.org/", "stated": r"(?P<n>\d+"}, "not a regular expression"),
])
def test_a_bad_entry_is_one_line(entry, message):
    with pytest.raises(RosterConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        RosterSource(**entry)


def test_a_bad_file_is_one_line(tmp_path):
    config = tmp_path / "rosters.toml"
    config.write_text('[[roster]]\nslug = "x"\nnetwork = "X"\nurl = "https://x.org/"\ncolour = "red"\n')
    with pytest.raises(RosterConfigError, match="unknown field colour"):
        load_sources(config)
    config.write_text("[[roster]\n")
    with pytest.raises(RosterConfigError, match="rosters.toml"):
        load_sources(config)
    config.write_text('[[roster]]\nslug = "x"\nnetwork = "X"\nurl = "https://x.org/"\n' * 2)
    with pytest.raises(RosterConfigError, match="two rosters are named 'x'"):
        load_sources(config)
    assert load_sources(tmp_path / "absent.toml") == []


def test_each_entry_is_a_spider_scrapy_and_the_catalogue_both_see():
    from crawler import spider_registry
    from spiders import rosters

    cls = rosters.EccarMembersSpider
    assert (cls.name, cls.start_urls, cls.allowed_domains, cls.schedule) == (
        "eccar_members", ["https://www.eccar.info/en/members"], ["www.eccar.info"], "10 5 * * 2")
    assert cls.parser is not None and hasattr(cls, "check_parse")  # the route's contract for `scrapy check`
    entry = spider_registry.spiders()["eccar_members"]
    assert (entry.module, entry.class_name, entry.schedule) == ("spiders.rosters", "EccarMembersSpider", "10 5 * * 2")


def test_a_replayed_crawl_stores_the_members_and_the_stated_count(tmp_path):
    archive = archive_of(tmp_path / "eccar.warc.gz", saved_pages("eccar_members", ["members.html"]))
    db = tmp_path / "store.db"
    run = crawl_in_process("eccar_members", db=db, replay=archive)
    assert run["status"] == "finished" and run["healthy"]
    members = query(db, "select count(*) n from memberships where network = 'ECCAR' and removed_at is null")
    assert members[0]["n"] == 12
    claims = query(db, "select count from count_claims where subject_key = 'network:ECCAR'")
    assert [c["count"] for c in claims] == [12]
