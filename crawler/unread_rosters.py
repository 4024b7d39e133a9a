"""Unread rosters: a page read, its list not found. One place decides and names them.

A roster (signatories, members, adhering cities, treaty participants) can go unread in two ways:

- its parser looked for the list's landmark and says it is not there: a report with
  `landmarks_missing` (or a page the parser refused);
- its parser no longer recognises the page as one holding the list at all, and says nothing of it
  (the Rome Charter redesigned: the instrument is read, its adhering cities are not, no report).

The second is found after the crawl by `missed_rosters`: every roster the store last read whole on
a page (`store.ingest.roster_pages`) that this run read again without reporting the roster is
reported unread, with the list landmark its route declares (kit/routing.py: every roster names
one). The health checks then judge it like the first kind: a list that held rows is unhealthy,
nothing in it changes, and the run's health names the page and the landmark.

Every unread roster of a run, of either kind, passes through `on_unread`: the single place where a
reader standing in for a parser that lost its list (the generic roster reader of issue 23) hooks in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from kit.errors import GlocalError
from kit.expectations import Expectations
from kit.items import ROSTER, ScopeReport

logger = logging.getLogger(__name__)

UNKNOWN_LANDMARK = "list"  # a roster whose page no route declares any more: its list, in words


def is_unread(report: ScopeReport) -> bool:
    """Whether a report says its roster was looked for on a page that answered, and not read there."""
    return report.kind == ROSTER and report.fetched and (report.rejected or bool(report.landmarks_missing))


def on_unread(report: ScopeReport, expectations: Expectations) -> ScopeReport:
    """An unread roster on its way to the health checks: logged with its page and its missing landmarks.

    The report goes on as it came; its verdict (crawler/run_health.py) keeps the list untouched.
    """
    missing = ", ".join(f"{name} ({expectations.describe(name)})" for name in report.landmarks_missing) \
        or "the page was refused"
    logger.warning("roster %s unread on %s: %s", report.scope, report.url, missing)
    return report


def list_landmark(routes, url: str, scope: str, entity: str) -> str:
    """The list landmark the route reading `url` declares for the roster `scope` (of `entity`)."""
    try:
        rosters = routes.match(url).roster_scopes() if routes is not None else ()
    except GlocalError:  # NoRoute: the spider no longer reads such pages
        rosters = ()
    same_entity = [roster for roster in rosters if roster.entity == entity]
    for roster in same_entity:
        if not callable(roster.name) and roster.name == scope:
            return roster.landmark
    return same_entity[0].landmark if same_entity else UNKNOWN_LANDMARK


def missed_rosters(source: str, known: Iterable[dict], read: set[str], reported: set[str], routes,
                   expectations: Expectations) -> list[ScopeReport]:
    """Reports for the rosters a run missed: each `known` roster ({scope, entity, url}: where it was
    last read whole) whose page is among the pages the run `read` and which it never `reported`."""
    missed = []
    for roster in known:
        if roster["url"] not in read or roster["scope"] in reported:
            continue
        landmark = list_landmark(routes, roster["url"], roster["scope"], roster["entity"])
        missed.append(ScopeReport(
            source=source, scope=roster["scope"], entity=roster["entity"], kind=ROSTER, url=roster["url"],
            complete=False, landmark=landmark, landmarks_missing=[landmark],
            reason=f"{expectations.describe(landmark)}: not found on {roster['url']}, which the run read; "
                   "the parser reported nothing of this list",
        ))
    return missed
