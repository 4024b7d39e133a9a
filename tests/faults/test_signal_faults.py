"""A stop signal to `glocal crawl` reaches its crawl; the run is closed and nothing is orphaned."""

import pytest

from tests.faults.plan import FULL, plan_for
from tests.faults.signal_trials import backfill_signal_trial, signal_trial

pytestmark = pytest.mark.faults


def test_a_stopped_crawl_closes_its_run_and_leaves_no_orphan(request, fault_row):
    result = signal_trial(full=plan_for(request.config.getoption("markexpr")) is FULL, backfill=False)
    fault_row(result, result.runs)


def test_a_stopped_backfill_closes_its_run_and_leaves_no_orphan(fault_row):
    result = backfill_signal_trial()
    fault_row(result, result.runs)
