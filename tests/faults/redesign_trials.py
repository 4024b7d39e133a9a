"""The redesign fuzzer's trials: a roster page redesigned, crawled through the real pipeline.

For each roster fixture (a saved page whose parser reports a complete roster), a baseline store is
made once: the sample archive's pages, with the spider's other saved pages and the fixture itself at
its URL, replayed into a real SQLite file. Each trial copies that store, replays the same pages a
day later with the fixture redesigned (tests/faults/redesign.py), runs the health assessment that
follows a crawl (alerts.health.after_run) and judges the outcome:

- **read right**: the run is healthy and every roster of the page lists exactly the names it had;
- **flagged**: the run is unhealthy, its health names the page, a health incident is open, and
  nothing was removed;
- **missed** (a silent blind spot, always a failure): anything else: a healthy run with fewer or
  other names, no report of a roster, or a removal.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import io
import json
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from crawler.archive import ArchivedResponse, build_archive, pages_from_fixtures
from kit.errors import ParseError
from kit.items import ROSTER, Link, ScopeReport, default_scope
from tests.faults.fuzz import parser_fixture_pages
from tests.faults.redesign import redesigns_for
from tests.helpers import FIXTURES, crawl_in_process

BASELINE_DAY, TRIAL_DAY = "2026-12-01", "2026-12-02"
READ, FLAGGED, MISSED, SKIPPED = "read right", "flagged", "missed", "not applicable"
STANDING_IN = "the generic roster reader stood in"  # a flagged trial's detail: the list was read, held, by the reader


@dataclass
class RosterFixture:
    spider: str
    filename: str
    url: str
    rosters: dict[str, set[str]]  # scope -> the keys the page lists
    names: list[str]  # the names as the parser read them (what a redesign must keep)

    @property
    def id(self) -> str:
        return f"{self.spider}/{self.filename}"


@dataclass
class Trial:
    fixture: RosterFixture
    redesign: str
    outcome: str
    detail: str = ""


def _name_of(item) -> str | None:
    return getattr(item, "actor_name", None) or getattr(item, "title", None)


@functools.lru_cache(maxsize=None)
def roster_fixtures(only: tuple[str, ...] | None = None) -> list[RosterFixture]:
    """Every saved page of every spider whose parser reads a non-empty roster from it (`only`:
    those of these "spider/file" ids)."""
    found = []
    for spider, filename, info in parser_fixture_pages():
        if info.get("status", 200) != 200:
            continue
        routes = getattr(importlib.import_module(f"spiders.parsers.{spider}"), "ROUTES", None)
        if routes is None:
            continue
        if only is not None and f"{spider}/{filename}" not in only:
            continue
        fixture = _roster_fixture(spider, filename, info["url"], routes)
        if fixture is not None:
            found.append(fixture)
    return found


def _read(spider: str, filename: str, url: str, routes, data: bytes) -> list | None:
    try:
        route = routes.match(url)
    except Exception:  # noqa: BLE001 - NoRoute: a page no route reads
        return None
    try:
        if filename.endswith(".xlsx"):  # a workbook is bytes: read as the spider reads it
            module = importlib.import_module(f"spiders.parsers.{spider}")
            dataset = module.open_dataset(io.BytesIO(data), name=filename, url=url)
            signatures = list(dataset.signatures())
            return [module.SIGNATORIES.report(spider, url, complete=True, keys=[s.key for s in signatures]),
                    *signatures]
        return list(route.parse(data.decode("utf-8", errors="replace"), url))
    except (ParseError, TypeError, ValueError, UnicodeDecodeError, AttributeError):
        return None


def _roster_fixture(spider: str, filename: str, url: str, routes) -> RosterFixture | None:
    """The page's rosters (the reports of roster scopes, or, for a parser whose spider gathers the
    report, the items of the route's roster scopes) and the names they list."""
    data = (FIXTURES / spider / filename).read_bytes()
    items = _read(spider, filename, url, routes, data)
    if not items:
        return None
    rosters: dict[str, set[str]] = {}
    for report in items:
        if isinstance(report, ScopeReport) and report.kind == ROSTER and report.keys:
            rosters.setdefault(report.scope, set()).update(report.keys)
    if not rosters:
        declared = {roster.item for roster in routes.match(url).roster_scopes()}
        for item in items:
            if type(item) in declared:
                rosters.setdefault(default_scope(item), set()).add(item.key)
    if not rosters:
        return None
    # The names a redesign must keep: those of the page's longest roster (an entry naming a review and
    # its city is one entry, not two; a treaty's title is not one of its participants).
    keys = max(rosters.values(), key=len)
    names = [_name_of(item) for item in items if getattr(item, "key", None) in keys and not isinstance(item, ScopeReport)]
    if not names:  # a list of links (the accelerators hub): its names are the links' words
        names = _link_texts(data.decode("utf-8", errors="replace"), url,
                            {item.url for item in items if isinstance(item, Link)})
    names = [n for n in dict.fromkeys(names) if n]
    return RosterFixture(spider, filename, url, rosters, names) if names else None


def _link_texts(html: str, url: str, targets: set[str]) -> list[str]:
    import lxml.html

    root = lxml.html.document_fromstring(html)
    main = root.find(".//main") if root.find(".//main") is not None else root
    return [" ".join(a.text_content().split()) for a in main.iter("a")
            if urljoin(url, a.get("href") or "") in targets and a.text_content().strip()
            and not any(parent.tag == "nav" for parent in a.iterancestors())]


# --- crawling --------------------------------------------------------------------------------------

def _dated(pages: list[ArchivedResponse], day: str) -> list[ArchivedResponse]:
    return [dataclasses.replace(page, fetched_at=day + page.fetched_at[10:]) for page in pages]


def _pages_for(fixture: RosterFixture, body: bytes | None = None) -> list[ArchivedResponse]:
    """The sample archive's pages, the spider's other saved pages, then the fixture (or `body`) at its URL."""
    by_url: dict[str, ArchivedResponse] = {}
    for folder in sorted(p.parent for p in FIXTURES.glob("*/meta.json")):
        for page in pages_from_fixtures(folder, sample=True):
            by_url[page.url] = page
    own = json.loads((FIXTURES / fixture.spider / "meta.json").read_text(encoding="utf-8"))
    for filename, info in own.items():
        if "url" in info and info["url"] not in by_url and info.get("status", 200) == 200:
            by_url[info["url"]] = pages_from_fixtures(FIXTURES / fixture.spider, only=[filename])[0]
    (page,) = pages_from_fixtures(FIXTURES / fixture.spider, only=[fixture.filename])
    by_url[fixture.url] = page if body is None else dataclasses.replace(page, body=body)
    return list(by_url.values())


SETTINGS = {"LOG_LEVEL": "CRITICAL", "CRAWL_FULL": True}


def settings_for(fixture: RosterFixture) -> dict:
    if fixture.spider == "covenant_open_data":  # the release's URL is configuration
        return {**SETTINGS, "COVENANT_OPEN_DATA_URL": fixture.url}
    if fixture.spider == "covenant_signatories" and fixture.filename.endswith(".json"):  # the JSON endpoint, named
        return {**SETTINGS, "COVENANT_SIGNATORIES_JSON_URL": fixture.url.split("?", 1)[0] + "?page={page}"}
    if fixture.spider == "unfccc_gcap":  # off unless switched on
        return {**SETTINGS, "UNFCCC_GCAP_ENABLED": True}
    return SETTINGS


class RedesignTrials:
    """Baseline stores made once per fixture, each trial on a copy of its fixture's baseline."""

    def __init__(self, folder: Path | None = None):
        self._temp = None if folder else tempfile.TemporaryDirectory(prefix="redesign-")
        self.folder = Path(folder or self._temp.name)
        self._baselines: dict[str, Path] = {}

    def close(self) -> None:
        if self._temp is not None:
            self._temp.cleanup()

    def baseline(self, fixture: RosterFixture) -> Path:
        if fixture.id not in self._baselines:
            slug = fixture.id.replace("/", "--")
            db = self.folder / f"{slug}.baseline.db"
            archive = build_archive(_dated(_pages_for(fixture), BASELINE_DAY), self.folder / f"{slug}.baseline.warc.gz")
            crawl_in_process(fixture.spider, db=db, replay=archive, settings=settings_for(fixture))
            self._baselines[fixture.id] = db
        return self._baselines[fixture.id]

    def run(self, fixture: RosterFixture, redesign: str) -> Trial:
        original = (FIXTURES / fixture.spider / fixture.filename).read_bytes()
        change = redesigns_for(fixture.filename)[redesign]
        if fixture.filename.endswith((".xlsx", ".xml")):  # bytes: a workbook, or XML in its own encoding
            changed = change(original, fixture.names)
        else:
            text = change(original.decode("utf-8"), fixture.names)
            changed = text.encode("utf-8") if text is not None else None
        if changed is None or changed == original:
            return Trial(fixture, redesign, SKIPPED, "the page has nothing this redesign acts on")
        slug = f"{fixture.id}-{redesign}".replace("/", "--").replace(" ", "-")
        db = self.folder / f"{slug}.db"
        baseline = self.baseline(fixture)
        shutil.copyfile(baseline, db)
        archive = build_archive(_dated(_pages_for(fixture, changed), TRIAL_DAY), self.folder / f"{slug}.warc.gz")
        try:
            run = crawl_in_process(fixture.spider, db=db, replay=archive, settings=settings_for(fixture))
            return judge(fixture, redesign, db, run, before=scope_lists(baseline, fixture))
        finally:
            db.unlink(missing_ok=True)
            archive.unlink(missing_ok=True)


def scope_lists(db: Path, fixture: RosterFixture) -> dict[str, set[str]]:
    """The keys each roster of the fixture holds in a store (the baseline's: what a redesign must keep)."""
    connection = sqlite3.connect(db)
    try:
        return {scope: _active_keys(connection, scope) for scope in fixture.rosters}
    finally:
        connection.close()


def judge(fixture: RosterFixture, redesign: str, db: Path, run: dict | None, *, before: dict[str, set[str]]) -> Trial:
    from alerts import health
    from store import open_db

    if run is None:
        return Trial(fixture, redesign, MISSED, "the crawl wrote no run")
    store = open_db(db)
    try:
        alert = health.after_run(store, fixture.spider, failed_runs=3, drop_ratio=0.5)
        incident = store.conn.execute(
            "select change from changes where entity = 'health' and entity_key = ? order by id desc limit 1",
            [fixture.spider]).fetchone()
    finally:
        store.close()
    connection = sqlite3.connect(db)
    try:
        if not connection.execute("select 1 from pages where run_id = ? and url = ?", (run["id"], fixture.url)).fetchone():
            return Trial(fixture, redesign, SKIPPED, "the spider did not read this page in the run")
        removed = connection.execute("select count(*) from changes where run_id = ? and change = 'removed'",
                                     (run["id"],)).fetchone()[0]
        shown_at = {url for url, in connection.execute(
            f"select url from scope_runs where run_id = ? and scope in ({', '.join('?' * len(fixture.rosters))})",
            (run["id"], *fixture.rosters))}
        reports = {scope: connection.execute("select complete, healthy, listed from scope_runs "
                                             "where run_id = ? and scope = ?", (run["id"], scope)).fetchone()
                   for scope in fixture.rosters}
        after = {scope: _active_keys(connection, scope) for scope in fixture.rosters}
        standing = [scope for scope, in connection.execute(
            f"select scope from scope_runs where run_id = ? and stand_in is not null "
            f"and scope in ({', '.join('?' * len(fixture.rosters))})", (run["id"], *fixture.rosters))]
    finally:
        connection.close()
    if removed:
        return Trial(fixture, redesign, MISSED, f"{removed} rows removed")
    health_text = (run.get("health") or "") + (run.get("summary") or "")
    if not run["healthy"]:
        # The page, or the page its list is reported under (a list over several pages: its first).
        named = any(url in health_text for url in {fixture.url} | shown_at)
        if incident and incident[0] == "failed" and named:
            read_by = f"; {STANDING_IN} for {', '.join(standing)}" if standing else ""
            return Trial(fixture, redesign, FLAGGED, f"health: {alert or 'incident already open'}{read_by}")
        return Trial(fixture, redesign, MISSED, f"unhealthy, but the health names neither {fixture.url} nor its "
                                                f"rosters, or no incident is open: {health_text[:300]}")
    for scope in fixture.rosters:
        report = reports[scope]
        if report is None:
            return Trial(fixture, redesign, MISSED, f"healthy, and no report of {scope}")
        complete, healthy, listed = report
        if not (complete and healthy) or listed != len(before[scope]) or after[scope] != before[scope]:
            return Trial(fixture, redesign, MISSED, f"healthy, but {scope} listed {listed} of {len(before[scope])} "
                                                    f"names (complete={complete}, healthy={healthy}; "
                                                    f"{len(before[scope] - after[scope])} lost, "
                                                    f"{len(after[scope] - before[scope])} new)")
    return Trial(fixture, redesign, READ)


def _active_keys(connection, scope: str) -> set[str]:
    keys = set()
    for table in ("signatures", "memberships", "instruments", "reports"):  # reports: their own table since m105
        keys.update(key for key, in connection.execute(
            f"select key from {table} where scope = ? and removed_at is null", (scope,)))
    return keys


@dataclass
class Tally:
    tried: int = 0
    read: int = 0
    flagged: int = 0
    missed: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, trial: Trial) -> None:
        if trial.outcome == SKIPPED:
            return
        self.tried += 1
        if trial.outcome == READ:
            self.read += 1
        elif trial.outcome == FLAGGED:
            self.flagged += 1
        else:
            self.missed += 1
            self.misses.append(f"{trial.fixture.id} / {trial.redesign}: {trial.detail}")


def cases(chosen: tuple[str, ...] | None) -> list[tuple[RosterFixture, str]]:
    """(fixture, redesign) pairs: all of them (None), or those named "spider/file: redesign"."""
    ids = None if chosen is None else tuple(sorted({case.split(": ", 1)[0] for case in chosen}))
    every = [(fixture, name) for fixture in roster_fixtures(ids) for name in redesigns_for(fixture.filename)]
    if chosen is None:
        return every
    return [(fixture, name) for fixture, name in every if f"{fixture.id}: {name}" in chosen]
