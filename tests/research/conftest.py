"""A store filled by replaying the C40 fixtures three times (baseline; Accra in and Amman missing;
the drop confirmed), plus, through the store's own ingest API, what the other sources will bring:
two networks' member lists, a congress in Durban with the declaration adopted there, a VLR and a
news item. Built once per session; tests that change it work on a copy."""

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from places import gazetteer
from kit.items import Announcement, Event, Instrument, Membership, Report, as_record
from store import open_db
from store.actors import ActorResolver
from store.ingest import apply_records, begin_scope, close_scope
from store.runs import finish_run, start_run
from tests.helpers import archive_of, replay_like_cli, saved_pages

SPIDER = "c40_accelerators"
LIST_PAGES = ["hub.html", "green-healthy-streets.html", "clean-air-cities.html", "net-zero-carbon-buildings.html",
              "good-food-cities.html", "divest-invest.html", "urban-nature.html", "equity-pledge.html",
              "water-safe-cities.html"]
CLEAN_AIR = "c40_accelerators/clean-air-cities"
DAYS = ("2026-11-02", "2026-11-09", "2026-11-16")


def accra_joins_amman_leaves(body: bytes) -> bytes:
    assert b"Amman, Austin" in body
    return body.replace(b"Amman, Austin", b"Accra, Austin")


C40_MEMBERS = ["Bogotá", "Paris", "Barcelona", "Accra", "Durban", "London", "Dhaka (North & South)"]
COVENANT = [("Paris", "FR"), ("Barcelona", "ES"), ("Castelldefels", "ES"), ("Milano", "IT")]


def ingest(db, spider, entity, scope, records, *, now, keys=True):
    run_id = start_run(db, spider=spider, now=now)
    state = begin_scope(db, run_id=run_id, scope=scope, entity=entity, url=records[0]["url"], observed_at=now,
                        complete=True, healthy=True, keys=[r["key"] for r in records] if keys else None)
    apply_records(db, state, records, now=now, resolver=ActorResolver(db, spider, gazetteer.default(), now))
    close_scope(db, state, now=now, removal_runs=2)
    finish_run(db, run_id, now=now, finish_reason="finished", pages=1, items=len(records), errors=0, healthy=True,
               health=[], summary="ingested by the research tests")
    return run_id


def add_other_sources(db, now="2026-11-10T09:00:00Z"):
    members = [as_record(Membership(source="c40_members", key=f"c40-members/{n}", url="https://www.c40.org/cities/",
                                    network="C40 Cities", actor_name=n)) for n in C40_MEMBERS]
    ingest(db, "c40_members", "membership", "c40_members/members", members, now=now)
    covenant = [as_record(Membership(source="covenant_signatories", key=f"covenant/{n}", country=c,
                                     url="https://eu-mayors.ec.europa.eu/en/signatories",
                                     network="Covenant of Mayors", actor_name=n)) for n, c in COVENANT]
    ingest(db, "covenant_signatories", "membership", "covenant/signatories", covenant, now=now)
    event = as_record(Event(source="uclg_events", key="uclg/world-congress-2019", url="https://www.uclg.org/en/media/events/durban",
                            title="UCLG World Congress and World Summit of Local and Regional Leaders",
                            starts_on="2019-11-11", ends_on="2019-11-15", city="Durban", country="ZA",
                            organiser="UCLG", series="UCLG World Congress", edition="6"))
    ingest(db, "uclg_events", "event", "uclg/events", [event], now=now, keys=False)
    declaration = as_record(Instrument(
        source="uclg_declarations", key="uclg/durban-political-declaration", url="https://uclg.org/new/durban-declaration/",
        title="Durban Political Declaration: Envisioning the Future of Our Renewed International Municipal Movement",
        kind="declaration", issuer="UCLG", adopted_on="2019-11-15", place="Durban", event_key="uclg/world-congress-2019",
        text="Local and regional governments commit to the localization of the 2030 Agenda and a renewed municipal movement."))
    vlr = as_record(Report(source="un_vlrs", key="un/vlr/bristol-2019", url="https://sdgs.un.org/topics/voluntary-local-reviews",
                           title="Bristol and the SDGs: A Voluntary Local Review", kind="voluntary_local_review",
                           actor_name="Bristol", country="GB", published="2019-07", published_precision="month",
                           reviews="2030 Agenda"))
    ingest(db, "uclg_declarations", "instrument", "uclg/declarations", [declaration], now=now, keys=False)
    ingest(db, "un_vlrs", "report", "reports:un_vlrs", [vlr], now=now, keys=False)
    news = as_record(Announcement(source="uclg_news", key="uclg/news/durban-closes", url="https://uclg.org/new/36072/",
                                  title="Local and regional leaders close the World Summit in Durban",
                                  published_on="2019-11-26", summary="The Durban Political Declaration was adopted by the World Council."))
    ingest(db, "uclg_news", "announcement", "uclg/news", [news], now=now, keys=False)


def built_once(tmp_path_factory, name: str, build):
    """The folder `name` made by `build(folder)` once per test session: the workers of one session
    share it (the first builds it under a lock, the others wait and read it). For stores the tests
    only read; a test that writes works on a copy. Returns (folder, what build returned, pickled)."""
    import fcntl
    import os
    import pickle

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (folder / "built").exists():
            folder.mkdir(exist_ok=True)
            (folder / "built").write_bytes(pickle.dumps(build(folder)))
    return folder, pickle.loads((folder / "built").read_bytes())


def _replay_research_store(folder: Path) -> None:
    db_path = folder / "glocal.db"
    for number, day in enumerate(DAYS):
        edits = {"clean-air-cities.html": accra_joins_amman_leaves} if number else None
        archive = archive_of(folder / f"{day}.warc.gz", saved_pages(SPIDER, LIST_PAGES, day=day, edits=edits))
        result = replay_like_cli(SPIDER, archive, db_path)
        assert result.returncode == 0, result.stdout + result.stderr
    db = open_db(db_path)
    add_other_sources(db)
    db.close()


@pytest.fixture(scope="session")
def research_store(tmp_path_factory):
    """Built once per test session (about 1.8 s of CPU), shared by the workers."""
    folder, _ = built_once(tmp_path_factory, "research-store", _replay_research_store)
    return folder / "glocal.db"


@pytest.fixture
def store_copy(research_store, tmp_path) -> Path:
    """A private copy of the replayed store, for tests that write to it."""
    copy = tmp_path / "glocal.db"
    shutil.copy(research_store, copy)
    return copy


BENCH_SIZES = {"signatures": 3_000, "actors": 400, "instruments": 40, "seed": 7}


@pytest.fixture(scope="session")
def bench_store(tmp_path_factory):
    """The query benchmark's synthetic store at a tiny size: (path, what its samplers need). Six
    networks with removed members, instruments of every size, removed signatures."""
    from bench import queries as bench_queries

    folder, world = built_once(tmp_path_factory, "bench-store",
                               lambda folder: bench_queries.build(folder / "tiny.db", **BENCH_SIZES))
    return folder / "tiny.db", world


SAMPLE_ARCHIVE = Path(__file__).parents[1] / "fixtures" / "sample.warc.gz"


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """The README's store: `glocal crawl --all --replay tests/fixtures/sample.warc.gz`, run once per
    test session (the workers of one session share it: the first builds it under a lock). Built in
    process (about a minute of CPU less than the command's fifteen child crawls);
    test_sample_store.py (`-m slow`) checks that the command builds the same store."""
    from tests.helpers import crawl_all_in_process

    def crawl_all(folder):
        result = crawl_all_in_process(SAMPLE_ARCHIVE, folder / "glocal.db")
        assert result.returncode == 0, result.stdout
        return result.stdout

    folder, _ = built_once(tmp_path_factory, "sample-store", crawl_all)
    return folder / "glocal.db"


@contextmanager
def serving(db_path: Path, log_folder: Path):
    """`glocal serve --port 0` on the store in a child process, up and answering: yields its base URL
    (http://127.0.0.1:PORT, no trailing slash); stopped on the way out."""
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    command = [str(Path(sys.executable).parent / "glocal"), "serve", "--port", "0", "--db", str(db_path)]
    # stderr to a file: a pipe nobody reads would fill with logged tracebacks and stall the server
    with open(log_folder / "serve.log", "w+") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            line = process.stdout.readline()
            assert "read-only at http://127.0.0.1:" in line, log.seek(0) or log.read()
            base = line.rsplit(" ", 1)[1].strip().rstrip("/")
            deadline = time.time() + 30
            while True:
                try:
                    urllib.request.urlopen(base + "/-/versions.json", timeout=10).read()
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if time.time() > deadline or process.poll() is not None:
                        raise
                    time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()


@pytest.fixture(scope="module")
def server(research_store, tmp_path_factory):
    """The replayed research store served by `glocal serve`: (base URL, store path)."""
    with serving(research_store, tmp_path_factory.mktemp("serve")) as base:
        yield base, research_store


@pytest.fixture(scope="module")
def sample_server(sample_store, tmp_path_factory):
    """The README's sample store served by `glocal serve`: (base URL, store path)."""
    with serving(sample_store, tmp_path_factory.mktemp("serve-sample")) as base:
        yield base, sample_store
