"""Configuration that says nothing is refused or reported, never scheduled into a false alert."""

import pytest

from tests.faults.config_trials import TRIALS

pytestmark = pytest.mark.faults


@pytest.mark.parametrize("name", sorted(TRIALS))
def test_a_configuration_fault_class_is_refused_or_reported(name):
    result = TRIALS[name]()
    assert result.right == result.runs, result.notes
    assert (result.lost, result.false_alerts, result.tracebacks) == (0, 0, 0), result.notes
