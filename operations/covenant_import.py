"""`glocal import covenant FILE`: the JRC signatories file into the store, by the crawl's rules.

The import is a run like a crawl: a `crawl_runs` row (spider "covenant_open_data"), a `pages`
row for the file (its URL, size and SHA-256), the instrument scope, and one signatures scope
(the dataset's roster) written in batches through `store.ingest` — the same baseline, history,
removal rule and actor resolution as a crawl. The file is streamed: memory does not grow with it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kit.errors import GlocalError, ParseError
from kit.items import as_record
from places.curated import gazetteer
from store.clock import iso_utc, utcnow
from spiders.parsers import covenant as com
from spiders.parsers import covenant_open_data as parser
from spiders.parsers import covenant_signatories
from store import ingest, open_db, pages, runs
from store.actors import ActorResolver

logger = logging.getLogger(__name__)

BATCH = 2000


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


def import_file(db_path: str | Path, path: str | Path, *, url: str | None = None, removal_runs: int | None = None,
                progress: Callable[[int], None] | None = None, source: str = parser.SOURCE,
                alerts_config: str | None = None) -> ImportResult:
    """Import one JRC signatories file (CSV or XLSX) into the store at `db_path`.

    :param url: where the file came from (default: its file:// URL)
    :param progress: called with the number of bytes read so far, now and then
    :param alerts_config: the alert rules file (ALERTS_CONFIG): changes after the baseline are routed
        to the outbox in their own transaction, as a crawl's are
    :raises GlocalError: the file cannot be read, or its layout is not the JRC one (nothing is written
        to the signatories then; the run is recorded as failed with the reason)
    """
    path = Path(path)
    if not path.is_file():
        raise GlocalError(f"{path}: no such file")
    url = url or path.resolve().as_uri()
    db = open_db(db_path)
    try:
        from alerts.outbox import outbox_for

        from crawler import settings as project_settings  # the K of STORE_REMOVAL_RUNS, as a crawl reads it

        return _import(db, path, url, removal_runs or project_settings.STORE_REMOVAL_RUNS, progress, source,
                       outbox_for(alerts_config))
    finally:
        db.close()


def _import(db, path: Path, url: str, removal_runs: int, progress, source: str, outbox) -> ImportResult:
    started = utcnow()
    run_id = runs.start_run(db, spider=source, now=started)
    digest, size = _sha256(path)
    fetched_at = iso_utc_from_mtime(path)
    page_id = pages.record_page(db, run_id=run_id, url=url, fetched_at=started, status=200,
                                content_type="text/csv" if path.suffix.lower() == ".csv" else "application/octet-stream",
                                etag=None, last_modified=fetched_at, sha256=digest, length=size, archive=None,
                                archive_offset=None)
    page_of = lambda _url: (page_id, started)  # noqa: E731 - every row was seen in this one file
    resolver = ActorResolver(db, source, gazetteer(), started, ref_scheme=com.SOURCE_ID_SCHEME)
    with path.open("rb") as stream:
        try:
            dataset = parser.open_dataset(stream, name=path.name, url=url)
        except ParseError as error:
            _fail(db, run_id, str(error))
            raise GlocalError(str(error)) from None
        _import_instrument(db, run_id, url, started, page_of, source, outbox, removal_runs)
        active_before = db.conn.execute("select count(*) from signatures where scope = ? and removed_at is null",
                                        (parser.SCOPE,)).fetchone()[0]
        state = ingest.begin_scope(db, run_id=run_id, scope=parser.SCOPE, entity="signature", url=url,
                                   observed_at=started, complete=True, healthy=True, keys=None, kind=ingest.ROSTER,
                                   outbox=outbox)
        keys: set[str] = set()
        batch: list[dict] = []
        for signature in dataset.signatures(source=source):
            keys.add(signature.key)
            batch.append(dict(signature.__dict__))  # flat scalars: no deep copy (dataclasses.asdict) needed
            if len(batch) >= BATCH:
                ingest.apply_records(db, state, batch, now=utcnow(), page_of=page_of, resolver=resolver)
                batch = []
                if progress:
                    progress(stream.tell())
        if batch:
            ingest.apply_records(db, state, batch, now=utcnow(), page_of=page_of, resolver=resolver)
        if progress:
            progress(size)
    state.keys = keys
    reason = _incompleteness(dataset, len(keys), active_before)
    ingest.close_scope(db, state, now=utcnow(), removal_runs=removal_runs, page_id=page_id, incomplete=reason)
    result = ImportResult(run_id=run_id, rows=dataset.rows, signatures=len(keys), rejected=dataset.rejected,
                          problems=dataset.problems, problem_count=dataset.problem_count, complete=reason is None,
                          reason=reason, counts=dict(state.counts))
    runs.finish_run(db, run_id, now=utcnow(), finish_reason="finished", pages=1, items=len(keys) + 1,
                    errors=0, healthy=True, health=[{"check": "rows", "passed": reason is None,
                                                     "detail": reason or f"{dataset.rows} rows read"}],
                    summary=result.summary())
    return result


def _import_instrument(db, run_id, url, now, page_of, source, outbox, removal_runs) -> None:
    instrument = covenant_signatories.instrument(url)
    instrument.source, instrument.scope = source, parser.INSTRUMENTS_SCOPE
    state = ingest.begin_scope(db, run_id=run_id, scope=parser.INSTRUMENTS_SCOPE, entity="instrument", url=url,
                               observed_at=now, complete=True, healthy=True, keys=[instrument.key], kind=ingest.ROSTER,
                               outbox=outbox)
    ingest.apply_records(db, state, [as_record(instrument)], now=now, page_of=page_of)
    ingest.close_scope(db, state, now=now, removal_runs=removal_runs)


def _incompleteness(dataset: parser.Dataset, listed: int, active: int) -> str | None:
    """Why this file must not count as the whole roster (so nothing is removed), or None."""
    reasons = []
    if dataset.rejected:
        reasons.append(f"{dataset.rejected} rows without an organisation id or name were skipped")
    from crawler import settings as project_settings  # a crawl's shares: a file under half the roster is not whole

    if active >= project_settings.HEALTH_DROP_CHECK_MIN_ROWS and \
            listed < active * (1 - project_settings.HEALTH_MAX_DROP_RATIO):
        reasons.append(f"the file lists {listed} signatories where {active} are on record "
                       "(a partial export is likelier than a mass exit)")
    if not listed:
        reasons.append("the file lists no signatory")
    return "; ".join(reasons) or None


def _fail(db, run_id: int, reason: str) -> None:
    runs.finish_run(db, run_id, now=utcnow(), finish_reason="failed", pages=1, items=0, errors=1, healthy=False,
                    health=[{"check": "layout", "passed": False, "detail": reason}], summary=f"UNHEALTHY: {reason}")


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def iso_utc_from_mtime(path: Path) -> str:
    from datetime import datetime, timezone

    return iso_utc(datetime.fromtimestamp(path.stat().st_mtime, timezone.utc))
