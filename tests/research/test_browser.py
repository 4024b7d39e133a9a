"""`glocal serve` as a person sees it: Debian's Chromium, headless, loads the front page, a table
with facets, a canned query, the map and the charts, and the tests read what is on screen (rows,
facet counts, markers), that the console shows no error and that no request leaves 127.0.0.1.
Each page's screenshot goes to docs/screenshots/ (docs/research.md shows them; GLOCAL_SCREENSHOTS
sends them elsewhere).

Run with `pytest -m browser -n 0` (the README names it; .ci/run runs it after the suite)."""

import os
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("GLOCAL_SCREENSHOTS", ROOT / "docs" / "screenshots"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these Chromium tries to reach Google (sync, components, field trials) and waits or fails.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CLEAN_AIR = "c40_accelerators/clean-air-cities"


@pytest.fixture(scope="module")
def server(research_store, tmp_path_factory):
    command = [str(Path(sys.executable).parent / "glocal"), "serve", "--port", "0", "--db", str(research_store)]
    # stderr to a file: a pipe nobody reads would fill with logged tracebacks and stall the server
    log = open(tmp_path_factory.mktemp("serve") / "serve.log", "w+")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = process.stdout.readline()
        assert "read-only at http://127.0.0.1:" in line, log.seek(0) or log.read()
        base = line.rsplit(" ", 1)[1].strip().rstrip("/")
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(base.rstrip("/") + "/-/versions.json", timeout=10).read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.time() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base, research_store
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
    """One page load: the page, its console errors and every request it made."""

    def __init__(self, context, url: str, screenshot: str):
        self.page = context.new_page()
        self.errors, self.requests = [], []
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))
        response = self.page.goto(url, wait_until="networkidle")
        assert response.status == 200, url
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


def scalar(db_path, sql, params=()):
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute(sql, params).fetchone()[0]
    finally:
        connection.close()


def test_front_page(server, browser):
    base, db_path = server
    visit = Visit(browser, base + "/", "front-page.png")
    visit.clean()
    assert visit.page.locator("h1").first.inner_text() == "glocal-watch"
    rows = visit.page.locator("#instruments tr.instrument")
    assert rows.count() == scalar(db_path, "select count(*) from instruments")
    title = scalar(db_path, "select title from instruments where key = ?", [CLEAN_AIR])
    row = rows.filter(has_text=title)
    listed = scalar(db_path, "select count(*) from signatures where instrument_key = ? and removed_at is null", [CLEAN_AIR])
    assert row.locator("td.signatories").inner_text() == str(listed)
    assert visit.page.locator("#changes tr.change").count() > 0
    assert "c40_accelerators" in visit.texts("#health tr.spider")[0] or visit.page.locator("#health tr.spider").count() > 1


def test_table_with_facets_shows_rows_first_and_descriptions_one_click_away(server, browser):
    base, db_path = server
    visit = Visit(browser, base + "/glocal/signatures?_facet=instrument_key&_facet=source", "table-with-facets.png")
    visit.clean()
    assert visit.page.locator("table.rows-and-columns tbody tr").count() == min(
        100, scalar(db_path, "select count(*) from signatures"))
    facet = visit.page.locator(".facet-info").filter(has_text="instrument_key")
    title = scalar(db_path, "select title from instruments where key = ?", [CLEAN_AIR])
    entry = facet.locator("li").filter(has_text=title).first.inner_text()  # labelled by the instrument's title
    assert entry.split()[-1].replace(",", "") == str(
        scalar(db_path, "select count(*) from signatures where instrument_key = ?", [CLEAN_AIR]))
    folded = visit.page.locator("details.column-descriptions-folded")
    assert folded.count() == 1 and folded.get_attribute("open") is None
    assert not visit.page.locator("dl.column-descriptions").is_visible()
    folded.locator("summary").click()
    assert visit.page.locator("dl.column-descriptions").is_visible()


def test_canned_query(server, browser):
    base, _ = server
    url = f"{base}/glocal/signatories_as_of?instrument={quote(CLEAN_AIR, safe='')}&as_of=2026-11-05"
    visit = Visit(browser, url, "canned-query.png")
    visit.clean()
    rows = visit.page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == 35
    assert rows.filter(has_text="Amman").count() == 1 and rows.filter(has_text="Accra").count() == 0


def test_map(server, browser):
    base, db_path = server
    visit = Visit(browser, f"{base}/-/glocal/map?instrument={quote(CLEAN_AIR, safe='')}", "map.png")
    visit.clean()
    markers = visit.page.locator("svg.glocal-map .marker")
    assert markers.count() >= 30
    assert visit.page.locator("svg.glocal-map .removed").count() == 1
    assert "Amman" in visit.page.locator("svg.glocal-map .removed title").first.text_content()
    box = visit.page.locator("svg.glocal-map").bounding_box()
    assert box["width"] > 800 and box["height"] > 250  # drawn at a readable size, not a thumbnail
    summary = visit.page.locator("#map-summary").inner_text()
    assert summary.startswith(f"{markers.count()} signatories on the map")


def test_charts(server, browser):
    base, _ = server
    visit = Visit(browser, base + "/-/glocal/charts", "charts.png")
    visit.clean()
    assert visit.page.locator(".glocal-chart svg").count() >= 2
