"""Every roster names the landmark of its list, or the kit refuses it: a roster parser cannot be
written that lets a page lose its list in silence. And every spider's routes are walked to prove it."""

import ast
import importlib
from pathlib import Path

import pytest

from kit.expectations import Expectations, Landmark
from kit.items import APPEND_ONLY, ROSTER, Announcement, Scope, ScopeReport, Signature
from kit.routing import Route, Routes
from spiders.base import GlocalSpider

SPIDERS = Path(__file__).parent.parent.parent / "spiders"
EXPECTATIONS = Expectations(landmarks=(Landmark("signatory_list", 'a heading "Signatories" and the names'),))


def _parse(text, url):
    yield from ()


def test_a_roster_scope_without_a_list_landmark_is_refused():
    with pytest.raises(ValueError, match="must declare its list landmark"):
        Scope(Signature, ROSTER, "signatures:x")
    assert Scope(Announcement, APPEND_ONLY, "announcements:x").landmark is None  # absence never removes there


def test_a_roster_report_without_a_list_landmark_is_refused():
    with pytest.raises(ValueError, match="declares no list landmark"):
        ScopeReport(source="x", scope="signatures:x", entity="signature", kind=ROSTER, url="https://x.test/",
                    complete=True)


def test_a_scope_s_reports_carry_its_landmark():
    scope = Scope(Signature, ROSTER, "signatures:x", landmark="signatory_list")
    report = scope.report("x", "https://x.test/", complete=True, scope="signatures:y")
    assert (report.scope, report.landmark) == ("signatures:y", "signatory_list")


def test_a_routing_table_whose_roster_landmark_is_undeclared_is_refused():
    routes = Routes(Route(r"/", _parse, Scope(Signature, ROSTER, "signatures:x", landmark="names_table")))
    with pytest.raises(ValueError, match="'names_table' is not among the declared landmarks"):
        routes.check_rosters(EXPECTATIONS)
    Routes(Route(r"/", _parse, Scope(Signature, ROSTER, "signatures:x", landmark="signatory_list"))
           ).check_rosters(EXPECTATIONS)


def test_a_route_s_extra_rosters_must_be_rosters():
    news = Scope(Announcement, APPEND_ONLY, "announcements:x")
    with pytest.raises(ValueError, match="is not a roster scope"):
        Route(r"/", _parse, news, rosters=(news,))


def test_a_spider_class_with_an_undeclared_roster_landmark_is_refused():
    class Parser:
        EXPECTATIONS = EXPECTATIONS
        ROUTES = Routes(Route(r"/", _parse, Scope(Signature, ROSTER, "signatures:x", landmark="gone")))

    with pytest.raises(ValueError, match="'gone' is not among the declared landmarks"):
        type("BrokenSpider", (GlocalSpider,), {"name": "broken", "parser": Parser})


def _spider_parsers() -> list[str]:
    """Every spider module's parser module (read by ast, as crawler/spider_registry does)."""
    found = []
    for path in sorted(SPIDERS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "spiders.parsers":
                found += [f"spiders.parsers.{alias.name}" for alias in node.names
                          if alias.asname == "parser" or alias.name == path.stem]
    return sorted(set(found))


PARSERS = _spider_parsers()


def test_the_walk_finds_every_spider_s_parser():
    assert len(PARSERS) >= 17 and "spiders.parsers.uclg_declarations" in PARSERS


@pytest.mark.parametrize("module", PARSERS)
def test_every_roster_a_spider_s_routes_declare_names_a_declared_list_landmark(module):
    parser = importlib.import_module(module)
    declared = {landmark.name for landmark in parser.EXPECTATIONS.landmarks}
    for route in parser.ROUTES:
        for roster in route.roster_scopes():
            assert roster.landmark in declared, f"{module}: {route.pattern} -> {roster}"


def test_the_rome_charter_s_adhering_cities_are_declared_on_the_instrument_route():
    from spiders.parsers import uclg_declarations

    route = uclg_declarations.ROUTES.match("https://uclg.org/rome-charter-2020/")
    assert [(r.entity, r.landmark) for r in route.roster_scopes()] == [("signature", "adopters_list")]
