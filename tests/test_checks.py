"""crawler.checks: when is a list trustworthy, and when is a run healthy? (threshold tables)"""

import pytest

from crawler.checks import judge_scope, run_checks
from crawler.items import ScopeReport
from spiders.parsers.c40_accelerators import EXPECTATIONS

NONE_BEFORE = {"active": 0, "last_observed_at": None, "had_complete_run": False}


def report(listed=10, stated=None, complete=True, missing=(), qualifier=None, reason=None, fetched=True):
    return ScopeReport(source="t", scope="signatures:t/x", entity="signature", kind="roster", url="https://example.org/x/",
                       complete=complete, keys=[f"k{i}" for i in range(listed)], stated=stated,
                       stated_qualifier=qualifier, landmarks_missing=list(missing), reason=reason, fetched=fetched)


@pytest.mark.parametrize("listed,stated,healthy", [
    (35, 36, True),    # the real Green & Healthy Streets page: 35 names, "36 mayors"
    (29, 36, True),    # 0.81
    (28, 36, False),   # 0.78 < 0.8
    (10, 35, False),
    (50, 35, True),    # a stale count is no reason to distrust a longer list
    (10, None, True),
])
def test_list_length_against_the_stated_count(listed, stated, healthy):
    verdict = judge_scope(report(listed, stated), NONE_BEFORE, EXPECTATIONS, min_list_ratio=0.8)
    assert verdict.healthy is healthy


def test_a_short_list_names_both_numbers():
    verdict = judge_scope(report(10, 50, qualifier="more than"), NONE_BEFORE, EXPECTATIONS, min_list_ratio=0.8)
    assert "parsed 10 names" in verdict.reason and "more than 50" in verdict.reason


def test_empty_list_is_unhealthy():
    assert not judge_scope(report(0), NONE_BEFORE, EXPECTATIONS, min_list_ratio=0.8).healthy


def test_vanished_list_is_unhealthy_and_names_the_landmark():
    verdict = judge_scope(report(0, 35, complete=False, missing=["signatory_list"]),
                          {"active": 35, "last_observed_at": "x", "had_complete_run": True},
                          EXPECTATIONS, min_list_ratio=0.8)
    assert not verdict.healthy
    assert 'a line "Signatory cities:"' in verdict.reason and "listed 35 before" in verdict.reason


def test_a_page_that_never_had_a_list_is_not_a_failure():
    verdict = judge_scope(report(0, 35, complete=False, missing=["signatory_list"], reason="count only"),
                          NONE_BEFORE, EXPECTATIONS, min_list_ratio=0.8)
    assert verdict.healthy and verdict.reason == "count only"


@pytest.mark.parametrize("before,listed,healthy,hold", [(40, 21, True, None), (40, 19, True, "confirm"),
                                                       (3, 0, False, None), (3, 1, True, None)])
def test_a_list_halving_at_once_is_held_until_confirmed(before, listed, healthy, hold):
    prior = {"active": before, "last_observed_at": "x", "had_complete_run": True}
    verdict = judge_scope(report(listed), prior, EXPECTATIONS, min_list_ratio=0.8)
    assert (verdict.healthy, verdict.hold) == (healthy, hold)


@pytest.mark.parametrize("swapped,hold", [(6, None), (7, "agree")])
def test_a_list_changing_by_more_than_the_hold_share_is_held_until_agreed(swapped, hold):
    """6 names out and 6 in differ in 12 of 40 (30%: not more than the share); 7 and 7 in 35%."""
    before = [f"t/x/k{i}" for i in range(40)]
    listed = report(40)
    listed.keys = before[swapped:] + [f"t/x/new{i}" for i in range(swapped)]
    prior = {"active": 40, "last_observed_at": "x", "had_complete_run": True, "active_keys": set(before)}
    verdict = judge_scope(listed, prior, EXPECTATIONS, min_list_ratio=0.8, hold_share=0.3)
    assert verdict.healthy and verdict.hold == hold


def checks(**overrides):
    arguments = dict(finish_reason="finished", errors=0, item_counts={"instrument": 8, "signature": 200},
                     empty_fields={}, scopes=[], expectations=EXPECTATIONS, max_errors=0, max_empty_ratio=0.5)
    arguments.update(overrides)
    return {c.check: c for c in run_checks(**arguments)}


def test_a_good_run_passes_every_check():
    assert all(c.passed for c in checks().values())


@pytest.mark.parametrize("count,passed", [(0, False), (49, False), (50, True)])
def test_signature_minimum(count, passed):
    assert checks(item_counts={"instrument": 8, "signature": count})["signature count"].passed is passed


@pytest.mark.parametrize("reason,passed", [("finished", True), ("shutdown", False), ("closespider_errorcount", False)])
def test_finish_reason(reason, passed):
    assert checks(finish_reason=reason)["finish reason"].passed is passed


@pytest.mark.parametrize("errors,passed", [(0, True), (1, False)])
def test_error_count(errors, passed):
    assert checks(errors=errors)["errors"].passed is passed


def test_failed_page_is_named():
    result = checks(scopes=[{"scope": "s", "url": "https://example.org/x/", "complete": False, "healthy": False,
                             "reason": "HTTP 500", "fetch_failed": True}])["pages"]
    assert not result.passed and result.detail == "https://example.org/x/: HTTP 500"


def test_a_field_suddenly_empty_fails():
    result = checks(empty_fields={("instrument", "text"): 8})
    assert not result["instrument.text"].passed
    assert result["instrument.text"].detail == "instrument.text is empty in 8 of 8 items"


def test_a_rejected_page_is_unhealthy_even_without_earlier_rows():
    rejected = ScopeReport(source="t", scope="s", entity="signature", kind="roster", url="https://example.org/x/", complete=False,
                           reason="t: neither a signatory list … nor a stated count … on https://example.org/x/",
                           landmarks_missing=["signatory_list", "stated_count"], rejected=True)
    verdict = judge_scope(rejected, NONE_BEFORE, EXPECTATIONS, min_list_ratio=0.8)
    assert not verdict.healthy and verdict.reason.startswith("t: neither a signatory list")


def test_a_rejected_page_keeps_the_parsers_reason_and_counts_what_was_listed():
    rejected = ScopeReport(source="t", scope="s", entity="signature", kind="roster", url="https://example.org/x/", complete=False,
                           reason="no title on https://example.org/x/", landmarks_missing=["title"], rejected=True)
    verdict = judge_scope(rejected, {"active": 35, "last_observed_at": "x", "had_complete_run": True}, EXPECTATIONS,
                          min_list_ratio=0.8)
    assert verdict.reason == "no title on https://example.org/x/; it listed 35 before, nothing in this list was changed"
