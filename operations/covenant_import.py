"""`glocal import covenant FILE`: the JRC signatories file into the store, through the crawl's session.

One write path (issue 17): the importer hands the items the `covenant_open_data` spider yields
for the same file (spiders/parsers/covenant_open_data.FileItems) to the same store session a
crawl uses (crawler/session.CrawlSession): the same run row and lock, the same page record, the
same keys, actor resolution (the places resolver, with the file's coordinates), scope rules,
removal rule, health checks and alert outbox. A file imported and the same file crawled
(`glocal crawl covenant_open_data --replay FILE`) give identical stores.

The file is read twice, row by row (the roster's keys, then its rows), never whole: memory grows
only with the keys and the actors met (bench/covenant_scale.py measures the slope).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from kit.errors import GlocalError
from spiders.parsers import covenant as com
from spiders.parsers import covenant_open_data as parser
from store.clock import iso_utc, utcnow

logger = logging.getLogger(__name__)


@dataclass
class ImportResult:
    run_id: int
    rows: int
    signatures: int
    rejected: int
    problems: list[str]
    problem_count: int
    complete: bool
    reason: str | None
    counts: dict

    def summary(self) -> str:
        changed = ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items()) if n and k != "unchanged") or "no changes"
        parts = [f"{self.rows} rows read, {self.signatures} signatories", changed]
        if self.problem_count:
            parts.append(f"{self.problem_count} rows with a problem")
        if not self.complete:
            parts.append(f"INCOMPLETE: {self.reason}")
        return "; ".join(parts)


class _ImportCrawler(SimpleNamespace):
    """What CrawlSession reads of a Scrapy crawler: the project's settings, stats, no engine."""

    def __init__(self, settings):
        super().__init__(settings=settings, engine=None, stats=SimpleNamespace(get_stats=dict))


def import_file(db_path: str | Path, path: str | Path, *, url: str | None = None, removal_runs: int | None = None,
                progress: Callable[[int], None] | None = None, source: str = parser.SOURCE,
                alerts_config: str | None = None) -> ImportResult:
    """Import one JRC signatories file (CSV or XLSX) into the store at `db_path`.

    :param url: where the file came from (default: its file:// URL)
    :param progress: called with the number of bytes read so far, now and then
    :param alerts_config: the alert rules file (ALERTS_CONFIG): changes after the baseline are routed
        to the outbox in their own transaction, as a crawl's are
    :raises GlocalError: the file cannot be read, or its layout or encoding is not the JRC one (nothing
        is written to the signatories then; the run is recorded as failed with the reason)
    """
    from crawler.session import CrawlSession

    path = Path(path)
    if not path.is_file():
        raise GlocalError(f"{path}: no such file")
    url = url or path.resolve().as_uri()
    settings = _settings(db_path, alerts_config, removal_runs)
    session = CrawlSession(_ImportCrawler(settings))
    spider = SimpleNamespace(name=source, expectations=parser.EXPECTATIONS, actor_ref_scheme=com.SOURCE_ID_SCHEME)
    session.open(spider)
    digest, size = _sha256(path)
    started = utcnow()
    reading = parser.FileItems(lambda: _Progress(path, progress), name=path.name, url=url, source=source,
                               max_bad_share=settings.getfloat("COVENANT_OPEN_DATA_MAX_BAD_SHARE"))
    try:
        session.record_page(url=url, fetched_at=started, status=200,
                            content_type="text/csv" if path.suffix.lower() == ".csv" else "application/octet-stream",
                            etag=None, last_modified=_mtime(path), sha256=digest, length=size, archive=None,
                            archive_offset=None)
        for item in reading.items():
            session.handle(item)
    finally:
        session.close("failed" if reading.error else "finished")
    if progress:
        progress(size)
    if session.fatal:
        raise GlocalError(session.fatal)
    if reading.error:
        raise GlocalError(reading.error)
    return _result(session, reading)


def _settings(db_path, alerts_config, removal_runs):
    from scrapy.settings import Settings

    from crawler import settings as project_settings

    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.set("STORE_DB_PATH", str(db_path), priority="cmdline")
    if alerts_config is not None:
        settings.set("ALERTS_CONFIG", alerts_config, priority="cmdline")
    if removal_runs:
        settings.set("STORE_REMOVAL_RUNS", removal_runs, priority="cmdline")
    return settings


def _result(session, reading: parser.FileItems) -> ImportResult:
    dataset = reading.dataset
    state = session._states.get(parser.SCOPE)
    complete = bool(state and state.complete and state.trusted and not state.held)
    reason = None if complete else (state.reason if state else reading.error) or "the roster was not judged whole"
    return ImportResult(run_id=session.run_id, rows=dataset.rows, signatures=len(state.keys or ()) if state else 0,
                        rejected=dataset.rejected, problems=dataset.problems, problem_count=dataset.problem_count,
                        complete=complete, reason=reason, counts=dict(state.counts) if state else {})


class _Progress:
    """The file opened for reading, telling `progress` how far the second pass has read."""

    def __init__(self, path: Path, progress):
        self._stream = path.open("rb")
        self._progress = progress
        self._reported = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._stream.close()

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def read(self, size=-1):
        data = self._stream.read(size)
        if self._progress and self._stream.tell() - self._reported >= 1 << 20:
            self._reported = self._stream.tell()
            self._progress(self._reported)
        return data

    def readinto(self, buffer):
        count = self._stream.readinto(buffer)
        if self._progress and self._stream.tell() - self._reported >= 1 << 20:
            self._reported = self._stream.tell()
            self._progress(self._reported)
        return count


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _mtime(path: Path) -> str:
    from datetime import datetime, timezone

    return iso_utc(datetime.fromtimestamp(path.stat().st_mtime, timezone.utc))
