"""Extraction for marrakech_declaration: the Marrakech Mayors Declaration on the Mayors Mechanism's
Call to Local Action site. HTML in, items out; no Scrapy, no clock.

The page (research/markup.md §6) states a count, "To date, 104 Local and Regional Governments have
signed on to the Declaration", and publishes no list of names. The count is a dated CountClaim; the
signatory list is reported incomplete (count only), never as empty. If a list is ever published
under a heading "Signatories" (or "Signatory cities / local governments"), it is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime


from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import ROSTER, CountClaim, Instrument, Scope, ScopeReport, Signature
from kit.routing import Route, Routes
from kit.text import clean, name_key, split_names
from spiders.parsers.page import MARKUP_TAGS, soup_of

SOURCE = "marrakech_declaration"
URL = "https://localaction.mayorsmechanism.org/index.php/marrakech-mayors-declaration"
KEY = f"{SOURCE}/marrakech-mayors-declaration"
INSTRUMENTS_SCOPE = f"instruments:{SOURCE}"
SIGNATURES_SCOPE = f"signatures:{KEY}"

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("title", 'a heading naming "The Marrakech Mayors Declaration"'),
        Landmark("stated_count", '"To date, 104 Local and Regional Governments have signed on to the Declaration"'),
        Landmark("signatory_list", 'a heading "Signatories" followed by the names (not published so far)'),
    ),
    min_items={"instrument": 1},
    required_fields={"instrument": ("title", "url"), "signature": ("actor_name", "instrument_key")},
    expected_fields={"instrument": ("adopted_on",)},
)

_COUNT = re.compile(r"(?:to date,?\s+)?(?P<q>more than\s+|over\s+)?(?P<n>\d[\d,]*)\s+(?P<unit>local and regional "
                    r"governments|cities|mayors|local governments)\s+have\s+(?:signed|endorsed|joined)", re.I)
_ADOPTED = re.compile(r"(?P<day>\d{1,2})\s+(?P<month>[A-Z][a-z]+)\s+(?P<year>\d{4})")
_LIST_HEADING = re.compile(r"^(?:list of\s+)?signator(?:ies|y cities|y local(?: and regional)? governments)\s*:?$",
                           re.I)


def parse_page(html: str, url: str = URL) -> Iterator:
    soup = soup_of(html, url, source=SOURCE, landmark="title", tags=MARKUP_TAGS)
    for hidden in soup.find_all(["script", "style", "noscript"]):
        hidden.decompose()
    main = soup.find("main") or soup.find(id="content") or soup.body or soup
    heading = next((h for h in main.find_all(["h1", "h2", "h3"])
                    if re.search(r"marrakech mayors declaration", clean(h), re.I)), None)
    if heading is None:
        raise ParseError(f"{SOURCE}: no heading naming the Marrakech Mayors Declaration on {url}",
                         landmarks=("title",))
    text = clean(main)
    count = _COUNT.search(text)
    claim = None
    if count:
        claim = CountClaim(source=SOURCE, key=f"{KEY}@signatories", url=url, subject_key=KEY,
                           count=int(count["n"].replace(",", "")), unit=count["unit"].lower(),
                           qualifier=clean(count["q"]).lower() or None, text=_sentence(text, count.start(), count.end()))
    names = _signatory_names(main)
    if names is None and claim is None:
        raise ParseError(f"{SOURCE}: neither a stated count ({EXPECTATIONS.describe('stated_count')}) nor a "
                         f"signatory list on {url}", landmarks=("stated_count", "signatory_list"))
    signatures = [Signature(source=SOURCE, key=f"{KEY}/{name_key(n) or n.casefold()}", url=url, instrument_key=KEY,
                            actor_name=n, role="signatory") for n in dict.fromkeys(names or [])]
    if names is None:
        yield ScopeReport(kind=ROSTER, landmark="signatory_list", source=SOURCE, scope=SIGNATURES_SCOPE, entity="signature", url=url, complete=False,
                          stated=claim.count, landmarks_missing=["signatory_list"],
                          reason=f"{url} states a count ({claim.text!r}) but publishes no list of signatories")
    else:
        yield ScopeReport(kind=ROSTER, landmark="signatory_list", source=SOURCE, scope=SIGNATURES_SCOPE, entity="signature", url=url, complete=True,
                          keys=[s.key for s in signatures], stated=claim.count if claim else None)
    yield ScopeReport(kind=ROSTER, landmark="title", source=SOURCE, scope=INSTRUMENTS_SCOPE, entity="instrument", url=url, complete=True, keys=[KEY])
    adopted_on, place = _adoption(text)
    yield Instrument(source=SOURCE, key=KEY, url=url, title=clean(heading), kind="declaration", issuer="Mayors Mechanism (UCLG, Mayors Migration Council, IOM)",
                     adopted_on=adopted_on, place=place, text=_commitments(main))
    if claim:
        yield claim
    yield from signatures


def _adoption(text: str) -> tuple[str | None, str | None]:
    """The date and place of the sentence that says the declaration was adopted."""
    for sentence in re.split(r"(?<=\.)\s+", text):
        if not re.search(r"\badopted\b", sentence, re.I):
            continue
        date = _ADOPTED.search(sentence)
        if not date:
            continue
        try:
            day = datetime.strptime(f"{date['day']} {date['month']} {date['year']}", "%d %B %Y").date().isoformat()
        except ValueError:
            continue
        place = "Marrakech" if re.search(r"\bin Marrakech\b", sentence) else None
        return day, place
    return None, None


def _commitments(main) -> str | None:
    """The bullet list that follows the count sentence: what signatories commit to."""
    for paragraph in main.find_all(["p", "div"]):
        if _COUNT.search(clean(paragraph)) and not paragraph.find(["p", "div"]):
            bullets = paragraph.find_next(["ul", "ol"])
            if bullets is not None:
                return "\n".join(f"• {clean(li)}" for li in bullets.find_all("li"))
    return None


def _signatory_names(main) -> list[str] | None:
    for heading in main.find_all(["h2", "h3", "h4", "strong", "p"]):
        if not _LIST_HEADING.match(clean(heading)):
            continue
        block = heading.find_next(["ul", "ol", "p"])
        if block is None:
            continue
        if block.name in ("ul", "ol"):
            return [clean(li) for li in block.find_all("li") if clean(li)]
        return [name for name, _ in split_names(clean(block))]
    return None


def _sentence(text: str, start: int, end: int) -> str:
    left = text.rfind(". ", 0, start)
    right = text.find(".", end)
    return text[left + 2 if left >= 0 else 0: right + 1 if right >= 0 else len(text)].strip()


SIGNATORIES = Scope(Signature, ROSTER, SIGNATURES_SCOPE, landmark="signatory_list")
ROUTES = Routes(Route(r"/marrakech-mayors-declaration/?$", parse_page, SIGNATORIES,
                       example="https://localaction.mayorsmechanism.org/index.php/marrakech-mayors-declaration",
                       returns="items 2"))
