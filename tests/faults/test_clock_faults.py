"""Times from elsewhere never move the store's clock; an archive that asks to wait is waited for."""

import pytest

from tests.faults.clock_trials import TRIALS

pytestmark = pytest.mark.faults


@pytest.mark.parametrize("name", sorted(TRIALS))
def test_a_clock_fault_class_leaves_later_crawls_healthy(name):
    result = TRIALS[name]()
    assert result.right == result.runs, result.notes
    assert (result.lost, result.false_removals, result.tracebacks) == (0, 0, 0), result.notes
