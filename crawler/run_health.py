"""Health checks: is a scope's list trustworthy, and did a run see what its spider expects?

Pure functions over a ScopeReport, what the store knew before, and the run's stats; no Scrapy,
no database. Each check returns CheckResult(check, passed, detail) and the detail names what
was missing, so "the spider went blind" arrives as a reason, not as a silent zero.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass

from kit.expectations import Expectations
from kit.items import APPEND_ONLY, ScopeReport


@dataclass
class CheckResult:
    check: str
    passed: bool
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ScopeVerdict:
    healthy: bool
    reason: str | None
    # A healthy list that changed too much at once is *held*: recorded, its alerts wait.
    # "agree": released by the next run that shows the same list, or by `glocal changes confirm RUN`;
    # "confirm": a list that collapsed (a layout change is likelier than a mass exit): only by confirm.
    hold: str | None = None
    # Why the list, recorded (held), still makes the run unhealthy: it shrank against its own
    # history, so the health alert goes out even though every landmark was found.
    alarm: str | None = None


def judge_scope(report: ScopeReport, prior: dict, expectations: Expectations, *,
                min_list_ratio: float, max_drop_ratio: float, drop_check_min_rows: int,
                hold_share: float | None = None, history_drop_ratio: float | None = None) -> ScopeVerdict:
    """Decide whether one scope's list, as this run saw it, may change the store, and whether
    its changes must be held (recorded, not alerted) until confirmed.

    :param prior: ``store.ingest.scope_status`` before this run (rows on record, last run), with
        ``active_keys`` (the keys on record) when the share of a list's change is to be judged
    :param hold_share: a list whose keys differ from those on record by more than this share is held
    :param history_drop_ratio: a list shorter by more than this share than the median of
        ``prior["history"]`` (the names its recent trusted runs listed) is held and alarms the run
    """
    where = report.url or report.scope
    if report.rejected:
        listed = f"; it listed {prior['active']} before, nothing in this list was changed" if prior.get("active") else ""
        return ScopeVerdict(False, f"{report.reason}{listed}")
    if report.landmarks_missing:
        missing = "; ".join(expectations.describe(name) for name in report.landmarks_missing)
        if prior.get("active"):
            return ScopeVerdict(
                False,
                f"{missing}: not found on {where}, which listed {prior['active']} before "
                "(the page changed or the list moved); nothing in this list was changed",
            )
        return ScopeVerdict(True, report.reason or f"{missing}: not found on {where}")
    if not report.complete and report.partial and report.listed:
        reason = report.reason or f"{where} was read in part"
        if report.kind == APPEND_ONLY:
            return ScopeVerdict(True, reason)
        # A roster read in part: the rows that arrived count, nobody is removed, and the run says
        # so (a page of the list lost its list, or never answered): a part is not the list.
        return ScopeVerdict(True, reason, alarm=f"the list on {where} was read in part ({reason}); nobody was removed")
    if not report.complete:
        if report.kind == APPEND_ONLY and report.fetched:
            # A listing read in part (an incremental stop, a page cap) still shows real stories;
            # absence never removes from it, so completeness decides nothing here.
            return ScopeVerdict(True, report.reason)
        return ScopeVerdict(False, report.reason or f"{where} was not read completely")
    if report.kind == APPEND_ONLY:
        # A listing shows the latest posts only, and a page may announce no signatory at all:
        # neither a short nor an empty append-only list says anything was lost.
        return ScopeVerdict(True, report.reason)
    if report.listed == 0:
        return ScopeVerdict(False, f"the list on {where} is empty")
    if report.stated:
        ratio = report.listed / report.stated
        if ratio < min_list_ratio:
            stated = f"{report.stated_qualifier} {report.stated}" if report.stated_qualifier else str(report.stated)
            return ScopeVerdict(
                False,
                f"parsed {report.listed} names on {where} but the page states {stated} "
                f"(below {min_list_ratio:.0%}); nothing in this list was changed",
            )
    active = prior.get("active") or 0
    if report.kind == APPEND_ONLY or active < drop_check_min_rows:  # too short for shares to mean anything
        return ScopeVerdict(True, report.reason)
    if report.listed < active * (1 - max_drop_ratio):
        reason = (f"the list on {where} shrank from {active} to {report.listed} names at once "
                  f"(more than {max_drop_ratio:.0%}); a layout change is likelier than a mass exit: "
                  "held, nobody is removed until `glocal changes confirm` says the list is right")
        return ScopeVerdict(True, reason, hold="confirm", alarm=reason)
    history = prior.get("history") or []
    if history_drop_ratio is not None and history:
        usual = statistics.median(history)
        if usual >= drop_check_min_rows and report.listed < usual * (1 - history_drop_ratio):
            reason = (f"the list on {where} has {report.listed} names against a median of {usual:g} over its "
                      f"last {len(history)} runs (a drop of more than {history_drop_ratio:.0%}; was a list on "
                      "the page missed?): held, nobody is removed until a second run agrees or "
                      "`glocal changes confirm` says it is right")
            return ScopeVerdict(True, reason, hold="agree", alarm=reason)
    before = prior.get("active_keys")
    if before and hold_share is not None:
        changed = len(set(report.keys) ^ set(before))
        if changed / len(before) > hold_share:
            return ScopeVerdict(
                True,
                f"the list on {where} changed by {changed} of {len(before)} names at once (more than "
                f"{hold_share:.0%}): recorded, its alerts held until a second run agrees or "
                "`glocal changes confirm` says it is right",
                hold="agree",
            )
    return ScopeVerdict(True, report.reason)


def run_checks(*, finish_reason: str, errors: int, item_counts: dict[str, int],
               empty_fields: dict[tuple[str, str], int], scopes: list[dict],
               expectations: Expectations, max_errors: int, max_empty_ratio: float) -> list[CheckResult]:
    """The checks of a finished run. A run is healthy when every check passed.

    :param scopes: one dict per scope report: scope, url, healthy, reason, fetch_failed
    :param empty_fields: (entity, field) -> number of items of that entity lacking the field
    """
    results = [
        CheckResult("finish reason", finish_reason == "finished", f"the crawl ended with {finish_reason!r}"),
        CheckResult("errors", errors <= max_errors, f"{errors} errors logged (at most {max_errors})"),
    ]
    failed_pages = [s for s in scopes if s.get("fetch_failed")]
    results.append(CheckResult(
        "pages",
        not failed_pages,
        "; ".join(f"{s['url']}: {s['reason']}" for s in failed_pages) or "every page answered",
    ))
    for entity, minimum in sorted(expectations.min_items.items()):
        count = item_counts.get(entity, 0)
        results.append(CheckResult(
            f"{entity} count", count >= minimum, f"{count} {entity} items (at least {minimum} expected)"
        ))
    # A list read by the generic roster reader because its parser's landmarks were missing: recorded
    # (held until a second run agrees), but the parser needs attention, so the run is not healthy.
    standing_in = [s for s in scopes if s.get("stand_in")]
    if standing_in:
        results.append(CheckResult("reader standing in", False, "; ".join(s["stand_in"] for s in standing_in)))
    unhealthy = [s for s in scopes if not s["healthy"] and not s.get("fetch_failed")]
    results.append(CheckResult(
        "lists",
        not unhealthy,
        "; ".join(s["reason"] or s["scope"] for s in unhealthy) or f"{len(scopes)} lists read as expected",
    ))
    shrunk = [s for s in scopes if s.get("alarm")]
    if shrunk:  # recorded and held, yet a health alert: the list is shorter than its own history
        results.append(CheckResult("list sizes", False, "; ".join(s["alarm"] for s in shrunk)))
    for entity, names in sorted(expectations.expected_fields.items()):
        total = item_counts.get(entity, 0)
        for name in names:
            empty = empty_fields.get((entity, name), 0)
            if total and empty / total > max_empty_ratio:
                results.append(CheckResult(
                    f"{entity}.{name}", False, f"{entity}.{name} is empty in {empty} of {total} items"
                ))
    return results
