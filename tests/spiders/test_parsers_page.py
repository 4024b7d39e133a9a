"""spiders/parsers/page.py is the one way parsers turn markup into a tree: no parser (nor the
new-spider template) calls BeautifulSoup itself, so every page goes through soup_of's check and
every tree is built by the same builder."""

import ast
import re

import pytest

from kit.errors import ParseError
from spiders.parsers.page import fragment_of, soup_of
from tests.helpers import ROOT

SPIDER_MODULES = sorted(p for p in (ROOT / "spiders").rglob("*.py") if p.name != "page.py")


def calls_beautifulsoup(source: str) -> list[int]:
    """The lines of `source` that call BeautifulSoup(...) (by name or as bs4.BeautifulSoup)."""
    return [node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "BeautifulSoup"]


@pytest.mark.parametrize("path", SPIDER_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_spider_or_parser_builds_a_tree_itself(path):
    assert calls_beautifulsoup(path.read_text(encoding="utf-8")) == [], f"{path.name}: use soup_of or fragment_of"


def test_the_new_spider_template_builds_its_tree_with_soup_of():
    template = (ROOT / "operations" / "templates" / "parser.py.tmpl").read_text(encoding="utf-8")
    assert "BeautifulSoup" not in template and re.search(r"soup = soup_of\(html, url, source=SOURCE", template)


def test_the_check_sees_a_direct_call():
    assert calls_beautifulsoup('from bs4 import BeautifulSoup\nsoup = BeautifulSoup(html, "lxml")\n') == [2]
    assert calls_beautifulsoup('import bs4\nsoup = bs4.BeautifulSoup(html, "lxml")\n') == [2]


def test_a_page_that_is_not_markup_is_a_parse_error_naming_the_landmark():
    with pytest.raises(ParseError, match="https://example.org/x is not an HTML page") as error:
        soup_of('{"json": true}', "https://example.org/x", source="example", landmark="cards")
    assert error.value.landmarks == ("cards",)


def test_a_fragment_is_read_as_it_is():
    assert fragment_of("Lima &amp; <em>Quito</em>").get_text(" ", strip=True) == "Lima & Quito"
    assert soup_of("<div>Lima</div>", "https://example.org/x", source="example", landmark="x").div.string == "Lima"
