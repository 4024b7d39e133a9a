"""`glocal roster`: the generic reader's list, its confidence and why, or its refusal (exit 1)."""

import json

from click.testing import CliRunner

from cli.main import cli
from tests.helpers import FIXTURES

ROME = str(FIXTURES / "uclg_declarations" / "rome-charter.html")
DECOYS = str(FIXTURES / "c40_accelerators" / "ghs-2025-decoys.html")


def roster(*args):
    return CliRunner().invoke(cli, ["roster", *args])


def test_prints_the_list_with_its_container_confidence_and_countries():
    result = roster(ROME, "--url", "https://uclg.org/rome-charter-2020/", "--stated", "45")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ('Read 47 places (confidence 1.00) from ul.adhering-cities > li under '
                        '"Cities that have adhered to the Rome Charter"')
    assert "47 of 47 resolve to places, agreeing with the stated 45" in lines[1]
    assert "  Rome (IT)" in lines and "  Abidjan (CI)" in lines


def test_a_refusal_names_what_was_rejected_and_exits_1():
    result = roster(DECOYS, "--url", "https://www.c40.org/accelerators/green-healthy-streets/", "--stated", "35")
    assert result.exit_code == 1
    assert result.output.startswith("Refused (confidence 0.00): no list of places")
    assert '  - 4 names in div.story-grid > figure.story under "City stories": its heading' in result.output


def test_json_output():
    result = roster(ROME, "--url", "https://uclg.org/rome-charter-2020/", "--json")
    record = json.loads(result.output)
    assert record["refused"] is False and record["container"] == "ul.adhering-cities > li"
    assert record["resolved"] == 47 and record["names"][0] == {"name": "Rome", "country": "IT"}
    assert record["stated"] is None and isinstance(record["rejected"], list)


def test_scraped_text_cannot_drive_the_terminal(tmp_path):
    page = tmp_path / "page.html"
    names = ["Paris", "London", "Lisbon", "Madrid", "Rome\x1b[2J"]
    page.write_text("<main><h2>Members</h2><ul>" + "".join(f"<li>{n}</li>" for n in names) + "</ul></main>")
    result = roster(str(page), "--url", "https://x.org/")
    assert "\x1b" not in result.output and "Rome\\x1b[2J" in result.output


def test_bad_input_is_one_line(tmp_path):
    binary = tmp_path / "page.html"
    binary.write_bytes(b"\xff\xfe\x00<html>")
    result = roster(str(binary), "--url", "https://x.org/")
    assert result.exit_code == 1 and result.output.strip() == f"Error: {binary} is not UTF-8 text (is it an HTML, JSON or CSV page?)"
    assert roster(str(binary)).exit_code == 2


def test_a_lower_bound_qualifier_accepts_a_list_longer_than_the_count():
    # Rome's page lists 47 cities: "40" alone refuses them (36-44), "at least 40" and "more than 40" read them.
    exact = roster(ROME, "--url", "https://uclg.org/rome-charter-2020/", "--stated", "40")
    assert exact.exit_code == 1 and "disagree with the stated 40 (accepted 36-44)" in exact.output
    for flag in ("--at-least", "--more-than"):
        bounded = roster(ROME, "--url", "https://uclg.org/rome-charter-2020/", "--stated", "40", flag)
        assert bounded.exit_code == 0 and bounded.output.startswith("Read 47 places"), (flag, bounded.output)


def test_a_qualifier_needs_its_count_and_only_one_is_given():
    alone = roster(ROME, "--url", "https://uclg.org/rome-charter-2020/", "--at-least")
    assert alone.exit_code == 2 and "--at-least qualifies --stated N" in alone.output
    both = roster(ROME, "--url", "https://uclg.org/rome-charter-2020/", "--stated", "40", "--at-least", "--more-than")
    assert both.exit_code == 2 and "give one" in both.output
