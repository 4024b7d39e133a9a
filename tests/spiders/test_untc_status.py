"""untc_status: the parser on the seven real UNTC status files, field by field; the HTML fallback;
bad input (not XML, wrong treaty, entity bombs, odd encodings); the spider's fallback and failures."""

import time

import pytest
from scrapy.http import HtmlResponse, Request, XmlResponse

from kit.errors import ParseError
from kit.items import CountClaim, Instrument, ScopeReport, Signature
from spiders.parsers import untc_status as parser
from spiders.untc_status import UntcStatusSpider
from tests.helpers import FIXTURES, fixture_meta, shared_file

FOLDER = FIXTURES / "untc_status"
META = fixture_meta("untc_status")
REAL = ["XXVII-7-d", "XXVII-7", "XXVII-7-a", "XXVII-3", "I-5-a", "X-2-b", "III-2-12b"]


def raw(filename):
    return (FOLDER / filename).read_bytes()


def parsed(number, filename=None):
    filename = filename or f"{number}.en.xml"
    return list(parser.parse_status_xml(raw(filename), META[filename]["url"]))


def of(items, cls):
    return [item for item in items if isinstance(item, cls)]


def by_name(items):
    return {s.actor_name: s for s in of(items, Signature)}


@pytest.fixture(scope="module", autouse=True)
def parsed_files():
    """The seven real status files, parsed when the module's tests start, not at import (paid by every xdist worker)."""
    global FILES, PARIS, PARIS_ROWS, KYOTO_ROWS
    FILES = {number: parsed(number) for number in REAL}
    PARIS = FILES["XXVII-7-d"]
    PARIS_ROWS = by_name(PARIS)
    KYOTO_ROWS = by_name(FILES["XXVII-7-a"])


# --- the fixtures are the real files ----------------------------------------------------------------

@pytest.mark.parametrize("number", REAL)
def test_fixture_is_the_real_sample_byte_for_byte(number):
    sample = shared_file("samples", "untc", f"untc_mtdsg_{number}.en.xml")
    assert raw(f"{number}.en.xml") == sample.read_bytes()


@pytest.mark.parametrize("number", REAL)
def test_real_files_are_not_well_formed_xml(number):
    # The reason this parser repairs before parsing: a strict parser rejects every one of them.
    import xml.etree.ElementTree as ElementTree

    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(raw(f"{number}.en.xml"))


# --- URLs and numbers -------------------------------------------------------------------------------

def test_xml_url():
    assert parser.xml_url("XXVII-7-d") == (
        "https://treaties.un.org/doc/Publication/MTDSG/Volume%20II/Chapter%20XXVII/XXVII-7-d.en.xml")


def test_html_url_carries_the_arabic_chapter():
    assert parser.html_url("XXVII-7-d") == (
        "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XXVII-7-d&chapter=27&clang=_en")
    assert "chapter=4&" in parser.html_url("IV-8")
    assert "chapter=10&" in parser.html_url("X-2-b")


@pytest.mark.parametrize("url,number", [
    ("https://treaties.un.org/doc/Publication/MTDSG/Volume%20II/Chapter%20XXVII/XXVII-7-d.en.xml", "XXVII-7-d"),
    ("https://treaties.un.org/doc/Publication/MTDSG/Volume%20II/Chapter%20XXVII/xxvii-7-d.en.xml", "XXVII-7-d"),
    ("https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=IV-8&chapter=4&clang=_en", "IV-8"),
])
def test_treaty_number_of_a_url(url, number):
    assert parser.treaty_number(url) == number


def test_a_malformed_treaty_number_is_refused():
    with pytest.raises(ValueError, match="not a UNTC treaty number"):
        parser.xml_url("Paris-Agreement")


# --- the scope report: complete, and checked against the file's own counts ---------------------------

@pytest.mark.parametrize("number,rows", [("XXVII-7-d", 197), ("XXVII-7", 197), ("XXVII-7-a", 194),
                                         ("XXVII-3", 188), ("I-5-a", 107), ("X-2-b", 77), ("III-2-12b", 18)])
def test_every_row_is_read(number, rows):
    report = FILES[number][0]
    assert isinstance(report, ScopeReport)
    assert report.complete, report.reason
    assert report.listed == rows
    assert len(of(FILES[number], Signature)) == rows


@pytest.mark.parametrize("number,signatories,parties", [
    ("XXVII-7-d", 195, 173), ("XXVII-7", 165, 197), ("XXVII-7-a", 83, 192), ("XXVII-3", 53, 186),
    ("I-5-a", None, 107), ("X-2-b", 24, 77),
])
def test_rows_add_up_to_the_stated_counts(number, signatories, parties):
    items = FILES[number]
    claims = {c.unit: c.count for c in of(items, CountClaim)}
    assert claims.get("signatories") == signatories
    assert claims["parties"] == parties
    cells = [s.as_printed.split(" | ") for s in of(items, Signature)]
    if signatories is not None:
        column = 1 if number == "X-2-b" else 0  # X-2-b: Participation | Signature | Ratification
        assert len([c for c in cells if any(not d.withdrawn for d in parser.dates_in(c[column]))]) == signatories
    assert len([s for s in of(items, Signature) if s.status == "party"]) == parties


def test_file_without_counts_states_none():
    assert of(FILES["III-2-12b"], CountClaim) == []
    assert FILES["III-2-12b"][0].stated is None


@pytest.mark.parametrize("number,stated", [
    ("XXVII-7-d", 195), ("XXVII-7", 197), ("XXVII-7-a", 192), ("I-5-a", 107), ("X-2-b", 77),
])
def test_report_states_at_least_the_larger_count_for_the_participants(number, stated):
    # The participants table holds each signatory and each party: at least the larger count, which
    # its rows reach (Paris 2018: 197 participants, 195 signatories, 173 parties).
    report = FILES[number][0]
    assert (report.stated, report.stated_qualifier) == (stated, "at least")
    assert stated <= report.listed


def test_report_is_of_the_participants_list():
    assert PARIS[0].scope == "signatures:untc_status/XXVII-7-d"
    assert PARIS[0].entity == "signature"


def test_report_keys_are_the_signature_keys():
    assert PARIS[0].keys == [s.key for s in of(PARIS, Signature)]


def test_rows_that_disagree_with_the_header_make_the_list_incomplete():
    edited = raw("XXVII-7-d.en.xml").replace(b"<Parties>173</Parties>", b"<Parties>174</Parties>")
    report = list(parser.parse_status_xml(edited, META["XXVII-7-d.en.xml"]["url"]))[0]
    assert not report.complete
    assert "174 parties stated but 173 rows carry a ratification-type date" in report.reason


def test_a_lost_row_is_caught_by_the_counts():
    body = raw("XXVII-7-d.en.xml")
    start = body.index(b"<Row>\r\n                <Entry>Albania") if b"\r\n" in body else body.index(
        b"<Row>\n                <Entry>Albania")
    end = body.index(b"</Row>", start) + len(b"</Row>")
    report = list(parser.parse_status_xml(body[:start] + body[end:], META["XXVII-7-d.en.xml"]["url"]))[0]
    assert not report.complete
    assert "195 signatories stated but 194" in report.reason


# --- the Instrument ---------------------------------------------------------------------------------

@pytest.mark.parametrize("number,title", [
    ("XXVII-7-d", "Paris Agreement"),
    ("XXVII-7", "United Nations Framework Convention on Climate Change"),
    ("XXVII-7-a", "Kyoto Protocol to the United Nations Framework Convention on Climate Change"),
    ("XXVII-3", "Basel Convention on the Control of Transboundary Movements of Hazardous Wastes and their Disposal"),
])
def test_instrument_title(number, title):
    (instrument,) = of(FILES[number], Instrument)
    assert instrument.title == title


@pytest.mark.parametrize("number,place,adopted_on", [
    ("XXVII-7-d", "Paris", "2015-12-12"), ("XXVII-7", "New York", "1992-05-09"), ("XXVII-7-a", "Kyoto", "1997-12-11"),
    ("XXVII-3", "Basel", "1989-03-22"), ("I-5-a", "New York", "1963-12-17"), ("X-2-b", "Lusaka", "1982-05-07"),
    ("III-2-12b", "London", "2001-11-22"),
])
def test_instrument_place_and_date_of_conclusion(number, place, adopted_on):
    (instrument,) = of(FILES[number], Instrument)
    assert (instrument.place, instrument.adopted_on) == (place, adopted_on)


@pytest.mark.parametrize("number", REAL)
def test_instrument_key_kind_url(number):
    (instrument,) = of(FILES[number], Instrument)
    assert instrument.key == f"untc_status/{number}"
    assert instrument.kind == "treaty"
    assert instrument.url == parser.xml_url(number)
    assert instrument.issuer.startswith("United Nations")


def test_footnote_in_the_conclusion_is_not_part_of_the_place_or_title():
    (instrument,) = of(FILES["I-5-a"], Instrument)
    assert "superscript" not in instrument.title and "<" not in instrument.title


def test_instrument_text_is_the_entry_into_force():
    (instrument,) = of(PARIS, Instrument)
    assert instrument.text.startswith("Entry into force: 4 November 2016, in accordance with article 21(1).")


def test_count_claims_name_their_series_and_sentence():
    claims = {c.unit: c for c in of(PARIS, CountClaim)}
    assert claims["signatories"].key == "untc_status/XXVII-7-d@signatories"
    assert claims["parties"].key == "untc_status/XXVII-7-d@parties"
    assert claims["parties"].subject_key == "untc_status/XXVII-7-d"
    assert claims["parties"].text == "Status: Signatories: 195. Parties: 173."


# --- Signature fields -------------------------------------------------------------------------------

def test_plain_date_is_a_ratification():
    afghanistan = PARIS_ROWS["Afghanistan"]
    assert afghanistan.signed_on == "2016-04-22"
    assert (afghanistan.action, afghanistan.action_on) == ("ratification", "2017-02-15")
    assert afghanistan.status == "party"


@pytest.mark.parametrize("name,action,on", [
    ("United States of America", "acceptance", "2016-09-03"),  # 3 Sep 2016 A
    ("Denmark", "approval", "2016-11-01"),  # 1 Nov 2016 AA
    ("Nicaragua", "accession", "2017-10-23"),  # 23 Oct 2017 a
])
def test_suffix_gives_the_act(name, action, on):
    assert (PARIS_ROWS[name].action, PARIS_ROWS[name].action_on) == (action, on)


def test_succession_suffix_d():
    assert by_name(FILES["XXVII-3"])["Montenegro"].action == "succession"
    assert by_name(FILES["XXVII-3"])["Montenegro"].action_on == "2006-10-23"


def test_signatory_that_never_ratified():
    russia = PARIS_ROWS["Russian Federation"]
    assert russia.signed_on == "2016-04-22"
    assert (russia.action, russia.action_on, russia.status) == (None, None, "signatory")


def test_party_without_a_signature():
    nicaragua = PARIS_ROWS["Nicaragua"]
    assert nicaragua.signed_on is None
    assert nicaragua.status == "party"


def test_empty_cells_are_empty_in_as_printed():
    assert PARIS_ROWS["Angola"].as_printed == "22 Apr 2016 | "
    assert PARIS_ROWS["Nicaragua"].as_printed == " | 23 Oct 2017 a"


def test_bracketed_dates_are_kept_and_marked_withdrawn():
    canada = KYOTO_ROWS["Canada"]
    assert canada.status == "withdrawn"
    assert canada.signed_on == "1998-04-29"  # kept, as printed
    assert (canada.action, canada.action_on) == ("ratification", "2002-12-17")
    assert canada.as_printed == "[29 Apr 1998 ] | [17 Dec 2002 ]"


def test_withdrawal_dates_come_from_the_end_note_table_the_row_points_to():
    canada = KYOTO_ROWS["Canada"]
    assert (canada.withdrawal_notified_on, canada.withdrawal_effective_on) == ("2011-12-15", "2012-12-15")


@pytest.mark.parametrize("number", REAL)
def test_only_withdrawn_rows_carry_withdrawal_dates(number):
    carrying = [s.actor_name for s in of(FILES[number], Signature) if s.withdrawal_notified_on]
    assert carrying == (["Canada"] if number == "XXVII-7-a" else [])


def test_footnote_markers_are_stripped_from_names():
    assert "Denmark" in PARIS_ROWS and "Netherlands" in PARIS_ROWS and "New Zealand" in PARIS_ROWS
    assert not [n for n in PARIS_ROWS if "<" in n or "superscript" in n or n[-1].isdigit()]


def test_several_footnotes_on_one_name():
    assert "Germany" in by_name(FILES["X-2-b"])  # Germany<superscript>2,3,4</superscript>
    assert "United Kingdom of Great Britain and Northern Ireland" in by_name(FILES["XXVII-3"])


def test_latin1_name_is_decoded():
    assert PARIS_ROWS["Côte d'Ivoire"].country == "CI"


@pytest.mark.parametrize("name,code", [
    ("Afghanistan", "AF"), ("United States of America", "US"), ("Côte d'Ivoire", "CI"),
    ("Bolivia (Plurinational State of)", "BO"), ("Iran (Islamic Republic of)", "IR"),
    ("Democratic Republic of the Congo", "CD"), ("Congo", "CG"), ("Republic of Korea", "KR"),
    ("Democratic People's Republic of Korea", "KP"), ("St. Lucia", "LC"), ("State of Palestine", "PS"),
    ("Turkey", "TR"), ("Swaziland", "SZ"), ("The former Yugoslav Republic of Macedonia", "MK"),
    ("United Kingdom of Great Britain and Northern Ireland", "GB"), ("Niger", "NE"), ("Nigeria", "NG"),
    ("Dominica", "DM"), ("Holy See", "VA"), ("Cook Islands", "CK"), ("Niue", "NU"),
])
def test_states_carry_their_iso_code(name, code):
    rows = {**by_name(FILES["XXVII-7"]), **PARIS_ROWS}
    if name not in rows:
        assert parser.country_code(name) == code
        return
    assert rows[name].country == code
    assert rows[name].actor_kind == "state"


def test_every_state_of_the_real_files_has_a_code():
    for number in REAL:
        missing = [s.actor_name for s in of(FILES[number], Signature) if s.country is None]
        assert missing in ([], ["European Union"]), (number, missing)


def test_the_european_union_is_an_organization_without_a_country():
    eu = PARIS_ROWS["European Union"]
    assert (eu.actor_kind, eu.country, eu.status) == ("organization", None, "party")


def test_signature_key_comes_from_the_printed_name_with_its_parentheses():
    assert PARIS_ROWS["Bolivia (Plurinational State of)"].key == (
        "untc_status/XXVII-7-d/bolivia-plurinational-state-of")
    assert PARIS_ROWS["Congo"].key != PARIS_ROWS["Democratic Republic of the Congo"].key


@pytest.mark.parametrize("number", REAL)
def test_signature_keys_are_unique_and_point_at_the_instrument(number):
    signatures = of(FILES[number], Signature)
    assert len({s.key for s in signatures}) == len(signatures)
    assert {s.instrument_key for s in signatures} == {f"untc_status/{number}"}
    assert {s.url for s in signatures} == {parser.xml_url(number)}


# --- the other layouts ------------------------------------------------------------------------------

def test_two_column_table_with_footnotes_in_its_header():
    yemen = by_name(FILES["I-5-a"])["Yemen"]
    assert (yemen.signed_on, yemen.action, yemen.action_on) == (None, "ratification", "1965-07-07")


def test_application_table():
    netherlands = by_name(FILES["III-2-12b"])["Netherlands"]
    assert (netherlands.action, netherlands.action_on, netherlands.status) == ("application", "2003-04-04", "party")


def test_four_column_table_reads_the_signature_column_and_the_latest_act():
    rows = by_name(FILES["X-2-b"])
    assert (rows["Angola"].signed_on, rows["Angola"].action, rows["Angola"].action_on) == (
        None, "participation", "1982-05-07")
    argentina = rows["Argentina"]
    assert argentina.signed_on == "1985-06-06"
    assert (argentina.action, argentina.action_on) == ("acceptance", "1985-06-06")


def test_header_meanings_of_the_basel_file():
    column = parser.column_of("Approval(AA), Formal confirmation(c), Acceptance(A), Accession(a), Succession(d), "
                              "Ratification", 2)
    assert column.meanings == {"AA": "approval", "c": "formal_confirmation", "A": "acceptance", "a": "accession",
                               "d": "succession", "": "ratification"}


# --- dates as newer files print them ---------------------------------------------------------------

@pytest.mark.parametrize("cell,expected", [
    ("22 Apr 2016", [("2016-04-22", "", False)]),
    ("22 Apr\t 2016 ", [("2016-04-22", "", False)]),
    ("[20 Jan\t 2021 A]", [("2021-01-20", "A", True)]),
    ("[29 Apr 1998 ]", [("1998-04-29", "", True)]),
    ("1 Nov 2016 AA", [("2016-11-01", "AA", False)]),
    ("[3 Sep 2016 A] 20 Jan 2021 A", [("2016-09-03", "A", True), ("2021-01-20", "A", False)]),
    ("31 Feb 2016", []),
    ("pending", []),
])
def test_dates_in_a_cell(cell, expected):
    assert [(d.on, d.code, d.withdrawn) for d in parser.dates_in(cell)] == expected


def test_tabs_inside_dates_parse_like_the_old_files():
    tabbed = raw("XXVII-7-d.en.xml").replace(b"22 Apr 2016", b"22 Apr\t 2016 ")
    rows = by_name(list(parser.parse_status_xml(tabbed, META["XXVII-7-d.en.xml"]["url"])))
    assert rows["Afghanistan"].signed_on == "2016-04-22"
    assert rows["Afghanistan"].as_printed == "22 Apr 2016 | 15 Feb 2017"


def test_rejoined_then_withdrawn_again():
    # The United States: accepted 2016, withdrew (2020), accepted again 2021, withdrew again (2025-26).
    cell = b"<Entry>3 Sep 2016 A</Entry>"
    again = raw("XXVII-7-d.en.xml").replace(cell, b"<Entry>[3 Sep 2016 A] [20 Jan\t 2021 A]</Entry>").replace(
        b"<Parties>173</Parties>", b"<Parties>172</Parties>")
    items = list(parser.parse_status_xml(again, META["XXVII-7-d.en.xml"]["url"]))
    us = by_name(items)["United States of America"]
    assert items[0].complete
    assert (us.status, us.action, us.action_on) == ("withdrawn", "acceptance", "2021-01-20")


# --- bad input --------------------------------------------------------------------------------------

URL = META["XXVII-7-d.en.xml"]["url"]


def test_an_html_page_instead_of_xml_is_a_parse_error():
    with pytest.raises(ParseError, match="not an MTDSG status file|not XML"):
        list(parser.parse_status_xml(b"<html><body><h1>Request Rejected</h1></body></html>", URL))


def test_garbage_is_a_parse_error():
    with pytest.raises(ParseError):
        list(parser.parse_status_xml(b"\x00\x01 not xml at all", URL))


def test_the_status_of_another_treaty_is_refused():
    with pytest.raises(ParseError, match="holds the status of XXVII-7-a, not XXVII-7-d"):
        list(parser.parse_status_xml(raw("XXVII-7-a.en.xml"), URL))


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document><Treaty><Header><ExternalData><Subtitlesect>&lol9;</Subtitlesect></ExternalData></Header></Treaty></Document>
"""


def test_an_entity_bomb_is_refused_at_once():
    started = time.thread_time()  # CPU time: the refusal's cost, not the machine's load
    with pytest.raises(ParseError, match="declares XML entities"):
        list(parser.parse_status_xml(BOMB, URL))
    assert time.thread_time() - started < 1


def test_entities_are_never_expanded_even_past_the_refusal():
    # The tree builder itself never expands: an undeclared reference stays text, a declared one is not resolved.
    root = parser.safe_tree("<Document><Treaty><X>&lol9;</X></Treaty></Document>", URL)
    assert root.findtext("Treaty/X") == "&lol9;"


def test_external_entities_are_not_fetched():
    xxe = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document>&x;</Document>'
    with pytest.raises(ParseError, match="declares XML entities"):
        list(parser.parse_status_xml(xxe, URL))


def test_utf8_bytes_under_a_latin1_prolog_are_read_as_utf8():
    text, note = parser.decode('<?xml version="1.0" encoding="iso-8859-1"?><a>Côte</a>'.encode())
    assert "Côte" in text
    assert "UTF-8" in note


def test_latin1_bytes_under_a_utf8_prolog_are_read_as_latin1_and_said_so():
    text, note = parser.decode('<?xml version="1.0" encoding="utf-8"?><a>Côte</a>'.encode("latin-1"))
    assert "Côte" in text
    assert "read as Latin-1" in note


def test_an_unknown_declared_encoding_is_a_parse_error():
    with pytest.raises(ParseError, match="unknown encoding 'x-klingon'"):
        parser.decode(b'<?xml version="1.0" encoding="x-klingon"?><a/>')


def test_a_decoding_note_reaches_the_scope_report():
    body = raw("XXVII-7-d.en.xml").replace(b'encoding="iso-8859-1"', b'encoding="utf-8"')
    report = list(parser.parse_status_xml(body, URL))[0]
    assert report.complete
    assert "read as Latin-1" in report.reason


# --- the HTML status page --------------------------------------------------------------------------

HTML = (FOLDER / "XXVII-7-d.html").read_text(encoding="utf-8")
HTML_URL = META["XXVII-7-d.html"]["url"]


@pytest.fixture(scope="module", autouse=True)
def parsed_html():
    """The HTML status page, parsed when the module's tests start, not at import (paid by every xdist worker)."""
    global HTML_ITEMS
    HTML_ITEMS = list(parser.parse_status_html(HTML, HTML_URL))


def test_html_page_gives_the_same_rows_as_the_xml_file():
    fields = ("key", "actor_name", "country", "signed_on", "action", "action_on", "status", "as_printed")

    def rows(items):
        return [tuple(getattr(s, f) for f in fields) for s in of(items, Signature)]

    assert rows(HTML_ITEMS) == rows(PARIS)


def test_html_page_report_and_counts():
    assert HTML_ITEMS[0].complete and HTML_ITEMS[0].listed == 197
    assert (HTML_ITEMS[0].stated, HTML_ITEMS[0].stated_qualifier) == (195, "at least")
    assert {c.unit: c.count for c in of(HTML_ITEMS, CountClaim)} == {"signatories": 195, "parties": 173}


def test_html_page_instrument():
    (instrument,) = of(HTML_ITEMS, Instrument)
    (from_xml,) = of(PARIS, Instrument)
    assert instrument.key == from_xml.key
    assert (instrument.title, instrument.place, instrument.adopted_on) == ("Paris Agreement", "Paris", "2015-12-12")
    assert instrument.text == from_xml.text


def test_html_sup_footnotes_are_stripped():
    assert "Denmark" in by_name(HTML_ITEMS)


def test_html_page_without_the_grid_names_the_landmark():
    with pytest.raises(ParseError) as error:
        list(parser.parse_status_html("<html><body><p>STATUS AS AT : 01-01-2025</p></body></html>", HTML_URL))
    assert error.value.landmarks == ("participants_table",)


def test_a_challenge_page_is_not_a_status_page():
    with pytest.raises(ParseError, match="not a UNTC status page"):
        list(parser.parse_status_html("<html><body>Please enable JavaScript</body></html>", HTML_URL))


def test_the_routes_pick_the_parse_function_by_url():
    assert parser.ROUTES.match(HTML_URL).parse is parser.parse_status_html
    assert parser.ROUTES.match(URL).parse is parser.parse_status_xml


# --- the spider only crawls -------------------------------------------------------------------------

def xml_response(filename, body=None):
    url = META[filename]["url"]
    return XmlResponse(url=url, body=raw(filename) if body is None else body,
                       request=Request(url, meta={"untc_number": parser.treaty_number(url)}))


def test_spider_yields_the_parsed_items_of_an_xml_file():
    output = list(UntcStatusSpider().parse_xml(xml_response("XXVII-7-d.en.xml")))
    assert isinstance(output[0], ScopeReport) and output[0].complete
    assert len(of(output, Signature)) == 197


def test_spider_falls_back_to_the_html_page_when_the_xml_is_unreadable():
    output = list(UntcStatusSpider().parse_xml(xml_response("XXVII-7-d.en.xml", body=b"<html>Rejected</html>")))
    (request,) = output
    assert request.url == parser.html_url("XXVII-7-d")
    assert request.callback.__name__ == "parse_html"
    assert "not an MTDSG status file" in request.meta["untc_xml_problem"] or "not XML" in request.meta[
        "untc_xml_problem"]


def test_spider_reports_both_reasons_when_the_html_page_is_unreadable_too():
    request = Request(HTML_URL, meta={"untc_number": "XXVII-7-d", "untc_xml_problem": "HTTP 404"})
    response = HtmlResponse(url=HTML_URL, body=b"<html><body>Maintenance</body></html>", encoding="utf-8",
                            request=request)
    (report,) = list(UntcStatusSpider().parse_html(response))
    assert not report.complete and report.rejected
    assert report.scope == "signatures:untc_status/XXVII-7-d"
    assert "the XML file failed (HTTP 404)" in report.reason


def test_spider_requests_every_configured_treaty():
    from scrapy.settings import Settings

    spider = UntcStatusSpider()
    spider.settings = Settings({"UNTC_TREATIES": ["XXVII-7-d", "IV-8"]})
    assert spider.treaties() == ["XXVII-7-d", "IV-8"]
    assert [spider.xml_request(n).url for n in spider.treaties()] == [parser.xml_url("XXVII-7-d"),
                                                                     parser.xml_url("IV-8")]


def test_default_treaties_are_the_issue_list():
    assert parser.DEFAULT_TREATIES == ("XXVII-7-d", "XXVII-7", "XXVII-7-a", "IV-8", "IV-15", "IV-2")


@pytest.mark.parametrize("reference", ["&#xD800;", "&#0;", "&#x110000;", "&#56320;"])
def test_a_reference_to_no_xml_character_is_read_around(reference):
    """A character reference XML forbids (a surrogate, NUL, past U+10FFFF), as the parser fuzzing
    made one: the file is read (lxml kept such a reference as bytes that are not UTF-8, and reading
    the header raised UnicodeDecodeError, which is no ParseError)."""
    text = raw("III-2-12b.en.xml").decode("latin-1").replace("<Header>CHAPTER III", f"<Header>&amp;{reference}CHAPTER III", 1)
    assert reference in text
    items = list(parser.parse_status_xml(text, "https://treaties.un.org/doc/Publication/MTDSG/Volume%20II/Chapter%20III/III-2-12b.en.xml"))
    assert any(isinstance(item, Signature) for item in items)
