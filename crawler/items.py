"""The items spiders yield: plain dataclasses, one per kind of fact (see DESIGN.md, "Items").

Every item has `source` (the spider name), `key` (a stable natural id, never built from
volatile text) and `url` (the page that said it). `scope` names the list whose completeness a
run vouches for (see `ScopeReport`); when it is None the store derives it from the item.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


@dataclass
class Instrument:
    """A declaration, charter, pact, pledge, commitment, accelerator, treaty, VLR..."""

    source: str
    key: str
    url: str
    title: str
    kind: str
    issuer: str | None = None  # one body, or several separated by "; "
    adopted_on: str | None = None  # as published, ISO date when the page gives one
    place: str | None = None
    event_key: str | None = None
    text: str | None = None  # the pledge/commitment text as the page states it
    scope: str | None = None


@dataclass
class Signature:
    """One actor listed as signatory of one instrument."""

    source: str
    key: str
    url: str
    instrument_key: str
    actor_name: str  # the name exactly as the page spells it (cleaned of markers)
    country: str | None = None  # ISO 3166-1 alpha-2, when the page or the gazetteer knows
    signed_on: str | None = None  # only what the site says; never the crawl date
    role: str | None = None
    status: str | None = None
    network_member: bool | None = None  # C40 marks non-member signatories with "*"
    commitments: str | None = None
    scope: str | None = None
    # Treaty status rows (untc_status): the kind of actor the source names ("state",
    # "organization"), the act that binds it (ratification, acceptance(A), approval(AA),
    # accession(a), succession(d) ...), that act's date as printed, and the row as printed.
    actor_kind: str | None = None
    action: str | None = None
    action_on: str | None = None
    as_printed: str | None = None


@dataclass
class Membership:
    """One actor listed as member of one network."""

    source: str
    key: str
    url: str
    network: str
    actor_name: str
    country: str | None = None
    category: str | None = None
    scope: str | None = None


@dataclass
class Event:
    """A summit, forum or meeting."""

    source: str
    key: str
    url: str
    title: str
    starts_on: str | None = None
    ends_on: str | None = None
    city: str | None = None
    country: str | None = None
    organiser: str | None = None
    series: str | None = None
    edition: str | None = None
    scope: str | None = None


@dataclass
class Announcement:
    """A news or press item."""

    source: str
    key: str
    url: str
    title: str
    published_on: str | None = None
    summary: str | None = None
    scope: str | None = None


@dataclass
class CountClaim:
    """A page's own statement of a count ("unites 35 cities"): a dated observation, never a fixed number."""

    source: str
    key: str
    url: str
    subject_key: str  # what is counted, usually an instrument key
    count: int
    unit: str  # "cities", "mayors", ...
    qualifier: str | None = None  # "more than", "over", ... when the page hedges
    text: str | None = None  # the sentence that states it


@dataclass
class ScopeReport:
    """What a parser saw of one scope on one page: yielded *before* the scope's items.

    A scope is one list whose completeness a run can vouch for (one instrument's signatories,
    one network's members, one listing). `complete` means the page answered and every landmark
    the list needs was found; `keys` is then the full set of entity keys the list holds.
    `listed`/`stated` let the health checks compare the parsed length with the page's own count.
    """

    source: str
    scope: str
    entity: str  # "signature", "instrument", "membership", ...
    url: str
    complete: bool
    keys: list[str] = field(default_factory=list)
    stated: int | None = None  # the page's own count, if it states one
    stated_qualifier: str | None = None
    landmarks_missing: list[str] = field(default_factory=list)
    reason: str | None = None  # why the scope is not complete, in words
    fetched: bool = True  # False when the page itself failed (HTTP error, timeout, not HTML)
    rejected: bool = False  # True when the parser refused the page (ParseError): nothing on it is trusted
    # "roster" (a list that states who is in: absence can mean removal) or "append-only" (news,
    # events: a story that leaves a listing still happened, absence never removes).
    kind: str = "roster"

    @property
    def listed(self) -> int:
        return len(self.keys)


DATA_ITEMS = (Instrument, Signature, Membership, Event, Announcement, CountClaim)
ENTITY_OF = {
    Instrument: "instrument",
    Signature: "signature",
    Membership: "membership",
    Event: "event",
    Announcement: "announcement",
    CountClaim: "count_claim",
}


def default_scope(item) -> str:
    """The scope an item belongs to when its parser did not name one."""
    if item.scope:
        return item.scope
    if isinstance(item, Signature):
        return f"signatures:{item.instrument_key}"
    if isinstance(item, Membership):
        return f"members:{item.network}"
    return f"{ENTITY_OF[type(item)]}s:{item.source}"


def item_kind(item) -> str:
    """The entity name of an item ("signature", ...), or "scope_report"."""
    if isinstance(item, ScopeReport):
        return "scope_report"
    return ENTITY_OF[type(item)]


def as_record(item) -> dict:
    """The item as a plain dict, ready for JSON or the store."""
    return asdict(item)


def field_names(item_cls) -> list[str]:
    return [f.name for f in fields(item_cls)]
