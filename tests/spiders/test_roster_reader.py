"""The generic roster reader: reads the list of places without site code, refuses what is not a roster.

The fixtures' measurement (bench/roster_reader.py) is asserted here too: every roster fixture read
as its site parser reads it (or refused where the parser found it incomplete), no wrong name, and
every page of the sample archive that is not a roster refused.
"""

import json

import pytest

from bench import roster_reader as measured
from spiders.parsers.roster_reader import read_roster

CITIES = ["Paris", "London", "Lisbon", "Madrid", "Rome", "Berlin", "Vienna", "Oslo", "Dakar", "Lima", "Quito",
          "Bogotá", "Nairobi", "Accra", "Seoul", "Tokyo", "Sydney", "Toronto", "Chicago", "Houston"]
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
    # Refusing is right only where the site parser itself could not vouch for the list.
    refused_complete = sorted(o.page for o in rosters if o.refused and o.complete)
    assert refused_complete == ["unfccc_gcap/actors-58.json", "untc_status/XXVII-7-d.html"]


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


class CountingPlaces:
    """The real gazetteer, counting lookups."""

    def __init__(self):
        from places.gazetteer import default

        self.real, self.lookups = default(), 0

    def lookup(self, name, country=None):
        self.lookups += 1
        return self.real.lookup(name, country)

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
