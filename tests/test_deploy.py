"""deploy/: the systemd unit passes systemd-analyze, and the Dockerfile copies what exists and
runs the service. (deploy/check_dockerfile.py runs the Dockerfile's build and sample job in a
clean venv; it takes a minute, so it is not part of the suite.)"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def _dockerfile_reader():
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_dockerfile", ROOT / "deploy" / "check_dockerfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.steps


steps = _dockerfile_reader()
UNIT = ROOT / "deploy" / "glocal-watch.service"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_unit_verifies(tmp_path):
    # verify checks that ExecStart exists and the user is known: point them at this machine's.
    text = UNIT.read_text(encoding="utf-8")
    text = text.replace("/opt/glocal-watch/.venv/bin/glocal", str(Path(sys.executable).parent / "glocal"))
    text = text.replace("User=glocal", "User=root").replace("Group=glocal", "Group=root")
    unit = tmp_path / "glocal-watch.service"
    unit.write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # warnings (a misspelt value) fail too


def test_the_unit_runs_the_service_and_stops_it_with_sigterm():
    text = UNIT.read_text(encoding="utf-8")
    assert "ExecStart=/opt/glocal-watch/.venv/bin/glocal schedule\n" in text
    assert "KillSignal=SIGTERM" in text and "Restart=on-failure" in text
    assert "GLOCAL_ALERTS=/etc/glocal-watch/alerts.toml" in text


def test_a_stopped_crawl_is_closed_within_the_units_stop_timeout():
    """SIGTERM to the service gives each running crawl CRAWL_STOP_GRACE to close its run, then a
    second SIGTERM and SIGKILL 5 s later (crawler/child.py): all of it, plus the service's own exit,
    must fit in TimeoutStopSec, or systemd kills the crawls first and their runs stay `running`
    (the trial saw 113 s against 120). Raising the grace past the unit's timeout fails here."""
    import re

    from crawler.settings import by_name

    timeout = int(re.search(r"^TimeoutStopSec=(\d+)$", UNIT.read_text(encoding="utf-8"), re.M).group(1))
    grace = by_name["CRAWL_STOP_GRACE"].default
    assert grace + 5 + 30 <= timeout, (grace, timeout)  # 30 s for the service's own exit and the alerts job


def test_every_file_the_dockerfile_copies_exists():
    copies = [args for instruction, args in steps(ROOT / "deploy" / "Dockerfile") if instruction == "COPY"]
    assert copies
    for args in copies:
        *sources, _target = args.split()
        for source in sources:
            assert (ROOT / source).exists(), source


def test_the_image_runs_the_service_by_default():
    instructions = steps(ROOT / "deploy" / "Dockerfile")
    assert instructions[-1] == ("CMD", '["glocal", "schedule"]')
    assert ("RUN", "pip install --no-cache-dir .") in instructions
