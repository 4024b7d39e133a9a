"""The redesign fuzzer: every roster fixture of every spider, redesigned (same names, other markup),
through the real pipeline into a real store: each run reads exactly the names or flags the list
(unhealthy, a health incident naming the page, nothing removed). A healthy run with fewer names, or
with no report of the list, is a silent blind spot and fails.

The ordinary suite runs a sample (tests/faults/plan.py SHORT); `pytest -m faults` runs them all."""

import pytest

from tests.faults.redesign import HTML_REDESIGNS, locate, norm, redesigns_for
from tests.faults.redesign_trials import FLAGGED, MISSED, READ, SKIPPED, roster_fixtures
from tests.helpers import FIXTURES as SAVED

pytestmark = pytest.mark.faults


def test_every_spider_with_a_roster_has_roster_fixtures_to_redesign():
    assert {f.spider for f in roster_fixtures()} >= {
        "c40_accelerators", "c40_members", "covenant_open_data", "covenant_signatories", "gcom",
        "marrakech_declaration", "uclg_declarations", "undesa_vlrs", "unfccc_gcap", "untc_status"}
    assert {f.filename.rsplit(".", 1)[-1] for f in roster_fixtures()} >= {"html", "json", "xml", "csv", "xlsx"}


@pytest.mark.parametrize("redesign", sorted(HTML_REDESIGNS))
def test_a_redesign_keeps_every_name_and_changes_the_markup(redesign):
    (fixture,) = roster_fixtures(("uclg_declarations/rome-charter.html",))
    html = (SAVED / fixture.spider / fixture.filename).read_text(encoding="utf-8")
    changed = HTML_REDESIGNS[redesign](html, fixture.names)
    assert changed is not None and changed != html
    assert locate(changed, fixture.names) is not None, "a name was lost"
    assert all(norm(name) in norm(changed) for name in fixture.names)


def test_structured_redesigns_apply_to_every_structured_roster():
    structured = [f for f in roster_fixtures() if not f.filename.endswith(".html")]
    for fixture in structured:
        assert redesigns_for(fixture.filename) is not HTML_REDESIGNS, fixture.id


def test_a_redesigned_roster_is_read_right_or_flagged(redesign_case, redesign_trials, redesign_row):
    fixture, redesign = redesign_case
    trial = redesign_trials.run(fixture, redesign)
    redesign_row(fixture.id, trial.outcome)
    assert trial.outcome in (READ, FLAGGED, SKIPPED), f"{fixture.id} / {redesign}: {trial.detail}"
    assert trial.outcome != MISSED
