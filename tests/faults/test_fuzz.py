"""Every parser, fed mutated versions of its fixtures, returns items or raises ParseError; it never
raises anything else and never hangs."""

import pytest

from tests.faults.fuzz import fixture_pages, fuzz_page

pytestmark = pytest.mark.faults
PAGES = fixture_pages()


def test_every_parser_has_fixture_pages_to_fuzz():
    assert {page.spider for page in PAGES} >= {"c40_accelerators"}


@pytest.mark.parametrize("page", PAGES, ids=[f"{p.spider}/{p.filename}" for p in PAGES])
def test_mutated_pages_give_items_or_a_parse_error(page, fuzz_examples):
    outcomes = []
    fuzz_page(page, fuzz_examples, outcomes)
    assert set(outcomes) <= {"items", "parse error"} and outcomes
