"""tests/faults/ runs its short form with the ordinary suite and its full form with `-m faults`."""

import pytest

from tests.faults.plan import plan_for
from tests.faults.site import FaultySite
from tests.faults.trials import SiteTrials, kill_reference, site_faults, site_pages


def _points(values):
    return list(values) or [pytest.param(None, marks=pytest.mark.skip(reason="full form only: pytest -m faults"))]


def pytest_generate_tests(metafunc):
    plan = plan_for(metafunc.config.getoption("markexpr"))
    if "site_fault" in metafunc.fixturenames:
        names = [f.name for f in site_faults(site_pages(clean_air_changed=False, good_food_changed=False))]
        chosen = names if plan.site_faults is None else [n for n in names if n in plan.site_faults]
        metafunc.parametrize("site_fault", chosen)
    if "kill_point" in metafunc.fixturenames:
        metafunc.parametrize("kill_point", _points(plan.kill_points))
    if "disk_first" in metafunc.fixturenames:
        metafunc.parametrize("disk_first", _points(plan.disk_first))
    if "disk_later" in metafunc.fixturenames:
        metafunc.parametrize("disk_later", _points(plan.disk_later))
    if "fuzz_examples" in metafunc.fixturenames:
        metafunc.parametrize("fuzz_examples", [plan.fuzz_examples])
    if "redesign_case" in metafunc.fixturenames:
        from tests.faults.redesign_trials import cases

        chosen = cases(plan.redesigns)
        metafunc.parametrize("redesign_case", chosen, ids=[f"{fixture.id}: {name}" for fixture, name in chosen])


@pytest.fixture(scope="module")
def faulty_site():
    with FaultySite() as site:
        yield site


@pytest.fixture(scope="module")
def site_trials(faulty_site):
    trials = SiteTrials(faulty_site)
    yield trials
    trials.close()


@pytest.fixture(scope="module")
def redesign_trials():
    from tests.faults.redesign_trials import RedesignTrials

    trials = RedesignTrials()
    yield trials
    trials.close()


@pytest.fixture(scope="module")
def kill_baseline(faulty_site):
    return kill_reference(faulty_site)
