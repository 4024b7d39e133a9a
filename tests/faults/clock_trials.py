"""Times from elsewhere may not move the store's clock (issue 20, items 1, 2 and 22): an archive's
CDX answer with a capture dated 2099 or a timestamp that is no date, a WARC whose pages are dated
in the future, and an archive that asks to wait (429 Retry-After) before it answers.

A store is right after such a fault when a later ordinary crawl is healthy and records its real
changes: `lost` counts the runs that a poisoned clock made stale (their changes unrecorded).
"""

from __future__ import annotations

import sqlite3

from tests.faults.trials import TrialResult, workdir
from tests.helpers import FIXTURES, archive_of, glocal, saved_pages

SPIDER = "c40_accelerators"
HUB = "https://www.c40.org/what-we-do/raising-climate-ambition/high-impact-accelerators/"
CLEAN_AIR = "https://www.c40.org/accelerators/clean-air-cities/"
PAGE = (FIXTURES / SPIDER / "clean-air-cities.html").read_bytes()
HUB_PAGE = (FIXTURES / SPIDER / "hub.html").read_bytes()
LIST_PAGES = ["hub.html", "green-healthy-streets.html", "clean-air-cities.html", "net-zero-carbon-buildings.html",
              "good-food-cities.html", "divest-invest.html", "urban-nature.html", "equity-pledge.html",
              "water-safe-cities.html"]
FIRST = "20190301101500"
BAD_STAMPS = ("20991231000000", "20261399999999", "20190230120000")


def _runs(db) -> list[tuple]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute("select id, kind, as_of, status, healthy, summary from crawl_runs order by id").fetchall()
    finally:
        connection.close()


def _judge_outputs(result: TrialResult, *outputs) -> None:
    for output in outputs:
        result.tracebacks += int("Traceback" in output.stdout + output.stderr)


def _later_crawl_is_healthy(result: TrialResult, folder, db) -> None:
    """An ordinary crawl after the fault (pages dated 2026-11-09) is healthy and not stale."""
    later = archive_of(folder / "later.warc.gz", saved_pages(SPIDER, LIST_PAGES, day="2026-11-09",
                                                             edits={"clean-air-cities.html": lambda b: b.replace(
                                                                 b"Milan, ", b"Milan, Nairobi, ")}))
    crawl = glocal("crawl", SPIDER, "--replay", later, "--db", db)
    _judge_outputs(result, crawl)
    run = _runs(db)[-1]
    stale = "older than the last recorded" in (run[5] or "")
    result.lost += int(stale or run[4] != 1)
    result.judge(crawl.returncode == 0 and run[4] == 1, f"later crawl: exit {crawl.returncode}, {run}")


def cdx_future_trial() -> TrialResult:
    """CDX rows dated 2099, 13/99 and 30 February beside real ones, for the start URL (read by the
    parent) and a list page (read by the crawl): refused and counted; the real ones replayed."""
    from tests.site_server import ArchiveServer

    result = TrialResult("CDX captures dated 2099 or malformed (20261399999999, Feb 30)")
    folder = workdir()
    db = folder / "glocal.db"
    captures = {HUB: [(FIRST, HUB_PAGE)] + [(stamp, HUB_PAGE) for stamp in BAD_STAMPS],
                CLEAN_AIR: [(FIRST, PAGE)] + [(stamp, PAGE.replace(b"Milan, ", b"")) for stamp in BAD_STAMPS]}
    with ArchiveServer(captures) as archive:
        backfill = glocal("backfill", SPIDER, "--db", db, env=archive.env())
        again = glocal("backfill", SPIDER, "--db", db, env=archive.env())
    _judge_outputs(result, backfill, again)
    runs = _runs(db)
    result.judge(backfill.returncode == 0 and [r[2] for r in runs] == ["2019-03-01T10:15:00Z"]
                 and "3 rows refused" in backfill.stderr and "dated in the future" in backfill.stderr
                 and "nothing to backfill" in again.stdout,
                 f"backfill: exit {backfill.returncode} {backfill.stderr[-300:]!r}, runs {runs}")
    _later_crawl_is_healthy(result, folder, db)
    return result


def future_pages_trial() -> TrialResult:
    """A replayed archive whose pages are dated 2099-12-31: the run changes nothing and says why;
    an ordinary crawl after it is healthy (the 2099 observation is no "last recorded one")."""
    result = TrialResult("pages dated in the future (a WARC of 2099)")
    folder = workdir()
    db = folder / "glocal.db"
    first = archive_of(folder / "first.warc.gz", saved_pages(SPIDER, LIST_PAGES, day="2026-11-02"))
    future = archive_of(folder / "future.warc.gz", saved_pages(SPIDER, LIST_PAGES, day="2099-12-31", edits={
        "clean-air-cities.html": lambda b: b.replace(b"Milan, ", b"")}))
    crawls = [glocal("crawl", SPIDER, "--replay", first, "--db", db),
              glocal("crawl", SPIDER, "--replay", future, "--db", db)]
    _judge_outputs(result, *crawls)
    run = _runs(db)[-1]
    connection = sqlite3.connect(db)
    removed = connection.execute("select count(*) from changes where change = 'removed'").fetchone()[0]
    connection.close()
    result.false_removals += removed
    result.judge(run[4] == 0 and "in the future" in (run[5] or ""), f"future run: {run}")
    _later_crawl_is_healthy(result, folder, db)
    return result


def cdx_retry_after_trial() -> TrialResult:
    """The start URL's CDX request answered 429 Retry-After: 1, then 503 Retry-After: 1, then the
    listing: waited out, the backfill completes; a Retry-After beyond CRAWL_MAX_RETRY_AFTER (or
    1e12) is one clear line."""
    from tests.site_server import ArchiveServer

    result = TrialResult("CDX answers 429/503 with Retry-After (1 s; beyond the limit; 1e12)")
    captures = {HUB: [(FIRST, HUB_PAGE)], CLEAN_AIR: [(FIRST, PAGE)]}
    for waits, succeeds in ((("1", "1"), True), (("86400",), False), (("1e12",), False)):
        folder = workdir()
        with ArchiveServer(captures) as archive:
            archive.once["/cdx/search/cdx"] = [(429 if i == 0 else 503, {"Retry-After": w}, b"slow down")
                                               for i, w in enumerate(waits)]
            backfill = glocal("backfill", SPIDER, "--db", folder / "glocal.db", env=archive.env())
        _judge_outputs(result, backfill)
        if succeeds:
            runs = _runs(folder / "glocal.db")
            result.lost += int(len(runs) != 1)
            result.judge(backfill.returncode == 0 and len(runs) == 1, f"{waits}: {backfill.stderr[-300:]}")
        else:
            result.judge(backfill.returncode == 1 and "CRAWL_MAX_RETRY_AFTER" in backfill.stderr
                         and len(backfill.stderr.strip().splitlines()) == 1, f"{waits}: {backfill.stderr[-300:]}")
    return result


TRIALS = {"cdx future": cdx_future_trial, "future pages": future_pages_trial, "cdx retry-after": cdx_retry_after_trial}
