"""Extraction for c40_accelerators: HTML in, items out. No Scrapy, no network, no clock.

C40's markup is not documented anywhere (research/markup.md §2.3), so this parser reads what
the pages *say*: a line "Signatory cities:" / "The signatory cities are:" followed by the list,
a sentence "unites 35 cities" / "36 mayors have pledged", links to /accelerators/{slug}/.
Two page layouts are live or archived (research/sites.md §1.2):

- 2021–2024: "Our commitment to …", pledge bullets, then the lead line and ONE paragraph of
  comma-separated names; non-C40 signatories carry a trailing "*" explained by a footnote
  "*non-C40 city or region".
- 2025: "Accelerating …" headline, "The C40 … Accelerator unites N cities", achievements;
  the names, if the page shows them at all, sit in cards, logos, captions, tiles or a JSON blob
  whose markup is unknown. `kit.name_groups` finds the repeated structures whose labels are
  place names; one is taken as the list only when its size agrees with the stated count (see
  `kit.name_groups.tolerance`). Otherwise the list is reported incomplete (count only, with
  the reason), never as empty and never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, CData, NavigableString, Tag

from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import ROSTER, CountClaim, Instrument, Scope, Signature
from kit.name_groups import element_groups, pick_group, script_groups
from places.curated import is_known_place
from kit.routing import Route, Routes
from kit.text import clean, key_part, split_names
from spiders.parsers.listing_page import linked_pages
from spiders.parsers.page import links_in, soup_of

SOURCE = "c40_accelerators"
HUB_URL = "https://www.c40.org/what-we-do/raising-climate-ambition/high-impact-accelerators/"
HOSTS = ("www.c40.org", "c40.org")
INSTRUMENTS_SCOPE = f"instruments:{SOURCE}"

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("accelerator_links", "links to /accelerators/{slug}/ pages in the hub's main content"),
        Landmark("title", "a page title (<title> or <h1>) naming the accelerator"),
        Landmark("signatory_list", 'a line "Signatory cities:" or "The signatory cities are:" followed by the names'),
        Landmark("stated_count", 'a sentence such as "unites 35 cities" or "36 mayors have pledged"'),
    ),
    min_items={"instrument": 6, "signature": 50},
    required_fields={"instrument": ("title", "url"), "signature": ("actor_name", "instrument_key")},
    expected_fields={"instrument": ("text",)},
)

# Old and odd slugs of one accelerator (sites.md §1.2): the key must not depend on which URL we met.
SLUG_ALIASES = {
    "green-healthy-streets-declaration": "green-healthy-streets",
    "fossil-fuel-free-streets": "green-healthy-streets",
    "towards-zero-waste": "zero-waste",
    "clean-construction-declaration": "clean-construction",
}
_ACCELERATOR_PATH = re.compile(r"^/(?:accelerators|declarations)/([a-z0-9-]+)/?$")
_LEAD = re.compile(r"^(?:the\s+)?(?:signatory\s+cities|signatories|signatory\s+cities\s+and\s+regions)"
                   r"(?:\s+(?:are|include))?\s*:?$", re.I)
_LEAD_INLINE = re.compile(r"^(?:the\s+)?(?:signatory\s+cities|signatories)(?:\s+(?:are|include))?\s*:\s*(?P<names>.+)$",
                          re.I)
_NON_MEMBER_NOTE = re.compile(r"^\*\s*non[- ]C40", re.I)
_NUMBER = r"(?P<n>\d[\d,]*|[a-z]+(?:[- ][a-z]+)?)"
_QUALIFIER = r"(?:(?P<q>more than|over|nearly|almost|around|some|at least)\s+)?"
_UNIT = r"(?:C40\s+)?(?P<unit>cities|mayors|signatories|local governments)"
_COUNT_PATTERNS = (
    re.compile(rf"\b(?:unites|brings together|includes|has)\s+{_QUALIFIER}{_NUMBER}\s+{_UNIT}", re.I),
    re.compile(rf"\b{_QUALIFIER}{_NUMBER}\s+{_UNIT}\s+have\s+(?:pledged|signed|committed|joined)", re.I),
)
_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_BLOCKS = ("p", "ul", "ol", "div", "section", "h2", "h3", "h4", "h5", "h6", "table")


# --- the hub --------------------------------------------------------------------------------------

def accelerator_urls(html: str, base_url: str = HUB_URL) -> list[str]:
    """English accelerator pages linked from the hub's main content, one per accelerator."""
    return _accelerator_urls(_require_html(html, base_url), base_url)


def _accelerator_urls(soup, base_url: str) -> list[str]:
    main = soup.find("main") or soup.body or soup
    urls: dict[str, str] = {}
    for url, parts, _ in links_in(main, base_url):
        match = _ACCELERATOR_PATH.match(parts.path)
        if parts.hostname in HOSTS and match:
            key = instrument_key(url)
            urls.setdefault(key, f"https://www.c40.org/accelerators/{match.group(1)}/")
    return list(urls.values())


def parse_hub(html: str, url: str = HUB_URL) -> Iterator:
    """The hub's report of which accelerators exist (the instruments scope), then a Link to each."""
    urls = _accelerator_urls(_require_html(html, url), url)
    yield from linked_pages(INSTRUMENTS, SOURCE, url, urls, instrument_key, landmark="accelerator_links",
                            missing="no /accelerators/{slug}/ links")


# --- one accelerator ------------------------------------------------------------------------------

def instrument_key(url: str) -> str:
    """`c40_accelerators/{slug}`, the same for every URL form of one accelerator."""
    path = urlsplit(url).path.rstrip("/")
    slug = path.rsplit("/", 1)[-1].lower()
    slug = SLUG_ALIASES.get(slug, slug)
    if slug.endswith("-declaration"):
        slug = slug[: -len("-declaration")]
    return f"{SOURCE}/{slug}"


def signature_scope(url: str) -> str:
    return f"signatures:{instrument_key(url)}"


def parse_accelerator(html: str, url: str) -> Iterator:
    """Yield the signatories' ScopeReport, the Instrument, the page's CountClaims, the Signatures.

    Raises ParseError when the page has no title, or neither a signatory list nor a stated count:
    then it is not an accelerator page we can read, and nothing may be concluded from it.
    """
    soup = _require_html(html, url)
    key = instrument_key(url)
    main = soup.find("main") or soup.body or soup
    json_groups = script_groups(soup)  # before the scripts are dropped below
    for hidden in main.find_all(["script", "style", "noscript", "form"]):
        hidden.decompose()
    title = _title(soup)
    if not title:
        raise ParseError(f"{SOURCE}: no title (<title> or <h1>) on {url}", landmarks=("title",))
    claims = list(_count_claims(main, key, url))
    stated = claims[0] if claims else None
    listing = _signatory_list(main)
    cards_verdict = None
    if listing is None and stated is not None:
        cards_verdict = pick_group(element_groups(main) + json_groups, stated.count, stated.qualifier, is_known_place)
        if cards_verdict.group is not None:
            listing = ([_strip_star(name) for name in cards_verdict.group.names()], False)

    signatures: list[Signature] = []
    if listing is None:
        if stated is None:
            raise ParseError(
                f"{SOURCE}: neither a signatory list ({EXPECTATIONS.describe('signatory_list')}) nor a stated "
                f"count ({EXPECTATIONS.describe('stated_count')}) on {url}",
                landmarks=("signatory_list", "stated_count"),
            )
        yield SIGNATORIES.report(
            SOURCE, url, complete=False, stated=stated.count, stated_qualifier=stated.qualifier,
            landmarks_missing=["signatory_list"],
            reason=f"{url} states a count ({stated.text!r}) but lists no names"
                   + (f"; {cards_verdict.reason}" if cards_verdict and cards_verdict.candidates else ""),
        )
    else:
        names, star_means_non_member = listing
        seen: set[str] = set()
        for name, markers in names:
            signature = _signature(name, markers, key, url, star_means_non_member)
            if signature.key not in seen:  # one city written twice is one signatory
                seen.add(signature.key)
                signatures.append(signature)
        yield SIGNATORIES.report(
            SOURCE, url, complete=True, keys=[s.key for s in signatures], stated=stated.count if stated else None,
            stated_qualifier=stated.qualifier if stated else None,
        )
    yield Instrument(source=SOURCE, key=key, url=url, title=title, kind="accelerator", issuer="C40 Cities",
                     text=_pledge_text(main, stated))
    yield from claims
    yield from signatures


def _signature(name: str, markers: str, instrument: str, url: str, star_means_non_member: bool) -> Signature:
    # The key is the name as the page spells it, normalised: never a gazetteer lookup, which an
    # edit of reference data could move. Which actor a spelling means is the store's business.
    actor_key = key_part(name, what=f"signatory name on {url}")
    if star_means_non_member:
        member = "*" not in markers
    else:
        member = None  # some non-C40 signatories carry no star: without the footnote we cannot tell
    return Signature(
        source=SOURCE, key=f"{instrument}/{actor_key}", url=url, instrument_key=instrument, actor_name=name,
        network_member=member,
    )


def roster_item(name: str, country: str | None, url: str, scope: str) -> Signature:
    """A signature as this parser builds it, for a name the generic roster reader found on an
    accelerator page whose signatory list this parser could not find (spiders/parsers/stand_in.py);
    the page's URL names the accelerator, so `scope` adds nothing."""
    return _signature(name, "", instrument_key(url), url, star_means_non_member=False)


def _strip_star(label: str) -> tuple[str, str]:
    bare = label.rstrip("*† ").strip()
    return bare, label[len(bare):].strip()


def _signatory_list(main: Tag) -> tuple[list[tuple[str, str]], bool] | None:
    """(names with markers, whether "*" means non-C40) from the first lead line with names after it."""
    starts = _text_starts(main)
    for element in main.find_all(_BLOCKS + ("strong", "b", "li", "dt")):
        if not _LEAD_START.match(starts.get(id(element), "")):
            continue  # cheap test first: the whole text of every element would cost size x depth
        text = _lead_text(element)
        if text is None:
            continue
        inline = _LEAD_INLINE.match(text) if element.find(_BLOCKS) is None else None
        if inline and _looks_like_names(inline.group("names")):
            names = split_names(inline.group("names"), keep_whole=is_known_place)
            return names, _has_non_member_note(element)
        if not _LEAD.match(text):
            continue
        block = _next_block(element)
        if block is None:
            continue
        if block.name in ("ul", "ol"):
            names = [(clean(li).rstrip("*").strip(), "*" if clean(li).endswith("*") else "")
                     for li in block.find_all("li")]
            names = [(n, m) for n, m in names if n]
        elif _looks_like_names(clean(block)):
            names = split_names(clean(block), keep_whole=is_known_place)
        else:
            continue
        if names:
            return names, _has_non_member_note(block)
    return None


_LEAD_START = re.compile(r"^(?:the\s+)?signator", re.I)


def _text_starts(root: Tag, enough: int = 24) -> dict[int, str]:
    """The first characters of every element's text (by id), in one pass from the leaves up.

    Asking each element for its text, or even its first string, walks its subtree every time:
    size x depth in all. Built bottom-up, each element reads only its children's starts.
    """
    starts: dict[int, str] = {}
    keep = enough * 4  # a start is a head, never a whole text: each level reads a bounded string
    for node in reversed(list(root.descendants)):  # every child comes before its parent
        if not isinstance(node, Tag):
            continue
        start = ""
        for child in node.children:
            piece = starts.get(id(child), "") if isinstance(child, Tag) else (
                str(child).lstrip()[:keep] if type(child) in (NavigableString, CData) else "")
            if piece.strip():
                start = clean(f"{start} {piece}")[:keep]
                if len(start) >= enough:
                    break
        starts[id(node)] = start
    return starts


_LEAD_TEXT_CAP = 20_000  # characters: a lead line with its names inline is far shorter


def _lead_text(element: Tag) -> str | None:
    """The element's text, or None when it runs past _LEAD_TEXT_CAP (no lead line is that long).

    Stops at the cap: a lead candidate's text costs at most the cap however large the subtree,
    so candidates nested hundreds deep around one big text cost depth x cap, not depth x page."""
    parts, length = [], 0
    for string in element.strings:
        if type(string) not in (NavigableString, CData):
            continue
        parts.append(string)
        length += len(string)
        if length > _LEAD_TEXT_CAP:
            return None
    return clean(" ".join(parts))


def _next_block(lead: Tag) -> Tag | None:
    """The first block with text after `lead` (not inside it)."""
    for element in lead.find_all_next(_BLOCKS):
        if lead in element.parents:
            continue
        if clean(element):
            # A wrapper whose first child holds the text: step down to the innermost block.
            while True:
                inner = next((c for c in element.find_all(_BLOCKS, recursive=False) if clean(c)), None)
                if inner is None or element.name in ("ul", "ol", "p"):
                    return element
                element = inner
    return None


def _looks_like_names(text: str) -> bool:
    """A list of names has separators and no long sentences between them."""
    parts = [p for p in re.split(r",|;|\band\b|&", text) if p.strip()]
    return len(parts) >= 2 and max(len(p.split()) for p in parts) <= 6


def _has_non_member_note(after: Tag) -> bool:
    """Whether a footnote "*non-C40 city or region" follows the list."""
    for element in after.find_all_next(["p", "em", "small", "span", "li", "div"], limit=12):
        if _NON_MEMBER_NOTE.match(clean(element)):
            return True
    return False


def _count_claims(main: Tag, subject: str, url: str) -> Iterator[CountClaim]:
    """Every "unites N cities" / "N mayors have pledged" sentence, first one first."""
    text = clean(main)
    seen = set()
    for pattern in _COUNT_PATTERNS:
        for match in pattern.finditer(text):
            count = _number(match.group("n"))
            if count is None or match.start() in seen:
                continue
            seen.add(match.start())
            yield CountClaim(
                source=SOURCE, key=f"{subject}@{urlsplit(url).path}", url=url, subject_key=subject, count=count,
                unit=match.group("unit").lower(), qualifier=(match.group("q") or "").lower() or None,
                text=_sentence(text, match.start(), match.end()),
            )
    # Stable order: position on the page, so the first stated count is the page's headline count.


def _number(word: str) -> int | None:
    word = word.lower().replace(",", "")
    if word.isdigit():
        return int(word)
    if word in _WORDS:
        return _WORDS[word]
    parts = re.split(r"[- ]", word)
    if parts[0] in _TENS:
        return _TENS[parts[0]] + (_WORDS.get(parts[1], 0) if len(parts) > 1 else 0)
    return None


def _sentence(text: str, start: int, end: int) -> str:
    left = max(text.rfind(". ", 0, start), text.rfind(": ", 0, start))
    right = text.find(". ", end)
    return text[left + 2 if left >= 0 else 0: right + 1 if right >= 0 else len(text)].strip()


def _pledge_text(main: Tag, stated: CountClaim | None) -> str | None:
    """What signatories commit to: each "…pledge to:" / "…will:" line with the bullets after it,
    or a "We pledge …" statement; on 2025 pages, the sentence stating the count and commitment."""
    parts: list[str] = []
    for element in main.find_all("p"):
        text = clean(element)
        if re.search(r"\b(pledge|pledged|commit|committed|will)\b[^.]*:$", text, re.I):
            following = element.find_next_sibling()
            bullets = [clean(li) for li in following.find_all("li")] if following is not None and \
                following.name in ("ul", "ol") else []
            parts.append(" ".join([text] + [f"• {b}" for b in bullets]))
        elif re.match(r"^we (pledge|commit)\b", text, re.I):
            parts.append(text)
    if not parts and stated is not None:
        text = clean(main)
        at = text.find(stated.text)
        follow = text[at + len(stated.text):].strip() if at >= 0 else ""
        nxt = follow.split(". ")[0]
        parts.append(stated.text + (" " + nxt.rstrip(".") + "." if re.search(r"\bcommit", nxt, re.I) else ""))
    return "\n".join(parts) or None


def _title(soup: BeautifulSoup) -> str:
    title = clean(soup.title)
    title = re.sub(r"\s*[-|–]\s*C40 Cities\s*$", "", title)
    if title:
        return title
    og = soup.find("meta", attrs={"property": "og:title"})
    if og and og.get("content"):
        return re.sub(r"\s*[-|–]\s*C40 Cities\s*$", "", clean(og["content"]))
    return clean(soup.find("h1"))


_require_html = partial(soup_of, source=SOURCE, landmark="html")


INSTRUMENTS = Scope(Instrument, ROSTER, INSTRUMENTS_SCOPE, landmark="accelerator_links")  # the hub states which accelerators exist
SIGNATORIES = Scope(Signature, ROSTER, signature_scope, landmark="signatory_list")  # an accelerator page states who signed it

ROUTES = Routes(
    Route(r"^https://www\.c40\.org/what-we-do/raising-climate-ambition/high-impact-accelerators/$", parse_hub,
          INSTRUMENTS, example=HUB_URL, returns="requests 6"),
    Route(r"^https://(?:www\.)?c40\.org/(?:accelerators|declarations)/[a-z0-9-]+/?$", parse_accelerator,
          SIGNATORIES, example="https://www.c40.org/accelerators/clean-air-cities/", returns="items 30"),
)
