"""Times from elsewhere never move the store's clock; an archive that asks to wait is waited for."""

import pytest

from tests.faults.clock_trials import TRIALS

pytestmark = pytest.mark.faults


@pytest.mark.parametrize("name", sorted(TRIALS))
def test_a_clock_fault_class_leaves_later_crawls_healthy(name, fault_row):
    result = TRIALS[name]()
    fault_row(result, result.runs)
