"""A crawl SIGKILLed at N points, a store that fills up at N points (first and later runs): the
store stays intact, and one clean run brings it to exactly the state of a run without the fault."""

import pytest

from tests.faults.plan import plan_for
from tests.faults.trials import DiskTrials, kill_trial, script_trial

pytestmark = pytest.mark.faults


def test_a_killed_crawl_converges_in_one_clean_run(faulty_site, kill_baseline, kill_point, fault_row):
    fault_row(kill_trial(faulty_site, kill_point, kill_baseline))


@pytest.fixture(scope="module")
def disk():
    trials = DiskTrials()
    yield trials
    trials.close()


def test_a_full_disk_in_a_first_run(disk, disk_first, fault_row):
    fault_row(disk.first_run(disk_first))


def test_a_full_disk_in_a_later_run(disk, disk_later, fault_row):
    fault_row(disk.later_run(disk_later))


def test_names_in_any_script_are_distinct_rows_and_a_degenerate_name_is_a_parse_error(request, fault_row):
    if not plan_for(request.config.getoption("markexpr")).scripts:
        pytest.skip("full form only: pytest -m faults")
    fault_row(script_trial())
