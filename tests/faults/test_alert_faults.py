"""Hostile far ends and configuration for the alerts (issue 20, items 7 to 12): each class of
fault leaves every other message sent, no form of a secret anywhere, no traceback."""

import pytest

from tests.faults.alert_trials import TRIALS

pytestmark = pytest.mark.faults


@pytest.mark.parametrize("name", sorted(TRIALS))
def test_an_alert_fault_class_loses_nothing_leaks_nothing(name):
    result = TRIALS[name]()
    assert result.right == result.runs, result.notes
    assert (result.lost, result.secrets_leaked, result.tracebacks) == (0, 0, 0), result.notes
