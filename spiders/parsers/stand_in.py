"""The generic roster reader standing in for a site parser whose landmarks are missing.

A redesign that moves a signatory list into new markup makes its parser report the list's landmark
missing (or refuse the page). Rather than leave the list unread until someone writes a new parser,
the spider asks the generic roster reader (`roster_reader.read_roster`) for the same page, given
the count the page states when the parser found it. A confident reading becomes the list's report,
marked `stand_in = READER`, with items the parser itself would have built from those names (the
parser module's `roster_item(name, country, url)`, so keys are the parser's and a respelled layout
is no addition or removal). The store records such a list in a state of its own, "reader standing
in": written, its changes held until a second run agrees, and the run flagged with one health
check naming the parser that needs attention (crawler/session.py, crawler/run_health.py).

A parser opts in by declaring `roster_item`; a reading that is refused, or under
`STAND_IN_CONFIDENCE`, leaves the parser's own report (the list flagged as unread) untouched, with
the reader's reason appended.
"""

from __future__ import annotations

from dataclasses import replace

from kit.items import DATA_ITEMS, ROSTER, ScopeReport, default_scope
from kit.routing import Route
from spiders.parsers.roster_reader import read_roster

READER = "generic roster reader"
STAND_IN_CONFIDENCE = 0.7
_ENTITIES = ("signature", "membership")


def needs_stand_in(route: Route, parser, output, url: str) -> ScopeReport | None:
    """The report of the route's roster whose landmarks are missing, when the parser can be stood in for."""
    if route.scope.kind != ROSTER or route.scope.entity not in _ENTITIES or not callable(getattr(parser, "roster_item", None)):
        return None
    reports = [output] if isinstance(output, ScopeReport) else [o for o in output if isinstance(o, ScopeReport)]
    scope = route.scope.name_for(url)
    return next((r for r in reports if r.scope == scope and not r.complete and r.fetched and r.landmarks_missing),
                None)


def stand_in(route: Route, parser, output, text: str, url: str, *, source: str) -> list:
    """The parser's output with its unread list replaced by the generic reader's confident reading;
    the output unchanged (its report's reason extended) when the reader cannot vouch for a list."""
    failed = needs_stand_in(route, parser, output, url)
    if failed is None:
        return output if isinstance(output, list) else [output]
    kept = [] if isinstance(output, ScopeReport) else [o for o in output if o is not failed]
    reading = read_roster(text, url, stated=failed.stated, qualifier=failed.stated_qualifier)
    if reading.refused or reading.confidence < STAND_IN_CONFIDENCE:
        why = reading.reason if reading.refused else f"its best reading scores {reading.confidence:.2f}"
        note = replace(failed, reason=f"{failed.reason or 'the list was not read'}; the {READER} could not stand in: {why}")
        return [note, *kept]
    items = [parser.roster_item(entry.name, entry.country, url) for entry in reading.entries]
    unique = list({item.key: item for item in items}.values())
    missing = ", ".join(failed.landmarks_missing)
    report = route.scope.report(
        source, url, complete=True, keys=[item.key for item in unique], stated=failed.stated,
        stated_qualifier=failed.stated_qualifier, stand_in=READER,
        reason=(f"{source}'s parser needs attention: landmark {missing} not found on {url}; the {READER} stands "
                f"in (confidence {reading.confidence:.2f}): {reading.reason}"))
    # The parser's other items (the instrument, the stated count) come first, its report in place of the failed one.
    reports = [o for o in kept if isinstance(o, ScopeReport)]
    others = [o for o in kept if not isinstance(o, ScopeReport)
              and not (isinstance(o, DATA_ITEMS) and default_scope(o) == failed.scope)]
    return [*reports, report, *others, *unique]
