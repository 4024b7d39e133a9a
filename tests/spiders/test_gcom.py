"""gcom: the Global Covenant of Mayors' stated totals and the One Planet Charter."""

import pytest

from kit.errors import ParseError
from kit.items import CountClaim, Instrument, ScopeReport, Signature
from spiders.parsers import gcom as parser
from tests.helpers import load_fixture


def claims(filename):
    page = load_fixture("gcom", filename)
    return {c.unit: c for c in parser.parse_totals(page.html, page.url) if isinstance(c, CountClaim)}


def charter(html=None):
    page = load_fixture("gcom", "one-planet-charter.html")
    return list(parser.parse_charter(html or page.html, page.url))


def test_about_cities():
    claim = claims("about.html")["cities"]
    assert (claim.count, claim.qualifier, claim.subject_key) == (10500, "more than", "gcom")


def test_about_countries():
    assert claims("about.html")["countries"].count == 142


def test_about_people_in_millions():
    claim = claims("about.html")["people"]
    assert (claim.count, claim.qualifier) == (900_000_000, "more than")


def test_participate_2018_totals():
    found = claims("participate.html")
    assert (found["cities"].count, found["cities"].qualifier) == (9000, "over")
    assert found["countries"].count == 127 and found["people"].count == 770_000_000


def test_claim_keys_are_per_page_and_unit():
    assert claims("about.html")["cities"].key == "gcom/about|cities"
    assert claims("participate.html")["cities"].key == "gcom/participate|cities"


def test_claim_keeps_its_sentence():
    assert claims("about.html")["countries"].text.startswith("The alliance's signatories span 6 continents")


def test_no_totals_names_the_landmark():
    with pytest.raises(ParseError) as error:
        list(parser.parse_totals("<html><body><main><p>Welcome</p></main></body></html>", parser.ABOUT_URL))
    assert error.value.landmarks == ("stated_totals",)


def test_c40_in_a_name_is_not_a_count():
    text = "C40 Cities and partners. Over 800 cities have already registered commitments."
    assert [c.count for c in parser.stated_totals(text, parser.CHARTER_URL)] == [800]


def test_charter_instrument():
    instrument = next(i for i in charter() if isinstance(i, Instrument))
    assert (instrument.key, instrument.title, instrument.kind) == ("one-planet-charter", "One Planet Charter", "charter")
    assert "ICLEI" in instrument.issuer


def test_charter_stated_count_is_a_claim_on_the_charter():
    claim = next(c for c in charter() if isinstance(c, CountClaim))
    assert (claim.subject_key, claim.count, claim.qualifier) == ("one-planet-charter", 800, "over")


def test_charter_committed_cities_with_countries():
    signatures = [s for s in charter() if isinstance(s, Signature)]
    assert [(s.actor_name, s.country) for s in signatures][:5] == [
        ("Paris", "FR"), ("Milano", "IT"), ("Lisboa", "PT"), ("Heidelberg", "DE"), ("Quito", "EC")]


def test_charter_city_without_country():
    signatures = {s.actor_name: s for s in charter() if isinstance(s, Signature)}
    assert signatures["Los Angeles"].country is None and "Durban (eThekwini)" in signatures


def test_charter_report_is_complete_and_not_held_against_the_count():
    report = [r for r in charter() if isinstance(r, ScopeReport)][1]
    assert report.complete and report.listed == 7 and report.stated is None


def test_charter_without_a_list_is_incomplete_not_empty():
    page = load_fixture("gcom", "one-planet-charter.html")
    html = page.html.split("<h3>Committed cities</h3>")[0] + "</div></article></main></body></html>"
    items = charter(html)
    report = [r for r in items if isinstance(r, ScopeReport)][1]
    assert not report.complete and report.landmarks_missing == ["committed_cities"] and report.stated == 800
    assert not any(isinstance(i, Signature) for i in items)


def test_page_that_is_not_the_charter():
    with pytest.raises(ParseError) as error:
        charter("<html><body><h1>News</h1></body></html>")
    assert error.value.landmarks == ("charter_title",)


def test_a_totals_page_reports_its_own_scope_first():
    page = load_fixture("gcom", "about.html")
    first = next(iter(parser.parse_totals(page.html, page.url)))
    assert isinstance(first, ScopeReport) and first.complete and first.keys == []
    assert first.scope == "instruments:gcom-totals/about" and first.kind == "append-only"
