"""`glocal serve` as a person sees it: Debian's Chromium, headless, loads the front page, a table
with facets, a canned query, the map and the charts, and the tests read what is on screen (rows,
facet counts, markers), that the console shows no error and that no request leaves 127.0.0.1.

On the README's sample store (what docs/research.md walks through) the front page's counts, the
signings facets, the map's markers and the charts' last counts must be what `glocal signatories`
and `glocal changes` print; on the replayed research store (three captures) the as-of query and
the map show a city that left. The sample pages' screenshots go to docs/screenshots/
(docs/research.md shows them; GLOCAL_SCREENSHOTS sends them elsewhere).

Run with `pytest -m browser -n 0` (the README names it; .ci/run runs it after the suite)."""

import json
import os
import shutil
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from click.testing import CliRunner

from cli.main import cli

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("GLOCAL_SCREENSHOTS", ROOT / "docs" / "screenshots"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these Chromium tries to reach Google (sync, components, field trials) and waits or fails.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CLEAN_AIR = "c40_accelerators/clean-air-cities"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")  # a new, empty --user-data-dir
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


class Visit:
    """One page load: the page, its console errors and every request it made; a screenshot when named."""

    def __init__(self, context, url: str, screenshot: str | None = None):
        self.page = context.new_page()
        self.errors, self.requests = [], []
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))
        response = self.page.goto(url, wait_until="networkidle")
        assert response.status == 200, url
        if screenshot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / screenshot), full_page=False)

    def elsewhere(self) -> list[str]:
        return [url for url in self.requests
                if not url.startswith(("data:", "about:")) and urlsplit(url).hostname != "127.0.0.1"]

    def texts(self, selector: str) -> list[str]:
        return [text.strip() for text in self.page.locator(selector).all_inner_texts()]

    def clean(self):
        assert self.errors == [], self.errors
        assert self.elsewhere() == [], self.elsewhere()


def glocal(*args) -> str:
    """What the command line prints (in this process, on the same store file)."""
    result = CliRunner().invoke(cli, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return result.output


def signatories(db_path, key: str) -> list[dict]:
    """`glocal signatories KEY --json`: the signings a researcher is told of."""
    return json.loads(glocal("signatories", key, "--json", "--db", db_path))


def latest_changes(db_path) -> list[int]:
    """The ids of `glocal changes --json`, newest first, as many as the front page shows."""
    return [row["id"] for row in json.loads(glocal("changes", "--json", "--db", db_path))][::-1][:12]


def unplaced(visit) -> int:
    """How many signatories the map page lists as without coordinates."""
    folded = visit.page.locator("details").filter(has_text="Without coordinates")
    return int(folded.locator("summary").inner_text().split("(")[1].rstrip(")")) if folded.count() else 0


def instrument_keys(db_path) -> list[str]:
    """The keys `glocal instruments` prints, in its order."""
    return [line.split("  ", 1)[0] for line in glocal("instruments", "--db", db_path).splitlines()]


# -- the README's sample store: what the pages show is what the command line prints ----------------

def test_front_page_counts_are_the_command_lines(sample_server, browser):
    base, db_path = sample_server
    visit = Visit(browser, base + "/", "front-page.png")
    visit.clean()
    assert visit.page.locator("h1").first.inner_text() == "glocal-watch"
    rows = visit.page.locator("#instruments tr.instrument")
    shown = {row.get_attribute("data-key"): int(row.locator("td.signatories").inner_text())
             for row in rows.all()}
    assert sorted(shown) == sorted(instrument_keys(db_path))
    for key, count in shown.items():
        assert count == len(signatories(db_path, key)), key
    assert shown[CLEAN_AIR] == 38  # 35 on the list and 3 named only by news; 39 sightings
    clean_air = visit.page.locator(f'#instruments tr.instrument[data-key="{CLEAN_AIR}"]')
    assert "3 named only by news" in clean_air.inner_text()
    # One capture of each list: every change is a baseline, and `glocal changes` shows none either.
    assert latest_changes(db_path) == []
    assert visit.page.locator("#changes tr.change").count() == 0
    assert "No change since the first captures" in visit.page.locator("#changes").inner_text()
    assert visit.page.locator("#health tr.spider").count() > 5


def test_signings_table_facets_count_what_glocal_signatories_lists(sample_server, browser):
    base, db_path = sample_server
    visit = Visit(browser, base + "/glocal/signings?current=1", "table-with-facets.png")
    visit.clean()
    rows = signatories(db_path, CLEAN_AIR)
    facet = visit.page.locator(".facet-info").filter(has_text="instrument_title")
    entry = facet.locator("li").filter(has_text=rows[0]["instrument_title"]).first.inner_text()
    assert entry.split()[-1].replace(",", "") == str(len(rows)) == "38"
    standing = visit.page.locator(".facet-info").filter(has_text="standing")
    assert standing.locator("li").count() == 2  # current signings: listed or named only by news
    assert visit.page.locator("table.rows-and-columns tbody tr").count() == 100  # a page of signings
    folded = visit.page.locator("details.column-descriptions-folded")
    assert folded.count() == 1 and folded.get_attribute("open") is None
    assert not visit.page.locator("dl.column-descriptions").is_visible()
    folded.locator("summary").click()
    assert visit.page.locator("dl.column-descriptions").is_visible()


def test_canned_query_lists_the_signings_glocal_signatories_lists(sample_server, browser):
    base, db_path = sample_server
    visit = Visit(browser, f"{base}/glocal/who_signed?instrument=clean-air-cities", "canned-query.png")
    visit.clean()
    actors = sorted(visit.texts("table.rows-and-columns tbody tr td.col-actor"))
    assert actors == sorted(row["actor"] for row in signatories(db_path, CLEAN_AIR))
    assert len(actors) == len(set(actors)) == 38
    assert not visit.page.get_by_text("pick_instrument").first.is_visible()  # the SQL one click away


def test_map_has_a_marker_for_each_signatory_glocal_signatories_lists(sample_server, browser):
    base, db_path = sample_server
    visit = Visit(browser, f"{base}/-/glocal/map?instrument={quote(CLEAN_AIR, safe='')}", "map.png")
    visit.clean()
    markers = visit.page.locator("svg.glocal-map .marker")
    listed = signatories(db_path, CLEAN_AIR)
    assert markers.count() + unplaced(visit) == len(listed) == 38
    assert visit.page.locator("svg.glocal-map .removed").count() == 0
    names = {title.split(",")[0] for title in visit.page.locator("svg.glocal-map .marker title").all_text_contents()}
    assert names <= {row["actor"] for row in listed} and "Durban" in names
    box = visit.page.locator("svg.glocal-map").bounding_box()
    assert box["width"] > 800 and box["height"] > 250  # drawn at a readable size, not a thumbnail
    summary = visit.page.locator("#map-summary").inner_text()
    assert summary.startswith(f"{markers.count()} signatories on the map")


def test_charts_end_on_the_count_glocal_signatories_prints(sample_server, browser):
    base, db_path = sample_server
    visit = Visit(browser, base + "/-/glocal/charts", "charts.png")
    visit.clean()
    assert visit.page.locator(".glocal-chart svg").count() >= 2
    chart = Visit(browser, f"{base}/-/glocal/charts?instrument={quote(CLEAN_AIR, safe='')}")
    chart.clean()
    labels = [text.strip() for text in chart.page.locator(".glocal-chart svg text").all_text_contents()]
    assert "38" in labels and "signatories observed in the list (one capture)" in labels
    history = Visit(browser, f"{base}/glocal/count_history?instrument={quote(CLEAN_AIR, safe='')}")
    history.clean()
    assert history.texts("table.rows-and-columns tbody tr td.col-observed")[-1] == str(len(signatories(db_path, CLEAN_AIR)))


# -- the replayed research store: a city joins, another leaves --------------------------------------

def test_front_page_changes_are_what_glocal_changes_lists(server, browser):
    base, db_path = server
    visit = Visit(browser, base + "/")
    visit.clean()
    shown = [int(link.split("/")[-1]) for link in
             visit.page.locator("#changes tr.change a").evaluate_all("links => links.map(a => a.href)")]
    assert shown and shown == latest_changes(db_path)
    clean_air = visit.page.locator(f'#instruments tr.instrument[data-key="{CLEAN_AIR}"]')
    assert clean_air.locator("td.signatories").inner_text() == str(len(signatories(db_path, CLEAN_AIR))) == "35"
    assert clean_air.locator("td.removed").inner_text() == "1"  # Amman


def test_canned_query_as_of_a_date(server, browser):
    base, _ = server
    url = f"{base}/glocal/signatories_as_of?instrument={quote(CLEAN_AIR, safe='')}&as_of=2026-11-05"
    visit = Visit(browser, url)
    visit.clean()
    rows = visit.page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == 35
    assert rows.filter(has_text="Amman").count() == 1 and rows.filter(has_text="Accra").count() == 0


def test_map_marks_the_city_that_left(server, browser):
    base, db_path = server
    visit = Visit(browser, f"{base}/-/glocal/map?instrument={quote(CLEAN_AIR, safe='')}")
    visit.clean()
    placed = visit.page.locator("svg.glocal-map .signatory").count()
    assert placed + unplaced(visit) == len(signatories(db_path, CLEAN_AIR)) == 35  # and Amman, a red cross
    assert visit.page.locator("svg.glocal-map .removed").count() == 1
    assert "Amman" in visit.page.locator("svg.glocal-map .removed title").first.text_content()
