"""The generic roster reader, measured: does it read what the site parsers read, refuse what is not
a roster, and stay linear on a huge page?

Every saved page of tests/fixtures is read twice: by its spider's own parser (spiders/parsers/<spider>.py,
the reference) and by the generic reader, given the count the page states when the page is the
whole list (a page of a paged listing states the listing's total, so it is read without it). A page
counts as **read right** when the reader returns exactly the parser's names, or refuses where the
parser itself found the list incomplete; **names missed** and **decoys taken** count the names
of a wrong reading; a **refusal** of a list the parser read is counted apart (safe: the spider
then flags the page, it records nothing false). A page whose parser names no signatory or member
must be refused. Sources read by the generic reader alone (spiders/rosters.toml) are compared with
the names their fixture's meta.json lists (`"names"`).

    .venv/bin/python -m bench --only roster_reader
"""

from __future__ import annotations

import importlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, Row

FIXTURES = ROOT / "tests" / "fixtures"
PAGED = {"covenant_signatories"}  # sources whose pages state the whole listing's count, not the page's
SKIPPED_SUFFIXES = (".xlsx", ".txt", ".md")


@dataclass
class Outcome:
    page: str  # "uclg_declarations/rome-charter.html"
    sample: bool
    expected: set[str] | None  # the parser's names (keys) on a roster page; None: not a roster page
    complete: bool  # the parser read the whole list
    got: set[str]
    refused: bool
    reason: str
    missed: set[str] = field(default_factory=set)
    decoys: set[str] = field(default_factory=set)
    named: set[str] = field(default_factory=set)  # names a news page's parser reports (evidence, not a roster)

    @property
    def roster(self) -> bool:
        return self.expected is not None

    @property
    def right(self) -> bool:
        if not self.roster:  # refused, or a news post's own list of signatories read exactly
            return self.refused or (bool(self.named) and self.got == self.named)
        if self.refused:
            return not self.complete  # refusing a list the parser could not vouch for is right
        return not self.missed and not self.decoys


def fixture_pages():
    """(spider, file name, meta entry) of every saved page with a parser to compare with."""
    for meta_path in sorted(FIXTURES.glob("*/meta.json")):
        spider = meta_path.parent.name
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        for name, info in meta.items():
            if name.endswith(SKIPPED_SUFFIXES) or not (meta_path.parent / name).exists():
                continue
            yield spider, name, info


def reference(spider: str, name: str, info: dict, text: str):
    """(names, complete, stated, qualifier, named) of the page as its own parser reads it. `names`
    is None unless the page is a roster (the parser reports a roster scope of signatures or
    members); `named` holds the signatories a news page's parser reports."""
    from kit.items import ROSTER, Membership, ScopeReport, Signature
    from kit.text import name_key

    if "names" in info:  # a source of spiders/rosters.toml: the names its fixture lists
        return {name_key(n) for n in info["names"]}, True, info.get("stated"), info.get("stated_qualifier"), set()
    try:
        parser = importlib.import_module(f"spiders.parsers.{spider}")
        items = list(parser.ROUTES.match(info["url"]).parse(text, info["url"]))
    except Exception:  # noqa: BLE001 - a page its parser rejects names nobody
        return None, False, None, None, set()
    names = {name_key(i.actor_name) for i in items if isinstance(i, (Signature, Membership))}
    reports = [r for r in items if isinstance(r, ScopeReport) and r.kind == ROSTER
               and r.entity in ("signature", "membership")]
    if not reports:
        return None, False, None, None, names
    stated = next((r for r in reports if r.stated), None)
    if spider in PAGED or stated is None:
        return names, any(r.complete for r in reports), None, None, set()
    return names, any(r.complete for r in reports), stated.stated, stated.stated_qualifier, set()


def measure() -> list[Outcome]:
    from kit.text import name_key
    from spiders.parsers.roster_reader import read_roster

    outcomes = []
    for spider, name, info in fixture_pages():
        text = (FIXTURES / spider / name).read_bytes().decode("utf-8", errors="replace")
        if _is_xml(text, info):
            continue  # treaty status files and feeds: data files a parser reads, not pages
        expected, complete, stated, qualifier, named = reference(spider, name, info, text)
        reading = read_roster(text, info["url"], stated=stated, qualifier=qualifier,
                              content_type=info.get("content_type"))
        got = {name_key(n) for n in reading.names}
        outcome = Outcome(f"{spider}/{name}", bool(info.get("sample")), expected,
                          complete, got, reading.refused, reading.reason, named=named)
        if expected is not None and not reading.refused:
            outcome.missed, outcome.decoys = expected - got, got - expected
        elif expected is None and not reading.refused and got != named:
            outcome.decoys = got - named
        outcomes.append(outcome)
    return outcomes


def _is_xml(text: str, info: dict) -> bool:
    kind = info.get("content_type", "")
    return "xml" in kind and "html" not in kind or text.lstrip().startswith("<?xml")


def summary(outcomes: list[Outcome]) -> dict:
    rosters = [o for o in outcomes if o.roster]
    others = [o for o in outcomes if not o.roster]
    return {
        "roster_pages": len(rosters),
        "read_right": sum(o.right for o in rosters),
        "read_list": sum(1 for o in rosters if not o.refused and o.right),
        "names_missed": sum(len(o.missed) for o in rosters),
        "decoys_taken": sum(len(o.decoys) for o in rosters),
        "refusals": sum(1 for o in rosters if o.refused),
        "refusals_of_complete_lists": sum(1 for o in rosters if o.refused and o.complete),
        "other_pages": len(others),
        "other_refused": sum(o.refused for o in others),
        "other_right": sum(o.right for o in others),
        "news_lists_read": sum(1 for o in others if not o.refused and o.right),
        "sample_other_pages": sum(1 for o in others if o.sample),
        "sample_other_refused": sum(1 for o in others if o.sample and o.refused),
    }


def huge_page(cities: list[str], copies: int) -> str:
    """A page whose list is `copies` times the cities, among as many news teasers and a partner strip."""
    items = "".join(f"<li>{city}</li>" for _ in range(copies) for city in cities)
    news = "".join(f"<article class='teaser'><h3>Mayors meet in {city} to talk about heat</h3></article>"
                   for _ in range(copies) for city in cities)
    return (f"<html><body><main><h2>Member cities</h2><ul class='members'>{items}</ul>"
            f"<section><h2>Latest news</h2>{news}</section></main></body></html>")


def linearity(sizes=(1, 8)) -> dict:
    """Seconds to read a page at two sizes (the same names repeated: distinct lookups stay few, so
    the ratio measures the walk over the markup, which must grow with the page, not its square)."""
    from spiders.parsers.roster_reader import read_roster

    cities = ["Paris", "London", "Lisbon", "Madrid", "Rome", "Berlin", "Vienna", "Oslo", "Dakar", "Lima"] * 100
    figures = {}
    read_roster(huge_page(cities[:10], 1), "https://example.org/")  # warm the gazetteer
    for copies in sizes:
        page = huge_page(cities, copies)
        started = time.process_time()
        read_roster(page, "https://example.org/members")
        figures[copies] = (len(page), time.process_time() - started)
    return figures


def run(quick: bool) -> list[Row]:
    outcomes = measure()
    s = summary(outcomes)
    wrong = s["names_missed"] + s["decoys_taken"]
    rows = [
        Row("roster_reader", "roster fixture pages read right", f"{s['roster_pages']} pages (the site parsers' names)",
            f"{s['read_right']} ({s['read_list']} lists, {s['refusals'] - s['refusals_of_complete_lists']} "
            f"refused as their parser did)", s["read_right"] / s["roster_pages"], None,
            note=f"{s['refusals_of_complete_lists']} refusals of lists the parser read (safe: the page is flagged)"),
        Row("roster_reader", "names missed + decoys taken on roster pages", "0 wrong names",
            f"{s['names_missed']} missed, {s['decoys_taken']} decoys", float(wrong), 0.0, lower_is_better=True),
        Row("roster_reader", "non-roster pages refused (or a news post's list read exactly)",
            f"{s['other_pages']} pages ({s['sample_other_pages']} in the sample)",
            f"{s['other_right']} ({s['sample_other_refused']} of the sample refused; {s['news_lists_read']} news lists)",
            s["other_right"] / max(1, s["other_pages"]), 1.0),
    ]
    sizes = (1, 4) if quick else (1, 8)
    figures = linearity(sizes)
    (small_chars, small), (big_chars, big) = figures[sizes[0]], figures[sizes[1]]
    growth = (big / small) / (big_chars / small_chars)
    rows.append(Row("roster_reader", f"CPU per character, {big_chars:,} vs {small_chars:,} characters",
                    f"{small * 1000:.0f} ms CPU", f"{big * 1000:.0f} ms CPU", growth, 1.5, lower_is_better=True,
                    note="1.0 is linear; a quadratic walk would give the size ratio"))
    return rows
