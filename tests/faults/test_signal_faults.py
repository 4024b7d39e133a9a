"""A stop signal to `glocal crawl` reaches its crawl; the run is closed and nothing is orphaned."""

import pytest

from tests.faults.plan import FULL, plan_for
from tests.faults.signal_trials import signal_trial

pytestmark = pytest.mark.faults


def test_a_stopped_crawl_closes_its_run_and_leaves_no_orphan(request, fault_row):
    result = signal_trial(full=plan_for(request.config.getoption("markexpr")) is FULL)
    fault_row(result, result.runs)
