"""c40_members: the homepage's member cities, field by field, against its stated count."""

import pytest

from kit.errors import ParseError
from kit.items import ROSTER, CountClaim, Membership, ScopeReport
from spiders.c40_members import C40MembersSpider
from spiders.parsers import c40_members as parser
from tests.helpers import load_fixture


def parsed(filename):
    page = load_fixture("c40_members", filename)
    return list(parser.parse_homepage(page.html, page.url))


def of(items, cls):
    return [item for item in items if isinstance(item, cls)]


@pytest.fixture(scope="module", autouse=True)
def parsed_homepage():
    """The homepage, parsed when the module's tests start, not at import (paid by every xdist worker)."""
    global HOME, MEMBERS, BY_NAME
    HOME = parsed("homepage.html")
    MEMBERS = of(HOME, Membership)
    BY_NAME = {m.actor_name: m for m in MEMBERS}


def test_report_comes_first_and_is_complete():
    report = HOME[0]
    assert isinstance(report, ScopeReport)
    assert (report.scope, report.entity, report.kind, report.complete) == ("members:C40", "membership", ROSTER, True)


def test_report_keys_are_the_membership_keys():
    assert HOME[0].keys == [m.key for m in MEMBERS]


def test_report_carries_the_stated_count():
    assert HOME[0].stated == 97


def test_the_repeated_carousel_is_97_members_not_194():
    assert len(MEMBERS) == 97
    assert len({m.key for m in MEMBERS}) == 97


def test_first_and_last_in_page_order():
    assert (MEMBERS[0].actor_name, MEMBERS[-1].actor_name) == ("Bengaluru", "Chennai")


@pytest.mark.parametrize(("name", "key_end"), [
    ("Dhaka (North & South)", "dhaka"), ("Delhi NCT", "delhi-nct"), ("Durban (eThekwini)", "durban"),
    ("Tel Aviv – Yafo", "tel-aviv-yafo"), ("Washington, DC", "washington-dc"),
    ("Montréal", "montreal"), ("Medellín", "medellin"), ("Bogotá", "bogota"), ("São Paulo", "sao-paulo"),
])
def test_awkward_names_as_printed_with_their_key(name, key_end):
    assert BY_NAME[name].key == f"c40_members/{key_end}"


def test_membership_fields():
    london = BY_NAME["London"]
    assert london.source == "c40_members"
    assert london.network == "C40"
    assert london.url == "https://www.c40.org/"
    assert london.scope == "members:C40"
    assert london.category is None
    assert london.country is None  # the homepage names no country; the store's actor has it


def test_news_cards_and_navigation_are_not_members():
    assert not [m for m in MEMBERS if "Accelerator" in m.actor_name or m.actor_name in ("Our cities", "News")]


def test_count_claim():
    (claim,) = of(HOME, CountClaim)
    assert (claim.count, claim.unit, claim.qualifier) == (97, "member cities", None)
    assert claim.subject_key == "network:C40"
    assert claim.text == "C40 has 97 member cities"


# --- bad input --------------------------------------------------------------------------------------

def test_a_missing_track_leaves_the_list_incomplete_not_short():
    items = parsed("homepage-one-track-missing.html")
    assert of(items, Membership) == []
    assert not items[0].complete and items[0].landmarks_missing == ["member_list"]
    assert "shows 66 distinct place names" in items[0].reason and "97" in items[0].reason


def test_no_carousel_keeps_the_count():
    items = parsed("homepage-no-carousel.html")
    assert of(items, Membership) == []
    assert of(items, CountClaim)[0].count == 97
    assert "no repeated group of place names" in items[0].reason


def test_a_page_without_the_count_is_a_parse_error():
    with pytest.raises(ParseError) as error:
        list(parser.parse_homepage("<html><body><main><ul><li>London</li><li>Paris</li><li>Lima</li></ul></main>"
                                   "</body></html>", parser.HOME_URL))
    assert error.value.landmarks == ("stated_count",)


def test_not_html_is_a_parse_error():
    with pytest.raises(ParseError):
        list(parser.parse_homepage('{"members": []}', parser.HOME_URL))


def test_the_homepage_is_routed_to_its_parser():
    assert parser.ROUTES.match("https://www.c40.org/").parse is parser.parse_homepage
    assert parser.ROUTES.match("https://c40.org/").scope is parser.MEMBERS


def test_the_spider_names_its_parser_and_start_url():
    assert C40MembersSpider.parser is parser
    assert C40MembersSpider.start_urls == ["https://www.c40.org/"]
