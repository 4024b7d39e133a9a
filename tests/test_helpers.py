"""tests/helpers.py's `shared_file`: the tests that need the project's shared folder (../shared)
skip with a reason naming the missing path, except under CI, where a missing folder fails them."""

import re

import pytest

from tests import helpers


@pytest.fixture
def no_shared_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(helpers, "SHARED", tmp_path / "shared")
    return tmp_path / "shared"


def test_a_missing_file_skips_naming_its_path(no_shared_folder, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        helpers.shared_file("samples", "untc", "x.xml")
    assert str(no_shared_folder / "samples" / "untc" / "x.xml") in str(skipped.value)


def test_under_ci_a_missing_file_fails(no_shared_folder, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as failed:
        helpers.shared_file("samples", "untc", "x.xml")
    assert str(no_shared_folder / "samples" / "untc" / "x.xml") in str(failed.value) and "CI" in str(failed.value)


def test_a_present_file_is_returned(no_shared_folder, monkeypatch):
    monkeypatch.setenv("CI", "true")
    (no_shared_folder / "samples").mkdir(parents=True)
    (no_shared_folder / "samples" / "x.xml").write_text("<x/>")
    assert helpers.shared_file("samples", "x.xml").read_text() == "<x/>"


def test_every_test_that_reads_the_shared_folder_goes_through_the_helper():
    """A test reaching ../shared by its own path would skip (or fail) in its own way."""
    offenders = [str(path.relative_to(helpers.ROOT)) for path in (helpers.ROOT / "tests").rglob("*.py")
                 if path.name not in ("helpers.py", "test_helpers.py")
                 and re.search(r"""/ ["']shared["']|\.\./shared/""", path.read_text(encoding="utf-8"))]
    assert offenders == []
