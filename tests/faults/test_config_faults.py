"""Configuration that says nothing is refused or reported, never scheduled into a false alert."""

import pytest

from tests.faults.config_trials import TRIALS

pytestmark = pytest.mark.faults


@pytest.mark.parametrize("name", sorted(TRIALS))
def test_a_configuration_fault_class_is_refused_or_reported(name, fault_row):
    result = TRIALS[name]()
    fault_row(result, result.runs)
