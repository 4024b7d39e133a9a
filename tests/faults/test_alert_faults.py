"""Hostile far ends and configuration for the alerts (issue 20, items 7 to 12): each class of
fault leaves every other message sent, no form of a secret anywhere, no traceback."""

import pytest

from tests.faults.alert_trials import TRIALS

pytestmark = pytest.mark.faults


@pytest.mark.parametrize("name", sorted(TRIALS))
def test_an_alert_fault_class_loses_nothing_leaks_nothing(name, fault_row):
    result = TRIALS[name]()
    fault_row(result, result.runs)


def test_a_secret_cut_short_by_a_read_limit_is_scrubbed_too():
    from alerts.channels import one_line

    url = "https://hooks.slack.com/services/T0/B0/XXXXSECRETXXXX"
    for cut in range(8, len("/services/T0/B0/XXXXSECRETXXXX")):
        text = one_line("x" * 4000 + " /services/T0/B0/XXXXSECRETXXXX"[: cut + 1], [url])
        assert "XXXXSEC" not in text and "T0/B0/XX" not in text, text[-60:]
