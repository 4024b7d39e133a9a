"""The routing table a parser module declares: which parse function reads which URL, and which
scope that page reports on. The spider dispatches responses by it and `glocal parse` uses the same
table, so a page is read the same way in a crawl and on the command line.

    ROUTES = Routes(
        Route(r"/high-impact-accelerators/$", parse_hub, INSTRUMENTS),
        Route(r"/accelerators/[a-z0-9-]+/?$", parse_accelerator, SIGNATORIES),
    )
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from kit.errors import GlocalError
from kit.items import ROSTER, Scope

# What a route's pages may be: the spider checks the Content-Type before calling the parser.
FORMATS = {"html": ("html",), "json": ("json",), "xml": ("xml", "rss", "atom"), "text": ("text/plain",)}


class NoRoute(GlocalError):
    """No route of a parser's table matches a URL."""


@dataclass(frozen=True)
class Route:
    pattern: str  # a regular expression searched in the full URL
    parse: Callable[..., Iterator]  # parse(text, url) -> ScopeReports, items and Links
    scope: Scope  # the list a page of this route reports on (its failures are reported against it)
    format: str = "html"  # "html", "json", "xml" or "text": what the page must be for the parser to run
    # A real page of this route, and what reading it returns in Scrapy's contract words ("items 2",
    # "requests 6"): the spider turns them into a contract `scrapy check` runs (offline with
    # -s ARCHIVE_REPLAY_FILE=tests/fixtures/sample.warc.gz, which must hold the page).
    example: str | None = None
    returns: str = "items 1"
    # Roster scopes the route's pages may report besides `scope` (the adhering cities on an
    # instrument's page): declared so that every roster a page can hold names its list landmark.
    rosters: tuple[Scope, ...] = ()
    _regex: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ValueError(f"route {self.pattern!r}: format {self.format!r} is not one of {sorted(FORMATS)}")
        for roster in self.rosters:
            if roster.kind != ROSTER:
                raise ValueError(f"route {self.pattern!r}: {roster} in rosters is not a roster scope")
        object.__setattr__(self, "_regex", re.compile(self.pattern))

    def roster_scopes(self) -> tuple[Scope, ...]:
        """Every roster scope a page of this route may report (each with its list landmark)."""
        own = (self.scope,) if self.scope.kind == ROSTER else ()
        return own + self.rosters

    def roster_for(self, scope: str, entity: str, url: str) -> Scope | None:
        """The declared roster a list named `scope` (of `entity`) on `url` is: the one whose name it
        is, or starts with (a name the page completes: "signatures:uclg_declarations/" and the
        instrument the page names); else the route's only roster of that entity; else None."""
        same = [roster for roster in self.roster_scopes() if roster.entity == entity]
        named = [roster for roster in same if scope.startswith(roster.name_for(url))]
        return named[0] if named else (same[0] if len(same) == 1 else None)

    def matches(self, url: str) -> bool:
        return self._regex.search(url) is not None

    def contract(self) -> str | None:
        """The Scrapy contract lines for this route's example page, or None without an example."""
        if not self.example:
            return None
        lines = [f"@url {self.example}", f"@returns {self.returns}"]
        if self.returns.startswith("items"):
            lines.append("@scrapes source key url")
        return "\n".join(lines)

    def accepts(self, content_type: str) -> bool:
        """Whether a response of this Content-Type is what the route's parser reads."""
        return any(marker in content_type.lower() for marker in FORMATS[self.format])


class Routes:
    """An ordered table of routes: the first whose pattern matches a URL reads it."""

    def __init__(self, *routes: Route):
        if not routes:
            raise ValueError("a routing table needs at least one route")
        self.routes = routes

    def match(self, url: str) -> Route:
        for route in self.routes:
            if route.matches(url):
                return route
        raise NoRoute(f"no route reads {url} (patterns: {', '.join(r.pattern for r in self.routes)})")

    def __iter__(self):
        return iter(self.routes)

    def check_rosters(self, expectations) -> None:
        """Refuse a table with a roster whose list landmark the parser's EXPECTATIONS do not declare
        (GlocalSpider does this when a spider class is defined)."""
        for route in self.routes:
            for roster in route.roster_scopes():
                expectations.require_list_landmark(roster)
