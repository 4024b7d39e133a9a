"""The generic roster reader: reads the list of places without site code, refuses what is not a roster.

The fixtures' measurement (bench/roster_reader.py) is asserted here too: every roster fixture read
as its site parser reads it (or refused where the parser found it incomplete), no wrong name, and
every page of the sample archive that is not a roster refused.
"""

import json

import pytest

from bench import roster_reader as measured
from kit.items import Signature
from spiders.parsers import untc_status
from spiders.parsers.roster_reader import read_roster
from tests.helpers import FIXTURES, fixture_meta

CITIES = ["Paris", "London", "Lisbon", "Madrid", "Rome", "Berlin", "Vienna", "Oslo", "Dakar", "Lima", "Quito",
          "Bogotá", "Nairobi", "Accra", "Seoul", "Tokyo", "Sydney", "Toronto", "Chicago", "Houston"]
# First-level divisions: "Scotland", "Ontario" and "Texas" are towns too, "Bavaria" no town at all.
REGIONS = [("California", "US"), ("Scotland", "GB"), ("Bavaria", "DE"), ("Ontario", "CA"), ("Catalonia", "ES"),
           ("Texas", "US"), ("Jalisco", "MX")]
COUNTRIES = ["France", "Kenya", "Brazil", "Japan", "Canada", "India"]
OTHERS = ["Amsterdam", "Barcelona", "Copenhagen", "Stockholm", "Warsaw", "Athens", "Milan", "Lyon", "Porto", "Prague",
          "Budapest", "Helsinki", "Dublin", "Brussels", "Munich", "Hamburg", "Zurich", "Geneva", "Seville", "Valencia"]


def page(*sections: str) -> str:
    return "<html><body><nav><ul>" + "".join(f"<li><a href='/c/{c}'>{c}</a></li>" for c in OTHERS) + \
        "</ul></nav><main>" + "".join(sections) + "</main></body></html>"


def items(names, tag="li"):
    return "".join(f"<{tag}>{n}</{tag}>" for n in names)


@pytest.fixture(scope="module")
def outcomes():
    return measured.measure()


def test_every_roster_fixture_is_read_as_its_parser_reads_it_with_no_wrong_name(outcomes):
    rosters = [o for o in outcomes if o.roster]
    assert len(rosters) >= 30
    wrong = [(o.page, sorted(o.missed), sorted(o.decoys)) for o in rosters if o.missed or o.decoys]
    assert wrong == []
    read = {o.page for o in rosters if not o.refused}
    assert {"uclg_declarations/rome-charter.html", "c40_members/homepage.html", "gcom/one-planet-charter.html",
            "c40_accelerators/ghs-2025-cards.html", "c40_accelerators/ghs-2025-json.html",
            "c40_accelerators/clean-air-cities.html", "covenant_signatories/signatories-page-0.html",
            "covenant_signatories/signatories-api-0.json", "covenant_open_data/df1_Signatories_2024.csv"} <= read
    assert {"unfccc_gcap/actors-58.json", "untc_status/XXVII-7-d.html"} <= read  # two regions; 197 participants
    # Refusing is right only where the site parser itself could not vouch for the list.
    refused_complete = sorted(o.page for o in rosters if o.refused and o.complete)
    assert refused_complete == []


def test_the_sample_archive_pages_that_are_not_rosters_are_refused(outcomes):
    others = [o for o in outcomes if not o.roster and o.sample]
    assert len(others) >= 30
    assert [(o.page, sorted(o.got)) for o in others if not o.refused] == []


def test_a_news_post_names_nobody_it_does_not_name(outcomes):
    news = [o for o in outcomes if not o.roster and not o.refused]
    assert news and all(o.got == o.named for o in news)


def test_a_list_under_a_roster_heading_is_read_with_its_container_and_confidence():
    reading = read_roster(page("<h2>Member cities</h2><ul class='members'>" + items(CITIES) + "</ul>"), "https://x.org/")
    assert reading.names == CITIES
    assert reading.chosen.where == "ul.members > li" and reading.chosen.heading == "Member cities"
    assert reading.confidence > 0.9 and "20 of 20 resolve to places" in reading.reason


def test_the_navigation_menu_is_never_the_list():
    reading = read_roster(page("<h2>Members</h2><ul>" + items(CITIES[:6]) + "</ul>"), "https://x.org/", stated=20)
    assert reading.refused  # 6 names disagree with 20; the 20 in the <nav> are never considered
    assert not any(c.where.startswith("nav") for c in reading.candidates)


@pytest.mark.parametrize("heading", ["Latest news", "Our partners", "Supported by", "City stories", "Map legend",
                                     "Our offices"])
def test_a_grid_of_places_under_a_decoy_heading_is_refused(heading):
    grid = f"<section><h2>{heading}</h2><div class='grid'>" + "".join(
        f"<article class='card'><h3>{c}</h3></article>" for c in CITIES[:8]) + "</div></section>"
    reading = read_roster(page(grid), "https://x.org/")
    assert reading.refused and "introduces something else" in reading.reason


def test_a_partner_logo_strip_is_not_a_list_of_places():
    strip = "<h2>Signatories</h2><div class='logos'>" + "".join(
        f"<figure><img alt='{n}'></figure>" for n in ["Bloomberg Philanthropies", "Realdania", "Clean Air Fund",
                                                     "Children's Investment Fund Foundation"]) + "</div>"
    reading = read_roster(page(strip), "https://x.org/")
    assert reading.refused and "known places" in reading.rejected[0].rejected


def test_a_news_teaser_grid_is_refused():
    teasers = "<div class='teasers'>" + "".join(
        f"<article class='teaser'><h3>Mayor of {c} announces a new heat plan for the summer</h3><time>2024-05-0{i % 9 + 1}</time></article>"
        for i, c in enumerate(CITIES)) + "</div>"
    assert read_roster(page(teasers), "https://x.org/").refused


def test_a_map_legend_of_regions_is_refused():
    legend = "<h3>Signatories by region</h3><ul class='legend'>" + items(
        ["Europe", "Asia-Pacific", "Latin America", "North America", "Sub-Saharan Africa", "Middle East"]) + "</ul>"
    assert read_roster(page(legend), "https://x.org/").refused


def test_two_different_lists_of_places_that_score_alike_are_refused():
    two = "<h2>Signatories</h2><ul class='a'>" + items(CITIES) + "</ul><h2>Signatory cities</h2><ul class='b'>" + \
        items(OTHERS) + "</ul>"
    reading = read_roster(page(two), "https://x.org/")
    assert reading.refused and "two different lists of places are close" in reading.reason


def test_the_stated_count_picks_between_two_lists_and_refuses_a_disagreeing_one():
    two = "<h2>Signatories</h2><ul class='a'>" + items(CITIES) + "</ul><h2>Also</h2><ul class='b'>" + \
        items(OTHERS[:8]) + "</ul>"
    assert read_roster(page(two), "https://x.org/", stated=8).names == OTHERS[:8]
    refused = read_roster(page(two), "https://x.org/", stated=50)
    assert refused.refused and "disagree with the stated 50" in refused.reason


def test_a_list_split_in_parts_under_one_heading_is_one_list():
    parts = "<h2>Member cities</h2>" + "".join(
        f"<ul class='track track-{i}'>" + items(CITIES[i * 5:(i + 1) * 5], "li class='city'") + "</ul>"
        for i in range(4))
    reading = read_roster(page(parts).replace("</li class='city'>", "</li>"), "https://x.org/", stated=20)
    assert sorted(reading.names) == sorted(CITIES) and "4 parts" in reading.chosen.where


def test_a_table_column_is_read_with_the_country_column_beside_it():
    rows = "".join(f"<tr><td>{c}</td><td>{country}</td><td>2019-01-0{i % 9 + 1}</td></tr>"
                   for i, (c, country) in enumerate([("Rome", "Italy"), ("Lyon", "France"), ("Porto", "Portugal"),
                                                     ("Springfield", "United States"), ("Turin", "Italy")]))
    table = f"<table><tr><th>Signatory</th><th>Country</th><th>Date</th></tr>{rows}</table>"
    reading = read_roster(page(table), "https://x.org/")
    assert [(e.name, e.country) for e in reading.entries] == [("Rome", "IT"), ("Lyon", "FR"), ("Porto", "PT"),
                                                              ("Springfield", "US"), ("Turin", "IT")]


def test_a_delimited_line_needs_a_roster_lead_in():
    line = "<p>Signatory cities: " + ", ".join(CITIES[:-1]) + " and " + CITIES[-1] + ".</p>"
    assert read_roster(page(line), "https://x.org/").names == CITIES
    prose = "<p>Mayors from " + ", ".join(CITIES[:-1]) + " and " + CITIES[-1] + "</p>"
    assert read_roster(page(prose), "https://x.org/").refused


def test_json_and_csv_answers():
    answer = json.dumps({"total": 5, "members": [{"id": i, "name": c, "country": {"name": "x"}, "type": "City"}
                                                 for i, c in enumerate(CITIES[:5])]})
    assert read_roster(answer, "https://x.org/api/members", content_type="application/json").names == CITIES[:5]
    assert read_roster(answer.replace("members", "data"), "https://x.org/api", content_type="application/json").refused
    kinds = json.dumps({"actors": [{"name": c, "actorType": "City"} for c in CITIES[:4]]
                        + [{"name": "Example Utilities plc", "actorType": "Company"}]})
    assert read_roster(kinds, "https://x.org/actors.json", stated=4).names == CITIES[:4]
    table = "id;member;population\n" + "\n".join(f"{i};{c};{1000 + i}" for i, c in enumerate(CITIES))
    assert read_roster(table, "https://x.org/members.csv").names == CITIES


def test_an_xml_document_and_an_empty_page_are_refused():
    assert read_roster("<?xml version='1.0'?><rss><channel></channel></rss>", "https://x.org/feed").refused
    assert read_roster("", "https://x.org/").refused
    assert read_roster("{not json", "https://x.org/a.json").refused


def actors(rows, key="actors"):
    return json.dumps({"stats": {"totalCount": len(rows)}, key: [
        {"id": i, "name": name, "actorType": kind, "country": {"iso3": "", "name": country}}
        for i, (name, kind, country) in enumerate(rows)]})


def test_an_array_of_regions_is_read_as_places():
    rows = [(name, "Region", country) for name, country in REGIONS]
    reading = read_roster(actors(rows), "https://x.org/api/actors", content_type="application/json")
    assert [(e.name, e.country) for e in reading.entries] == REGIONS
    assert "7 of 7 resolve to places" in reading.reason  # "Scotland" is towns too, "Bavaria" no town
    bare = json.dumps({"actors": [name for name, _ in REGIONS]})  # no country, no kind: divisions all the same
    assert read_roster(bare, "https://x.org/api/actors", content_type="application/json").names == [
        name for name, _ in REGIONS]


def test_two_regions_are_read_only_when_the_answer_states_two():
    two = actors([("California", "Region", "United States of America"), ("Scotland", "Region", "United Kingdom")])
    reading = read_roster(two, "https://x.org/api/actors", stated=2, content_type="application/json")
    assert [(e.name, e.country) for e in reading.entries] == [("California", "US"), ("Scotland", "GB")]
    for stated in (None, 3):
        refused = read_roster(two, "https://x.org/api/actors", stated=stated, content_type="application/json")
        assert refused.refused and "fewer than 3 names" in refused.reason


def test_rows_whose_kind_is_no_place_are_left_out_of_a_regions_array():
    rows = [(name, "Region", country) for name, country in REGIONS[:4]] + [("Quebec", "Company", "Canada")]
    assert read_roster(actors(rows), "https://x.org/a.json", stated=4).names == [n for n, _ in REGIONS[:4]]


@pytest.mark.parametrize("heading", ["Our offices", "Our partners", "Map legend", "Supported by", "Latest news"])
def test_a_grid_of_regions_and_countries_under_a_decoy_heading_is_refused(heading):
    names = [name for name, _ in REGIONS] + COUNTRIES
    grid = f"<section><h2>{heading}</h2><div class='grid'>" + "".join(
        f"<article class='card'><h3>{n}</h3></article>" for n in names) + "</div></section>"
    reading = read_roster(page(grid), "https://x.org/")
    assert reading.refused and "introduces something else" in reading.reason
    roster = read_roster(page(grid.replace(heading, "Member regions and states")), "https://x.org/")
    assert roster.names == names  # the same grid under a roster heading is the list


def test_an_array_of_regions_named_as_something_else_is_refused():
    rows = [(name, "Region", country) for name, country in REGIONS]
    for key in ("offices", "regions", "partners"):  # a search answer's facets, a contact list
        reading = read_roster(actors(rows, key), "https://x.org/api/search", content_type="application/json")
        assert reading.refused and "introduces something else" in reading.reason


PARTICIPANTS = ["Austria", "Belgium", "Chile", "Denmark", "Ecuador", "Fiji", "Ghana", "Hungary", "Iceland", "Jamaica",
                "Kenya", "Latvia", "Mexico", "Nepal", "Oman", "Peru", "Qatar", "Rwanda", "Senegal", "Tonga"]


def status_page(signatories, parties):
    """A treaty status page: 19 signatories and one state that acceded without signing (20 participants);
    footnote marks after some names."""
    rows = "".join(
        f"<tr><td>{name}{'<sup>1</sup>' if i % 7 == 3 else ''}</td><td>{'' if i == 19 else '22 Apr 2016'}</td>"
        f"<td>{'5 Oct 2016' if i < parties - 1 or i == 19 else ''}</td></tr>" for i, name in enumerate(PARTICIPANTS))
    return (f"<table><tr><td>Status :</td><td>Signatories : {signatories}. Parties : {parties}.</td></tr></table>"
            "<table class='grid'><tr><th>Participant</th><th>Signature</th><th>Ratification, Accession(a)</th></tr>"
            f"{rows}</table>")


def test_a_participants_table_is_checked_against_at_least_the_larger_stated_count():
    text = status_page(19, 12)
    reading = read_roster(text, "https://x.org/status", stated=19, qualifier="at least")
    assert reading.names == PARTICIPANTS  # the footnote marks are no part of the names ("Denmark", not "Denmark 1")
    assert "agreeing with the stated 19" in reading.reason


def test_a_participants_table_that_disagrees_with_the_stated_count_is_refused():
    text = status_page(19, 12)
    for stated, qualifier in ((12, None), (40, "at least"), (30, None)):  # the parties alone; more than it holds
        reading = read_roster(text, "https://x.org/status", stated=stated, qualifier=qualifier)
        assert reading.refused and f"20 names disagree with the stated {stated}" in reading.reason


def test_the_un_status_page_is_read_with_the_count_its_parser_states():
    meta = fixture_meta("untc_status")["XXVII-7-d.html"]
    text = (FIXTURES / "untc_status" / "XXVII-7-d.html").read_text(encoding="utf-8")
    items = list(untc_status.parse_status_html(text, meta["url"]))
    report, names = items[0], [s.actor_name for s in items if isinstance(s, Signature)]
    reading = read_roster(text, meta["url"], stated=report.stated, qualifier=report.stated_qualifier)
    assert len(names) == 197 and reading.names == names and "European Union" in reading.names
    parties = read_roster(text, meta["url"], stated=173)  # the parties count alone: 197 rows cannot be 173
    assert parties.refused and "disagree with the stated 173" in parties.reason


class CountingPlaces:
    """The real gazetteer, counting lookups (of towns and of divisions)."""

    def __init__(self):
        from places.gazetteer import default

        self.real, self.lookups = default(), 0

    def lookup(self, name, country=None):
        self.lookups += 1
        return self.real.lookup(name, country)

    def division_named(self, name, country=None):
        self.lookups += 1
        return self.real.division_named(name, country)

    def country_code(self, text):
        return self.real.country_code(text)


def test_a_huge_page_is_read_with_one_lookup_per_distinct_label():
    cities = CITIES * 1000  # 20,000 list items among 20,000 news teasers
    huge = measured.huge_page(cities, 1)
    assert len(huge) > 1_000_000
    places = CountingPlaces()
    reading = read_roster(huge, "https://x.org/members", places=places)
    assert reading.names == CITIES
    assert places.lookups < 200  # the labels' distinct spellings, not the page's 40,000 elements
