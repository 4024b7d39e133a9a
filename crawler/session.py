"""One crawl's link to the store: the run row, its pages, its scopes, and their items.

CrawlSession is a Scrapy extension (EXTENSIONS in crawler/settings.py): it opens the run on
`spider_opened` and closes it on `spider_closed`, and nothing else opens or closes it. The
pipeline, the middlewares and the spider find it as `crawler.glocal_session` (`CrawlSession.of`),
which is None when the extension is off: under `scrapy check` (contracts must leave the store
untouched) or with STORE_ENABLED = False.
Items are applied scope by scope, in batches, each batch one transaction; at the end of the
crawl the removal rule runs for every scope the run saw healthy and complete, then the health
checks, then the run row is closed. Killing the process at any instant leaves the store
consistent: the next run marks the dead run "aborted" and converges.

A write that fails (disk full, read-only file, lock timeout, database deleted) fails the run:
the transaction it was part of is rolled back, no scope is finished after it (so nothing the run
reported counts as written), the crawl is stopped with the reason in `fatal`, and the child
process exits non-zero with that reason for its parent to print.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections import Counter, defaultdict

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.settings import value as project_setting
from alerts.outbox import outbox_for
from crawler.run_health import CheckResult, judge_scope, run_checks
from crawler.unread_rosters import is_unread, missed_rosters, on_unread
from kit.expectations import Expectations
from kit.items import ROSTER, CountClaim, ScopeReport, as_record, default_scope, item_kind
from places.gazetteer import full_gazetteer
from store import cap_size, holds, ingest, locks, open_db, pages, runs
from store.errors import StoreError
from store.actors import ActorResolver
from store.shared_writes import SharedWriter
from store.clock import utcnow

logger = logging.getLogger(__name__)



class CrawlSession:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.db_path = settings.get("STORE_DB_PATH")
        # Defaults live in crawler/settings.py's table only; a Settings object without them (a bare
        # Crawler in a test) gets the table's values, never a number written here.
        self.removal_runs = project_setting(settings, "STORE_REMOVAL_RUNS")
        self.batch_size = project_setting(settings, "STORE_BATCH_SIZE")
        self.min_list_ratio = project_setting(settings, "HEALTH_MIN_LIST_RATIO")
        self.max_errors = project_setting(settings, "HEALTH_MAX_ERRORS")
        self.max_empty_ratio = project_setting(settings, "HEALTH_MAX_EMPTY_RATIO")
        self.max_drop_ratio = project_setting(settings, "HEALTH_MAX_DROP_RATIO")
        self.scope_drop_ratio = project_setting(settings, "HEALTH_SCOPE_DROP_RATIO")
        self.scope_history_runs = project_setting(settings, "HEALTH_SCOPE_HISTORY_RUNS")
        self.drop_check_min_rows = project_setting(settings, "HEALTH_DROP_CHECK_MIN_ROWS")
        self.hold_share = project_setting(settings, "HEALTH_HOLD_SHARE")
        self.replay = settings.get("ARCHIVE_REPLAY_FILE")
        self.as_of = settings.get("BACKFILL_AS_OF")  # set by `glocal backfill`: a quiet run "as of" a past moment
        # The full gazetteer (GeoNames, ISO 3166) with the curated table on top (STORE_PLACES_FILE
        # replaces the bundled one); built once per machine, opened on the first name resolved.
        self.places = full_gazetteer(settings.get("STORE_PLACES_FILE") or None)
        self.alerts_config = settings.get("ALERTS_CONFIG")
        self.outbox = None  # writes the alerts' deliveries rows in the transaction of their changes
        self.db = None
        self.run_id = None
        self.spider_name = None
        self.expectations = Expectations()
        self._pages: dict[str, tuple[int, str]] = {}
        self._answered: set[str] = set()  # pages that answered 200 (or 304): read, so their lists were looked for
        self._states: dict[str, ingest.ScopeState] = {}
        self._chains: dict[str, ScopeReport] = {}  # scope -> its pages' reports so far, while more pages follow
        self._waiting: dict[str, set[str]] = {}  # open scope -> keys its report listed and not yet received
        self._finished: set[str] = set()
        self._fetch_failed: set[str] = set()  # scopes whose page never arrived
        self._pending: dict[str, list[dict]] = defaultdict(list)
        self._claims: list[dict] = []
        self.item_counts: Counter = Counter()
        self.empty_fields: Counter = Counter()
        self.dropped = 0
        self._resolver = None
        self._writer = None
        self._lock: locks.Holder | None = None
        self.max_page_count = project_setting(settings, "STORE_MAX_PAGE_COUNT")
        self.fatal: str | None = None  # why the run failed in the store; the child exits non-zero with it
        self._file: tuple[int, int] | None = None  # (device, inode) of the store when the run opened
        self._expected: dict[str, tuple] = {}  # scope name the spider asked for -> (Scope, url)
        self._redirects: dict[str, str] = {}  # url -> where it redirected
        self._suspect: dict[str, str] = {}  # url of a page whose own list was judged untrustworthy -> its scope
        self.held_from_suspect_pages = 0
        self._roster_pages: dict[str, list[tuple[str, str]]] | None = None  # url -> rosters read there (read once)
        self.stand_ins: dict[str, str] = {}  # scope -> why the generic roster reader stood in for its parser
        self._alarms: dict[str, str] = {}  # scope -> why its list, recorded, makes the run unhealthy (a drop)
        self.closed = False

    @classmethod
    def from_crawler(cls, crawler):
        if os.environ.get("SCRAPY_CHECK") or not project_setting(crawler.settings, "STORE_ENABLED"):
            raise NotConfigured("the store session is off (scrapy check, or STORE_ENABLED = False)")
        session = cls(crawler)
        crawler.glocal_session = session
        crawler.signals.connect(session.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(session.spider_closed, signal=signals.spider_closed)
        return session

    @staticmethod
    def of(crawler) -> "CrawlSession | None":
        """The session the extension opened for this crawler, or None when the extension is off."""
        return getattr(crawler, "glocal_session", None)

    def spider_opened(self, spider) -> None:
        self.open(spider)

    def spider_closed(self, spider, reason) -> None:  # only this signal carries the finish reason
        self.close(reason)

    # --- lifecycle ------------------------------------------------------------------------------

    def open(self, spider) -> None:
        if self.fatal:
            raise StoreError(self.fatal)
        if self.db is not None:
            return
        self.spider_name = spider.name
        self.expectations = getattr(spider, "expectations", None) or Expectations()
        from crawler.spider_registry import spider_names

        self.outbox = outbox_for(self.alerts_config, sources=spider_names() if self.alerts_config else None)
        try:
            self.db = open_db(self.db_path)
            if self.max_page_count:
                cap_size(self.db, self.max_page_count)
            self._lock = locks.acquire(self.db, spider.name, now=utcnow())
            self.run_id = runs.start_run(self.db, spider=spider.name, now=utcnow(), replay=self.replay,
                                         kind="backfill" if self.as_of else None, as_of=self.as_of)
            self._resolver = ActorResolver(self.db, spider.name, self.places, utcnow(),
                                           ref_scheme=getattr(spider, "actor_ref_scheme", None))
            self._writer = SharedWriter(self.db)
            self._file = _identity(self.db_path)
        except (StoreError, sqlite3.Error, OSError) as error:
            self.fatal = str(error) if isinstance(error, StoreError) else f"cannot start a run in {self.db_path}: {error}"
            if self.db is not None:
                self._release_lock()
                self.db.close()
            raise StoreError(self.fatal) from None
        logger.info("glocal run %s of %s started (store %s)", self.run_id, spider.name, self.db_path)

    def expect(self, scope, url: str, name: str | None = None) -> None:
        """The spider requested `url`, a page of `scope` (a kit.items.Scope): the run must report
        on that list (see crawler/unseen_scopes.py). `name` is the list's name when the spider gave it
        with the request (meta "glocal_scope"), which wins over the one the route derives."""
        self._expected.setdefault(name or scope.name_for(url), (scope, url))

    def note_redirect(self, url: str, location: str) -> None:
        self._redirects[url] = location

    def _hops(self, url: str) -> list[str]:
        """Where a redirected `url` went, hop by hop, up to the first address not followed (or the
        first one seen twice: a loop)."""
        hops, seen = [], {url}
        while url in self._redirects and len(hops) < 25:
            url = self._redirects[url]
            hops.append(url)
            if url in seen:
                break
            seen.add(url)
        return hops

    def _report_unobserved(self, reason: str) -> None:
        """Name every scope the spider asked for and never reported on, as a page that did not arrive."""
        for name, (scope, url) in self._expected.items():
            if name in self._states or name in self._chains or self.fatal:
                continue
            if url in self._redirects:
                # every hop: the first may have been followed (moved on the site) and the last not
                why = f"redirected to {', then to '.join(self._hops(url))}, which was not followed (another host, or a loop)"
            elif url in self._answered:
                why = "the page answered but the parser reported nothing of this list"
            elif reason != "finished":
                why = f"not reached before the crawl ended ({reason})"
            else:
                why = "requested but never answered (filtered or dropped on the way)"
            logger.warning("scope %s not observed: %s %s", name, url, why)
            self._writing(self._begin_scope, scope.report(self.spider_name, url, complete=False, fetched=False,
                                                          reason=f"not observed: {why}"))

    def _report_missed_rosters(self) -> None:
        """Report, as unread, every roster last read whole on a page this run read again without
        reporting it (crawler/unread_rosters.py)."""
        if self.fatal:
            return
        spider = getattr(self.crawler, "spider", None)
        routes = getattr(getattr(spider, "parser", None), "ROUTES", None)
        known = self._writing(ingest.roster_pages, self.db, self.spider_name) or []
        reported = set(self._states) | set(self._chains)
        for report in missed_rosters(self.spider_name, known, self._answered, reported, routes, self.expectations):
            self._writing(self._begin_scope, report)

    def close(self, reason: str) -> None:
        if self.db is None or self.closed:
            return
        self.closed = True
        now = utcnow()
        for scope in list(self._chains):
            report = self._chains.pop(scope)
            # A listing whose next page was promised but never read: what was read still counts
            # (as an incomplete list), so its items are written and nothing is removed.
            report.complete = False
            report.more = False
            report.reason = report.reason or f"the pages after {report.url} were never read (the crawl stopped)"
            self._writing(self._begin_scope, report)
        # A roster whose page answered without it is a missing landmark (alerted at once), so it is
        # named before the generic "not observed", which would otherwise claim the scope first.
        self._report_missed_rosters()
        self._report_unobserved(reason)
        for scope in list(self._states):
            if self.fatal:
                break  # after a failed write nothing more may count as written
            self._writing(self._finish_scope, scope, now)
        if not self.fatal:
            self._writing(self._flush_all, now)
        stats = self.crawler.stats.get_stats()
        errors = int(stats.get("log_count/ERROR", 0))
        checks = run_checks(
            finish_reason=reason,
            errors=errors,
            item_counts=dict(self.item_counts),
            empty_fields=dict(self.empty_fields),
            scopes=[{"scope": s.scope, "url": s.url, "healthy": s.healthy,
                     "reason": s.reason, "fetch_failed": s.scope in self._fetch_failed,
                     "stand_in": self.stand_ins.get(s.scope), "alarm": self._alarms.get(s.scope)}
                    for s in self._states.values()],
            expectations=self.expectations,
            max_errors=self.max_errors,
            max_empty_ratio=self.max_empty_ratio,
        )
        if not self.fatal and self._file != _identity(self.db_path):
            # Writes to a deleted (or replaced) file succeed and vanish with it.
            self.fatal = (f"the database {self.db_path} was deleted or replaced during the crawl; "
                          "what this run wrote went with the old file")
        if self.fatal:
            checks.append(CheckResult("store", False, f"{self.fatal}; the run was stopped and nothing after "
                                                      "the failed write counts"))
            reason = "store_error"
        healthy = all(c.passed for c in checks)
        for check in checks:
            if not check.passed:
                logger.warning("health check %r failed: %s", check.check, check.detail)
        try:
            runs.finish_run(
                self.db, self.run_id, now=utcnow(), finish_reason=reason,
                pages=len(self._pages), items=sum(self.item_counts.values()), errors=errors, healthy=healthy,
                health=[c.as_dict() for c in checks], summary=self._summary(healthy, checks),
            )
        except sqlite3.Error as error:  # the run row stays "running"; the parent or next run aborts it
            self.fatal = self.fatal or f"cannot close run {self.run_id} in {self.db_path}: {error}"
            logger.error("%s", self.fatal)
        self._release_lock()
        self.db.close()

    def _release_lock(self) -> None:
        if self._lock is None:
            return
        try:
            locks.release(self.db, self.spider_name, self._lock)
        except sqlite3.Error as error:  # a dead holder's lock is taken over by the next crawl anyway
            logger.warning("could not release the crawl lock of %s: %s", self.spider_name, error)
        self._lock = None

    def _writing(self, write, *args):
        """Run one store write; a failure fails the run (see the module docstring)."""
        if self.fatal:
            return None
        try:
            # Other crawls may write the same store at once (`glocal crawl --all`, the scheduler):
            # each write holds SQLite's write lock from its start, and the resolver rereads the
            # actors when another crawl wrote since (see store/shared_writes.py).
            with (self._writer.transaction() if self._writer else contextlib.nullcontext(False)) as others_wrote:
                if others_wrote and self._resolver is not None:
                    self._resolver.reload()
                return write(*args)
        except (sqlite3.Error, StoreError, OSError) as error:
            self._fail(f"store write failed in {self.db_path}: {error}")
            return None

    def _fail(self, reason: str) -> None:
        self.fatal = reason
        logger.error("%s; stopping the crawl", reason)
        engine = getattr(self.crawler, "engine", None)
        if engine is not None and not self.closed:
            from crawler.prompt_stop import close_now

            close_now(engine, "store_error")

    # --- pages ----------------------------------------------------------------------------------

    def record_page(self, **page) -> int | None:
        page_id = self._writing(lambda: pages.record_page(self.db, run_id=self.run_id, **page))
        if page_id is None:
            return None
        if page["status"] in (200, 304):
            self._answered.add(page["url"])
        if page["status"] in (200, 304) or page["url"] not in self._pages:
            self._pages[page["url"]] = (page_id, page["fetched_at"])
        return page_id

    def page_of(self, url: str | None) -> tuple[int | None, str | None]:
        return self._pages.get(url, (None, None)) if url else (None, None)

    # --- items ----------------------------------------------------------------------------------

    def handle(self, item) -> bool:
        """Take one item from the pipeline; False when it was dropped as invalid."""
        if self.fatal:
            return True  # the run already failed; its items count for nothing
        if isinstance(item, ScopeReport):
            self._writing(self._begin_scope, item)
            return True
        entity = item_kind(item)
        record = as_record(item)
        if entity != "count_claim" and not _sound_key(record.get("key")):  # a claim's key ends in its page path
            # An empty key part would merge every such row into one: refuse it, loudly.
            self.dropped += 1
            logger.error("%s item dropped: its key %r has an empty part (on %s); build keys with "
                         "kit.text.key_part", entity, record.get("key"), record.get("url"))
            return False
        missing = [f for f in self.expectations.required_fields.get(entity, ()) if record.get(f) in (None, "")]
        if missing:
            self.dropped += 1
            logger.error("%s item %s dropped: no %s (on %s)", entity, record.get("key"), ", ".join(missing),
                         record.get("url"))
            return False
        self.item_counts[entity] += 1
        for name in self.expectations.expected_fields.get(entity, ()):
            if record.get(name) in (None, "", []):
                self.empty_fields[(entity, name)] += 1
        if isinstance(item, CountClaim):
            self._claims.append(record)  # a dated observation of what the page says, kept as such
            return True
        scope = default_scope(item)
        suspect = self._suspect.get(record.get("url"))
        if suspect is not None and scope != suspect:
            # The page failed its own list's checks (rejected, shrunk, landmark gone): what else it
            # says is no better evidence, so it must not change other scopes (say, retitle the
            # instrument with garbage from a broken page).
            self.held_from_suspect_pages += 1
            logger.info("%s %s held: its page %s failed the checks of %s", entity, record.get("key"),
                        record.get("url"), suspect)
            return True
        if scope not in self._states and scope not in self._chains:
            logger.warning("%s %s arrived before any report of its scope %s", entity, item.key, scope)
            # Judged as a roster: an item outside any reported list is a parser fault, never healthy.
            # (Its list landmark is unknown: the parser never said which list the item belongs to.)
            self._writing(self._begin_scope, ScopeReport(source=item.source, scope=scope, entity=entity, kind=ROSTER,
                                                         landmark="scope_report",
                                                         url=item.url, complete=False, keys=[],
                                                         reason="no scope report"), True)
            if self.fatal:
                return True
        pending = self._pending[scope]
        pending.append(record)
        if scope in self._chains:
            return True  # written once the listing's last page has been judged
        waiting = self._waiting.get(scope)
        if waiting is not None:
            waiting.discard(record["key"])
            if not waiting:
                self._writing(self._finish_scope, scope, utcnow())
                return True
        if len(pending) >= self.batch_size:
            self._writing(self._flush, scope, utcnow())
        return True

    def _finish_scope(self, scope: str, now: str) -> None:
        """Write a scope's last items, apply the removal rule and mark it finished, in one transaction:
        a scope counts for later runs only if all of it was written."""
        if scope in self._finished:
            self._flush(scope, now)  # a late duplicate; the scope's verdict already stands
            return
        state = self._states[scope]
        missing = self._waiting.get(scope)
        incomplete = (f"{len(missing)} of the {state.scope}'s listed items never reached the store "
                      "(dropped as invalid, or the crawl stopped)") if missing else None
        with self.db.atomic():
            self._flush(scope, now)
            ingest.close_scope(self.db, state, now=now, removal_runs=self.removal_runs,
                               page_id=self.page_of(state.url)[0], incomplete=incomplete)
        self._finished.add(scope)
        self._waiting.pop(scope, None)

    def _begin_scope(self, report: ScopeReport, implicit: bool = False) -> None:
        chained = self._chains.pop(report.scope, None)
        if chained is not None:
            report = _joined(chained, report)
        if report.more:
            self._chains[report.scope] = report  # judged when its last page arrives
            return
        if report.scope in self._states:
            logger.warning("scope %s reported twice in one run (%s); the first report stands",
                           report.scope, report.url)
            return
        if is_unread(report):
            report = on_unread(report, self.expectations)
        prior = ingest.scope_status(self.db, report.scope, report.entity)
        agreed = False
        if report.complete and report.kind == ROSTER and prior["active"]:
            agreed = self._release_if_agreed(report)
            prior = ingest.scope_status(self.db, report.scope, report.entity)
            prior["active_keys"] = holds.active_keys(self.db, report.scope, report.entity)
            prior["history"] = ingest.listed_history(self.db, report.scope, runs=self.scope_history_runs)
        verdict = judge_scope(report, prior, self.expectations, min_list_ratio=self.min_list_ratio,
                              max_drop_ratio=self.max_drop_ratio, drop_check_min_rows=self.drop_check_min_rows,
                              hold_share=None if agreed else self.hold_share,
                              history_drop_ratio=None if agreed else self.scope_drop_ratio)
        if verdict.alarm:
            self._alarms[report.scope] = verdict.alarm
        if report.stand_in and report.complete:
            verdict = self._standing_in(report, verdict)
        # A page that never arrived was not observed: its scope run gets no capture time, so it
        # can neither make a later replay look stale nor date anything.
        observed_at = self.page_of(report.url)[1]
        state = ingest.begin_scope(
            self.db, run_id=self.run_id, scope=report.scope, entity=report.entity, url=report.url,
            observed_at=observed_at, complete=report.complete and not implicit, healthy=verdict.healthy,
            keys=report.keys if report.complete else None, kind=report.kind, stated=report.stated,
            reason=verdict.reason, quiet=bool(self.as_of), held=bool(verdict.hold), outbox=self.outbox,
            stand_in=report.stand_in if report.complete else None,
        )
        if verdict.hold:
            holds.hold(self.db, state.scope_run_id, kind=verdict.hold, keys=report.keys)
            logger.warning("%s", verdict.reason)
        self._states[report.scope] = state
        if report.url and not implicit and (not state.trusted or state.held):
            # a held list changed too much at once: until a run agrees, its page vouches for nothing else
            self._suspect.setdefault(report.url, report.scope)
        if report.complete and not implicit:
            # Items of a listing's earlier pages arrived before its last report: they are not awaited.
            arrived = {record["key"] for record in self._pending.get(report.scope, ())}
            self._waiting[report.scope] = set(report.keys) - arrived
            if not self._waiting[report.scope]:
                self._finish_scope(report.scope, utcnow())
                return
        if len(self._pending.get(report.scope, ())) >= self.batch_size:
            self._flush(report.scope, utcnow())
        if not report.fetched:
            self._fetch_failed.add(report.scope)

    def _standing_in(self, report: ScopeReport, verdict):
        """A list the generic roster reader read because its parser could not ("reader standing in"):
        recorded, but any change it makes to the list on record is held until a later run agrees
        (or an operator confirms), and the run's health names the parser that needs attention."""
        self.stand_ins[report.scope] = report.reason or f"{report.stand_in} stood in on {report.url}"
        if not verdict.healthy or verdict.hold:
            return verdict
        before = holds.active_keys(self.db, report.scope, report.entity)
        if set(report.keys) == before:
            return verdict  # the same list as on record: nothing to hold, nothing removed
        return type(verdict)(True, f"{report.reason}; its changes wait for a second run that agrees "
                                   f"(or `glocal changes confirm`)", hold="agree")

    def _release_if_agreed(self, report: ScopeReport) -> bool:
        """A list held for changing too much is released when this run shows the same list; True then
        (this run's list is the agreed one, not a second change to hold)."""
        held = holds.pending(self.db, report.scope)
        if held and held["hold"] == "agree" and holds.agrees(report.keys, held):
            counts = holds.release(self.db, held, now=utcnow(), outbox=getattr(self, "outbox", None))
            logger.info("run %s agrees with held run %s of %s: %s changes released", self.run_id, held["run_id"],
                        report.scope, counts["released"])
            return True
        return False

    def _flush(self, scope: str, now: str) -> None:
        records = self._pending.pop(scope, [])
        if records:
            ingest.apply_records(self.db, self._states[scope], records, now=now, page_of=self.page_of,
                                 resolver=self._resolver)

    def _flush_all(self, now: str) -> None:
        if self._claims:
            ingest.record_count_claims(self.db, self.run_id, self._claims, now=now, page_of=self.page_of,
                                       quiet=bool(self.as_of), outbox=self.outbox)
            self._claims = []

    # --- read-only questions from the spider ------------------------------------------------------

    def rosters_read_on(self, url: str) -> list[tuple[str, str]]:
        """(scope, entity) of each roster of this spider last read whole on `url` (before this run):
        the lists a page held, so that the spider can tell one its parser no longer reports."""
        if self._roster_pages is None:
            rows = self._writing(ingest.roster_pages, self.db, self.spider_name) or []
            self._roster_pages = {}
            for row in rows:
                self._roster_pages.setdefault(row["url"], []).append((row["scope"], row["entity"]))
        return list(self._roster_pages.get(url, ()))

    def known(self, entity: str, keys: list[str], *, scope: str | None = None,
              urls: list[str] | None = None) -> set[str]:
        """Which of these keys the store already holds (removed or not): lets a listing stop paging
        once it reaches stories it has seen. Reads only; the spider never writes the store.

        `scope` counts only the rows of that list. `urls[i]` is the URL `keys[i]` was seen at: a key
        whose URL the store holds (a copy of a post stored under another key) counts as known too.
        """
        return ingest.known_keys(self.db, entity, keys, scope=scope, urls=urls)

    # --- reporting ------------------------------------------------------------------------------

    def _summary(self, healthy: bool, checks) -> str:
        changed = runs.run_changes(self.db, self.run_id)
        baseline = [s for s in self._states.values()
                    if s.baseline and s.trusted and s.complete and s.scope in self._finished]
        parts = [f"{sum(self.item_counts.values())} items from {len(self._pages)} pages"]
        if self.fatal:
            parts.append(f"only {len(self._finished)} of {len(self._states)} lists were written before the store failed")
        if changed:
            parts.append(", ".join(f"{n} {kind}" for kind, n in sorted(changed.items())))
        elif baseline and len(baseline) == len([s for s in self._states.values() if s.complete]):
            parts.append(f"baseline of {len(baseline)} lists recorded, nothing to alert")
        else:
            parts.append("no changes")
        missing = sum(s.counts["missing"] for s in self._states.values())
        if missing:
            parts.append(f"{missing} missing from the page, kept until {self.removal_runs} healthy runs agree")
        held = [s for s in self._states.values() if s.held]
        if held:
            parts.append(f"{len(held)} lists held for changing too much at once, alerts waiting "
                         f"(`glocal changes confirm {self.run_id}` releases them)")
        if not healthy:
            parts.append("UNHEALTHY: " + "; ".join(c.detail for c in checks if not c.passed))
        return "; ".join(parts)



def _sound_key(key) -> bool:
    """A key that ends in something: "" or "c40/clean-air/" (a name keyed to nothing) do not."""
    return isinstance(key, str) and bool(key.rsplit("/", 1)[-1].strip(" -"))


def _joined(first: ScopeReport, then: ScopeReport) -> ScopeReport:
    """One report for a list read over several pages: complete only if every page was."""
    reasons = [r for r in (first.reason, then.reason) if r]
    seen = set(first.keys)
    return ScopeReport(
        source=first.source, scope=first.scope, entity=first.entity, kind=first.kind, url=first.url,
        complete=first.complete and then.complete, keys=first.keys + [k for k in then.keys if k not in seen],
        stated=first.stated if first.stated is not None else then.stated,
        stated_qualifier=first.stated_qualifier or then.stated_qualifier,
        landmarks_missing=first.landmarks_missing + [m for m in then.landmarks_missing
                                                     if m not in first.landmarks_missing],
        reason="; ".join(dict.fromkeys(reasons)) or None, fetched=first.fetched and then.fetched,
        rejected=first.rejected or then.rejected, more=then.more, landmark=first.landmark or then.landmark,
    )


def _identity(path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino
