"""Parser of a made-up Drupal member directory (members.example.org/members?page=N) for the
source-kit tests: one roster over several pager pages."""

from __future__ import annotations

from bs4 import BeautifulSoup

from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import ROSTER, Membership, Scope
from kit.routing import Route, Routes
from kit.text import clean, key_part
from spiders.parsers import drupal

SOURCE = "example_members"
START = "https://members.example.org/members"
MEMBERS = Scope(Membership, ROSTER, f"members:{SOURCE}", landmark="members")
EXPECTATIONS = Expectations(landmarks=(Landmark("members", '<li class="member"> names'),),
                            min_items={"membership": 1})


def parse_members(html: str, url: str):
    soup = BeautifulSoup(html, "lxml")
    names = [clean(li) for li in soup.select("li.member")]
    if not names:
        raise ParseError(f"{SOURCE}: no members on {url}", landmarks=("members",))
    items = [Membership(source=SOURCE, key=f"{SOURCE}/{key_part(name)}", url=url, network="Example Network",
                        actor_name=name, scope=MEMBERS.name_for(url)) for name in names]
    yield MEMBERS.report(SOURCE, url, complete=True, keys=[i.key for i in items])
    yield from items
    following = drupal.next_page(soup, url)
    if following is not None:
        yield following


ROUTES = Routes(Route(r"^https://members\.example\.org/members(?:\?page=\d+)?$", parse_members, MEMBERS))
