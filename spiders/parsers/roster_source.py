"""Rosters as configuration: a source whose list is one page needs a few lines, not a parser.

Each entry of `spiders/rosters.toml` names a network or an instrument, the page that lists its
members or signatories, the pattern of the sentence that states their number, and a schedule:

    [[roster]]
    slug = "eccar_members"                 # the spider's name, fixtures under tests/fixtures/<slug>/
    network = "ECCAR"                      # a member list (Membership items) ...
    # instrument = "milan-urban-food-policy-pact"   # ... or a signatory list (Signature items)
    # title = "Milan Urban Food Policy Pact"; kind = "pact"; issuer = "City of Milan"
    url = "https://www.eccar.info/en/members"
    stated = '(?P<n>\\d[\\d,]*)\\s+member cities'   # optional; a "q" group may capture "more than"
    schedule = "40 5 * * 2"

`RosterSource` turns an entry into what a spider's parser module declares (SOURCE, EXPECTATIONS,
ROUTES) with one parse function: the page is read by the generic roster reader
(`roster_reader.read_roster`) with the stated count, and yields the list's ScopeReport, the
CountClaim, the Instrument (for an instrument) and one Membership or Signature per name. A refusal
is an incomplete scope naming the landmark `roster_list` (and the reader's reason), so a page
that stops showing the list is flagged, never read as empty. `spiders/rosters.py` makes the spiders.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kit.errors import GlocalError
from kit.expectations import Expectations, Landmark
from kit.items import ROSTER, CountClaim, Instrument, Membership, Scope, Signature
from kit.routing import Route, Routes
from kit.text import clean, key_part
from spiders.parsers.roster_reader import read_roster

CONFIG = Path(__file__).resolve().parents[1] / "rosters.toml"
_FIELDS = {"slug", "network", "instrument", "title", "kind", "issuer", "url", "stated", "stated_unit", "schedule",
           "allowed_domains", "min_items", "notes", "example_returns"}
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


class RosterConfigError(GlocalError):
    """spiders/rosters.toml cannot be read, or an entry is incomplete."""


@dataclass
class RosterSource:
    """One configured roster: a duck-typed parser module (SOURCE, EXPECTATIONS, ROUTES)."""

    slug: str
    url: str
    network: str | None = None
    instrument: str | None = None
    title: str | None = None
    kind: str = "pledge"
    issuer: str | None = None
    stated: str | None = None  # a regular expression with a group "n" (and optionally "q")
    stated_unit: str = "cities"
    schedule: str | None = None
    allowed_domains: list[str] = field(default_factory=list)
    min_items: int = 3
    notes: str | None = None
    example_returns: str | None = None  # the contract's "items N" for the fixture page

    def __post_init__(self):
        if not _SLUG.match(self.slug):
            raise RosterConfigError(f"rosters.toml: slug {self.slug!r} is not a lower-case identifier")
        if bool(self.network) == bool(self.instrument):
            raise RosterConfigError(f"rosters.toml, {self.slug}: give either network or instrument")
        if not self.url.startswith("https://"):
            raise RosterConfigError(f"rosters.toml, {self.slug}: url must be https://...")
        if self.instrument and not self.title:
            raise RosterConfigError(f"rosters.toml, {self.slug}: an instrument needs a title")
        if self.stated:
            try:
                pattern = re.compile(self.stated, re.I)
            except re.error as error:
                raise RosterConfigError(f"rosters.toml, {self.slug}: stated is not a regular expression: {error}") from None
            if "n" not in pattern.groupindex:
                raise RosterConfigError(f"rosters.toml, {self.slug}: stated needs a group (?P<n>...) for the number")
        if not self.allowed_domains:
            self.allowed_domains = [self.url.split("/")[2]]

    # -- what a parser module declares ------------------------------------------------------------
    @property
    def SOURCE(self) -> str:  # noqa: N802 - the parser-module interface
        return self.slug

    @property
    def scope(self) -> Scope:
        if self.network:
            return Scope(Membership, ROSTER, f"members:{self.network}", landmark="roster_list")
        return Scope(Signature, ROSTER, f"signatures:{self.instrument}", landmark="roster_list")

    @property
    def entity(self) -> str:
        return "membership" if self.network else "signature"

    @property
    def EXPECTATIONS(self) -> Expectations:  # noqa: N802
        landmarks = [Landmark("roster_list", "a list of places the generic roster reader accepts "
                                             "(glocal roster FILE --url URL says why not)")]
        if self.stated:
            landmarks.append(Landmark("stated_count", f"a sentence matching {self.stated!r}"))
        return Expectations(landmarks=tuple(landmarks), min_items={self.entity: self.min_items},
                            required_fields={self.entity: ("actor_name",)})

    @property
    def ROUTES(self) -> Routes:  # noqa: N802
        return Routes(Route("^" + re.escape(self.url) + "$", self.parse, self.scope, format=_format(self.url),
                            example=self.url, returns=self.example_returns or f"items {self.min_items}"))

    # -- the one parse function -------------------------------------------------------------------
    def parse(self, text: str, url: str) -> Iterator:
        """The list's report, the stated count, the instrument and one item per name."""
        stated, qualifier, sentence = self.stated_count(text)
        reading = read_roster(text, url, stated=stated, qualifier=qualifier, content_type=None)
        subject = f"network:{self.network}" if self.network else self.instrument
        claim = None if stated is None else CountClaim(
            source=self.slug, key=f"{self.slug}@{_path(url)}", url=url, subject_key=subject, count=stated,
            unit=self.stated_unit, qualifier=qualifier, text=sentence)
        if self.instrument:
            instruments = Scope(Instrument, ROSTER, f"instruments:{self.slug}", landmark="roster_list")
            yield instruments.report(self.slug, url, complete=True, keys=[self.instrument])
            yield Instrument(source=self.slug, key=self.instrument, url=url, title=self.title, kind=self.kind,
                             issuer=self.issuer, scope=instruments.name_for(url))
        missing = [] if stated is not None or not self.stated else ["stated_count"]
        if reading.refused:
            yield self.scope.report(self.slug, url, complete=False, stated=stated, stated_qualifier=qualifier,
                                    landmarks_missing=["roster_list", *missing],
                                    reason=f"the generic roster reader refused {url}: {reading.reason}")
            if claim:
                yield claim
            return
        items = [self._item(entry, url) for entry in reading.entries]
        yield self.scope.report(self.slug, url, complete=True, keys=[i.key for i in items], stated=stated,
                                stated_qualifier=qualifier, landmarks_missing=missing,
                                reason=f"read by the generic roster reader (confidence {reading.confidence:.2f}): "
                                       f"{reading.reason}")
        if claim:
            yield claim
        yield from items

    def stated_count(self, text: str) -> tuple[int | None, str | None, str | None]:
        """The count the page states, its qualifier ("more than") and the sentence, if the pattern matches."""
        if not self.stated:
            return None, None, None
        flat = clean(re.sub(r"<[^>]+>", " ", text))
        match = re.search(self.stated, flat, re.I)
        if not match:
            return None, None, None
        qualifier = clean(match.groupdict().get("q") or "").lower() or None
        return int(match.group("n").replace(",", "")), qualifier, clean(match.group(0))

    def _item(self, entry, url: str):
        what = f"{self.slug} name on {url}"
        if self.network:
            return Membership(source=self.slug, key=f"{self.slug}/{key_part(entry.name, what=what)}", url=url,
                              network=self.network, actor_name=entry.name, country=entry.country,
                              scope=self.scope.name_for(url))
        return Signature(source=self.slug, key=f"{self.instrument}/{key_part(entry.name, what=what)}", url=url,
                         instrument_key=self.instrument, actor_name=entry.name, country=entry.country,
                         scope=self.scope.name_for(url))


def _format(url: str) -> str:
    path = url.lower().split("?")[0]
    return "json" if path.endswith(".json") else "text" if path.endswith(".csv") else "html"


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"


def load_sources(path: str | Path | None = None) -> list[RosterSource]:
    """The configured rosters, in file order; RosterConfigError (one line) on a bad file.

    Without a path, spiders/rosters.toml is read as package data, so a project deployed as an egg
    (Scrapyd) reads it from inside the archive."""
    try:
        if path is None:
            path = resources.files("spiders").joinpath(CONFIG.name)
            text = path.read_text(encoding="utf-8") if path.is_file() else ""
        else:
            path = Path(path)
            text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        return []
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RosterConfigError(f"{path}: {error}") from None
    sources, seen = [], set()
    for number, entry in enumerate(data.get("roster", []), start=1):
        unknown = sorted(set(entry) - _FIELDS)
        if unknown:
            raise RosterConfigError(f"{path}, roster {number}: unknown field {', '.join(unknown)}")
        if "slug" not in entry or "url" not in entry:
            raise RosterConfigError(f"{path}, roster {number}: slug and url are required")
        source = RosterSource(**entry)
        if source.slug in seen:
            raise RosterConfigError(f"{path}: two rosters are named {source.slug!r}")
        seen.add(source.slug)
        sources.append(source)
    return sources


def source_named(slug: str) -> RosterSource | None:
    return next((s for s in load_sources() if s.slug == slug), None)
