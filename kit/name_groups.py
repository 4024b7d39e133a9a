"""Find a list of names carried by a repeated structure whose markup we do not know.

Redesigned pages show lists as cards, logo grids, captioned figures, tiles whose only text is an
`aria-label`, or a JSON blob in a `<script>` that a front-end renders. None of that markup is
documented for the sites we watch, so this module looks for *shape*, not classes:

- a **candidate group** is a set of sibling elements with the same tag and the same class list
  (three or more of them), or an array of three or more entries inside a JSON `<script>`;
- each member's **label** is what a person would read as its name: the element's own
  `aria-label`, else the first heading (h1-h6) inside it, else the first `<figcaption>`, else the
  first non-empty `img[alt]`, else its whole text when that text is short, else its first link's
  text; a JSON entry's label is its `name` / `title` / `city` / `label` field (or the string itself).

Deciding which group (if any) is the list is the caller's business (see `pick_group`): this
module only measures. Everything is computed in **one post-order pass** over the tree: each
element's summary is built from its children's summaries (text capped at `_TEXT_CAP`
characters), so the cost is linear in the page size, never a `find_all` over each subtree.
Landmark regions that never hold a page's own list (`header`, `nav`, `footer`, `aside`, `form`,
and their ARIA roles) are skipped with their whole subtree. Each group also carries the **heading**
that introduces it: the last heading (h1-h6, or a short lead-in line ending with ":") before its
first member, so a caller can tell "Signatory cities" from "Related news" or "Supported by".
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from kit.text import clean

MIN_GROUP = 3
_TEXT_CAP = 120  # longer text is not a name, so it is never kept whole (keeps the pass linear)
_SKIPPED_TAGS = frozenset({"header", "nav", "footer", "aside", "form", "script", "style", "noscript", "template",
                           "svg", "select", "button"})
_SKIPPED_ROLES = frozenset({"banner", "navigation", "contentinfo", "complementary", "search"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_JSON_LABEL_FIELDS = ("name", "title", "city", "label", "cityName", "city_name")
_NOT_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)


@dataclass
class Group:
    """One candidate list: where it was found and the label of each member, in page order."""

    where: str  # "ul.signatory-cards > li.card" or "script#accelerator-data $.cities"
    labels: list[str | None]
    how: str  # which part of a member gave most labels: aria-label, heading, figcaption, img alt, text, link, json
    position: int = 0  # page order of the group's parent (pre-order index; JSON groups come after elements)
    heading: str | None = None  # the heading or lead-in line last seen before the group's first member

    @property
    def size(self) -> int:
        return len(self.labels)

    first: int = field(default=0, repr=False)  # pre-order position of the first member (for its heading)

    def names(self) -> list[str]:
        return [label for label in self.labels if label]


@dataclass
class _Summary:
    """What one element's subtree offers as a label, built from its children's summaries."""

    text: str | None = ""  # None: longer than _TEXT_CAP
    heading: str | None = None
    caption: str | None = None
    alt: str | None = None
    aria: str | None = None  # an aria-label inside the element
    own_aria: str | None = None  # the element's own aria-label (not passed up)
    link: str | None = None

    def add_text(self, piece: str) -> None:
        if self.text is None or not piece:
            return
        joined = f"{self.text} {piece}" if self.text else piece
        self.text = joined if len(joined) <= _TEXT_CAP else None

    def absorb(self, child: "_Summary") -> None:
        if child.text is None:
            self.text = None
        else:
            self.add_text(child.text)
        self.heading = self.heading or child.heading
        self.caption = self.caption or child.caption
        self.alt = self.alt or child.alt
        self.aria = self.aria or child.own_aria or child.aria
        self.link = self.link or child.link


@dataclass
class _Frame:
    element: Tag
    position: int
    summary: _Summary = field(default_factory=_Summary)
    children: list = field(default_factory=list)  # (signature, summary, position) of element children, in order


def element_groups(root: Tag) -> list[Group]:
    """Every group of >= MIN_GROUP like siblings under `root` (landmark regions skipped), in page order."""
    groups: list[Group] = []
    headings: list[tuple[int, str]] = []  # (pre-order position, text) of each heading or lead-in line
    visited = 0
    stack: list[tuple[_Frame, Iterator]] = [(_Frame(root, visited), iter(root.contents))]
    while stack:
        frame, pending = stack[-1]
        child = next(pending, None)
        if child is not None:
            if isinstance(child, NavigableString):
                if not isinstance(child, _NOT_STRINGS):
                    frame.summary.add_text(clean(str(child)))
            elif isinstance(child, Tag) and not _skipped(child):
                visited += 1
                stack.append((_Frame(child, visited), iter(child.contents)))
            continue
        stack.pop()
        summary = _finish(frame)
        if _introduces(frame.element, summary):
            headings.append((frame.position, summary.text))
        groups.extend(_groups_of(frame))
        if stack:
            parent = stack[-1][0]
            parent.summary.absorb(summary)
            parent.children.append((_signature(frame.element), summary, frame.position))
    _name_headings(groups, headings)
    groups.sort(key=lambda g: g.position)
    return groups


_LEAD_IN_TAGS = frozenset({"p", "strong", "b", "dt", "caption", "legend", "th"})


def _introduces(element: Tag, summary: "_Summary") -> bool:
    """A heading, or a short lead-in line that ends with a colon ("The signatory cities are:")."""
    if not summary.text:
        return False
    return element.name in _HEADINGS or (element.name in _LEAD_IN_TAGS and summary.text.endswith(":")
                                          and len(summary.text) <= 80)


def _name_headings(groups: list[Group], headings: list[tuple[int, str]]) -> None:
    """Give each group the last heading that starts before its first member (headings are
    recorded in post-order, so sort them by position once; one binary search per group)."""
    if not headings:
        return
    headings.sort()
    positions = [position for position, _ in headings]
    for group in groups:
        index = bisect_left(positions, group.first) - 1
        if index >= 0:
            group.heading = headings[index][1]


def is_skipped_region(element: Tag) -> bool:
    """Whether an element is a landmark region (nav, footer, aside ...) that never holds a page's list."""
    return _skipped(element)


def _skipped(element: Tag) -> bool:
    return element.name in _SKIPPED_TAGS or (element.get("role") or "").lower() in _SKIPPED_ROLES \
        or element.get("hidden") is not None or (element.get("aria-hidden") or "").lower() == "true"


def _finish(frame: _Frame) -> _Summary:
    """Turn what the children offered into this element's summary (its own attributes first)."""
    element, summary = frame.element, frame.summary
    name = element.name
    summary.own_aria = clean(element.get("aria-label")) or None
    if name in _HEADINGS and summary.text:
        summary.heading = summary.text
    elif name == "figcaption" and summary.text:
        summary.caption = summary.text
    elif name == "img":
        alt = clean(element.get("alt"))
        summary.alt = summary.alt or alt or None
    elif name == "a" and summary.text and not summary.link:
        summary.link = summary.text
    return summary


def _groups_of(frame: _Frame) -> list[Group]:
    """The runs of like siblings among this element's children."""
    by_signature: dict[str, list[_Summary]] = {}
    first: dict[str, int] = {}
    for signature, summary, position in frame.children:
        by_signature.setdefault(signature, []).append(summary)
        first.setdefault(signature, position)
    found = []
    for signature, members in by_signature.items():
        if len(members) < MIN_GROUP:
            continue
        labelled = [_label(m) for m in members]
        hows = [how for _, how in labelled if how]
        group = Group(where=f"{_signature(frame.element)} > {signature}",
                      labels=[label for label, _ in labelled],
                      how=max(sorted(set(hows)), key=hows.count) if hows else "none",
                      position=frame.position)
        group.first = first[signature]
        found.append(group)
    return found


def _label(summary: _Summary) -> tuple[str | None, str | None]:
    for value, how in ((summary.own_aria, "aria-label"), (summary.heading, "heading"),
                       (summary.caption, "figcaption"), (summary.alt, "img alt"), (summary.aria, "aria-label"),
                       (summary.text, "text"), (summary.link, "link")):
        if value:
            return value, how
    return None, None


def _signature(element: Tag) -> str:
    classes = element.get("class") or []
    return element.name + "".join(f".{c}" for c in sorted(classes))


# --- JSON in <script> ------------------------------------------------------------------------------

_ASSIGNED_JSON = re.compile(r"=\s*(?P<json>[\[{].*[\]}])\s*;?\s*$", re.S)


def script_groups(soup: BeautifulSoup) -> list[Group]:
    """Arrays of >= MIN_GROUP entries in JSON `<script>` blobs (type application/json, ld+json, or
    `var x = {...};`), each entry labelled by its name-like field."""
    groups: list[Group] = []
    for script in soup.find_all("script"):
        if script.get("src"):
            continue
        text = script.string or ""
        data = _load_json(text)
        if data is None:
            continue
        where = "script" + (f"#{script['id']}" if script.get("id") else "")
        for path, array in _arrays(data, "$"):
            labels = [_json_label(entry) for entry in array]
            groups.append(Group(where=f"{where} {path}", labels=labels, how="json"))
    return groups


def _load_json(text: str):
    """The JSON a script holds, whole or as the value of one assignment; None when it holds none."""
    text = text.strip()
    if not text or text[0] not in "[{" and "=" not in text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    match = _ASSIGNED_JSON.search(text)
    if match:
        try:
            return json.loads(match.group("json"))
        except ValueError:
            return None
    return None


def json_arrays(data, path: str = "$", min_size: int = MIN_GROUP) -> Iterator[tuple[str, list]]:
    """Every list of >= `min_size` objects or strings in a JSON value, with its path ("$.data")."""
    return _arrays(data, path, min_size)


def _arrays(data, path: str, min_size: int = MIN_GROUP) -> Iterator[tuple[str, list]]:
    """Every list of >= `min_size` entries in a JSON value (iteratively: a deep blob must not recurse)."""
    stack = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{where}.{k}", v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            if len(value) >= min_size and all(isinstance(v, (dict, str)) for v in value):
                yield where, value
            stack.extend((f"{where}[{i}]", v) for i, v in reversed(list(enumerate(value)))
                         if isinstance(v, (dict, list)))


def _json_label(entry) -> str | None:
    if isinstance(entry, str):
        return clean(entry) or None
    for name in _JSON_LABEL_FIELDS:
        value = entry.get(name)
        if isinstance(value, dict):  # WordPress style {"rendered": "..."}
            value = value.get("rendered")
        if isinstance(value, str) and clean(value):
            return clean(BeautifulSoup(value, "lxml").get_text(" ")) if "<" in value else clean(value)
    return None


# --- choosing the list -----------------------------------------------------------------------------

_ABBREVIATION_END = re.compile(r"(?:^|[\s.])[A-Z]\.$")
_NAME_SHAPE = re.compile(r"^[^\W\d_](?:[^\W\d_]|[\s.'’()&,\-–—/])*$")


def looks_like_place_name(label: str | None) -> bool:
    """Short, starts with a letter, at most six words, no digits or sentence punctuation.

    "Durban (eThekwini)", "Tel Aviv – Yafo", "Washington, DC", "Bogotá" pass; "Read more",
    "Mayors of 50 cities commit ..." and "Learn more about the Accelerator." do not all pass
    (short link words do, which is why a group also needs known places; see pick_group)."""
    if not label or len(label) > 60:
        return False
    if label.endswith((":", "?", "!")) or (label.endswith(".") and not _ABBREVIATION_END.search(label)):
        return False  # a sentence, not a name ("Washington D.C." ends with an abbreviation, not a full stop)
    return bool(_NAME_SHAPE.match(label)) and len(label.split()) <= 6


@dataclass
class Verdict:
    group: Group | None  # the accepted list, or None
    reason: str  # why it was accepted, or why nothing was
    candidates: list[Group] = field(default_factory=list)  # groups of place names, accepted or not


def tolerance(stated: int, qualifier: str | None) -> tuple[int, int]:
    """The list sizes that agree with a stated count.

    A site's stated count and its own list rarely match exactly: the Green & Healthy Streets page
    said "36 mayors" beside 35 names, and counts are updated on a different day from lists. So
    "N" accepts N ± max(2, 10% of N); "more than / over N" accepts N .. N + max(3, 25% of N) (the
    page may not have updated the round number), "at least N" the same from N; "nearly / almost /
    around / some N" accepts N - max(2, 10%) .. N + max(2, 10%).
    """
    slack = max(2, round(stated * 0.10))
    qualifier = (qualifier or "").lower()
    if qualifier in ("more than", "over", "at least"):
        return stated, stated + max(3, round(stated * 0.25))
    return max(1, stated - slack), stated + slack


def place_groups(groups: list[Group], is_known_place: Callable[[str], bool], *, min_known: float = 0.5) -> list[Group]:
    """The groups that are lists of places: every label looks like a place name, and at least
    `min_known` of them are places the gazetteer knows (a strip of partner logos is not)."""
    places = []
    for group in groups:
        labels = group.labels
        if not labels or not all(looks_like_place_name(label) for label in labels):
            continue
        known = sum(1 for label in labels if is_known_place(label))
        if known / len(labels) >= min_known:
            places.append(group)
    return places


def pick_group(groups: list[Group], stated: int, qualifier: str | None,
               is_known_place: Callable[[str], bool], *, min_known: float = 0.5) -> Verdict:
    """The one group that is a list of places whose size agrees with the stated count.

    A group is a list of places when every member has a label that looks like a place name and at
    least `min_known` of the labels are places the gazetteer knows (a partner-logo strip of
    foundations looks like names but names no place). Among those, only a group whose size is
    within `tolerance` is accepted; several such groups (a card grid and the JSON it was rendered
    from) are one list when they hold the same names, and the closest to the stated count wins.
    """
    places = place_groups(groups, is_known_place, min_known=min_known)
    low, high = tolerance(stated, qualifier)
    agreeing = [g for g in places if low <= len(set(g.names())) <= high]
    if agreeing:
        best = min(agreeing, key=lambda g: abs(len(set(g.names())) - stated))
        return Verdict(best, f"{len(set(best.names()))} place names in {best.where} ({best.how}) agree with the "
                             f"stated count {stated} (accepted {low}-{high})", places)
    if places:
        sizes = ", ".join(f"{len(set(g.names()))} in {g.where}" for g in places)
        return Verdict(None, f"groups of place names ({sizes}) disagree with the stated count {stated} "
                             f"(accepted {low}-{high})", places)
    return Verdict(None, "no repeated group of place names on the page", places)
