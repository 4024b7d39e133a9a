"""The items spiders yield: plain dataclasses, one per kind of fact (see DESIGN.md, "Items").

Every item has `source` (the spider name), `key` (a stable natural id, never built from
volatile text) and `url` (the page that said it). `scope` names the list whose completeness a
run vouches for (see `ScopeReport`); when it is None the store derives it from the item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from operator import attrgetter


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
    population: int | None = None  # inhabitants as the source states them (Covenant of Mayors)
    source_id: str | None = None  # the source's own id of the signatory (JRC organisation_id)
    # Treaty status rows (untc_status): the kind of actor the source names ("state",
    # "organization"), the act that binds it (ratification, acceptance(A), approval(AA),
    # accession(a), succession(d) ...), that act's date as printed, and the row as printed.
    actor_kind: str | None = None
    action: str | None = None
    action_on: str | None = None
    as_printed: str | None = None
    withdrawal_notified_on: str | None = None  # a treaty withdrawal's dates, as the UN's end-notes print them
    withdrawal_effective_on: str | None = None
    # Evidence that names an instrument no crawled list holds (a news post about C40's Zero Waste
    # accelerator): the instrument's title and issuer as that evidence gives them.
    instrument_title: str | None = None
    instrument_issuer: str | None = None
    # Where the source puts the signatory (the JRC file's own coordinates): context for the places
    # resolver to tell namesakes apart; never stored as the actor's place.
    latitude: float | None = None
    longitude: float | None = None


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
class Report:
    """A document a city (or region) publishes about its own action, such as a Voluntary Local
    Review of the 2030 Agenda: authored by the actor, dated, not signed by anyone."""

    source: str
    key: str
    url: str
    title: str
    kind: str  # "voluntary_local_review" ...
    actor_name: str | None = None  # the author as the source names it
    country: str | None = None  # ISO 3166-1 alpha-2
    published: str | None = None  # as precise as printed: YYYY, YYYY-MM or YYYY-MM-DD
    published_precision: str | None = None  # "year", "month" or "day": what `published` holds
    reviews: str | None = None  # what it reviews ("2030 Agenda")
    document_url: str | None = None  # the report itself (a PDF)
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
    tags: str | None = None  # the site's own topic labels, as printed, separated by ", "


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


# The two kinds of scope (DESIGN.md, "A scope"): what absence from a complete list may mean.
ROSTER = "roster"  # a list that states who is in (signatories, members): absence can mean removal
APPEND_ONLY = "append-only"  # news, events, posts: a story that leaves a listing still happened
SCOPE_KINDS = (ROSTER, APPEND_ONLY)


@dataclass
class ScopeReport:
    """What a parser saw of one scope on one page: yielded *before* the scope's items.

    A scope is one list whose completeness a run can vouch for (one instrument's signatories,
    one network's members, one listing). `complete` means the page answered and every landmark
    the list needs was found; `keys` is then the full set of entity keys the list holds.
    `listed`/`stated` let the health checks compare the parsed length with the page's own count.
    Build one with `Scope.report(...)`, so `entity` and `kind` come from one declaration.
    """

    source: str
    scope: str
    entity: str  # "signature", "instrument", ...: ENTITY_OF[the item class the list holds]
    kind: str  # ROSTER or APPEND_ONLY
    url: str
    complete: bool
    keys: list[str] = field(default_factory=list)
    # The page's own count of this list, if it states one; of a list whose parts the page counts (a
    # treaty's participants: "Signatories: 195. Parties: 173.") the count they imply, "at least" 195.
    stated: int | None = None
    stated_qualifier: str | None = None  # "more than", "at least" ...: the count is a bound
    landmarks_missing: list[str] = field(default_factory=list)
    reason: str | None = None  # why the scope is not complete, in words
    fetched: bool = True  # False when the page itself failed (HTTP error, timeout, not HTML)
    rejected: bool = False  # True when the parser refused the page (ParseError): nothing on it is trusted
    more: bool = False  # another page of this scope follows in this run (set by the spider, see spiders/base.py)
    # A roster read over several pages of which some failed: the rows that arrived are trusted
    # (added, updated), but the list is not complete, so nothing is removed.
    partial: bool = False
    # Who read the list when its parser could not: "generic roster reader" when the parser's
    # landmarks were missing and the generic reader stood in (spiders/parsers/stand_in.py).
    stand_in: str | None = None
    # The landmark of the list (a name in the parser's EXPECTATIONS): what a page lacks when the list
    # is not found there. Every roster declares one, so an unread roster is named, never silent.
    landmark: str | None = None

    def __post_init__(self):
        if self.kind not in SCOPE_KINDS:
            raise ValueError(f"scope {self.scope}: kind {self.kind!r} is not one of {SCOPE_KINDS}")
        if self.kind == ROSTER and not self.landmark:
            raise ValueError(f"roster scope {self.scope} declares no list landmark: a page without its list "
                             "would go unread in silence")
        if self.entity not in ENTITY_OF.values():
            raise ValueError(f"scope {self.scope}: entity {self.entity!r} is not an item kind")

    @property
    def listed(self) -> int:
        return len(self.keys)


@dataclass(frozen=True)
class Scope:
    """A parser's declaration of one kind of list: the item class it holds, roster or append-only,
    and its name (fixed, or computed from the page URL). Every ScopeReport of the list, the
    parser's own and the spider's failure reports, is built from it."""

    item: type  # Signature, Membership, Instrument, Event, Announcement, Report
    kind: str  # ROSTER or APPEND_ONLY
    name: str | Callable[[str], str]
    # A roster's list landmark (a name in the parser's EXPECTATIONS, see kit/expectations.py): a
    # page of the list where it is not found makes the scope unread, with this landmark named.
    landmark: str | None = None

    def __post_init__(self):
        if self.item not in ENTITY_OF or self.item is CountClaim:
            raise ValueError(f"a scope holds Instrument, Signature, Membership, Event, Announcement or Report, not {self.item}")
        if self.kind not in SCOPE_KINDS:
            raise ValueError(f"kind {self.kind!r} is not one of {SCOPE_KINDS}")
        if self.kind == ROSTER and not self.landmark:
            raise ValueError(f"a roster scope ({self.item.__name__}) must declare its list landmark "
                             "(Scope(..., landmark=NAME), NAME one of the parser's EXPECTATIONS landmarks)")

    @property
    def entity(self) -> str:
        return ENTITY_OF[self.item]

    def name_for(self, url: str) -> str:
        return self.name(url) if callable(self.name) else self.name

    def report(self, source: str, url: str, *, complete: bool, scope: str | None = None, **fields) -> ScopeReport:
        """A report of this list on `url`; `scope` names it when the page, not its URL, does (the
        instrument a page names)."""
        return ScopeReport(source=source, scope=scope or self.name_for(url), entity=self.entity, kind=self.kind,
                           url=url, complete=complete, landmark=self.landmark, **fields)


@dataclass
class Link:
    """A URL a page points the crawl to: never stored. The spider routes it to its parser by URL
    (see kit/routing.py). `rel="next"` marks the next page of the same listing."""

    url: str
    rel: str | None = None


DATA_ITEMS = (Instrument, Signature, Membership, Event, Announcement, Report, CountClaim)
ENTITY_OF = {
    Instrument: "instrument",
    Signature: "signature",
    Membership: "membership",
    Event: "event",
    Announcement: "announcement",
    Report: "report",
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
    """The entity name of an item ("signature", ...), "scope_report" or "link": the `type` field of exports."""
    if isinstance(item, ScopeReport):
        return "scope_report"
    if isinstance(item, Link):
        return "link"
    return ENTITY_OF[type(item)]


_SCALARS = frozenset((str, int, float, bool, type(None)))
_FIELD_NAMES: dict[type, tuple[tuple[str, ...], Callable]] = {}


def as_record(item) -> dict:
    """The item as a plain dict, ready for JSON or the store: what dataclasses.asdict(item) gives.

    A data item holds only scalars, and for those asdict's deep copy of every value, one by one,
    is pure cost (a third of the pipeline's own time over a 15,000-row list, profiled): their
    fields are copied as they are. An item holding anything else (a list, a nested dataclass)
    goes through asdict. The values are read by one attrgetter and their types checked by one set
    test, both in C (a per-field loop was a fifth of an unchanged import's time, profiled).
    """
    known = _FIELD_NAMES.get(type(item))
    if known is None:
        names = tuple(f.name for f in fields(item))
        getter = attrgetter(*names) if len(names) > 1 else (lambda one, name=names[0]: (getattr(one, name),))
        known = _FIELD_NAMES.setdefault(type(item), (names, getter))
    names, values_of = known
    values = values_of(item)
    if _SCALARS.issuperset(map(type, values)):
        return dict(zip(names, values))
    return asdict(item)
