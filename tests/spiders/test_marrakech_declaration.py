"""marrakech_declaration: the declaration, its stated count as a dated CountClaim, no list published
(reported incomplete, never empty), a list read if one appears; a replay end to end."""

import sqlite3

import pytest

from kit.errors import ParseError
from kit.items import CountClaim, Instrument, ScopeReport, Signature
from spiders.parsers import marrakech_declaration as parser
from tests.helpers import archive_of, load_fixture, saved_pages
from tests.helpers import replay_like_cli as replay

SPIDER = "marrakech_declaration"
PAGE = load_fixture(SPIDER, "declaration.html")
ITEMS = list(parser.parse_page(PAGE.html, PAGE.url))


def of(cls):
    return [item for item in ITEMS if isinstance(item, cls)]


def test_instrument_fields():
    (declaration,) = of(Instrument)
    assert declaration.key == "marrakech_declaration/marrakech-mayors-declaration"
    assert declaration.title == "The Marrakech Mayors Declaration"
    assert declaration.kind == "declaration"
    assert declaration.adopted_on == "2018-12-08"
    assert declaration.place == "Marrakech"
    assert declaration.url == parser.URL


def test_instrument_text_is_the_commitments():
    (declaration,) = of(Instrument)
    assert declaration.text.count("•") == 3
    assert declaration.text.startswith("• Commit to implementing the Global Compacts")


def test_count_claim():
    (claim,) = of(CountClaim)
    assert (claim.count, claim.unit, claim.qualifier) == (104, "local and regional governments", None)
    assert claim.subject_key == "marrakech_declaration/marrakech-mayors-declaration"
    assert claim.text.startswith("To date, 104 Local and Regional Governments have signed on")


def test_no_list_is_reported_incomplete_with_the_stated_count():
    report = ITEMS[0]
    assert isinstance(report, ScopeReport)
    assert not report.complete and report.stated == 104
    assert report.landmarks_missing == ["signatory_list"]
    assert of(Signature) == []


def test_instrument_scope_is_complete():
    reports = of(ScopeReport)
    assert reports[1].scope == "instruments:marrakech_declaration" and reports[1].complete


def test_a_published_list_is_read():
    html = PAGE.html.replace("<h2>Our 8 priorities</h2>", "<h2>Signatories</h2><ul><li>Amsterdam</li>"
                             "<li>Bristol</li><li>Montréal</li></ul><h2>Our 8 priorities</h2>")
    items = list(parser.parse_page(html, PAGE.url))
    assert [s.actor_name for s in items if isinstance(s, Signature)] == ["Amsterdam", "Bristol", "Montréal"]
    assert items[0].complete and items[0].stated == 104
    assert [s.key for s in items if isinstance(s, Signature)][2] == (
        "marrakech_declaration/marrakech-mayors-declaration/montreal")


@pytest.mark.parametrize("sentence,count,qualifier", [
    ("To date, 104 Local and Regional Governments have signed on to the Declaration", 104, None),
    ("More than 110 local and regional governments have signed the Declaration", 110, "more than"),
    ("76 mayors have endorsed the Declaration", 76, None),
])
def test_count_sentences(sentence, count, qualifier):
    html = PAGE.html.replace("To date, 104 Local and Regional Governments have signed on to the Declaration", sentence)
    (claim,) = [i for i in parser.parse_page(html, PAGE.url) if isinstance(i, CountClaim)]
    assert (claim.count, claim.qualifier) == (count, qualifier)


def test_a_page_without_the_declaration_heading_is_a_parse_error():
    with pytest.raises(ParseError) as error:
        list(parser.parse_page("<html><body><main><h1>Home</h1></main></body></html>", PAGE.url))
    assert error.value.landmarks == ("title",)


def test_a_page_without_count_or_list_is_a_parse_error():
    html = PAGE.html.replace("To date, 104 Local and Regional Governments have signed on to the Declaration",
                             "Sign the Declaration")
    with pytest.raises(ParseError, match="neither a stated count"):
        list(parser.parse_page(html, PAGE.url))


def test_replay_records_the_count_as_a_dated_series(tmp_path):
    db = tmp_path / "glocal.db"
    first = replay(SPIDER, archive_of(tmp_path / "a.warc.gz", saved_pages(
        SPIDER, ["declaration.html"])), db)
    grown = replay(SPIDER, archive_of(tmp_path / "b.warc.gz", saved_pages(
        SPIDER, ["declaration.html"], day="2026-12-07",
        edits={"declaration.html": lambda body: body.replace(b"To date, 104", b"To date, 108")})), db)
    assert first.returncode == 0, first.stdout + first.stderr
    assert grown.returncode == 0, grown.stdout + grown.stderr
    connection = sqlite3.connect(db)
    try:
        series = connection.execute("select count, first_seen_at from count_claims order by id").fetchall()
        changes = connection.execute("select entity, change, diff from changes where notify = 1").fetchall()
        adopted = connection.execute("select adopted_on from instruments").fetchall()
    finally:
        connection.close()
    assert series == [(104, "2026-11-06T07:20:00Z"), (108, "2026-12-07T07:20:00Z")]
    assert changes == [("count_claim", "updated", '{"count": [104, 108]}')]
    assert adopted == [("2018-12-08",)]
