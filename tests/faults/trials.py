"""Fault trials: each drives real crawls (child processes, a real SQLite file, a real HTTP server on
127.0.0.1 or a WARC replay) through a fault, then a clean run, and compares the store with a
reference store that never saw the fault (contents only: run ids and times are ignored).

Every trial yields a TrialResult; tests/faults/test_*.py assert on them and `python -m
tests.faults.matrix` tabulates them. A store is right when, compared with the reference:
no expected change is missing (lost), no alert appears that the reference lacks (false alert),
no row is removed that the reference keeps (false removal), and PRAGMA integrity_check says ok.
"""

from __future__ import annotations

import atexit
import dataclasses
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.faults.site import XML_BOMB, FaultySite, Reply, gzip_bomb, huge_page
from tests.helpers import FIXTURES, archive_of, fixture_meta, saved_pages

SPIDER = "c40_accelerators"
PAGES = ["hub.html", "green-healthy-streets.html", "clean-air-cities.html", "net-zero-carbon-buildings.html",
         "good-food-cities.html", "divest-invest.html", "urban-nature.html", "equity-pledge.html",
         "water-safe-cities.html"]
HUB = "/what-we-do/raising-climate-ambition/high-impact-accelerators/"
CLEAN_AIR = "/accelerators/clean-air-cities/"
CLEAN_AIR_SCOPE = "signatures:c40_accelerators/clean-air-cities"
URBAN_NATURE = "/accelerators/urban-nature/"  # its list has an accented name (Medellín)
ROBOTS = b"User-agent: *\nDisallow: /wp-admin/\n"
FAST = ["--set", "DOWNLOAD_DELAY=0.05", "--set", "AUTOTHROTTLE_ENABLED=false"]


# --- the site and its real changes -------------------------------------------------------------------

def accra_replaces_amman(body: bytes) -> bytes:
    return body.replace(b"Amman, Austin", b"Accra, Austin")


def lisbon_joins(body: bytes) -> bytes:
    return body.replace(b"Lima, London", b"Lima, Lisbon, London")


def site_pages(*, clean_air_changed: bool, good_food_changed: bool) -> dict[str, bytes]:
    meta = fixture_meta(SPIDER)
    pages = {}
    for filename in PAGES:
        body = (FIXTURES / SPIDER / filename).read_bytes()
        if filename == "clean-air-cities.html" and clean_air_changed:
            body = accra_replaces_amman(body)
        if filename == "good-food-cities.html" and good_food_changed:
            body = lisbon_joins(body)
        pages[urlsplit(meta[filename]["url"]).path] = body
    return pages


def serve(site: FaultySite, pages: dict[str, bytes], overrides: dict | None = None, robots: bytes = ROBOTS) -> None:
    site.routes.clear()
    site.served.clear()
    for path, body in pages.items():
        site.route(path, Reply(body=body))
    site.route("/robots.txt", Reply(body=robots, headers={"Content-Type": "text/plain"}, etag=False))
    for path, replies in (overrides or {}).items():
        site.route(path, *replies)


# Secrets every trial crawl has in its environment (the variables alert rules name): no byte a run
# writes (store, log, output) may hold one (TrialResult.shown counts the places that do).
TRIAL_SECRETS = {"GLOCAL_SMTP_PASSWORD": "pw-trial-5e1c-never-written",
                 "GLOCAL_SLACK_OPS": "https://hooks.slack.com/services/T0/B0/trial-9a7f-never-written"}


def trial_env() -> dict:
    return {**os.environ, **TRIAL_SECRETS}


def crawl_live(site: FaultySite, db: Path, *settings: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(live_command(site, db, *settings), capture_output=True, text=True, timeout=timeout,
                          env=trial_env())


def live_command(site: FaultySite, db: Path, *settings: str) -> list[str]:
    command = [sys.executable, "-m", "crawler.runner", SPIDER, "--db", str(db), "--log-level", "WARNING",
               "--host-map", json.dumps({"www.c40.org": site.address}), *FAST,
               "--set", f"LOG_FILE={json.dumps(str(db.parent / 'crawl.log'))}"]
    for setting in settings:
        command += ["--set", setting]
    return command


def crawl_live_in_process(site: FaultySite, db: Path) -> None:
    """The clean crawl of `crawl_live` (same spider, site and settings) in this process: a trial's
    baseline and reference stores, the set-up around the crawls a trial judges, which stay in
    children (tests/helpers.py's crawl_in_process)."""
    from tests.helpers import crawl_in_process

    db.parent.mkdir(parents=True, exist_ok=True)
    settings = dict(assignment.partition("=")[::2] for assignment in FAST[1::2])
    run = crawl_in_process(SPIDER, db=db, host_map={"www.c40.org": site.address},
                           settings={"DOWNLOAD_DELAY": float(settings["DOWNLOAD_DELAY"]),
                                     "AUTOTHROTTLE_ENABLED": settings["AUTOTHROTTLE_ENABLED"] == "true"})
    assert run and run["status"] == "finished" and run["healthy"], run
    assert not db.with_name(db.name + "-wal").exists()  # the crawl's store closed, as a child's exit closes it


def crawl_replay(archive: Path, db: Path, *settings: str, timeout: float = 180) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "crawler.runner", SPIDER, "--db", str(db), "--replay", str(archive),
               "--log-level", "WARNING", "--set", f"LOG_FILE={json.dumps(str(db.parent / 'crawl.log'))}"]
    for setting in settings:
        command += ["--set", setting]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=trial_env())


# --- comparing stores ------------------------------------------------------------------------------------

@dataclass
class Snapshot:
    active: set  # (table, key) of rows not removed
    alerts: Counter  # (entity, key, change) of alertable changes
    removals: Counter  # (entity, key) of every "removed" change, alertable or not
    integrity: str
    runs: list  # (id, status, healthy) in order


def snapshot(db: Path) -> Snapshot:
    connection = sqlite3.connect(db, timeout=30)
    try:
        active = set()
        for table in ("signatures", "instruments"):
            active |= {(table, key) for (key,) in connection.execute(
                f"select key from {table} where removed_at is null")}
        alerts = Counter(connection.execute(
            "select entity, entity_key, change from changes where notify = 1 and change != 'removed'").fetchall())
        removals = Counter(connection.execute(
            "select entity, entity_key from changes where change = 'removed'").fetchall())
        integrity = connection.execute("pragma integrity_check").fetchone()[0]
        runs = connection.execute("select id, status, healthy from crawl_runs order by id").fetchall()
    finally:
        connection.close()
    return Snapshot(active, alerts, removals, integrity, runs)


@dataclass
class TrialResult:
    fault: str
    runs: int = 0  # runs judged
    right: int = 0  # runs whose status was the right one
    lost: int = 0
    false_alerts: int = 0
    false_removals: int = 0
    integrity_failures: int = 0
    secrets_leaked: int = 0  # places (stored rows, outputs, logs) where a secret was found
    tracebacks: int = 0  # outputs or logs that showed a traceback instead of one line
    notes: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.right == self.runs and not (self.lost or self.false_alerts or self.false_removals
                                                or self.integrity_failures or self.secrets_leaked or self.tracebacks)

    def judge(self, right: bool, note: str) -> None:
        self.runs += 1
        self.right += int(right)
        if not right:
            self.notes.append(note)

    def shown(self, folder: Path, *outputs: subprocess.CompletedProcess) -> None:
        """Count what the user was shown and what the runs left: a traceback in a command's output
        instead of its one line; any trial secret in an output or in any file under `folder` (the
        store, its WAL, the crawl log)."""
        texts = [o.stdout or "" for o in outputs] + [o.stderr or "" for o in outputs]
        self.tracebacks += sum("Traceback (most recent call last)" in text for text in texts)
        for secret in TRIAL_SECRETS.values():
            found = sum(secret in text for text in texts)
            found += sum(secret.encode() in path.read_bytes() for path in folder.rglob("*") if path.is_file())
            if found:
                self.notes.append(f"a trial secret found in {found} place(s)")
            self.secrets_leaked += found
        if self.tracebacks:
            self.notes.append("a traceback shown: " + next(t for t in texts if "Traceback" in t)[-300:])

    def compare(self, got: Snapshot, reference: Snapshot) -> None:
        self.lost += sum((reference.alerts - got.alerts).values()) + len(reference.active - got.active)
        self.false_alerts += sum((got.alerts - reference.alerts).values())
        self.false_removals += sum((got.removals - reference.removals).values())
        self.integrity_failures += int(got.integrity != "ok")
        if reference.active != got.active or got.alerts != reference.alerts or got.removals != reference.removals:
            self.notes.append(f"store differs: missing {sorted(reference.active - got.active)[:3]}, "
                              f"extra alerts {sorted((got.alerts - reference.alerts).elements())[:3]}, "
                              f"removals {sorted((got.removals - reference.removals).elements())[:3]}")


def assert_clean(result: TrialResult) -> None:
    """Every run right and zero in every column: the fault matrix's goal, asserted by every fault test."""
    assert result.right == result.runs, result.notes
    counts = {"lost": result.lost, "false alerts": result.false_alerts, "false removals": result.false_removals,
              "integrity failures": result.integrity_failures, "secrets leaked": result.secrets_leaked,
              "tracebacks shown": result.tracebacks}
    assert not any(counts.values()), (counts, result.notes)


def run_row(db: Path, run_id: int) -> dict:
    connection = sqlite3.connect(db, timeout=30)
    connection.row_factory = sqlite3.Row
    try:
        run = dict(connection.execute("select * from crawl_runs where id = ?", (run_id,)).fetchone() or {})
        run["scopes"] = [dict(r) for r in connection.execute("select * from scope_runs where run_id = ?", (run_id,))]
    finally:
        connection.close()
    return run


_WORKDIRS: list[Path] = []


def workdir() -> Path:
    """A scratch folder for one trial, removed when this process exits (set GLOCAL_KEEP_FAULT_FOLDERS=1
    to keep them for a look): a run of the suite used to leave about forty behind in the temporary
    folder, the full matrix hundreds."""
    folder = Path(tempfile.mkdtemp(prefix="glocal-fault-"))
    if not _WORKDIRS and not os.environ.get("GLOCAL_KEEP_FAULT_FOLDERS"):
        atexit.register(_remove_workdirs)
    _WORKDIRS.append(folder)
    return folder


def _remove_workdirs() -> None:
    for folder in _WORKDIRS:
        shutil.rmtree(folder, ignore_errors=True)


# --- 1. a misbehaving site ---------------------------------------------------------------------------------

@dataclass
class SiteFault:
    name: str
    expect: str  # "healthy": absorbed; "partial": the faulty list named, others read; "blind": nothing read
    replies: dict  # path -> list of Reply, applied to the site's pages (bodies may be filled in later)
    settings: tuple = ()
    robots: bytes = ROBOTS


def _body(path: str, pages: dict) -> bytes:
    return pages[path]


def site_faults(pages: dict[str, bytes]) -> list[SiteFault]:
    page = pages[CLEAN_AIR]
    legacy = page.decode("utf-8").replace("charset=UTF-8", "charset=windows-1252").encode("cp1252", "replace")
    urban = pages[URBAN_NATURE]
    cp1252_meta = urban.replace(b'<meta charset="UTF-8">', b'<meta charset="windows-1252">')
    return [
        SiteFault("500 on a list page", "partial", {CLEAN_AIR: [Reply(status=500, body=b"error")]}),
        SiteFault("502 on a list page", "partial", {CLEAN_AIR: [Reply(status=502, body=b"bad gateway")]}),
        SiteFault("503 then the page", "healthy", {CLEAN_AIR: [Reply(status=503, body=b"busy"), Reply(body=page)]}),
        SiteFault("429 Retry-After 1, then the page", "healthy",
                  {CLEAN_AIR: [Reply(status=429, headers={"Retry-After": "1"}), Reply(body=page)]}),
        SiteFault("429 Retry-After beyond the limit", "partial",
                  {CLEAN_AIR: [Reply(status=429, headers={"Retry-After": "86400"})]}),
        SiteFault("stall past the timeout", "partial", {CLEAN_AIR: [Reply(body=page, delay=2.5)]},
                  settings=("DOWNLOAD_TIMEOUT=1", "RETRY_TIMES=0")),
        SiteFault("reset mid-body", "partial", {CLEAN_AIR: [Reply(body=page, cut=len(page) // 2, reset=True)]}),
        SiteFault("truncated body", "partial", {CLEAN_AIR: [Reply(body=page, cut=len(page) // 2)]}),
        SiteFault("redirect loop", "partial",
                  {CLEAN_AIR: [Reply(status=302, headers={"Location": "https://www.c40.org" + CLEAN_AIR})]}),
        SiteFault("off-site redirect", "partial",
                  {CLEAN_AIR: [Reply(status=301, headers={"Location": "https://elsewhere.example.org/x/"})]}),
        SiteFault("wrong content type", "partial",
                  {CLEAN_AIR: [Reply(body=page, headers={"Content-Type": "application/json"})]}),
        SiteFault("missing content type", "healthy", {CLEAN_AIR: [Reply(body=page, headers={})]}),
        SiteFault("legacy encoding (windows-1252, declared)", "healthy",
                  {CLEAN_AIR: [Reply(body=legacy, headers={"Content-Type": "text/html; charset=windows-1252"})]}),
        # A server's label that lies about UTF-8 bytes: valid UTF-8 (and a BOM) beats it (issue 20, item 3).
        SiteFault("UTF-8 labelled iso-8859-1 in the header", "healthy",
                  {URBAN_NATURE: [Reply(body=urban, headers={"Content-Type": "text/html; charset=iso-8859-1"})]}),
        SiteFault("UTF-8 labelled windows-1252 in a <meta>", "healthy",
                  {URBAN_NATURE: [Reply(body=cp1252_meta, headers={"Content-Type": "text/html"})]}),
        SiteFault("a BOM, labelled windows-1252", "healthy",
                  {URBAN_NATURE: [Reply(body=b"\xef\xbb\xbf" + cp1252_meta,
                                        headers={"Content-Type": "text/html; charset=windows-1252"})]}),
        SiteFault("50 MB page", "partial", {CLEAN_AIR: [Reply(make_body=huge_page)]}),
        SiteFault("gzip bomb", "partial",
                  {CLEAN_AIR: [Reply(make_body=gzip_bomb, headers={"Content-Type": "text/html",
                                                                   "Content-Encoding": "gzip"})]}),
        SiteFault("XML entity bomb", "partial", {CLEAN_AIR: [Reply(body=XML_BOMB)]}),
        SiteFault("robots.txt disallows a list", "partial", {}, robots=ROBOTS + b"Disallow: /accelerators/clean-air-cities/\n"),
        SiteFault("redesigned page", "partial",
                  {CLEAN_AIR: [Reply(body=(FIXTURES / SPIDER / "redesigned.html").read_bytes())]}),
        SiteFault("empty 200", "partial", {CLEAN_AIR: [Reply(body=b"")]}),
        SiteFault("hub answers 500", "blind", {HUB: [Reply(status=500, body=b"error")]}),
        SiteFault("hub redesigned", "blind",
                  {HUB: [Reply(body=b"<html><head><title>C40</title></head><body><main><p>New site</p></main></body></html>")]}),
    ]


SHORT_SITE_FAULTS = ("off-site redirect", "reset mid-body")


class SiteTrials:
    """One baseline store, built once, copied for every trial; one reference store."""

    def __init__(self, site: FaultySite):
        self.site = site
        self.root = workdir()
        self.baseline_db = self.root / "baseline" / "glocal.db"
        self.baseline_db.parent.mkdir()
        self.before = site_pages(clean_air_changed=False, good_food_changed=False)
        self.during = site_pages(clean_air_changed=False, good_food_changed=True)
        self.after = site_pages(clean_air_changed=True, good_food_changed=True)
        serve(site, self.before)
        crawl_live_in_process(site, self.baseline_db)
        reference_db = self.root / "reference" / "glocal.db"
        self._copy(reference_db)
        serve(site, self.after)
        crawl_live_in_process(site, reference_db)
        self.reference = snapshot(reference_db)

    def _copy(self, db: Path) -> None:
        db.parent.mkdir(parents=True)
        shutil.copy(self.baseline_db, db)  # the baseline's last connection closed: no -wal file

    def run(self, fault: SiteFault, trial: int = 0) -> TrialResult:
        result = TrialResult(fault.name)
        db = self.root / f"{fault.name.replace(' ', '_').replace('/', '_')}-{trial}" / "glocal.db"
        self._copy(db)
        # no 304 for a faulty path: a conditional request must not step around the fault
        replies = {path: [dataclasses.replace(r, etag=False) for r in answers] for path, answers in fault.replies.items()}
        serve(self.site, self.during, replies, robots=fault.robots)
        # K=1 during the fault: a faulty list taken as whole would remove its missing rows at once
        faulty = crawl_live(self.site, db, "STORE_REMOVAL_RUNS=1", *fault.settings)
        run = run_row(db, 2)
        result.judge(self._right(fault, run), f"faulty run: expected {fault.expect}, got healthy={run.get('healthy')} "
                                              f"{run.get('summary')!r} (exit {faulty.returncode})")
        serve(self.site, self.after)
        clean = crawl_live(self.site, db)
        result.judge(clean.returncode == 0 and run_row(db, 3).get("healthy") == 1,
                     f"clean run after the fault: exit {clean.returncode} {clean.stderr[-300:]}")
        result.compare(snapshot(db), self.reference)
        result.shown(db.parent, faulty, clean)
        shutil.rmtree(db.parent, ignore_errors=True)
        return result

    @staticmethod
    def _right(fault: SiteFault, run: dict) -> bool:
        if not run:
            return False
        signatures = [s for s in run["scopes"] if s["entity"] == "signature"]
        seen_whole = [s for s in signatures if s["complete"] and s["healthy"]]
        if fault.expect == "healthy":
            return run["healthy"] == 1 and len(seen_whole) == len(signatures) == 8
        if run["status"] == "aborted":
            return False
        if run["healthy"] != 0 and not any(s.get("held") for s in signatures):
            return False
        if fault.expect == "blind":
            return not seen_whole and bool(run["health"]) and "UNHEALTHY" in (run["summary"] or "")
        clean_air = [s for s in signatures if s["scope"] == CLEAN_AIR_SCOPE]
        if clean_air and clean_air[0].get("held"):
            # a list that changed too much at once is held, its alerts waiting (store/holds.py): named too
            return "held for changing too much" in (run["summary"] or "") and len(seen_whole) == 8
        named = bool(clean_air) and not (clean_air[0]["complete"] and clean_air[0]["healthy"]) and bool(
            clean_air[0]["reason"]) and "clean-air-cities" in (run["summary"] or "")
        return named and len(seen_whole) == 7

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


# --- 2. killed processes ------------------------------------------------------------------------------------

def kill_trial(site: FaultySite, after_items: int, reference: Snapshot) -> TrialResult:
    """SIGKILL a baseline crawl once the store holds `after_items` changes, then one clean run."""
    result = TrialResult(f"SIGKILL after {after_items} items")
    root = workdir()
    db = root / "glocal.db"
    pages = site_pages(clean_air_changed=False, good_food_changed=False)
    serve(site, pages, {path: [Reply(body=body, delay=0.25)] for path, body in pages.items() if path != HUB})
    child = subprocess.Popen(live_command(site, db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=trial_env())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        if _count(db, "changes") >= after_items:
            break
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait()
    killed_mid_run = _count(db, "crawl_runs where status = 'running'") == 1
    result.integrity_failures += int(_integrity(db) != "ok")
    serve(site, pages)
    clean = crawl_live(site, db)
    got = snapshot(db)
    result.judge(killed_mid_run and got.runs[0][1] == "aborted", f"killed run: {got.runs[:1]} (mid-run: {killed_mid_run})")
    result.judge(clean.returncode == 0 and got.runs[-1][1:] == ("finished", 1), f"clean run: {clean.stderr[-300:]}")
    result.compare(got, reference)
    result.shown(root, clean)
    shutil.rmtree(root, ignore_errors=True)
    return result


def kill_reference(site: FaultySite) -> Snapshot:
    root = workdir()
    serve(site, site_pages(clean_air_changed=False, good_food_changed=False))
    crawl_live_in_process(site, root / "glocal.db")
    reference = snapshot(root / "glocal.db")
    shutil.rmtree(root, ignore_errors=True)
    return reference


def _count(db: Path, what: str) -> int:
    try:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return connection.execute(f"select count(*) from {what}").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return 0


def compacted_pages(db: Path) -> int:
    """The store's size in pages once VACUUM has dropped its free pages, so that a cap at this size
    binds: a write can no longer reuse freed pages (a released crawl lock frees one) instead of growing."""
    connection = sqlite3.connect(db, timeout=30)
    try:
        connection.execute("vacuum")
        return connection.execute("pragma page_count").fetchone()[0]
    finally:
        connection.close()


def _integrity(db: Path) -> str:
    connection = sqlite3.connect(db, timeout=30)
    try:
        return connection.execute("pragma integrity_check").fetchone()[0]
    finally:
        connection.close()


# --- 3. a full disk ------------------------------------------------------------------------------------------

class DiskTrials:
    """Replays into a store whose size is capped (SQLite max_page_count), first and later runs."""

    def __init__(self):
        from tests.crawler.test_replay_e2e import LIST_PAGES

        self.root = workdir()
        changed = {"clean-air-cities.html": accra_replaces_amman, "good-food-cities.html": lisbon_joins}
        self.baseline = archive_of(self.root / "a.warc.gz", saved_pages(SPIDER, LIST_PAGES, day="2026-11-02"))
        self.changed = archive_of(self.root / "b.warc.gz",
                                  saved_pages(SPIDER, LIST_PAGES, day="2026-11-09", edits=changed))
        self.changed_later = archive_of(self.root / "c.warc.gz",
                                        saved_pages(SPIDER, LIST_PAGES, day="2026-11-16", edits=changed))
        db = self.root / "ref-first" / "glocal.db"
        db.parent.mkdir()
        assert crawl_replay(self.baseline, db).returncode == 0
        self.first_reference = snapshot(db)
        assert crawl_replay(self.changed_later, db).returncode == 0
        self.later_reference = snapshot(db)

    def first_run(self, pages: int) -> TrialResult:
        result = TrialResult(f"full disk at {pages} pages, first run")
        db = self._db(f"first-{pages}")
        capped = crawl_replay(self.baseline, db, f"STORE_MAX_PAGE_COUNT={pages}")
        result.judge(capped.returncode == 1 and snapshot(db).runs[-1][2] == 0, f"capped run: exit {capped.returncode}")
        clean = crawl_replay(self.baseline, db)
        result.judge(clean.returncode == 0, f"clean run: {clean.stderr[-300:]}")
        result.compare(snapshot(db), self.first_reference)
        result.shown(db.parent, capped, clean)
        return result

    def later_run(self, extra_pages: int) -> TrialResult:
        result = TrialResult(f"full disk at +{extra_pages} pages, later run")
        db = self._db(f"later-{extra_pages}")
        assert crawl_replay(self.baseline, db).returncode == 0
        size = compacted_pages(db)
        capped = crawl_replay(self.changed, db, f"STORE_MAX_PAGE_COUNT={size + extra_pages}", "STORE_REMOVAL_RUNS=1")
        result.judge(capped.returncode == 1 and snapshot(db).runs[-1][2] == 0, f"capped run: exit {capped.returncode}")
        clean = crawl_replay(self.changed_later, db)
        result.judge(clean.returncode == 0, f"clean run: {clean.stderr[-300:]}")
        result.compare(snapshot(db), self.later_reference)
        result.shown(db.parent, capped, clean)
        return result

    def _db(self, name: str) -> Path:
        db = self.root / name / "glocal.db"
        db.parent.mkdir()
        return db

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


# --- 4. names in any script (issue 2, from the source kit) -------------------------------------------------

SCRIPT_NAMES = ["北京市", "Москва", "Київ", "القاهرة", "서울", "Αθήνα"]


def script_trial() -> TrialResult:
    """Names in six scripts become six distinct rows; a name of punctuation alone is a parse error
    that leaves the list as it was (never a silent merge into an empty key)."""
    from tests.crawler.test_replay_e2e import LIST_PAGES

    result = TrialResult("names in six scripts, then a punctuation-only name")
    root = workdir()
    db = root / "glocal.db"

    def scripts(body: bytes) -> bytes:
        return body.replace(b"Amman, Austin", ", ".join(SCRIPT_NAMES).encode() + b", Austin")

    def degenerate(body: bytes) -> bytes:
        return scripts(body).replace(b", Austin", b", ..., Austin")

    first = archive_of(root / "a.warc.gz", saved_pages(SPIDER, LIST_PAGES, day="2026-11-02",
                                                       edits={"clean-air-cities.html": scripts}))
    second = archive_of(root / "b.warc.gz", saved_pages(SPIDER, LIST_PAGES, day="2026-11-09",
                                                        edits={"clean-air-cities.html": degenerate}))
    first_run = crawl_replay(first, db)
    connection = sqlite3.connect(db)
    names = {name for (name,) in connection.execute(
        "select actor_name from signatures where scope = ? and removed_at is null", (CLEAN_AIR_SCOPE,))}
    keys = [key for (key,) in connection.execute("select key from signatures where scope = ?", (CLEAN_AIR_SCOPE,))]
    connection.close()
    result.lost += len(set(SCRIPT_NAMES) - names)
    result.judge(run_row(db, 1).get("healthy") == 1 and len(keys) == len(set(keys)) == 40 and
                 all(key.rsplit("/", 1)[1] for key in keys), f"first run: {len(keys)} rows, names {sorted(names)[:8]}")
    second_run = crawl_replay(second, db)
    result.shown(root, first_run, second_run)
    run = run_row(db, 2)
    connection = sqlite3.connect(db)
    keys_after = sorted(key for (key,) in connection.execute(
        "select key from signatures where scope = ? and removed_at is null", (CLEAN_AIR_SCOPE,)))
    connection.close()
    clean_air = [s for s in run.get("scopes", []) if s["scope"] == CLEAN_AIR_SCOPE]
    named = bool(clean_air) and not clean_air[0]["healthy"] and "no letter or digit" in (clean_air[0]["reason"] or "")
    # Since the roster reader stands in for a parser that fails (issue 23), it may read the list
    # instead: right when it reads the same rows (no empty key) and the run still says the parser
    # needs attention.
    stood_in = "stands in" in (run.get("summary") or "") and keys_after == sorted(keys)
    result.judge(run.get("healthy") == 0 and (named or stood_in), f"second run: {run.get('summary')}")
    got = snapshot(db)
    result.false_alerts += sum(got.alerts.values())
    result.false_removals += sum(got.removals.values())
    result.integrity_failures += int(got.integrity != "ok")
    shutil.rmtree(root, ignore_errors=True)
    return result
