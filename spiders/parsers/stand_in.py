"""The generic roster reader standing in for a site parser whose landmarks are missing.

A redesign that moves a signatory list into new markup makes its parser lose the list, in one of
two ways (crawler/unread_rosters.py names both):

- the parser looks for the list's landmark and says it is not there (a report of the list with
  `landmarks_missing`, or a page it refused): the C40 accelerator pages;
- the parser no longer sees that the page holds a list at all and says nothing of it: a list a
  page may or may not hold, declared in its route's `rosters` (the Rome Charter's adhering cities
  on a UCLG instrument page). The store knows the page held it: the spider passes `known`, the
  lists last read whole on this page (`CrawlSession.rosters_read_on`), and each that the parser's
  output does not report is unread here too.

Rather than leave the list unread until someone writes a new parser, the spider asks the generic
roster reader (`roster_reader.read_roster`) for the same page, given the count the page states when
the parser found it. A confident reading becomes the list's report, marked `stand_in = READER`,
with items the parser itself would have built from those names (the parser module's
`roster_item(name, country, url, scope)`, so keys are the parser's and a respelled layout is no
addition or removal; `scope` is the list's name, which may carry what the page named, such as the
instrument). The store records such a list in a state of its own, "reader standing in": written,
its changes held until a second run agrees, and the run flagged with one health check naming the
parser that needs attention (crawler/session.py, crawler/run_health.py).

A parser opts in by declaring `roster_item`; a reading that is refused, or under
`STAND_IN_CONFIDENCE`, leaves the list unread (flagged), with the reader's reason. The reader finds
one list per page: with two lists of a page unread at once it cannot say which one it read, and
stands in for neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from kit.items import DATA_ITEMS, ROSTER, ScopeReport, default_scope
from kit.routing import Route
from spiders.parsers.roster_reader import read_roster

READER = "generic roster reader"
STAND_IN_CONFIDENCE = 0.7
_ENTITIES = ("signature", "membership")


def unread_lists(route: Route, parser, output, url: str, known: Iterable[tuple[str, str]] = ()) -> list[ScopeReport]:
    """The reports of the route's rosters on this page that the parser could not read, when it can
    be stood in for: those it reported with missing landmarks, and each `known` (scope, entity),
    a list the store last read whole on this page, of a roster the route declares besides its own
    scope, which the output does not report at all (a report is made for it, naming its landmark)."""
    if not callable(getattr(parser, "roster_item", None)):
        return []
    known = set(known)
    reports = [output] if isinstance(output, ScopeReport) else [o for o in output if isinstance(o, ScopeReport)]
    unread = [r for r in reports if r.kind == ROSTER and r.entity in _ENTITIES and not r.complete and r.fetched
              and r.landmarks_missing and _stands_for(route, r, url, known)]
    reported = {r.scope for r in reports}
    for scope, entity in sorted(known):
        roster = route.roster_for(scope, entity, url) if entity in _ENTITIES else None
        if roster is None or roster not in route.rosters or scope in reported:
            continue
        unread.append(roster.report(
            parser.SOURCE, url, complete=False, scope=scope, landmarks_missing=[roster.landmark],
            reason=f"no list found on {url}, which held this list when it was last read whole"))
    return unread


def _stands_for(route: Route, report: ScopeReport, url: str, known: set[tuple[str, str]]) -> bool:
    """Whether a list reported unread is one the reader may read: a roster of the route, and, for
    one a page may or may not hold (the route's `rosters`), one the store knows this page held
    (a page that never held it gives the reader nothing to keep)."""
    roster = route.roster_for(report.scope, report.entity, url)
    return roster is not None and (roster not in route.rosters or (report.scope, report.entity) in known)


def needs_stand_in(route: Route, parser, output, url: str, known: Iterable[tuple[str, str]] = ()) -> ScopeReport | None:
    """The report of the one list on the page the generic reader may stand in for, or None."""
    unread = unread_lists(route, parser, output, url, known)
    return unread[0] if len(unread) == 1 else None


def stand_in(route: Route, parser, output, text: str, url: str, *, source: str,
             known: Iterable[tuple[str, str]] = ()) -> list:
    """The parser's output with its unread list replaced by the generic reader's confident reading;
    the output with the list reported unread (its reason extended) when the reader cannot vouch for it."""
    known = list(known)
    output = output if isinstance(output, list) else [output]
    unread = unread_lists(route, parser, output, url, known)
    if len(unread) != 1:
        return output
    (failed,) = unread
    kept = [o for o in output if o is not failed]
    reading = read_roster(text, url, stated=failed.stated, qualifier=failed.stated_qualifier)
    if reading.refused or reading.confidence < STAND_IN_CONFIDENCE:
        why = reading.reason if reading.refused else f"its best reading scores {reading.confidence:.2f}"
        note = replace(failed, reason=f"{failed.reason or 'the list was not read'}; the {READER} could not stand in: {why}")
        return [note, *kept]
    items = [parser.roster_item(entry.name, entry.country, url, failed.scope) for entry in reading.entries]
    unique = list({item.key: item for item in items}.values())
    missing = ", ".join(failed.landmarks_missing)
    roster = route.roster_for(failed.scope, failed.entity, url)
    report = roster.report(
        source, url, complete=True, scope=failed.scope, keys=[item.key for item in unique], stated=failed.stated,
        stated_qualifier=failed.stated_qualifier, stand_in=READER,
        reason=(f"{source}'s parser needs attention: landmark {missing} not found on {url}; the {READER} stands "
                f"in (confidence {reading.confidence:.2f}): {reading.reason}"))
    # The parser's other items (the instrument, the stated count: a claim has no scope) come first, its report in place of the failed one.
    reports = [o for o in kept if isinstance(o, ScopeReport)]
    others = [o for o in kept if not isinstance(o, ScopeReport)
              and not (isinstance(o, DATA_ITEMS) and hasattr(o, "scope") and default_scope(o) == failed.scope)]
    return [*reports, report, *others, *unique]
