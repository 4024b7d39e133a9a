"""The generic roster reader: the list of places on a page, found without site-specific code.

A network's member list or an instrument's signatory list is, whatever the markup, a run of like
things whose texts are places. So the reader collects **candidates** from a page and keeps the one
that is most plainly a list of places:

- HTML: repeated sibling structures (list items, cards, links, logo captions, tiles: found by
  `kit.name_groups`, which skips nav, header, footer and aside), the union of like structures
  split in parts (a carousel's tracks), each column of each table, a delimited line ("Signatory
  cities: Amman, Austin, ..."), and the arrays of a JSON `<script>`;
- a JSON answer: each field of each array of objects (`$.data[].name`), or an array of strings;
- a CSV answer: each column.

Each candidate is measured: how many distinct names it holds (a footnote mark, "Denmark<sup>1</sup>",
is no part of a name), which share look like names (`looks_like_place_name`), which share the
gazetteer knows as places (a town, a country, or a first-level division such as "California"; an
ambiguous name such as "Portland" counts half), and the heading that introduces it. It is
**rejected** when its labels are not names ("Read more about ..."), when too few are places (a
partner-logo strip), when its heading says it is something else ("Related news", "Supported by",
"City stories", "Our offices", even over a grid of regions), or when its size disagrees with the
count the page states of that very list (`kit.name_groups.tolerance`; a list uniting lists counted
apart, a treaty's participants, is stated "at least" the larger count). Columns of one table or
one JSON array are one candidate: the column richest in places is the list, a column of
countries beside it gives each name its country. Two names are a list only in a table or a data
answer whose stated count is exactly 2 (an initiative of two regions); elsewhere three at least.

The survivors are scored (place share x name share x a size factor that grows to 1 at 40 names,
plus a bonus for a roster heading "Signatories", "Members", "Adhering cities" and for agreeing
with the stated count); candidates holding (nearly) the same names, or one inside another (a card
grid and its JSON, one track of a carousel and the whole), are one reading. The reader
**refuses** when nothing survives, when the best score is under `MIN_CONFIDENCE`, or when a
second, different reading scores within `CLOSE` of the best: two lists of places and nothing to
tell them apart is a question for a person, not a guess. The confidence is the best score
(capped at 1).

Pure: text in, a `Reading` out; the gazetteer is read (never written) through `places`. One pass
over the markup for groups, one for tables and lines, one gazetteer lookup per distinct label:
linear in the page size.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pycountry
from bs4 import NavigableString, Tag

from kit.name_groups import (Group, element_groups, is_skipped_region, json_arrays, looks_like_place_name,
                             script_groups, tolerance)
from kit.text import clean, name_key, split_names
from spiders.parsers.page import fragment_of

MIN_NAMES = 3
MIN_DATA_NAMES = 2  # a table or a JSON/CSV answer of 2 names is believed when the page states exactly 2
MIN_NAME_SHARE = 0.9  # labels that look like names
MIN_PLACE_SHARE = 0.6  # labels the gazetteer knows as places (ambiguous ones count half)
SHORT_LIST = 5  # a list shorter than this needs a stated count or a roster heading to be believed
FULL_SIZE = 40  # the size factor reaches 1 here
ROSTER_HEADING_BONUS = 0.15
STATED_BONUS = 0.25
MIN_CONFIDENCE = 0.5
CLOSE = 0.85  # a second reading scoring at least this share of the best one: refuse
SAME_LIST = 0.8  # name sets this alike (Jaccard), or one this much inside the other, are one list

_ROSTER_WORDS = re.compile(r"signator|signed|signing|sign-on|member|adher|endors|participa|commit|joined|pledg|"
                           r"declar|parties|list of|who has|who have", re.I)
_DECOY_WORDS = re.compile(r"partner|sponsor|supported by|support from|funder|funded by|donor|news|stor(?:y|ies)|"
                          r"related|latest|read more|events?\b|follow|explore|menu|resources|publication|press|"
                          r"blog|case stud|featured|spotlight|highlight|legend|\bmap\b|navigation|quick links|"
                          r"share|tags?\b|topics?|see also|contact|offices?\b|regions?\b|jobs|careers", re.I)
_ISO_CODES = frozenset(country.alpha_2 for country in pycountry.countries)
_KIND_TITLE = re.compile(r"type|kind|category", re.I)
_PLACE_KINDS = re.compile(r"city|cities|municipal|town|region|local|state|province|county|district|village|"
                          r"metropol|commune|prefecture|territor", re.I)
_TEXT_BLOCKS = frozenset({"p", "dd", "li", "td", "blockquote"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_NESTED_BLOCKS = sorted(_TEXT_BLOCKS | {"ul", "ol", "div", "table"})
_LEAD_IN = re.compile(r"^(?P<lead>[^:]{3,80}):\s*(?P<rest>.+)$", re.S)
_TRAILING_COUNTRY = re.compile(r"^(?P<name>.+?)\s*(?:\((?P<paren>[^()]+)\)|,\s*(?P<comma>[^,()]+))$")
_MARKERS = "*†‡§"
_FOOTNOTE_MARK = re.compile(r"[\d\s,*†‡§]{1,8}|[a-z]")  # "Denmark<sup>1</sup>": the mark is no part of the name
_DATA = frozenset({"table", "json", "csv"})  # candidates read from columns, not from runs of like elements
_MAX_TEXT_BLOCK = 20_000  # a longer block is prose, never one delimited list


@dataclass
class Entry:
    """One name of the list as the page prints it, with the country the page gives (ISO alpha-2)."""

    name: str
    country: str | None = None


@dataclass
class Candidate:
    """One structure that might be the list, measured."""

    where: str  # "ul.adhering-cities > li", "table 1 column 'Signatory'", "$.data[].name", "p (delimited)"
    how: str  # elements, table, delimited text, json, csv
    labels: list[str]
    heading: str | None = None
    entries: list[Entry] = field(default_factory=list)  # distinct names, page order
    names_share: float = 0.0
    places_share: float = 0.0
    places: int = 0  # distinct names the gazetteer resolves to one place
    score: float = 0.0
    rejected: str | None = None  # why it is not the list; None for a survivor
    family: tuple | None = field(default=None, repr=False)  # (parent tag, member markup, heading): parts of one list

    @property
    def size(self) -> int:
        return len(self.entries)

    def describe(self) -> str:
        heading = f' under "{self.heading}"' if self.heading else ""
        return f"{self.size} names in {self.where}{heading}"


@dataclass
class Reading:
    """What the reader found: the list (or a refusal), the confidence, and why."""

    entries: list[Entry]
    confidence: float
    reason: str
    chosen: Candidate | None = None
    candidates: list[Candidate] = field(default_factory=list)  # every measured candidate, best first
    stated: int | None = None

    @property
    def refused(self) -> bool:
        return self.chosen is None

    @property
    def names(self) -> list[str]:
        return [entry.name for entry in self.entries]

    @property
    def rejected(self) -> list[Candidate]:
        return [c for c in self.candidates if c.rejected]


def read_roster(text: str, url: str = "", *, stated: int | None = None, qualifier: str | None = None,
                content_type: str | None = None, places=None) -> Reading:
    """The list of places `text` (HTML, a JSON or a CSV answer) holds, or a reasoned refusal.

    `stated` is the count the page states ("unites 35 cities"), with its `qualifier` ("more
    than", "at least"): the count of this very list, so a list that unites lists counted apart (a
    treaty's participants: its signatories and its parties) is given "at least" the larger count,
    never one part's. `places` is the gazetteer (anything with `lookup(name, country)` or
    `decision(name, country)`,
    `division_named(name, country)` and `country_code(text)`; default: places.gazetteer.default()).
    """
    if places is None:
        from places.gazetteer import default
        places = default()
    if _format(text, url, content_type) == "xml":
        return Reading([], 0.0, "an XML document (a feed or a data file) is read by a parser, not by the roster reader",
                       stated=stated)
    judge = _Judge(places)
    candidates = [c for c in _candidates(text, url, content_type, judge) if c.labels]
    for candidate in candidates:
        judge.measure(candidate, stated, qualifier)
    for union in _unions(candidates):
        judge.measure(union, stated, qualifier)
        candidates.append(union)
    return _decide(candidates, stated)


_PARTIAL = ("disagree with the stated", "too short to trust")  # rejections a part of a longer list may get


def _unions(candidates: list[Candidate]) -> list[Candidate]:
    """A list split in like parts (a carousel's tracks, two columns under one heading): the parts
    share their member markup, their parent's tag and their heading, and each is a list of places
    on its own (rejected, if at all, only for its size)."""
    families: dict[tuple, list[Candidate]] = {}
    for candidate in candidates:
        if candidate.family and (candidate.rejected is None or any(why in candidate.rejected for why in _PARTIAL)):
            families.setdefault(candidate.family, []).append(candidate)
    unions = []
    for (parent, member, heading), parts in families.items():
        if len(parts) > 1:
            unions.append(Candidate(where=f"{parent} > {member} ({len(parts)} parts)", how="elements",
                                    labels=[label for part in parts for label in part.labels], heading=heading))
    return unions


# --- what a page offers ----------------------------------------------------------------------------

def _format(text: str, url: str, content_type: str | None) -> str:
    kind = (content_type or "").lower()
    path = url.lower().split("?")[0]
    if "json" in kind or path.endswith(".json"):
        return "json"
    if "csv" in kind or path.endswith(".csv"):
        return "csv"
    head = text.lstrip()[:1]
    if head in "[{" and head:
        return "json"
    if "xml" in kind and "html" not in kind or text.lstrip()[:5] == "<?xml" and "<html" not in text[:2000].lower():
        return "xml"
    if "html" in kind or "<" in text[:2000]:
        return "html"
    return "csv"


def _candidates(text: str, url: str, content_type: str | None, judge: "_Judge") -> list[Candidate]:
    kind = _format(text, url, content_type)
    if kind == "json":
        try:
            return _json_candidates(json.loads(text), judge)
        except ValueError:
            return []
    if kind == "csv":
        return _csv_candidates(text, judge)
    return _html_candidates(text, judge)


def _html_candidates(text: str, judge: "_Judge") -> list[Candidate]:
    soup = fragment_of(text)  # any markup: the reader decides what it holds, not whether it is a "page"
    for mark in soup.find_all("sup"):
        if _FOOTNOTE_MARK.fullmatch(mark.get_text(strip=True)):
            mark.decompose()
    root = soup.find("main") or soup.body or soup
    candidates = [_from_group(g, "elements") for g in element_groups(root)]
    candidates.extend(_from_group(g, "json") for g in script_groups(soup))
    candidates.extend(_blocks_and_tables(root, judge))
    return candidates


def _from_group(group: Group, how: str) -> Candidate:
    candidate = Candidate(where=group.where, how=how, labels=[label or "" for label in group.labels],
                          heading=group.heading)
    if how == "elements":
        parent, _, member = group.where.partition(" > ")
        candidate.family = (parent.split(".")[0], member, group.heading)
    return candidate


def _blocks_and_tables(root: Tag, judge: "_Judge") -> Iterator[Candidate]:
    """Delimited lines and table columns, each with the heading last seen before it (one walk)."""
    heading = None
    tables = 0
    stack: list = [iter(root.contents)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        if isinstance(node, NavigableString) or not isinstance(node, Tag):
            continue
        if is_skipped_region(node) and node.name != "form":  # ASP.NET pages wrap their whole body in a form
            continue
        if node.name in _HEADINGS:
            heading = clean(node.get_text(" ")) or heading
            continue
        if node.name == "table":
            tables += 1
            table = _table_candidate(node, tables, heading, judge)
            if table is not None:
                yield table
            continue  # cells are read as columns, not as lines
        if node.name in _TEXT_BLOCKS and not node.find(_NESTED_BLOCKS):
            line = clean(node.get_text(" "))
            if line.endswith(":") and len(line) <= 80:
                heading = line  # a lead-in line: "The signatory cities are:"
                continue
            block = _delimited(node, line, heading)
            if block is not None:
                yield block
            continue
        stack.append(iter(node.contents))


def _delimited(node: Tag, line: str, heading: str | None) -> Candidate | None:
    if len(line) > _MAX_TEXT_BLOCK or (line.count(",") + line.count(";")) < MIN_NAMES - 1:
        return None
    lead = _LEAD_IN.match(line)
    if lead:
        heading, line = lead.group("lead"), lead.group("rest")
    names = [name for name, _ in split_names(line)]
    return Candidate(where=f"{node.name} (delimited)", how="delimited text", labels=names, heading=heading)


def _table_candidate(table: Tag, number: int, heading: str | None, judge: "_Judge") -> Candidate | None:
    """The table's column richest in places, with a country column beside it when there is one."""
    header: list[str] = []
    columns: dict[int, list[str]] = {}
    for row in table.find_all("tr"):
        if row.find_parent("table") is not table:
            continue  # a nested table is read on its own
        cells = row.find_all(["td", "th"], recursive=False)
        if cells and all(c.name == "th" for c in cells):
            header = [clean(c.get_text(" ")) for c in cells]
            continue
        for index, cell in enumerate(cells):
            columns.setdefault(index, []).append(clean(cell.get_text(" ")))
    titled = {index: (header[index] if index < len(header) else f"column {index + 1}") for index in columns}
    return judge.best_column(f"table {number}", "table", columns, titled, heading)


def _json_candidates(data, judge: "_Judge") -> list[Candidate]:
    found = []
    for path, array in json_arrays(data, min_size=MIN_DATA_NAMES):  # an answer of two regions is a list
        if all(isinstance(entry, str) for entry in array):
            found.append(Candidate(where=path, how="json", labels=[clean(e) for e in array]))
            continue
        rows = [entry for entry in array if isinstance(entry, dict)]
        columns: dict[str, list[str]] = {}
        for row in rows:
            for key, value in _flat(row):
                columns.setdefault(key, [])
        for key in columns:
            columns[key] = [_text_of(dict(_flat(row)).get(key)) for row in rows]
        keys = re.findall(r"\.([^.\[\]]+)", path)  # "$.signatories" says what the array holds
        best = judge.best_column(f"{path}[]", "json", columns, {k: k for k in columns}, keys[-1] if keys else None)
        if best is not None:
            found.append(best)
    return found


def _flat(row: dict) -> Iterator[tuple[str, object]]:
    """A JSON object's string fields, one level of nesting flattened ("city.name")."""
    for key, value in row.items():
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                if isinstance(inner_value, str):
                    yield f"{key}.{inner}", inner_value
        elif isinstance(value, str):
            yield key, value


def _text_of(value) -> str:
    if not isinstance(value, str):
        return ""
    return clean(fragment_of(value).get_text(" ")) if "<" in value else clean(value)


def _csv_candidates(text: str, judge: "_Judge") -> list[Candidate]:
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return []
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, [])
    columns: dict[int, list[str]] = {index: [] for index in range(len(header))}
    for row in reader:
        for index in columns:
            columns[index].append(clean(row[index]) if index < len(row) else "")
    best = judge.best_column("csv", "csv", columns, {i: clean(h) for i, h in enumerate(header)}, None)
    return [best] if best is not None else []


# --- measuring -------------------------------------------------------------------------------------

class _Judge:
    """Measures candidates against the gazetteer, one lookup per distinct label."""

    def __init__(self, places):
        self.places = places
        # Only the status is read: the decision alone, without the reviewer's offer a whole lookup
        # adds for a label of no place (most of a non-place label's cost).
        self._decide = getattr(places, "decision", None) or places.lookup
        self._place: dict[tuple[str, str | None], float] = {}
        self._country: dict[str, str | None] = {}

    def place_weight(self, name: str, country: str | None = None) -> float:
        """1 for a place (a town, a country, or a first-level division: "California", "Scotland"),
        0.5 for a name of several places the gazetteer cannot choose between, else 0."""
        key = (name, country)
        if key not in self._place:
            status = self._decide(name, country).status
            if status != "resolved" and self.places.division_named(name, country):
                status = "resolved"  # a region the town gazetteer lacks, or shares with towns
            self._place[key] = 1.0 if status == "resolved" else 0.5 if status == "ambiguous" else 0.0
        return self._place[key]

    def country(self, text: str) -> str | None:
        if text not in self._country:
            if re.fullmatch(r"[A-Za-z]{2}", text or ""):  # an ISO code: pycountry's table, not a gazetteer scan
                code = {"UK": "GB", "EL": "GR"}.get(text.upper(), text.upper())
                self._country[text] = code if code in _ISO_CODES else None
            else:
                self._country[text] = self.places.country_code(text) if text and len(text) <= 60 else None
        return self._country[text]

    def entry(self, label: str, country: str | None = None) -> Entry:
        """The label as a name, a trailing "(Italy)" or ", Spain" taken as its country."""
        name = label.strip().rstrip(_MARKERS).strip()
        match = _TRAILING_COUNTRY.match(name)
        if match and country is None:
            tail = (match.group("paren") or match.group("comma")).strip()
            code = self.country(tail)
            # "Carmel, IN" is Indiana, not India: a short code is a country only when the whole
            # label is not already a known place with it.
            if code and not (len(tail) <= 3 and self.place_weight(name)):
                return Entry(match.group("name").strip(), code)
        return Entry(name, country)

    def measure(self, candidate: Candidate, stated: int | None, qualifier: str | None) -> None:
        if not candidate.entries:
            candidate.entries = _distinct(self.entry(label) for label in candidate.labels if label)
        entries = candidate.entries
        if not entries:
            candidate.rejected = "no labels"
            return
        names = sum(1 for e in entries if looks_like_place_name(e.name))
        weights = [self.place_weight(e.name, e.country) if looks_like_place_name(e.name) else 0.0 for e in entries]
        candidate.names_share = names / len(entries)
        candidate.places_share = sum(weights) / len(entries)
        candidate.places = sum(1 for w in weights if w == 1.0)
        candidate.rejected = self._rejection(candidate, stated, qualifier)
        if candidate.rejected is None:
            size = min(1.0, math.log(candidate.size + 1) / math.log(FULL_SIZE + 1))
            candidate.score = candidate.places_share * candidate.names_share * size
            if candidate.heading and _ROSTER_WORDS.search(candidate.heading):
                candidate.score += ROSTER_HEADING_BONUS
            if stated:
                candidate.score += STATED_BONUS

    def _rejection(self, candidate: Candidate, stated: int | None, qualifier: str | None) -> str | None:
        entries = candidate.entries
        if len(entries) < MIN_NAMES and not (len(entries) >= MIN_DATA_NAMES and candidate.how in _DATA
                                             and stated == len(entries) and not qualifier):
            return f"fewer than {MIN_NAMES} names (and not a table or data answer of exactly the stated count)"
        if candidate.names_share < MIN_NAME_SHARE:
            odd = next(e.name for e in entries if not looks_like_place_name(e.name))
            return f"labels are not names ({odd[:50]!r} ...)"
        if candidate.places_share < MIN_PLACE_SHARE:
            unknown = next((e.name for e in entries if not self.place_weight(e.name, e.country)), entries[0].name)
            return f"only {candidate.places_share:.0%} are known places ({unknown[:50]!r} is not)"
        heading = candidate.heading or ""
        if _DECOY_WORDS.search(heading) and not _ROSTER_WORDS.search(heading):
            return f'its heading "{heading[:60]}" introduces something else (partners, news, navigation ...)'
        if stated:
            low, high = tolerance(stated, qualifier)
            if not low <= len(entries) <= high:
                return f"{len(entries)} names disagree with the stated {stated} (accepted {low}-{high})"
        elif len(entries) < SHORT_LIST and not _ROSTER_WORDS.search(heading):
            return f"{len(entries)} names, no stated count and no roster heading: too short to trust"
        elif candidate.how == "delimited text" and not _ROSTER_WORDS.search(heading):
            return "names in running text without a roster lead-in (\"Signatory cities:\") or a stated count"
        return None

    def best_column(self, where: str, how: str, columns: dict, titles: dict, heading: str | None) -> Candidate | None:
        """One candidate for a table or an array: its column richest in places. A column of
        countries beside it gives each name its country; a column of kinds ("actorType": City,
        Company, Region) leaves out the rows whose kind is not a place. A kind says what a row is, not
        that the array is a roster (a list of venues is typed "City" too): it earns no bonus."""
        keep = self._rows_of_places(columns, titles)
        measured = []
        for key, values in columns.items():
            label = f"{where} column {titles[key]!r}" if how != "json" else f"{where}.{key}"
            candidate = Candidate(where=label, how=how, labels=[v for i, v in enumerate(values) if v and keep(i)],
                                  heading=titles[key] or heading)
            candidate.entries = _distinct(self.entry(value) for value in candidate.labels)
            if len(candidate.entries) < MIN_DATA_NAMES:
                continue
            countries = sum(1 for e in candidate.entries if self.country(e.name)) / len(candidate.entries)
            richness = sum(self.place_weight(e.name) for e in candidate.entries[:200] if looks_like_place_name(e.name))
            measured.append((key, values, candidate, countries, richness))
        if not measured:
            return None
        pool = [m for m in measured if m[3] < 0.8 and m[4] > 0] or measured
        key, values, best, _, _ = max(pool, key=lambda m: (m[4], len(m[2].entries)))
        beside = next((m for m in measured if m[3] >= 0.8 and m[0] != key), None)
        if beside is not None:
            codes = [self.country(v) for v in beside[1]]
            best.entries = _distinct(self.entry(v, codes[i] if i < len(codes) else None)
                                     for i, v in enumerate(values) if v and keep(i))
        if heading and not (best.heading and (_ROSTER_WORDS.search(best.heading) or _DECOY_WORDS.search(best.heading))):
            best.heading = heading
        return best

    def _rows_of_places(self, columns: dict, titles: dict):
        """Which rows to read: all, unless a column of kinds says some rows are not places."""
        for key, values in columns.items():
            kinds = {v.lower() for v in values if v}
            if _KIND_TITLE.search(str(titles[key])) and 1 < len(kinds) <= 8 and any(_PLACE_KINDS.search(k) for k in kinds):
                return lambda i, values=values: i < len(values) and bool(_PLACE_KINDS.search(values[i] or ""))
        return lambda i: True


def _distinct(entries) -> list[Entry]:
    seen: dict[str, Entry] = {}
    for entry in entries:
        key = name_key(entry.name)
        if key and key not in seen:
            seen[key] = entry
    return list(seen.values())


# --- deciding --------------------------------------------------------------------------------------

def _keys(candidate: Candidate) -> set[str]:
    return {name_key(e.name) for e in candidate.entries}


def _same_list(a: Candidate, b: Candidate) -> bool:
    ka, kb = _keys(a), _keys(b)
    shared = len(ka & kb)
    return shared / len(ka | kb) >= SAME_LIST or shared / min(len(ka), len(kb)) >= SAME_LIST


def _decide(candidates: list[Candidate], stated: int | None) -> Reading:
    survivors = sorted((c for c in candidates if c.rejected is None), key=lambda c: (-c.score, -c.size))
    ranked = survivors + sorted((c for c in candidates if c.rejected), key=lambda c: -c.places_share)
    if not survivors:
        near = [c for c in ranked if c.places_share >= MIN_PLACE_SHARE and c.size >= MIN_DATA_NAMES]
        why = "; ".join(f"{c.describe()}: {c.rejected}" for c in near[:3])
        return Reading([], 0.0, "no list of places" + (f" ({why})" if why else " on the page"),
                       candidates=ranked, stated=stated)
    # Readings: the best candidate of each set of candidates holding the same list.
    readings: list[Candidate] = []
    for candidate in survivors:
        if not any(_same_list(candidate, kept) for kept in readings):
            readings.append(candidate)
    best = readings[0]
    confidence = min(1.0, best.score)
    if len(readings) > 1 and readings[1].score >= CLOSE * best.score:
        other = readings[1]
        return Reading([], confidence, f"two different lists of places are close: {best.describe()} "
                       f"(score {best.score:.2f}) and {other.describe()} (score {other.score:.2f})",
                       candidates=ranked, stated=stated)
    if confidence < MIN_CONFIDENCE:
        return Reading([], confidence, f"the best list, {best.describe()}, scores {confidence:.2f} "
                       f"(under {MIN_CONFIDENCE})", candidates=ranked, stated=stated)
    agreed = f", agreeing with the stated {stated}" if stated else ""
    return Reading(best.entries, confidence,
                   f"{best.describe()}: {best.places} of {best.size} resolve to places{agreed}",
                   chosen=best, candidates=ranked, stated=stated)
