"""What a parser reads from one page of a paged listing (pure data: parsers may import it)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ListingPage:
    """What a parser read from one page of a listing: its items and the next page, if any."""

    items: list = field(default_factory=list)
    next_url: str | None = None
    stated: int | None = None  # a count the page states for the whole listing
    gaps: list[str] = field(default_factory=list)  # what an entry lacked (no year ...), in words
