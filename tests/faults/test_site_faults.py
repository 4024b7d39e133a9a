"""A misbehaving site: each fault ends its run healthy, partial or blind with the right reason, and
never loses a change, raises a false alert or infers a removal (compared with a store that never
saw the fault)."""

import pytest

from tests.faults.trials import site_faults

pytestmark = pytest.mark.faults


def test_a_faulty_site_run_is_judged_right_and_the_store_converges(site_trials, site_fault, fault_row):
    fault = next(f for f in site_faults(site_trials.before) if f.name == site_fault)
    fault_row(site_trials.run(fault))
