"""uclg_declarations: UCLG's instruments and the Rome Charter's adhering cities, field by field."""

import pytest

from kit.errors import ParseError
from kit.items import CountClaim, Instrument, ScopeReport, Signature
from spiders.parsers import uclg_declarations as parser
from spiders.parsers.stand_in import READER, stand_in
from tests.helpers import load_fixture


def parsed(filename, **options):
    page = load_fixture("uclg_declarations", filename)
    return list(parser.parse_instrument(page.html, page.url, **options))


def instrument(filename, **options):
    (item,) = [i for i in parsed(filename, **options) if isinstance(i, Instrument)]
    return item


ROME = parsed("rome-charter.html")
ROME_SIGNATURES = [i for i in ROME if isinstance(i, Signature)]


@pytest.mark.parametrize("title,name", [
    ("Local and regional leaders close the World Summit with the Rabat Declaration", "Rabat Declaration"),
    ("The Bogotá Commitment and Action Agenda", "Bogotá Commitment"),
    ("The Durban Political Declaration", "Durban Political Declaration"),
    ("The Rome Charter 2020", "Rome Charter"),
    ("Pact for the Future of Humanity – the Daejeon Political Declaration", "Pact for the Future"),
    ("The Charter of Lampedusa for dignified human mobility", "Lampedusa Charter"),
    ("The Tangier Political Declaration of the 8th UCLG World Congress", "Tangier Political Declaration"),
    ("Jan Van Zanen elected President of UCLG", None),
    ("The Declaration", None),
])
def test_instrument_names(title, name):
    assert parser.instrument_name(title) == name


@pytest.mark.parametrize("filename,key,title,kind,issuer,adopted_on,place,event_key", [
    ("rabat.html", "rabat-declaration", "Rabat Declaration", "declaration", "UCLG World Congress", "2013-10-04",
     "Rabat", "uclg_events/4th-uclg-world-congress-rabat"),
    ("bogota.html", "bogota-commitment", "Bogotá Commitment", "commitment", "UCLG World Council", "2016-10-15",
     "Bogotá", "uclg_events/5th-uclg-world-congress-bogota"),
    ("durban.html", "durban-political-declaration", "Durban Political Declaration", "declaration",
     "UCLG World Congress", None, "Durban", None),
    ("rome-charter.html", "rome-charter", "Rome Charter", "charter", "UCLG", None, None, None),
    ("pact.html", "pact-for-the-future", "Pact for the Future", "pact", "UCLG World Council", "2022-10-14",
     "Daejeon", None),
    ("lampedusa.html", "lampedusa-charter", "Lampedusa Charter", "charter", "UCLG", None, "Daejeon", None),
])
def test_instrument_fields(filename, key, title, kind, issuer, adopted_on, place, event_key):
    item = instrument(filename)
    assert item.key == f"uclg_declarations/{key}"
    assert (item.title, item.kind, item.issuer, item.adopted_on, item.place, item.event_key) == (
        title, kind, issuer, adopted_on, place, event_key)
    assert item.scope == "instruments:uclg_declarations"
    assert item.url == load_fixture("uclg_declarations", filename).url


def test_instrument_text_is_the_adoption_sentence():
    text = instrument("pact.html").text
    assert text.startswith("The Pact for the Future of Humanity was adopted by the UCLG World Council")


def test_a_charter_presented_not_adopted_has_no_adoption_date():
    item = instrument("lampedusa.html")
    assert item.adopted_on is None
    assert item.text.startswith("The Charter of Lampedusa for dignified human mobility and territorial solidarity "
                                "was presented on 11 October 2022")


def test_the_post_date_is_not_the_adoption_date():
    assert instrument("durban.html").adopted_on is None  # the post says 26.11.2019; the adoption day is unsaid


def test_a_summit_range_and_an_earlier_presentation_are_not_an_adoption_day():
    item = instrument("rome-charter.html")
    assert item.adopted_on is None and item.issuer == "UCLG"


def test_the_news_of_a_new_declaration_is_an_instrument():
    item = instrument("tangier-declaration.html", require_adoption=True)
    assert (item.key, item.issuer, item.place, item.adopted_on) == (
        "uclg_declarations/tangier-political-declaration", "UCLG World Congress", "Tangier", None)


def test_a_post_about_an_instrument_to_be_adopted_yields_nothing():
    assert parsed("pact-consultations.html", require_adoption=True) == []


def test_a_page_naming_no_instrument_is_rejected():
    with pytest.raises(ParseError) as error:
        list(parser.parse_instrument("<html><body><main><h1>Jan Van Zanen elected President</h1><p>...</p></main>"
                                     "</body></html>", "https://uclg.org/new/x/"))
    assert error.value.landmarks == ("instrument_name",)


# --- the Rome Charter's adhering cities -------------------------------------------------------------

def test_rome_charter_order_report_instrument_claim_signatures():
    assert isinstance(ROME[0], ScopeReport) and isinstance(ROME[1], Instrument) and isinstance(ROME[2], CountClaim)
    assert all(isinstance(i, Signature) for i in ROME[3:])


def test_rome_charter_roster_report():
    report = ROME[0]
    assert report.scope == "signatures:uclg_declarations/rome-charter"
    assert report.complete and report.entity == "signature"
    assert report.keys == [s.key for s in ROME_SIGNATURES]
    assert (report.stated, report.stated_qualifier) == (45, "more than")


def test_rome_charter_stated_count():
    claim = ROME[2]
    assert (claim.count, claim.qualifier, claim.unit, claim.subject_key) == (
        45, "more than", "cities", "uclg_declarations/rome-charter")


def test_rome_charter_lists_47_cities():
    assert len(ROME_SIGNATURES) == 47
    assert [s.actor_name for s in ROME_SIGNATURES[:3]] == ["Rome", "Mexico City", "Barcelona"]


@pytest.mark.parametrize("name,key,country", [
    ("Rome", "rome", "IT"), ("Bogotá", "bogota", "CO"), ("Washington, D.C.", "washington-dc", "US"),
    ("Durban (eThekwini)", "durban", "ZA"), ("Xi'an", "xian", "CN"), ("Malmö", "malmo", "SE"),
    ("Abidjan", "abidjan", "CI"), ("Nablus", "nablus", "PS"), ("Konya", "konya", "TR"),
])
def test_rome_charter_signature_fields(name, key, country):
    (signature,) = [s for s in ROME_SIGNATURES if s.actor_name == name]
    assert signature.key == f"uclg_declarations/rome-charter/{key}"
    assert signature.country == country
    assert signature.instrument_key == "uclg_declarations/rome-charter"
    assert signature.signed_on is None  # the page gives no day of adhesion
    assert signature.role == "adherent"


def test_pages_without_an_adherents_list_have_no_signatures():
    for filename in ("rabat.html", "bogota.html", "durban.html", "pact.html", "lampedusa.html"):
        assert not [i for i in parsed(filename) if isinstance(i, (Signature, ScopeReport))], filename


def as_tiles(html: str) -> str:
    """The list of adhering cities as tiles under its heading (a redesign), the prose below it kept."""
    start = html.index('<ul class="adhering-cities">')
    end = html.index("</ul>", start) + len("</ul>")
    names = html[start:end].replace('<ul class="adhering-cities">', "").replace("</ul>", "")
    tiles = names.replace("<li>", '<div class="tile"><span>').replace("</li>", "</span></div>")
    return html[:start] + f'<div class="grid">{tiles}</div>' + html[end:]


def test_a_heading_without_its_list_reports_the_list_unread_not_the_prose_below():
    page = load_fixture("uclg_declarations", "rome-charter.html")
    items = list(parser.parse_instrument(as_tiles(page.html), page.url))
    (report,) = [i for i in items if isinstance(i, ScopeReport)]
    assert (report.complete, report.landmarks_missing, report.keys) == (False, ["adopters_list"], [])
    assert (report.stated, report.stated_qualifier) == (45, "more than")
    assert not [i for i in items if isinstance(i, Signature)]  # before: one "city", a sentence of prose


def test_the_generic_reader_stands_in_with_the_parsers_keys():
    page = load_fixture("uclg_declarations", "rome-charter.html")
    html = as_tiles(page.html)
    route = parser.ROUTES.match(page.url)
    read = stand_in(route, parser, list(parser.parse_instrument(html, page.url)), html, page.url,
                    source=parser.SOURCE, known=[("signatures:uclg_declarations/rome-charter", "signature")])
    (report,) = [i for i in read if isinstance(i, ScopeReport)]
    assert report.complete and report.stand_in == READER and report.stated == 45
    assert [s for s in read if isinstance(s, Signature)] == ROME_SIGNATURES
    assert [type(i) for i in read[:3]] == [ScopeReport, Instrument, CountClaim]


def test_the_reader_does_not_stand_in_for_a_list_the_page_never_held():
    page = load_fixture("uclg_declarations", "rome-charter.html")
    html = as_tiles(page.html)
    output = list(parser.parse_instrument(html, page.url))
    read = stand_in(parser.ROUTES.match(page.url), parser, output, html, page.url, source=parser.SOURCE, known=[])
    assert read == output


# --- discovery in the news listing ------------------------------------------------------------------

def test_candidate_posts_are_those_naming_an_instrument():
    page = load_fixture("uclg_news", "new-listing.html")
    assert parser.candidate_posts(page.html, page.url) == []  # none of its titles names an instrument
    html = page.html.replace("Jan Van Zanen elected President of UCLG", "The Tangier Political Declaration")
    assert parser.candidate_posts(html, page.url) == ["https://uclg.org/new/jan-van-zanen-elected-president-of-uclg/"]


def test_known_instrument_pages():
    assert len(parser.INSTRUMENT_PAGES) == 6


def test_glocal_parse_shows_an_instrument_page():
    import json

    from click.testing import CliRunner

    from cli.main import cli
    from tests.helpers import FIXTURES

    page = load_fixture("uclg_declarations", "pact.html")
    result = CliRunner().invoke(cli, ["parse", "uclg_declarations", str(FIXTURES / "uclg_declarations" / "pact.html"),
                                      "--url", page.url])
    assert result.exit_code == 0, result.output
    (record,) = [json.loads(line) for line in result.output.splitlines()]
    assert (record["type"], record["key"], record["adopted_on"]) == (
        "instrument", "uclg_declarations/pact-for-the-future", "2022-10-14")


def test_event_keys_point_at_events_that_uclg_events_reads():
    from spiders.parsers import uclg_events

    listing = load_fixture("uclg_events", "events-listing.html")
    report, *_links = uclg_events.parse_old_listing(listing.html, listing.url)
    for filename in ("rabat.html", "bogota.html"):
        assert instrument(filename).event_key in report.keys
