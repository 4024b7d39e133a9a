"""The command line against hostile stores and arguments: no raw control character printed or
mailed, one line (never a traceback) for a damaged store, a bad time limit or an impossible id,
and every read command working on a store it cannot write."""

import pytest

from tests.faults.cli_trials import TRIALS

pytestmark = pytest.mark.faults


@pytest.mark.parametrize("name", sorted(TRIALS))
def test_a_command_line_fault_class_is_one_line_and_harmless(name, fault_row):
    result = TRIALS[name]()
    fault_row(result, result.runs)
