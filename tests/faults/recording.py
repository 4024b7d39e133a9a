"""The fault matrix of a pytest run: `pytest -m faults --fault-matrix FILE`.

Every trial a fault test judges is also a row of the matrix, recorded where it is judged
(`fault_row(result)`, `redesign_row(...)`) and tabulated at the end of the session, printed and,
with `--fault-matrix FILE`, written as markdown: docs/reliability.md quotes the rows a run measured,
never typed by hand. The rows travel on the test reports (user_properties), so they reach the
controller under pytest-xdist too. Registered by tests/conftest.py (`pytest_plugins`).
"""

from __future__ import annotations

import pytest

_rows: list[dict] = []
_redesigns: dict[str, list[str]] = {}


def pytest_addoption(parser):
    parser.addoption("--fault-matrix", metavar="FILE", default=None,
                     help="write the fault matrix this run measured (markdown) to FILE")


@pytest.fixture
def fault_row(request):
    """fault_row(result) records a judged TrialResult as a matrix row and asserts it clean: every run
    right, nothing lost, no false alert or removal, the store intact, no secret leaked, no traceback."""
    from tests.faults.matrix import row_record
    from tests.faults.trials import assert_clean

    def record(result, trials: int = 1):
        request.node.user_properties.append(("fault_row", row_record(result, trials)))
        assert_clean(result)
        return result

    return record


@pytest.fixture
def redesign_row(request):
    """redesign_row(fixture_id, outcome) records one redesign's outcome for the redesign table."""

    def record(fixture_id: str, outcome: str) -> None:
        request.node.user_properties.append(("redesign_row", (fixture_id, outcome)))

    return record


def pytest_runtest_logreport(report):
    if report.when != "call":
        return
    for name, value in report.user_properties:
        if name == "fault_row":
            _rows.append(dict(value))
        elif name == "redesign_row":
            fixture_id, outcome = value
            _redesigns.setdefault(fixture_id, []).append(outcome)


def pytest_terminal_summary(terminalreporter, config):
    if not _rows and not _redesigns:
        return
    from tests.faults.matrix import markdown

    text = markdown(_rows, _redesigns)
    terminalreporter.write_sep("-", "fault matrix of this run")
    terminalreporter.write_line(text)
    path = config.getoption("--fault-matrix")
    if path:
        from pathlib import Path

        Path(path).write_text(text + "\n", encoding="utf-8")
