"""Extraction for untc_status: the UN Treaty Collection's status of one treaty. No Scrapy, no clock.

Two forms of one status (research/markup.md §5):

- the MTDSG XML file `/doc/Publication/MTDSG/Volume II/Chapter {roman}/{number}.en.xml` (preferred:
  a header with the stated counts, then one <Row> per participant);
- the HTML page `/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no={number}&chapter={n}&clang=_en`, read when
  the XML file is missing or unreadable.

The real XML files are not well-formed (control bytes, bare "&"), are Latin-1, glue escaped
<superscript> footnotes to names and dates, bracket the dates of acts later withdrawn, and vary from
2 to 5 columns. They are parsed without ever expanding an entity (lxml, resolve_entities=False,
no network, no DTD), after the two known faults are repaired, and the rows are checked against the
file's own stated counts ("Signatories: 195. Parties: 173."): a file whose rows disagree with its
header is reported incomplete, so nothing is concluded from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, unquote, urlsplit

from places.countries import ORGANIZATIONS, country_code
from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import ROSTER, CountClaim, Instrument, Scope, ScopeReport, Signature
from kit.routing import Route, Routes
from kit.text import clean, slugify
from spiders.parsers.page import soup_of

SOURCE = "untc_status"
HOST = "treaties.un.org"
# Paris Agreement, UNFCCC, Kyoto Protocol, CEDAW, CRPD, ICERD (issue 9); UNTC_TREATIES overrides.
DEFAULT_TREATIES = ("XXVII-7-d", "XXVII-7", "XXVII-7-a", "IV-8", "IV-15", "IV-2")

EXPECTATIONS = Expectations(
    landmarks=(
        Landmark("status_file", "an MTDSG XML document (<Document><Treaty>) or the UNTC status page"),
        Landmark("title", "the treaty's title (<Titlesect> or <Subtitlesect>; on the HTML page, the line after "
                          "the chapter)"),
        Landmark("participants_table", "the participants table: a header row starting 'Participant', then one "
                                       "row per state (XML Participants/Table/TGroup/Tbody/Rows/Row; HTML table "
                                       "…_tblgrid)"),
        Landmark("stated_counts", "the status line 'Signatories: N. Parties: N.' (<Status> in the XML)"),
    ),
    min_items={"instrument": 1, "signature": 100},
    required_fields={"instrument": ("title", "url"), "signature": ("actor_name", "instrument_key")},
    expected_fields={"signature": ("country", "status")},
)

# What the suffix after a date means when the column header does not say (markup.md §5.1).
ACTION_CODES = {
    "": "ratification",
    "A": "acceptance",
    "AA": "approval",
    "a": "accession",
    "c": "formal_confirmation",
    "d": "succession",
    "s": "definitive_signature",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BARE_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);)")
_PROLOG = re.compile(r"^\s*<\?xml[^>]*\?>", re.S)
_DECLARED = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_SUPERSCRIPT = re.compile(r"<superscript>\s*(.*?)\s*</superscript>", re.S | re.I)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_DATE = re.compile(r"(?P<open>\[)?\s*(?P<day>\d{1,2})\s+(?P<month>[A-Z][a-z]{2,8})\.?\s+(?P<year>\d{4})"
                   r"(?:\s+(?P<code>AA|A|a|c|d|s)\b)?\s*(?P<close>\])?")
_HEADER_CODE = re.compile(r"^(?P<label>[^()]+?)\s*\((?P<code>AA|A|a|c|d|s)\)$")
_CONCLUSION = re.compile(r"^(?P<place>.+?),\s*(?P<date>\d{1,2}\s+[A-Z][a-z]+\s+\d{4})")
_TRAILING_FOOTNOTES = re.compile(r"(?:\s*\d+\s*,?)+$")
_CHAPTER = re.compile(r"^(?:CHAPTER\s+)?([IVXLC]+)$", re.I)


# --- URLs and keys ---------------------------------------------------------------------------------

def chapter_of(number: str) -> str:
    """The roman chapter of a treaty number: "XXVII" for "XXVII-7-d"."""
    chapter = number.split("-", 1)[0].upper()
    if not _CHAPTER.match(chapter):
        raise ValueError(f"{number!r} is not a UNTC treaty number (CHAPTER-N[-x], e.g. XXVII-7-d)")
    return chapter


def _arabic(roman: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for i, ch in enumerate(roman):
        value = values[ch]
        total += -value if i + 1 < len(roman) and values[roman[i + 1]] > value else value
    return total


def xml_url(number: str) -> str:
    return (f"https://{HOST}/doc/Publication/MTDSG/Volume%20II/Chapter%20{chapter_of(number)}/"
            f"{number}.en.xml")


def html_url(number: str) -> str:
    return (f"https://{HOST}/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no={number}"
            f"&chapter={_arabic(chapter_of(number))}&clang=_en")


def treaty_number(url: str) -> str:
    """The treaty number a status URL names (XML file name or `mtdsg_no=`)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if "mtdsg_no" in query:
        return query["mtdsg_no"][0]
    name = unquote(parts.path).rsplit("/", 1)[-1]
    match = re.match(r"^(.+?)\.en\.xml$", name, re.I)
    if not match:
        raise ValueError(f"{url} names no UNTC treaty (neither an MTDSG .en.xml file nor mtdsg_no=)")
    number = match.group(1)
    # The live site also serves lower-case file names ("xxvii-7-d.en.xml"): the chapter is upper case.
    chapter, _, rest = number.partition("-")
    return f"{chapter.upper()}-{rest}" if rest else chapter.upper()


def instrument_key(number: str) -> str:
    return f"{SOURCE}/{number}"


def instrument_scope(number: str) -> str:
    return f"instruments:{instrument_key(number)}"


def signature_scope(number: str) -> str:
    return f"signatures:{instrument_key(number)}"


def participant_slug(name: str) -> str:
    """The key part of a participant: its name as printed, slugged (parentheses kept, so
    "Congo" and "Democratic Republic of the Congo" stay apart); never empty."""
    return slugify(name) or clean(name).casefold().replace(" ", "-")


# --- what a status says ----------------------------------------------------------------------------

@dataclass
class Dated:
    """One date printed in a cell: "[3 Sep 2016 A]" is 2016-09-03, code A, withdrawn."""

    on: str
    code: str
    withdrawn: bool


@dataclass
class Column:
    label: str  # the header as printed, without footnotes
    role: str  # "name", "signature" or "action"
    meanings: dict[str, str] = field(default_factory=dict)  # suffix -> act, as the header defines them


@dataclass
class Status:
    """A treaty's status, from either form: header facts, columns and cell texts."""

    number: str
    url: str
    title: str
    columns: list[Column]
    rows: list[list[str]]  # cells as printed: footnotes removed, whitespace normalised
    footnotes: list[list[str]]  # per row, the footnote markers of its cells
    signatories: int | None = None
    parties: int | None = None
    status_line: str | None = None
    conclusion: str | None = None
    entry_into_force: str | None = None
    notes: list[str] = field(default_factory=list)
    # end-note index -> withdrawals it tabulates: participant -> (date of notification, date of effect)
    withdrawals: dict[str, dict[str, tuple[str | None, str | None]]] = field(default_factory=dict)


def dates_in(cell: str) -> list[Dated]:
    """Every date in a cell, with its suffix and whether it is bracketed (withdrawn)."""
    found = []
    for match in _DATE.finditer(cell):
        try:
            day = datetime.strptime(f"{match['day']} {match['month'][:3]} {match['year']}", "%d %b %Y")
        except ValueError:
            continue  # "31 Feb 2016" is not a date: better no date than a wrong one
        found.append(Dated(on=day.date().isoformat(), code=match["code"] or "",
                           withdrawn=bool(match["open"] or match["close"])))
    return found


def column_of(label: str, index: int) -> Column:
    if index == 0:
        return Column(label, "name")
    if re.match(r"^signature\b", label, re.I):
        return Column(label, "signature")
    meanings = {}
    for part in (p.strip() for p in label.split(",")):
        coded = _HEADER_CODE.match(part)
        if coded:
            meanings[coded["code"]] = _act(coded["label"])
        elif part and "" not in meanings:
            meanings[""] = _act(part)
    return Column(label, "action", meanings)


def _act(label: str) -> str:
    """"Formal confirmation" -> "formal_confirmation"; "Participation in the Agreement as amended …" -> "participation"."""
    words = label.strip().lower().split()
    if len(words) > 2:
        words = words[:1]
    return "_".join(words)


def parse_date_line(text: str) -> tuple[str | None, str | None]:
    """("Paris", "2015-12-12") from "Paris, 12 December 2015"."""
    match = _CONCLUSION.match(clean(text))
    if not match:
        return None, None
    try:
        day = datetime.strptime(match["date"], "%d %B %Y").date().isoformat()
    except ValueError:
        day = None
    return match["place"], day


def items_of(status: Status) -> Iterator:
    """ScopeReport, Instrument, CountClaims, Signatures of one treaty's status."""
    key = instrument_key(status.number)
    scope = signature_scope(status.number)
    signatures = []
    signed = parties = 0
    unreadable = []
    seen = set()
    for cells, markers in zip(status.rows, status.footnotes, strict=True):
        signature, is_signatory, is_party, odd = _signature(status, key, cells, markers)
        if signature is None:
            continue
        if signature.key in seen:
            status.notes.append(f"{signature.actor_name} is listed twice; the first row counts")
            continue
        seen.add(signature.key)
        signatures.append(signature)
        signed += is_signatory
        parties += is_party
        unreadable.extend(odd)

    mismatches = []
    if status.signatories is not None and signed != status.signatories:
        mismatches.append(f"{status.signatories} signatories stated but {signed} rows carry a signature date")
    if status.parties is not None and parties != status.parties:
        mismatches.append(f"{status.parties} parties stated but {parties} rows carry a ratification-type date")
    notes = list(status.notes)
    stated, qualifier = participants_stated(status)
    if unreadable:
        notes.append("cells without a readable date: " + "; ".join(unreadable[:5]))
    if not signatures:
        yield ScopeReport(kind=ROSTER, landmark="participants_table", source=SOURCE, scope=scope, entity="signature", url=status.url, complete=False,
                          landmarks_missing=["participants_table"], stated=stated, stated_qualifier=qualifier,
                          reason=f"no participant rows in the status of {status.number} at {status.url}")
    elif mismatches:
        yield ScopeReport(kind=ROSTER, landmark="participants_table", source=SOURCE, scope=scope, entity="signature", url=status.url, complete=False,
                          keys=[s.key for s in signatures], stated=stated, stated_qualifier=qualifier,
                          reason=f"the status of {status.number} at {status.url} does not add up "
                                 f"({'; '.join(mismatches)}): "
                                 "its rows are not trusted" + (f"; {'; '.join(notes)}" if notes else ""))
    else:
        yield ScopeReport(kind=ROSTER, landmark="participants_table", source=SOURCE, scope=scope, entity="signature", url=status.url, complete=True,
                          keys=[s.key for s in signatures], stated=stated, stated_qualifier=qualifier,
                          reason="; ".join(notes) or None)
    place, adopted_on = parse_date_line(status.conclusion or "")
    # Each treaty is its own instruments scope: one file failing says nothing about the others.
    yield ScopeReport(kind=ROSTER, landmark="title", source=SOURCE, scope=instrument_scope(status.number), entity="instrument", url=status.url,
                      complete=True, keys=[key])
    yield Instrument(source=SOURCE, key=key, url=status.url, title=status.title, kind="treaty",
                     scope=instrument_scope(status.number),
                     issuer="United Nations (depositary: the Secretary-General)", adopted_on=adopted_on, place=place,
                     text=f"Entry into force: {status.entry_into_force}" if status.entry_into_force else None)
    for unit, count in (("signatories", status.signatories), ("parties", status.parties)):
        if count is not None:
            yield CountClaim(source=SOURCE, key=f"{key}@{unit}", url=status.url, subject_key=key, count=count,
                             unit=unit, text=status.status_line)
    yield from signatures


def participants_stated(status: Status) -> tuple[int | None, str | None]:
    """The count the status states of its participants table, with its qualifier.

    The table lists every participant: each signatory and each party, a state that signed and
    ratified once. "Signatories: 195. Parties: 173." is then at least 195 participants (197 on the
    Paris page of 2018: Nicaragua and Syria acceded without signing), never the 173 parties alone.
    """
    counts = [n for n in (status.signatories, status.parties) if n is not None]
    return (max(counts), "at least") if counts else (None, None)


def _signature(status: Status, key: str, cells: list[str], markers: list[str]):
    """(Signature, is a signatory, is a party, cells without a readable date) of one row."""
    name = _TRAILING_FOOTNOTES.sub("", cells[0]).strip() if cells else ""
    if not name:
        return None, False, False, []
    signatures: list[Dated] = []
    acts: list[tuple[Dated, str]] = []
    odd = []
    for column, cell in zip(status.columns[1:], cells[1:], strict=False):
        if not cell:
            continue
        dated = dates_in(cell)
        if not dated:
            odd.append(f"{name}: {cell!r}")
            continue
        if column.role == "signature":
            signatures.extend(dated)
        else:
            acts.extend((d, column.meanings.get(d.code) or ACTION_CODES.get(d.code, d.code)) for d in dated)
    standing_signatures = [d for d in signatures if not d.withdrawn]
    standing_acts = [(d, act) for d, act in acts if not d.withdrawn]
    signature = (standing_signatures or signatures or [None])[-1]
    act = max(standing_acts or acts, key=lambda pair: pair[0].on, default=None)
    if standing_acts:
        state = "party"
    elif acts or (signatures and not standing_signatures):
        # Every act it made is bracketed: denounced or withdrawn since. Its signature may stand
        # (the United States and the Paris Agreement), but it has left.
        state = "withdrawn"
    elif standing_signatures:
        state = "signatory"
    else:
        state = None
    notified_on = effective_on = None
    if state == "withdrawn":
        # The end-notes the row points to may tabulate the withdrawal: "Participant | Date of
        # notification | Date of effect" (Canada and the Kyoto Protocol: 15 Dec 2011, 15 Dec 2012).
        for marker in (m for cell in markers for m in re.split(r"\s*,\s*", cell) if m):
            found = status.withdrawals.get(marker, {}).get(name.casefold())
            if found:
                notified_on, effective_on = found
                break
    folded = name.casefold()
    kind = "organization" if folded in ORGANIZATIONS else "state"
    printed = " | ".join(cells[1:])
    return (
        Signature(
            source=SOURCE, key=f"{key}/{participant_slug(name)}", url=status.url, instrument_key=key,
            actor_name=name, country=country_code(name), actor_kind=kind,
            signed_on=signature.on if signature else None, status=state,
            action=act[1] if act else None, action_on=act[0].on if act else None,
            as_printed=printed, withdrawal_notified_on=notified_on, withdrawal_effective_on=effective_on,
        ),
        bool(standing_signatures),
        bool(standing_acts),
        odd,
    )


# --- the XML file -----------------------------------------------------------------------------------

def decode(raw: bytes) -> tuple[str, str | None]:
    """(text, note): the bytes decoded as their prolog declares (UTF-8 if it declares nothing).

    UNTC files declare ISO-8859-1 and are; a file whose bytes do not fit its declaration is read
    as valid UTF-8 if it is, else as Latin-1 (which never fails), and the note says so.
    """
    declared = _DECLARED.match(raw)
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    single_byte = encoding.replace("_", "-") in ("iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252")
    if single_byte and re.search(rb"[\xc2-\xf4][\x80-\xbf]", raw):
        try:
            return raw.decode("utf-8"), f"declared {encoding} but the bytes are UTF-8; read as UTF-8"
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode(encoding), None
    except LookupError:
        raise ParseError(f"{SOURCE}: unknown encoding {encoding!r} declared", landmarks=("status_file",)) from None
    except UnicodeDecodeError as error:
        try:
            return raw.decode("utf-8"), f"declared {encoding} but the bytes are UTF-8; read as UTF-8"
        except UnicodeDecodeError:
            return raw.decode("latin-1"), (f"declared {encoding} but byte {error.start} is not {encoding}; "
                                           "read as Latin-1")


_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def _xml_char_or_space(match) -> str:
    code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    valid = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
    return match.group(0) if valid else " "


def safe_tree(text: str, url: str):
    """The XML tree of a status file, repaired and parsed without expanding any entity."""
    from lxml import etree

    if re.search(r"<!ENTITY", text[:20000], re.I):
        raise ParseError(f"{SOURCE}: {url} declares XML entities (<!ENTITY>); status files never do, and "
                         "entities are never expanded (entity-expansion protection)", landmarks=("status_file",))
    text = _PROLOG.sub("", text, count=1)
    text = _CONTROL.sub(" ", text)  # control bytes pasted from word processors; XML 1.0 forbids them
    text = _BARE_AMP.sub("&amp;", text)  # "<text type="para">&</text>" in the Paris file
    # A reference to no XML character (&#0;, a surrogate &#xD800;): lxml's recovery keeps it as bytes
    # that are not UTF-8, and reading the element's text then raised UnicodeDecodeError.
    text = _CHAR_REF.sub(_xml_char_or_space, text)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             recover=True, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as error:
        raise ParseError(f"{SOURCE}: {url} is not XML ({error})", landmarks=("status_file",)) from None
    if root is None or root.tag != "Document" or root.find("Treaty") is None:
        raise ParseError(f"{SOURCE}: {url} is not an MTDSG status file (no <Document><Treaty>)",
                         landmarks=("status_file",))
    return root


def _text(element) -> str:
    return clean("".join(element.itertext())) if element is not None else ""


def _without_footnotes(text: str) -> tuple[str, str]:
    """("Denmark", "1") from "Denmark<superscript>1</superscript>"; other escaped tags dropped."""
    markers = ",".join(m.group(1) for m in _SUPERSCRIPT.finditer(text))
    bare = _TAG.sub(" ", _SUPERSCRIPT.sub(" ", text))
    return clean(bare), markers


def parse_status_xml(raw: bytes | str, url: str) -> Iterator:
    """Items of one MTDSG XML status file (bytes as received, or text already decoded)."""
    if isinstance(raw, bytes):
        text, note = decode(raw)
    else:
        text, note = raw, None
    number = treaty_number(url)
    root = safe_tree(text, url)
    treaty = root.find("Treaty")
    data = treaty.find("Header/ExternalData")
    chapter = _text(treaty.find("Header/Chapter/Header"))
    if data is not None and chapter:
        printed_number = "-".join(p for p in (chapter.split()[-1], _text(data.find("Numsect")),
                                              _text(data.find("Subnumsect"))) if p)
        if printed_number.upper() != number.upper():
            raise ParseError(f"{SOURCE}: {url} holds the status of {printed_number}, not {number}",
                             landmarks=("status_file",))
    title = ""
    if data is not None:
        title = _without_footnotes(_text(data.find("Subtitlesect")) or _text(data.find("Titlesect")))[0]
    if not title:
        raise ParseError(f"{SOURCE}: no treaty title (<Titlesect>/<Subtitlesect>) in {url}", landmarks=("title",))
    group = treaty.find("Participants/Table/TGroup")
    head = group.find("Thead/Row") if group is not None else None
    if head is None:
        raise ParseError(f"{SOURCE}: no participants table (Participants/Table/TGroup/Thead) in {url}",
                         landmarks=("participants_table",))
    labels = [_without_footnotes(_text(entry))[0] for entry in head.findall("Entry")]
    if not labels or not labels[0].lower().startswith("participant"):
        raise ParseError(f"{SOURCE}: the participants table of {url} does not start with a 'Participant' column "
                         f"(header: {labels})", landmarks=("participants_table",))
    rows, footnotes = [], []
    for row in group.iterfind("Tbody//Row"):  # Tbody > Rows > Row in every file seen; Tbody > Row tolerated
        cells = [_without_footnotes(_text(entry)) for entry in row.findall("Entry")]
        rows.append([c[0] for c in cells])
        footnotes.append([c[1] for c in cells])
    withdrawals = _withdrawal_tables(treaty.find("EndNotes"))
    status_element = data.find("Status") if data is not None else None
    signatories = _count(status_element, "Signatories")
    parties = _count(status_element, "Parties")
    status = Status(
        number=number, url=url, title=title, columns=[column_of(label, i) for i, label in enumerate(labels)],
        rows=rows, footnotes=footnotes, signatories=signatories, parties=parties,
        status_line=_status_line(signatories, parties),
        conclusion=_without_footnotes(_text(data.find("Conclusion")))[0] if data is not None else None,
        entry_into_force=_text(data.find("EIF/Labeltext")) or None if data is not None else None,
        notes=[note] if note else [],
        withdrawals=withdrawals,
    )
    yield from items_of(status)


def _withdrawal_tables(end_notes) -> dict[str, dict[str, tuple[str | None, str | None]]]:
    """For each end-note that speaks of a withdrawal or denunciation and tabulates it: who, notified
    when, effective when (dates only as printed in the table)."""
    found: dict[str, dict[str, tuple[str | None, str | None]]] = {}
    if end_notes is None:
        return found
    for note in end_notes.findall("Note"):
        index = _text(note.find("index"))
        if not index or not re.search(r"withdr|denounc", _text(note), re.I):
            continue
        for table in note.findall("table"):
            for row in table.findall("row"):
                cols = [_without_footnotes(_text(col))[0] for col in row.findall("col")]
                notified = dates_in(cols[1]) if len(cols) >= 3 else []
                if notified:
                    effective = dates_in(cols[2])
                    found.setdefault(index, {})[cols[0].casefold()] = (
                        notified[0].on, effective[0].on if effective else None)
    return found


parse_status_xml.accepts_bytes = True  # `glocal parse` hands it the file's bytes, undecoded


def _count(status_element, name: str) -> int | None:
    if status_element is None:
        return None
    text = _without_footnotes(_text(status_element.find(name)))[0]
    return int(text) if text.isdigit() else None


# --- the HTML page ----------------------------------------------------------------------------------

GRID_ID = "ctl00_ctl00_ContentPlaceHolder1_ContentPlaceHolderInnerPage_tblgrid"
_STATUS_AS_AT = re.compile(r"STATUS\s+AS\s+AT\s*:?\s*(\d{2})-(\d{2})-(\d{4})", re.I)
_COUNTS = re.compile(r"Signatories\s*:\s*(\d+)|Parties\s*:\s*(\d+)", re.I)


def _status_line(signatories: int | None, parties: int | None) -> str | None:
    """The line "Status: Signatories: N. Parties: M." from the counts the XML file or the HTML page states."""
    line = ". ".join(f"{label}: {n}" for label, n in (("Signatories", signatories), ("Parties", parties))
                     if n is not None)
    return f"Status: {line}." if line else None


def parse_status_html(html: str, url: str) -> Iterator:
    """Items of the HTML status page (the fallback when the XML file is missing or unreadable)."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    number = treaty_number(url)
    soup = soup_of(html, url, source=SOURCE, landmark="status_file", tags=("html", "body", "table"))
    grid = soup.find("table", id=GRID_ID) or _table_by_header(soup)
    text = clean(soup.body or soup)
    if grid is None:
        if not _STATUS_AS_AT.search(text):
            raise ParseError(f"{SOURCE}: {url} is not a UNTC status page (no 'STATUS AS AT' line, no participant "
                             "table)", landmarks=("status_file", "participants_table"))
        raise ParseError(f"{SOURCE}: no participants table ({GRID_ID}) on {url}", landmarks=("participants_table",))
    markers_by_cell = {}
    for sup in grid.find_all("sup"):
        markers_by_cell.setdefault(id(sup.find_parent(["td", "th"])), []).append(clean(sup).strip(" ,"))
        sup.replace_with(" ")
    rows, footnotes = [], []
    table_rows = grid.find_all("tr")
    labels = [clean(c) for c in table_rows[0].find_all(["td", "th"])] if table_rows else []
    for tr in table_rows[1:]:
        cells = tr.find_all(["td", "th"])
        rows.append([clean(c) for c in cells])
        footnotes.append([",".join(markers_by_cell.get(id(c), [])) for c in cells])
    title = _html_title(soup)
    if not title:
        raise ParseError(f"{SOURCE}: no treaty title on {url}", landmarks=("title",))
    signatories = parties = None
    for match in _COUNTS.finditer(text):
        if match.group(1) and signatories is None:
            signatories = int(match.group(1))
        if match.group(2) and parties is None:
            parties = int(match.group(2))
    status = Status(
        number=number, url=url, title=title, columns=[column_of(label, i) for i, label in enumerate(labels)],
        rows=rows, footnotes=footnotes, signatories=signatories, parties=parties,
        status_line=_status_line(signatories, parties),
        conclusion=_html_conclusion(soup),
        entry_into_force=_html_field(soup, "Entry into force") or None,
    )
    yield from items_of(status)


def _table_by_header(soup):
    for table in soup.find_all("table"):
        first = table.find("tr")
        if first is not None and clean(first).lower().startswith("participant"):
            return table
    return None


def _html_field(soup, label: str) -> str:
    """The value cell after a label cell ("Entry into force :" | "4 November 2016, in accordance …")."""
    for cell in soup.find_all(["td", "th", "span", "div"]):
        if re.fullmatch(rf"{re.escape(label)}\s*:?", clean(cell), re.I):
            value = cell.find_next(["td", "span", "div"])
            return clean(value) if value is not None else ""
    return ""


def _html_conclusion(soup) -> str | None:
    """The "Paris, 12 December 2015" line under the title."""
    for cell in soup.find_all("td"):
        text = clean(cell)
        if re.fullmatch(r"[A-Z][\w .'-]+,\s*\d{1,2}\s+[A-Z][a-z]+\s+\d{4}", text) and not cell.find("td"):
            return text
    return None


def _html_title(soup) -> str:
    """The title is the line after "CHAPTER {roman} {NAME}": "7 . d Paris Agreement"."""
    for cell in soup.find_all(["td", "div", "span", "h1", "h2", "h3", "p"]):
        match = re.fullmatch(r"\d+\s*\.\s*(?:[a-z0-9]+\s+)?(?P<title>[A-Z].{3,})", clean(cell))
        if match and not cell.find(["td", "div", "table"]):
            return _TRAILING_FOOTNOTES.sub("", match["title"]).strip()
    return _html_field(soup, "Title")


# One route per form of a status; both report on the treaty's signatory list.
SIGNATORIES = Scope(Signature, ROSTER, lambda url: signature_scope(treaty_number(url)),
                    landmark="participants_table")
ROUTES = Routes(
    Route(r"/Pages/ViewDetails\.aspx\?", parse_status_html, SIGNATORIES,
          example="https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XXVII-7-d&chapter=27&clang=_en",
          returns="items 200"),
    Route(r"\.en\.xml$", parse_status_xml, SIGNATORIES, format="xml",
          example="https://treaties.un.org/doc/Publication/MTDSG/Volume%20II/Chapter%20XXVII/XXVII-7-d.en.xml",
          returns="items 200"),
)
