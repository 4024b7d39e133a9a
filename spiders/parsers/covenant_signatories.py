"""Extraction for covenant_signatories: one listing page in, its rows out. No Scrapy, no network.

`https://eu-mayors.ec.europa.eu/en/signatories` (research/sites.md §3.2, markup.md §1.1) shows a
table **Signatory | Country | Population | Commitments | Adhesion date**; the commitments are
icons labelled "Mitigation", "Adaptation", "Energy Poverty". Every archived copy holds the
header and the icon legend and no rows: the rows are filled in by a script. So this parser
reads two shapes of one listing page:

- **HTML**: rows of the table found by its header words (not by guessed classes), cells
  matched to columns by `data-ecl-table-header` or by position under the header; the
  pager (ECL `?page=N`, 0-based) says which page follows and how many there are.
- **JSON**: the endpoint behind the table, once an operator has found it (docs/sources.md):
  the first list of objects in the payload is the rows; fields are matched by name
  (`name`/`signatory`/`organisation_name`, `country`/`country_code`, ...), and a page that
  lacks a name field names the fields it expected and the ones it found.

A page is one `ListingPage`; the spider strings the pages together and decides whether the
whole list was read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import ROSTER, Instrument, Scope, Signature
from kit.routing import Route, Routes
from kit.text import clean
from spiders.parsers import covenant as com
from spiders.parsers.page import soup_of

SOURCE = "covenant_signatories"
LISTING_URL = "https://eu-mayors.ec.europa.eu/en/signatories"
INSTRUMENTS_SCOPE = f"instruments:{SOURCE}"
INSTRUMENTS = Scope(Instrument, ROSTER, INSTRUMENTS_SCOPE, landmark="signatory_table")
SIGNATORIES = Scope(Signature, ROSTER, com.SIGNATURE_SCOPE, landmark="signatory_table")  # one roster over every listing page
HEADER = ("Signatory", "Country", "Population", "Commitments", "Adhesion date")

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("signatory_table", "a table whose header reads Signatory | Country | Population | "
                                    "Commitments | Adhesion date"),
        Landmark("signatory_rows", "data rows under that header (the archived page has none: they are "
                                   "loaded by a script; configure COVENANT_SIGNATORIES_JSON_URL)"),
        Landmark("json_rows", "a list of row objects in the JSON endpoint's answer, each with a name field"),
    ),
    min_items={"signature": 20},  # the Covenant lists 10,000+; a run with under 20 went blind
    required_fields={"signature": ("actor_name", "instrument_key")},
    expected_fields={"signature": ("country", "signed_on", "population")},
)

# JSON field names, most specific first: whichever the endpoint uses is matched.
JSON_FIELDS = {
    "name": ("organisation_name", "signatory_name", "signatory", "name", "title", "label"),
    "country": ("country_code", "countryCode", "country_iso", "country", "country_name"),
    "population": ("population_adhesion", "population", "inhabitants"),
    "signed_on": ("date_of_adhesion", "adhesion_date", "adhesionDate", "adhesion", "date"),
    "status": ("signatory_status", "status"),
    "commitments": ("commitments", "commitment"),
    "id": ("organisation_id", "signatory_id", "id", "nid"),
}
_TOTAL_FIELDS = ("total", "count", "totalCount", "total_count", "recordsTotal", "total_items")
_STATED = re.compile(r"(\d[\d,.\u00a0 ]*)\s+(?:signatories|signatory profiles|results|local authorities)\b", re.I)


@dataclass
class ListingPage:
    """What one listing page holds and says about the pages around it."""

    url: str
    signatures: list[Signature] = field(default_factory=list)
    next_url: str | None = None
    last_page: int | None = None  # 0-based index of the last page, when the pager or a total says
    stated: int | None = None  # the page's own count of signatories, if it states one
    problems: list[str] = field(default_factory=list)  # rows kept with a field left empty, in words
    rejected_rows: int = 0  # rows without a name: not a signatory we can key


def instrument(url: str = LISTING_URL) -> Instrument:
    return Instrument(source=SOURCE, key=com.INSTRUMENT_KEY, url=url, title=com.INSTRUMENT_TITLE,
                      kind="commitment", issuer=com.ISSUER, scope=INSTRUMENTS_SCOPE)


# --- HTML ---------------------------------------------------------------------------------------

def parse_listing_html(html: str, url: str, *, source: str = SOURCE) -> ListingPage:
    """Rows of a server-rendered listing page.

    Raises ParseError naming `signatory_table` when no table has the header, and naming
    `signatory_rows` when the header is there with no rows (the script-filled page).
    """
    soup = soup_of(html, url, source=source, landmark="signatory_table")
    table, columns = _signatory_table(soup)
    if table is None:
        raise ParseError(f"no table with the header {' | '.join(HEADER)} on {url}", landmarks=("signatory_table",))
    page = ListingPage(url=url)
    rows = [row for row in table.find_all("tr") if row.find("td")]
    if not rows:
        raise ParseError(
            f"the signatories table on {url} has its header and no rows: the rows are loaded by a script "
            "(set COVENANT_SIGNATORIES_JSON_URL to the endpoint behind the table, see docs/sources.md)",
            landmarks=("signatory_rows",),
        )
    for number, row in enumerate(rows, 1):
        cells = _cells_by_column(row, columns)
        name_cell = cells.get("Signatory")
        name = clean(name_cell)
        if not name:
            page.rejected_rows += 1
            page.problems.append(f"row {number}: no signatory name")
            continue
        labels = _commitment_labels(cells.get("Commitments"))
        signature = _signature(
            source=source, url=url, name=name, country=clean(cells.get("Country")),
            population=clean(cells.get("Population")), signed_on=clean(cells.get("Adhesion date")),
            status=clean(cells.get("Status")) or None, labels=labels, source_id=None, problems=page.problems,
        )
        page.signatures.append(signature)
    page.next_url, page.last_page = com.ecl_pager(soup, url)
    page.stated = _stated_count(soup)
    return page


def _signatory_table(soup: BeautifulSoup) -> tuple[Tag | None, list[str]]:
    """The table whose header cells include the five column names, and its column order."""
    wanted = {h.casefold() for h in HEADER}
    for table in soup.find_all("table"):
        header_cells = table.find_all("th")
        names = [clean(th) for th in header_cells]
        if wanted <= {n.casefold() for n in names}:
            return table, names
    return None, []


_CANONICAL = {c.casefold(): c for c in (*HEADER, "Status")}  # column names as read -> as HEADER spells them


def _cells_by_column(row: Tag, columns: list[str]) -> dict[str, Tag]:
    """Cells of a row by column name: ECL's data-ecl-table-header when present, else position."""
    cells = row.find_all(["td", "th"], recursive=False) or row.find_all(["td", "th"])
    by_name = {}
    canonical = _CANONICAL
    for index, cell in enumerate(cells):
        label = cell.get("data-ecl-table-header") or (columns[index] if index < len(columns) else "")
        name = canonical.get(clean(label).casefold())
        if name:
            by_name[name] = cell
    return by_name


def _commitment_labels(cell: Tag | None) -> list[str]:
    """Commitment names from icons (alt/title/aria-label) and visible or screen-reader text."""
    if cell is None:
        return []
    labels = [clean(cell)]
    for node in cell.find_all(True):
        for attribute in ("alt", "title", "aria-label"):
            if node.get(attribute):
                labels.append(clean(node[attribute]))
    found = []
    text = " ".join(labels).casefold()
    for name in com.COMMITMENTS:
        if name.casefold() in text:
            found.append(name)
    return found


def _stated_count(soup: BeautifulSoup) -> int | None:
    main = soup.find("main") or soup.body or soup
    match = _STATED.search(clean(main))
    if not match:
        return None
    digits = re.sub(r"\D", "", match.group(1))
    return int(digits) if digits else None


# --- JSON ---------------------------------------------------------------------------------------

def parse_listing_json(text: str, url: str, *, source: str = SOURCE) -> ListingPage:
    """Rows of one page of the JSON endpoint behind the table.

    Raises ParseError (landmark `json_rows`) when the answer is not JSON, holds no list of
    objects, or its objects have none of the name fields; the message names what it found.
    """
    try:
        payload = json.loads(text)
    except ValueError as error:
        snippet = clean(text[:60])
        raise ParseError(f"{url} did not answer JSON ({error.msg}; it begins {snippet!r})",
                         landmarks=("json_rows",)) from None
    rows, container = _row_list(payload)
    if rows is None:
        raise ParseError(f"no list of row objects in the JSON of {url} (top-level: {_shape(payload)})",
                         landmarks=("json_rows",))
    page = ListingPage(url=url)
    if rows:
        fields = {name for row in rows for name in row}
        if not _pick(fields, JSON_FIELDS["name"]):
            raise ParseError(
                f"the rows of {url} have no name field: expected one of {', '.join(JSON_FIELDS['name'])}; "
                f"found {', '.join(sorted(fields))}", landmarks=("json_rows",))
        if not _pick(fields, JSON_FIELDS["country"]):
            # A signatory's key holds its country: rows without any country field are another
            # layout, and read as such they would be the same authorities under new keys.
            raise ParseError(
                f"the rows of {url} have no country field: expected one of {', '.join(JSON_FIELDS['country'])}; "
                f"found {', '.join(sorted(fields))}", landmarks=("json_rows",))
    for number, row in enumerate(rows, 1):
        value = {name: row.get(_pick(row, options)) for name, options in JSON_FIELDS.items()}
        name = clean(str(value["name"])) if not com.missing(value["name"]) else ""
        if not name:
            page.rejected_rows += 1
            page.problems.append(f"row {number}: no signatory name")
            continue
        page.signatures.append(_signature(
            source=source, url=url, name=name, country=value["country"], population=value["population"],
            signed_on=value["signed_on"], status=value["status"], labels=_json_commitments(row, value["commitments"]),
            source_id=None if com.missing(value["id"]) else str(value["id"]), problems=page.problems,
        ))
    if isinstance(container, dict):
        page.stated = _int(_first(container, _TOTAL_FIELDS))
        page.next_url = _next_link(container, url)
    return page


def _row_list(payload) -> tuple[list | None, dict | None]:
    """The first list of objects in the payload (breadth first) and the object that holds it."""
    if isinstance(payload, list):
        return (payload, None) if all(isinstance(r, dict) for r in payload) else (None, None)
    queue = [payload]
    while queue:
        node = queue.pop(0)
        if not isinstance(node, dict):
            continue
        for value in node.values():
            if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
                return value, node
        for value in node.values():
            if isinstance(value, dict):
                queue.append(value)
        for key in ("data", "rows", "results", "items", "signatories"):
            if isinstance(node.get(key), list) and not node[key]:
                return [], node
    return None, None


def _pick(names, options) -> str | None:
    for option in options:
        if option in names:
            return option
    return None


def _first(container: dict, names):
    for name in names:
        if name in container:
            return container[name]
    for value in container.values():
        if isinstance(value, dict):
            found = _first(value, names)
            if found is not None:
                return found
    return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _next_link(container: dict, url: str) -> str | None:
    for holder in (container, container.get("links") or {}, container.get("pager") or {}, container.get("meta") or {}):
        if isinstance(holder, dict):
            value = holder.get("next")
            if isinstance(value, dict):
                value = value.get("href")
            if isinstance(value, str) and value:
                return urljoin(url, value)
    return None


def _json_commitments(row: dict, value) -> list[str]:
    """Commitments as a list of labels, a "; "/","-separated string, or one boolean field each."""
    labels: list[str] = []
    if isinstance(value, list):
        labels = [v.get("label") or v.get("name") if isinstance(v, dict) else v for v in value]
    elif isinstance(value, str):
        labels = re.split(r"[;,|]", value)
    for commitment in com.COMMITMENTS:
        flag = row.get(commitment.lower().replace(" ", "_"))
        if flag is True or str(flag).casefold() in ("1", "true", "yes"):
            labels.append(commitment)
    return [label for label in labels if label]


def _shape(payload) -> str:
    if isinstance(payload, dict):
        return "an object with " + (", ".join(sorted(payload)[:12]) or "no fields")
    return type(payload).__name__


# --- one row --------------------------------------------------------------------------------------

def _signature(*, source, url, name, country, population, signed_on, status, labels, source_id, problems) -> Signature:
    """A Signature from one row's printed values; a value that cannot be read is left empty and named."""
    code, country_problem = com.country_code(country)
    inhabitants, population_problem = com.population(population)
    for problem in (country_problem, population_problem):
        if problem:
            problems.append(f"{name}: {problem}")
    return Signature(
        source=source, key=com.signature_key(name, code or _unknown_country(country)), url=url,
        instrument_key=com.INSTRUMENT_KEY, actor_name=name, country=code,
        signed_on=com.adhesion_date(signed_on), status=com.status(status), commitments=com.commitments(labels),
        population=inhabitants, source_id=source_id, scope=com.SIGNATURE_SCOPE,
    )


def _unknown_country(value) -> str | None:
    """A country the table of names does not know still separates two places: keyed as printed."""
    return None if com.missing(value) else com.authority_key(str(value))


# --- one page as items (for `glocal parse`) -------------------------------------------------------

def parse_page(text: str, url: str):
    """One listing page, HTML or JSON, as items: the page's report (one page of a longer list,
    so never complete on its own), then its rows. The spider strings pages together itself."""
    page = (parse_listing_json if text.lstrip()[:1] in ("{", "[") else parse_listing_html)(text, url)
    yield SIGNATORIES.report(SOURCE, url, complete=False, partial=True, keys=[s.key for s in page.signatures],
                             stated=page.stated, reason="one page of a list read over many pages")
    yield from page.signatures


def parse_json_page(text: str, url: str):
    """One page of the JSON endpoint as items (its own name: one contract per route)."""
    yield from parse_page(text, url)


ROUTES = Routes(
    Route(r"^https://eu-mayors\.ec\.europa\.eu/en/signatories(?:\?page=\d+)?$", parse_page, SIGNATORIES,
          example=f"{LISTING_URL}?page=1", returns="items 10"),
    # The JSON endpoint's URL is configuration (COVENANT_SIGNATORIES_JSON_URL): any other URL is read as JSON.
    Route(r"^https?://", parse_json_page, SIGNATORIES, format="json",
          example="https://eu-mayors.ec.europa.eu/en/api/signatories?page=2", returns="items 15"),
)
