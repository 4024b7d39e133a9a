"""crawler.run_health: when is a list trustworthy, and when is a run healthy? (threshold tables)"""

import pytest

from crawler.run_health import judge_scope, run_checks
from kit.items import ScopeReport
from spiders.parsers.c40_accelerators import EXPECTATIONS

# The project's defaults (crawler/settings.py), as the session passes them.
LIMITS = {"min_list_ratio": 0.8, "max_drop_ratio": 0.5, "drop_check_min_rows": 4}

NONE_BEFORE = {"active": 0}


def report(listed=10, stated=None, complete=True, missing=(), qualifier=None, reason=None, fetched=True):
    return ScopeReport(source="t", scope="signatures:t/x", entity="signature", kind="roster", landmark="signatory_list",
                       url="https://example.org/x/",
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
    verdict = judge_scope(report(listed, stated), NONE_BEFORE, EXPECTATIONS, **LIMITS)
    assert verdict.healthy is healthy


def test_a_short_list_names_both_numbers():
    verdict = judge_scope(report(10, 50, qualifier="more than"), NONE_BEFORE, EXPECTATIONS, **LIMITS)
    assert "parsed 10 names" in verdict.reason and "more than 50" in verdict.reason


def test_empty_list_is_unhealthy():
    assert not judge_scope(report(0), NONE_BEFORE, EXPECTATIONS, **LIMITS).healthy


def test_vanished_list_is_unhealthy_and_names_the_landmark():
    verdict = judge_scope(report(0, 35, complete=False, missing=["signatory_list"]),
                          {"active": 35},
                          EXPECTATIONS, **LIMITS)
    assert not verdict.healthy
    assert 'a line "Signatory cities:"' in verdict.reason and "listed 35 before" in verdict.reason


def test_a_page_that_never_had_a_list_is_not_a_failure():
    verdict = judge_scope(report(0, 35, complete=False, missing=["signatory_list"], reason="count only"),
                          NONE_BEFORE, EXPECTATIONS, **LIMITS)
    assert verdict.healthy and verdict.reason == "count only"


@pytest.mark.parametrize("before,listed,healthy,hold", [(40, 21, True, None), (40, 19, True, "confirm"),
                                                       (3, 0, False, None), (3, 1, True, None)])
def test_a_list_halving_at_once_is_held_until_confirmed(before, listed, healthy, hold):
    prior = {"active": before}
    verdict = judge_scope(report(listed), prior, EXPECTATIONS, **LIMITS)
    assert (verdict.healthy, verdict.hold) == (healthy, hold)


@pytest.mark.parametrize("swapped,hold", [(6, None), (7, "agree")])
def test_a_list_changing_by_more_than_the_hold_share_is_held_until_agreed(swapped, hold):
    """6 names out and 6 in differ in 12 of 40 (30%: not more than the share); 7 and 7 in 35%."""
    before = [f"t/x/k{i}" for i in range(40)]
    listed = report(40)
    listed.keys = before[swapped:] + [f"t/x/new{i}" for i in range(swapped)]
    prior = {"active": 40, "active_keys": set(before)}
    verdict = judge_scope(listed, prior, EXPECTATIONS, **LIMITS, hold_share=0.3)
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
    rejected = ScopeReport(source="t", scope="s", entity="signature", kind="roster", landmark="signatory_list", url="https://example.org/x/", complete=False,
                           reason="t: neither a signatory list … nor a stated count … on https://example.org/x/",
                           landmarks_missing=["signatory_list", "stated_count"], rejected=True)
    verdict = judge_scope(rejected, NONE_BEFORE, EXPECTATIONS, **LIMITS)
    assert not verdict.healthy and verdict.reason.startswith("t: neither a signatory list")


def test_a_rejected_page_keeps_the_parsers_reason_and_counts_what_was_listed():
    rejected = ScopeReport(source="t", scope="s", entity="signature", kind="roster", landmark="signatory_list", url="https://example.org/x/", complete=False,
                           reason="no title on https://example.org/x/", landmarks_missing=["title"], rejected=True)
    verdict = judge_scope(rejected, {"active": 35}, EXPECTATIONS,
                          **LIMITS)
    assert verdict.reason == "no title on https://example.org/x/; it listed 35 before, nothing in this list was changed"


def test_an_append_only_listing_read_in_part_is_healthy():
    partial = ScopeReport(source="t", scope="announcements:t", entity="announcement", kind="append-only",
                          url="https://example.org/news/", complete=False, keys=["t/a"],
                          reason="stopped paging at https://example.org/news/?page=1: 3 of its 3 items were already known")
    verdict = judge_scope(partial, {"active": 40}, EXPECTATIONS, **LIMITS)
    assert verdict.healthy and verdict.reason.startswith("stopped paging")


def test_an_append_only_listing_that_shrinks_is_not_judged_by_its_length():
    shorter = ScopeReport(source="t", scope="announcements:t", entity="announcement", kind="append-only",
                          url="https://example.org/news/", complete=True, keys=["t/a", "t/b"])
    verdict = judge_scope(shorter, {"active": 40}, EXPECTATIONS, **LIMITS)
    assert verdict.healthy and verdict.hold is None
    roster = ScopeReport(source="t", scope="members:t", entity="membership", kind="roster", landmark="member_list",
                         url="https://example.org/members/", complete=True, keys=["t/a", "t/b"])
    assert judge_scope(roster, {"active": 40}, EXPECTATIONS, **LIMITS).hold == "confirm"


def test_a_page_that_never_arrived_is_unhealthy_for_an_append_only_listing_too():
    failed = ScopeReport(source="t", scope="announcements:t", entity="announcement", kind="append-only",
                         url="https://example.org/news/", complete=False, reason="HTTP 500", fetched=False)
    assert not judge_scope(failed, {"active": 40}, EXPECTATIONS, **LIMITS).healthy


@pytest.mark.parametrize("listed,history,alarm", [
    (39, [50, 50, 50], True),    # 22% short of its own median, though only 11 of 50 on record (under the hold share)
    (41, [50, 50, 50], False),   # 18%: a few cities leaving is ordinary
    (40, [50, 45, 40], False),   # the median is 45: 11% short
    (40, [], False),             # no history yet (a first run)
    (2, [3, 3, 3], False),       # too short to judge by shares
])
def test_a_list_shorter_than_its_own_history_is_held_and_alarms_the_run(listed, history, alarm):
    active = max(history, default=50)
    prior = {"active": active, "active_keys": [f"k{i}" for i in range(active)], "history": history}
    verdict = judge_scope(report(listed), prior, EXPECTATIONS, **LIMITS, hold_share=0.3, history_drop_ratio=0.2)
    assert verdict.healthy  # its names are recorded (held): the list was read, every landmark found
    assert bool(verdict.alarm) is alarm
    if alarm:
        assert verdict.hold == "agree" and "against a median of 50 over its last 3 runs" in verdict.alarm
        assert "https://example.org/x/" in verdict.alarm


def test_a_collapse_is_held_for_confirmation_and_alarms_the_run():
    verdict = judge_scope(report(10), {"active": 40}, EXPECTATIONS, **LIMITS)
    assert verdict.hold == "confirm" and verdict.alarm == verdict.reason


def test_an_alarmed_list_fails_the_run_s_list_sizes_check():
    checks = run_checks(finish_reason="finished", errors=0, item_counts={"signature": 40}, empty_fields={},
                        scopes=[{"scope": "s", "url": "u", "healthy": True, "reason": "r", "alarm": "shorter"}],
                        expectations=EXPECTATIONS, max_errors=0, max_empty_ratio=0.5)
    (sizes,) = [c for c in checks if c.check == "list sizes"]
    assert (sizes.passed, sizes.detail) == (False, "shorter")
