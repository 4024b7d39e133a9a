"""Extraction for c40_members: the member cities on C40's homepage. No Scrapy, no network, no clock.

The homepage (research/sites.md §1.5) shows the member cities as a scrolling carousel and states
"C40 has 97 member cities". Its markup is unknown (markup.md §2.3), so the names are found as
repeated groups of place names (`kit.name_groups`): the carousel's tracks, each of which
writes its names twice so that it can scroll without a gap. Every such group in the main content
counts; a name written several times is one member (keyed by its normalised spelling). The list
is accepted only when the number of distinct names agrees with the stated count
(`kit.name_groups.tolerance`); otherwise the members are reported incomplete, count only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator


from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import ROSTER, CountClaim, Membership, Scope
from kit.name_groups import element_groups, place_groups, tolerance
from places.curated import is_known_place
from kit.routing import Route, Routes
from kit.text import clean, key_part
from spiders.parsers.page import MARKUP_TAGS, soup_of

SOURCE = "c40_members"
HOME_URL = "https://www.c40.org/"
NETWORK = "C40"
MEMBERS = Scope(Membership, ROSTER, f"members:{NETWORK}", landmark="member_list")
SCOPE = MEMBERS.name

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("member_list", "repeated elements naming the member cities (the homepage carousel)"),
        Landmark("stated_count", 'the sentence "C40 has 97 member cities"'),
    ),
    min_items={"membership": 50},
    required_fields={"membership": ("actor_name", "network")},
)

_STATED = re.compile(r"\bC40\s+has\s+(?P<q>more than\s+|over\s+|nearly\s+|almost\s+)?(?P<n>\d+)\s+member\s+cities", re.I)


def parse_homepage(html: str, url: str = HOME_URL) -> Iterator:
    """The members' ScopeReport, the stated count, then one Membership per distinct member city.

    Raises ParseError when the page states no member count: then it is not the homepage we know,
    and a list of places on it (if any) cannot be checked.
    """
    soup = soup_of(html, url, source=SOURCE, landmark="member_list", tags=MARKUP_TAGS)
    main = soup.find("main") or soup.body or soup
    text = clean(main)
    stated = _STATED.search(text)
    if not stated:
        raise ParseError(f'{SOURCE}: no member count ("C40 has N member cities") on {url}',
                         landmarks=("stated_count",))
    count = int(stated.group("n"))
    qualifier = clean(stated.group("q")).lower() or None
    claim = CountClaim(source=SOURCE, key=f"{SOURCE}/{NETWORK}@/", url=url, subject_key=f"network:{NETWORK}", count=count,
                       unit="member cities", qualifier=qualifier, text=clean(stated.group(0)))

    groups = place_groups(element_groups(main), is_known_place)
    names: dict[str, str] = {}
    for group in groups:
        for label in group.names():
            names.setdefault(key_part(label, what=f"member name on {url}"), label)  # repeated names: one member
    low, high = tolerance(count, qualifier)
    if not low <= len(names) <= high:
        found = f"{len(names)} distinct place names in {len(groups)} repeated groups" if groups else \
            "no repeated group of place names"
        yield MEMBERS.report(SOURCE, url, complete=False, stated=count, stated_qualifier=qualifier,
                             landmarks_missing=["member_list"],
                             reason=f"{url} states {count} member cities but shows {found} (accepted {low}-{high})")
        yield claim
        return
    memberships = [_membership(key, name, url) for key, name in names.items()]
    yield MEMBERS.report(SOURCE, url, complete=True, keys=[m.key for m in memberships], stated=count,
                         stated_qualifier=qualifier)
    yield claim
    yield from memberships


def roster_item(name: str, country: str | None, url: str, scope: str) -> Membership:
    """A membership as this parser builds it, for a name the generic roster reader found on a
    homepage whose carousel this parser could not read (spiders/parsers/stand_in.py); the member
    list is one (`scope` adds nothing)."""
    return _membership(key_part(name, what=f"member name on {url}"), name, url)


def _membership(key: str, name: str, url: str) -> Membership:
    # The country is left to the store: the actor resolver finds it in the gazetteer (reference
    # data), while a membership row holds only what the page says, and the homepage names no country.
    return Membership(source=SOURCE, key=f"{SOURCE}/{key}", url=url, network=NETWORK, actor_name=name,
                      scope=MEMBERS.name)


ROUTES = Routes(Route(r"^https://(?:www\.)?c40\.org/$", parse_homepage, MEMBERS, example=HOME_URL, returns="items 97"))
